import { useCallback, useEffect, useEffectEvent, useMemo, useRef, useState, type ComponentType } from "react";
import { Link } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import { useRun } from "@/hooks/use-run";
import { ApiError } from "@/lib/api-client";
import type { Id, Run, TimelineAttachment, TimelineEditorProps } from "@/lib/types";

import { useActiveRuns, useLibraryCount, useMessages, usePostMessage, useRunFinished, useThread } from "../hooks/use-chat";
import { useFollowNewest } from "../hooks/use-follow-newest";
import { composeBody } from "../lib/compose";
import { newIdempotencyKey } from "../lib/ids";
import { draftStatus } from "../lib/planning";
import { isPlaceholder } from "../lib/messages";
import { isActiveRun, runForMessage } from "../lib/runs";
import type { EditorTarget, RevisionTarget } from "../types";
import { ChatContext, type ChatContextValue } from "./chat-context";
import { Composer, type ComposerHandle } from "./Composer";
import { MessageItem } from "./MessageItem";
import { TimelineDialog } from "./TimelineDialog";

export const EXAMPLE_PROMPTS = [
  "Mix Warehouse Sunrise and Night Runner at 124 bpm, about 90 seconds",
  "A 3 minute warm-up mix of my library, rising energy",
  "Suggest three tracks for a workout mix",
  "Generate a 30 second deep house loop at 122 bpm",
];

/** Follows one run (one SSE connection) and reports when it ends. */
function RunFollower({ runId, onTerminal }: { runId: Id; onTerminal: (run: Run) => void }) {
  useRun(runId, onTerminal);
  return null;
}

/** Example prompts and, when the library is empty, where to get tracks. */
export function StarterHints({ onPick }: { onPick: (prompt: string) => void }) {
  const library = useLibraryCount();
  return (
    <div className="starter">
      <p className="muted">
        Tell the studio what to mix: tracks, tempo, length, mood. It plans first, you approve, then it renders.
      </p>
      <div className="chips" role="group" aria-label="Example prompts">
        {EXAMPLE_PROMPTS.map((prompt) => (
          <button key={prompt} type="button" className="chip" onClick={() => onPick(prompt)}>
            {prompt}
          </button>
        ))}
      </div>
      {library.data === 0 && (
        <p className="starter-library" role="note">
          Your library is empty. <Link to="/library">Add tracks or the demo set in the Library</Link> first, so there is something
          to mix.
        </p>
      )}
    </div>
  );
}

