/** Which run belongs to which chat message. */
import { TERMINAL_RUN_STATUSES, type Run } from "@/lib/types";

export function isActiveRun(run: Pick<Run, "status">): boolean {
  return !TERMINAL_RUN_STATUSES.has(run.status);
}

function newestFirst(a: Run, b: Run): number {
  return b.created_at.localeCompare(a.created_at);
}

/** The newest run that answers into this message (a placeholder, or a retried error). */
export function runForMessage(messageId: string, runs: readonly Run[]): Run | undefined {
  return [...runs].filter((run) => run.assistant_message_id === messageId).sort(newestFirst)[0];
}

/**
 * The failed run an error message can be retried from, or null: none failed, one is already
 * working on it, or a later run already answered the same user message (a retry answers in a
 * new message and points its run there).
 */
export function retryableRun(messageId: string, runs: readonly Run[], explicitRunId?: string | null): Run | null {
  const mine = [...runs].filter((run) => run.assistant_message_id === messageId || run.id === explicitRunId).sort(newestFirst);
  if (mine.some(isActiveRun)) return null;
  const failed = mine.find((run) => run.status === "failed");
  if (!failed) return null;
  const retried = runs.some(
    (run) =>
      run.id !== failed.id &&
      failed.user_message_id !== null &&
      run.user_message_id === failed.user_message_id &&
      run.created_at > failed.created_at,
  );
  return retried ? null : failed;
}

/** Add or replace a run in a list (newest first). */
export function upsertRun(runs: readonly Run[], run: Run): Run[] {
  return [run, ...runs.filter((existing) => existing.id !== run.id)];
}

/** The library track a completed `generate` run made (its result's `track_id`), or null. */
export function generatedTrackId(run: Pick<Run, "kind" | "status" | "result"> | null | undefined): string | null {
  if (!run || run.kind !== "generate" || run.status !== "completed") return null;
  const trackId = run.result?.track_id;
  return typeof trackId === "string" && trackId !== "" ? trackId : null;
}
