import { RunProgress } from "@/components/RunProgress";
import type { Message, Run } from "@/lib/types";

import { useRunSnapshot } from "../hooks/use-chat";
import { runForMessage } from "../lib/runs";
import { useChat } from "./chat-context";

/** A run's live progress, wrapped for tests. */
export function RunBox({ run }: { run: Run }) {
  return (
    <div data-testid="run-progress" aria-live="polite">
      <RunProgress run={run} />
    </div>
  );
}

/** The live progress of the run that answers into this message, if one is working on it. */
export function useMessageRun(messageId: string): Run | undefined {
  const { activeRuns } = useChat();
  const known = runForMessage(messageId, activeRuns);
  return useRunSnapshot(known?.id, known);
}

/** An assistant placeholder: its run's progress until the answer arrives. */
export function PendingReply({ message }: { message: Message }) {
  const run = useMessageRun(message.id);
  return (
    <article className="msg msg-assistant msg-pending" aria-label="Assistant is working" aria-busy="true">
      {run ? (
        <RunBox run={run} />
      ) : (
        <p className="muted pending-dots" aria-live="polite">
          {message.status === "running" ? "Working on it…" : "Waiting for a worker…"}
        </p>
      )}
    </article>
  );
}