/** One open chat: header, messages, composer, and the timeline editor when asked for. */
export function ChatView({ threadId, TimelineEditor }: { threadId: Id; TimelineEditor: ComponentType<TimelineEditorProps> }) {
  const thread = useThread(threadId);
  const messages = useMessages(threadId);
  const activeRuns = useActiveRuns(threadId);
  const post = usePostMessage(threadId);
  const runFinished = useRunFinished(threadId);
  const composer = useRef<ComposerHandle>(null);
  const sendKey = useRef<{ signature: string; key: string } | null>(null);
  const [attachment, setAttachment] = useState<TimelineAttachment | null>(null);
  const [revision, setRevision] = useState<RevisionTarget | null>(null);
  const [editor, setEditor] = useState<EditorTarget | null>(null);

  const runs = useMemo(() => activeRuns.data ?? [], [activeRuns.data]);
  const messagesById = useMemo(() => new Map(messages.messages.map((m) => [m.id, m])), [messages.messages]);
  const focusComposer = useCallback(() => requestAnimationFrame(() => composer.current?.focus()), []);
  const attach = useCallback(
    (next: TimelineAttachment) => {
      setAttachment(next);
      setEditor(null);
      focusComposer();
    },
    [focusComposer],
  );
  const closeEditor = useCallback(() => setEditor(null), []);

  const context = useMemo<ChatContextValue>(
    () => ({
      threadId,
      thread: thread.data,
      activeRuns: runs,
      messagesById,
      attach,
      revise: setRevision,
      openEditor: setEditor,
      focusComposer,
    }),
    [threadId, thread.data, runs, messagesById, attach, focusComposer],
  );

  // A run that ended while nobody followed it (it left the active list, or ended between the
  // two requests after a reload) still has to fill its placeholder on screen.
  const previousRuns = useRef<Set<Id>>(new Set());
  const refetchMessages = useEffectEvent(() => void messages.refetch());
  const refetchAll = useEffectEvent(() => {
    void messages.refetch();
    void activeRuns.refetch();
  });
  useEffect(() => {
    if (!activeRuns.data) return;
    const now = new Set(activeRuns.data.map((run) => run.id));
    const gone = [...previousRuns.current].some((id) => !now.has(id));
    previousRuns.current = now;
    if (gone) refetchMessages();
  }, [activeRuns.data]);
  const orphaned = activeRuns.isSuccess && messages.messages.some((m) => isPlaceholder(m) && !runForMessage(m.id, runs));
  useEffect(() => {
    if (!orphaned) return undefined;
    const timer = setInterval(refetchAll, 3000);
    return () => clearInterval(timer);
  }, [orphaned]);

  // The newest message stays in view; what the reader sends (an approval too) brings them down.
  const newestId = messages.messages.at(-1)?.id;
  const newestMineId = messages.messages.findLast((message) => message.role === "user")?.id;
  const { setScroller, setContent, onScroll, behind, jumpToNewest } = useFollowNewest(newestId, newestMineId);

  const send = async (text: string) => {
    const body = composeBody({ text, attachment, revision });
    if (!body) return;
    // One key per message: a second click or a retry of the same words never posts twice.
    const signature = JSON.stringify(body);
    if (sendKey.current?.signature !== signature) sendKey.current = { signature, key: newIdempotencyKey() };
    await post.mutateAsync({ body, key: sendKey.current.key });
    sendKey.current = null;
    setAttachment(null);
    setRevision(null);
  };

  if (thread.error) {
    const missing = thread.error instanceof ApiError && thread.error.status === 404;
    return (
      <div className="chat-missing empty-state">
        <h1>{missing ? "This chat does not exist" : "The chat could not be loaded"}</h1>
        {missing ? (
          <Link to="/studio">Back to the studio</Link>
        ) : (
          <ErrorNotice error={thread.error} onRetry={() => void thread.refetch()} />
        )}
      </div>
    );
  }

  const status = thread.data?.active_planning_status ? draftStatus(thread.data.active_planning_status) : null;
  const empty = messages.isSuccess && messages.messages.length === 0;
  const working = runs.some(isActiveRun);

  return (
    <ChatContext.Provider value={context}>
      {runs.filter(isActiveRun).map((run) => (
        <RunFollower key={run.id} runId={run.id} onTerminal={runFinished} />
      ))}
      <header className="chat-head">
        <h1>{thread.data?.title ?? "Loading…"}</h1>
        <div className="badges">
          {thread.data?.archived && <span className="badge">Archived</span>}
          {status && <span className={`badge ${status.tone}`}>Plan: {status.text}</span>}
          {working && <span className="badge warn">Working…</span>}
        </div>
      </header>
      <div className="chat-scroll">
        <section
          className="chat-thread"
          data-testid="chat-thread"
          aria-label="Conversation"
          aria-busy={messages.isPending}
          ref={setScroller}
          onScroll={onScroll}
        >
          <div className="chat-content" ref={setContent}>
            {messages.hasNextPage && (
              <button
                type="button"
                className="button ghost small load-earlier"
                onClick={() => void messages.fetchNextPage()}
                disabled={messages.isFetchingNextPage}
              >
                {messages.isFetchingNextPage ? "Loading…" : "Load earlier messages"}
              </button>
            )}
            {messages.isPending ? (
              <p className="muted">Loading messages…</p>
            ) : messages.error ? (
              <ErrorNotice error={messages.error} onRetry={() => void messages.refetch()} />
            ) : empty ? (
              <div className="chat-empty">
                <h2>Start your mix</h2>
                <StarterHints onPick={(prompt) => composer.current?.setText(prompt)} />
              </div>
            ) : (
              <ol className="messages" aria-live="polite" aria-relevant="additions">
                {messages.messages.map((message) => (
                  <li key={message.id} className={`message-row ${message.role}`}>
                    <MessageItem message={message} />
                  </li>
                ))}
              </ol>
            )}
          </div>
        </section>
        {behind && (
          <button type="button" className="button small jump-newest" onClick={jumpToNewest}>
            ↓ Newest message
          </button>
        )}
      </div>
      <Composer
        ref={composer}
        onSend={send}
        pending={post.isPending}
        error={post.error}
        attachment={attachment}
        onRemoveAttachment={() => setAttachment(null)}
        revision={revision}
        onCancelRevision={() => setRevision(null)}
      />
      {editor && (
        <TimelineDialog
          threadId={threadId}
          target={editor}
          TimelineEditor={TimelineEditor}
          onAttach={attach}
          onClose={closeEditor}
        />
      )}
    </ChatContext.Provider>
  );
}
