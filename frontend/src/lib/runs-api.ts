/** The run endpoints every feature uses (DESIGN §4, Runs); SSE lives in run-events. */
import type { ApiClient } from "./api-client";
import type { Page, Run } from "./types";

export async function getRun(client: ApiClient, id: string, signal?: AbortSignal): Promise<Run> {
  return (await client.get<{ run: Run }>(`/mix-chat-runs/${id}`, undefined, signal)).run;
}

/** A failed run again, as a new run. */
export async function retryRun(client: ApiClient, id: string): Promise<Run> {
  return (await client.post<{ run: Run }>(`/mix-chat-runs/${id}/retry`)).run;
}

export async function cancelRun(client: ApiClient, id: string): Promise<Run> {
  return (await client.post<{ run: Run }>(`/mix-chat-runs/${id}/cancel`)).run;
}

/** The signed-in user's queued and running runs, across every chat (newest first). */
export async function listActiveRuns(client: ApiClient, signal?: AbortSignal): Promise<Run[]> {
  return (await client.get<Page<Run>>("/mix-chat-runs", { active: 1, limit: 50 }, signal)).items;
}
