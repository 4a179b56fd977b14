/** The chats API (DESIGN §4) through the shared client, and the query keys of this feature. */
import { api } from "@/lib/api";
import type { CursorPage, Id, Message, Page, Run, Segment, Thread, Track } from "@/lib/types";

import { newIdempotencyKey } from "../lib/ids";
import type { CreatedThread, DraftSummary, MessageBody, PostedTurn, RerenderAnswer } from "../types";

export const MESSAGE_PAGE_SIZE = 30;
export const THREAD_PAGE_SIZE = 30;

export const chatKeys = {
  all: ["chats"] as const,
  threads: (archived: boolean) => ["chats", "threads", { archived }] as const,
  threadLists: () => ["chats", "threads"] as const,
  thread: (id: Id) => ["chats", "thread", id] as const,
  messages: (id: Id) => ["chats", "messages", id] as const,
  activeRuns: (id: Id) => ["chats", "active-runs", id] as const,
  runs: (id: Id) => ["chats", "runs", id] as const,
  drafts: (threadId: Id) => ["chats", "draft", threadId] as const,
  draft: (threadId: Id, draftId: Id) => ["chats", "draft", threadId, draftId] as const,
  track: (id: Id) => ["chats", "track", id] as const,
  libraryCount: () => ["chats", "library-count"] as const,
  run: (id: Id) => ["run", id] as const, // shared with useRun
};

export function listThreads(archived: boolean, page: number): Promise<Page<Thread>> {
  return api.get<Page<Thread>>("/mix-chats", { archived: archived ? "true" : "false", page, limit: THREAD_PAGE_SIZE });
}

export async function getThread(id: Id): Promise<Thread> {
  return (await api.get<{ thread: Thread }>(`/mix-chats/${id}`)).thread;
}

export function createThread(body: { title?: string; initial_prompt?: string } = {}): Promise<CreatedThread> {
  return api.post<CreatedThread>("/mix-chats", body);
}

export async function updateThread(id: Id, patch: { title?: string; archived?: boolean }): Promise<Thread> {
  return (await api.patch<{ thread: Thread }>(`/mix-chats/${id}`, patch)).thread;
}

export function deleteThread(id: Id): Promise<void> {
  return api.delete(`/mix-chats/${id}`);
}

export function listMessages(id: Id, cursor: string | null): Promise<CursorPage<Message>> {
  return api.get<CursorPage<Message>>(`/mix-chats/${id}/messages`, { limit: MESSAGE_PAGE_SIZE, cursor });
}

/** A post with its own Idempotency-Key (pass one to make a repeat of the same post safe). */
export function postMessage(id: Id, body: MessageBody, key: string = newIdempotencyKey()): Promise<PostedTurn> {
  return api.post<PostedTurn>(`/mix-chats/${id}/messages`, body, { "Idempotency-Key": key });
}

export async function listRuns(id: Id, activeOnly: boolean): Promise<Run[]> {
  const page = await api.get<Page<Run>>(`/mix-chats/${id}/runs`, { active: activeOnly ? 1 : undefined, limit: 100 });
  return page.items;
}

/** Re-render a version; unless `force`d, an unchanged version answers with what already exists. */
export function rerenderVersion(threadId: Id, versionId: Id, force = false): Promise<RerenderAnswer> {
  return api.post<RerenderAnswer>(`/mix-chats/${threadId}/versions/${versionId}/render`, { force });
}

export function startEditRun(threadId: Id, versionId: Id, segments: Segment[], note?: string): Promise<PostedTurn> {
  return api.post<PostedTurn>(`/mix-chats/${threadId}/versions/${versionId}/edit-runs`, note ? { segments, note } : { segments });
}

export async function getDraft(threadId: Id, draftId: Id): Promise<DraftSummary> {
  return (await api.get<{ draft: DraftSummary }>(`/mix-chats/${threadId}/plan-drafts/${draftId}`)).draft;
}

export async function getTrack(id: Id): Promise<Track> {
  return (await api.get<{ track: Track }>(`/tracks/${id}`)).track;
}

export async function libraryCount(): Promise<number> {
  return (await api.get<Page<Track>>("/tracks", { limit: 1 })).total;
}
