import { useMutation, useQueryClient } from "@tanstack/react-query";

import { ErrorNotice } from "@/components/ErrorNotice";
import { api } from "@/lib/api";
import { retryRun } from "@/lib/runs-api";
import type { ErrorContent, Message } from "@/lib/types";

import { applyRun, usePostMessage, useThreadRuns } from "../hooks/use-chat";
import { repostBody } from "../lib/messages";
import { isActiveRun, retryableRun, runForMessage } from "../lib/runs";
import { useChat } from "./chat-context";
import { RunBox, useMessageRun } from "./PendingReply";

/** A run that failed or was cancelled: what happened, and a way to try again when there is one. */
export function ErrorCard({ message, content }: { message: Message; content: Partial<ErrorContent> }) {
  const { threadId, messagesById } = useChat();
  const queryClient = useQueryClient();
  const runs = useThreadRuns(threadId, true);
  const working = useMessageRun(message.id);
  const allRuns = runs.data ?? [];
  const failed = retryableRun(message.id, allRuns, content.run_id);
  const last = runForMessage(message.id, allRuns);
  const cancelled = last?.status === "cancelled" || content.code === "RUN_CANCELLED";
  const userMessage = last?.user_message_id ? messagesById.get(last.user_message_id) : undefined;
  const again = cancelled && userMessage ? repostBody(userMessage) : null;
  const laterReply =
    !!last?.user_message_id &&
    allRuns.some((run) => run.user_message_id === last.user_message_id && run.created_at > last.created_at);

  const retry = useMutation({
    mutationFn: () => retryRun(api, failed?.id ?? ""),
    onSuccess: (run) => applyRun(queryClient, threadId, run),
  });
  const repost = usePostMessage(threadId);
  const busy = retry.isPending || repost.isPending || (!!working && isActiveRun(working));

  return (
    <article
      className={`card ${cancelled ? "stopped-card" : "error-card"}`}
      data-testid="error-card"
      data-cancelled={cancelled}
      role="group"
      aria-label={cancelled ? "Cancelled" : "Something went wrong"}
    >
      {cancelled ? (
        <p className="stopped-text">
          <strong>Cancelled:</strong> {content.message || message.content_text || "You stopped this run."}
        </p>
      ) : (
        <p className="error-text">
          <strong>It did not work:</strong> {content.message || message.content_text || "Something went wrong."}
        </p>
      )}
      {content.code && !cancelled && <p className="muted small-text">Code {content.code}</p>}
      {working && isActiveRun(working) && <RunBox run={working} />}
      {retry.error ? <ErrorNotice error={retry.error} /> : null}
      {repost.error ? <ErrorNotice error={repost.error} /> : null}
      {cancelled && !(again && !laterReply) && (
        <p className="muted small-text">
          Nothing was changed. Start it again when you are ready (Re-render on a mix, or a new message).
        </p>
      )}
      <div className="card-actions">
        {content.retryable !== false && failed && (
          <button type="button" className="button" disabled={busy || retry.isSuccess} onClick={() => retry.mutate()}>
            {retry.isPending ? "Retrying…" : "Retry"}
          </button>
        )}
        {again && !laterReply && (
          <button
            type="button"
            className="button"
            disabled={busy || repost.isSuccess}
            onClick={() => repost.mutate({ body: again })}
          >
            {repost.isPending ? "Sending…" : "Try again"}
          </button>
        )}
      </div>
    </article>
  );
}
