/** Server state of one chat: thread, messages (cursor pages), runs, and what a post changes. */
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type InfiniteData,
  type QueryClient,
} from "@tanstack/react-query";
import { useCallback, useMemo } from "react";

import { api } from "@/lib/api";
import { getRun } from "@/lib/runs-api";
import type { CursorPage, Id, Message, Run } from "@/lib/types";

import { chatKeys, getDraft, getThread, libraryCount, listMessages, listRuns, postMessage } from "../api/chats";
import { flattenMessagePages } from "../lib/messages";
import { upsertRun } from "../lib/runs";
import type { MessageBody, PostedTurn } from "../types";

export function useThread(threadId: Id) {
  return useQuery({ queryKey: chatKeys.thread(threadId), queryFn: () => getThread(threadId) });
}

export function useMessages(threadId: Id) {
  const query = useInfiniteQuery({
    queryKey: chatKeys.messages(threadId),
    queryFn: ({ pageParam }) => listMessages(threadId, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => (page.has_more ? page.next_cursor : undefined),
  });
  const messages = useMemo(() => flattenMessagePages(query.data?.pages ?? []), [query.data]);
  return { ...query, messages };
}

/** The thread's unfinished runs (after a reload too), plus the ones this tab started. */
export function useActiveRuns(threadId: Id) {
  return useQuery({ queryKey: chatKeys.activeRuns(threadId), queryFn: () => listRuns(threadId, true), staleTime: 5_000 });
}

/** Every run of the thread (to find the failed run behind an error message). */
export function useThreadRuns(threadId: Id, enabled: boolean) {
  return useQuery({ queryKey: chatKeys.runs(threadId), queryFn: () => listRuns(threadId, false), enabled });
}

/** A run as last seen (the follower keeps it fresh through the shared ["run", id] entry). */
export function useRunSnapshot(runId: Id | null | undefined, fallback?: Run): Run | undefined {
  const { data } = useQuery({
    queryKey: chatKeys.run(runId ?? "none"),
    queryFn: () => getRun(api, runId ?? ""),
    enabled: false,
  });
  return data ?? fallback;
}

export function useDraft(threadId: Id, draftId: Id | null | undefined) {
  return useQuery({
    queryKey: chatKeys.draft(threadId, draftId ?? "none"),
    queryFn: () => getDraft(threadId, draftId ?? ""),
    enabled: !!draftId,
    staleTime: 30_000,
  });
}

export function useLibraryCount(enabled = true) {
  return useQuery({ queryKey: chatKeys.libraryCount(), queryFn: libraryCount, enabled, staleTime: 60_000 });
}

/** Put a just-posted turn in the caches: its messages at the end, its run among the active ones. */
export function applyPosted(queryClient: QueryClient, threadId: Id, posted: PostedTurn): void {
  const fresh = [posted.user_message, posted.assistant_message_placeholder].filter((m): m is Message => !!m);
  queryClient.setQueryData<InfiniteData<CursorPage<Message>, string | null>>(chatKeys.messages(threadId), (data) => {
    if (!data || data.pages.length === 0) return data;
    const [newest, ...older] = data.pages;
    if (!newest) return data;
    const known = new Set(newest.items.map((m) => m.id));
    const items = [...newest.items, ...fresh.filter((m) => !known.has(m.id))];
    return { ...data, pages: [{ ...newest, items }, ...older] };
  });
  if (posted.run) {
    queryClient.setQueryData(chatKeys.run(posted.run.id), (current: Run | undefined) => current ?? posted.run);
    queryClient.setQueryData<Run[]>(chatKeys.activeRuns(threadId), (runs) => upsertRun(runs ?? [], posted.run));
  }
  void queryClient.invalidateQueries({ queryKey: chatKeys.messages(threadId) });
  void queryClient.invalidateQueries({ queryKey: chatKeys.thread(threadId) });
  void queryClient.invalidateQueries({ queryKey: chatKeys.threadLists() });
  void queryClient.invalidateQueries({ queryKey: chatKeys.drafts(threadId) });
}

/** Add a run (a retry) to the active ones. */
export function applyRun(queryClient: QueryClient, threadId: Id, run: Run): void {
  queryClient.setQueryData(chatKeys.run(run.id), run);
  queryClient.setQueryData<Run[]>(chatKeys.activeRuns(threadId), (runs) => upsertRun(runs ?? [], run));
  void queryClient.invalidateQueries({ queryKey: chatKeys.runs(threadId) });
}

/** What a finished run changes: the thread's messages, drafts, title and runs. */
export function useRunFinished(threadId: Id): (run: Run) => void {
  const queryClient = useQueryClient();
  return useCallback(
    (run: Run) => {
      queryClient.setQueryData<Run[]>(chatKeys.activeRuns(threadId), (runs) => (runs ?? []).filter((r) => r.id !== run.id));
      void queryClient.invalidateQueries({ queryKey: chatKeys.messages(threadId) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.thread(threadId) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.threadLists() });
      void queryClient.invalidateQueries({ queryKey: chatKeys.drafts(threadId) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.runs(threadId) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.activeRuns(threadId) });
    },
    [queryClient, threadId],
  );
}

/** Post to the chat; each call is one turn with its own Idempotency-Key (or the one given). */
export function usePostMessage(threadId: Id) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ body, key }: { body: MessageBody; key?: string }) => postMessage(threadId, body, key),
    onSuccess: (posted) => applyPosted(queryClient, threadId, posted),
  });
}
