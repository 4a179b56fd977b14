import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type ComponentType } from "react";
import { useNavigate, useParams } from "react-router";

import type { TimelineEditorProps } from "@/lib/types";

import { chatKeys, createThread } from "../api/chats";
import { applyPosted } from "../hooks/use-chat";
import { ChatView, StarterHints } from "./ChatView";
import { Composer, type ComposerHandle } from "./Composer";
import { ThreadSidebar } from "./ThreadSidebar";
import "../chats.css";

export interface StudioPageProps {
  /** The timeline editor (features/timeline), composed in by the app. */
  TimelineEditor: ComponentType<TimelineEditorProps>;
}

/** /studio with no chat open: the first message starts a new one. */
function StudioHome() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const composer = useRef<ComposerHandle>(null);
  const start = useMutation({
    mutationFn: (prompt: string) => createThread({ initial_prompt: prompt }),
    onSuccess: (created) => {
      queryClient.setQueryData(chatKeys.thread(created.thread.id), created.thread);
      if (created.run) {
        applyPosted(queryClient, created.thread.id, {
          user_message: created.user_message ?? null,
          assistant_message_placeholder: created.assistant_message_placeholder ?? null,
          run: created.run,
        });
      }
      void queryClient.invalidateQueries({ queryKey: chatKeys.threadLists() });
      void navigate(`/studio/${created.thread.id}`);
    },
  });
  return (
    <>
      <header className="chat-head">
        <h1>Studio</h1>
      </header>
      <section className="chat-thread" data-testid="chat-thread" aria-label="New mix">
        <div className="chat-empty">
          <h2>What should we mix?</h2>
          <StarterHints onPick={(prompt) => composer.current?.setText(prompt)} />
        </div>
      </section>
      <Composer
        ref={composer}
        pending={start.isPending}
        error={start.error}
        onSend={async (text) => {
          if (text.trim()) await start.mutateAsync(text.trim());
        }}
      />
    </>
  );
}

/** The studio: the chats on the side, the open chat (or a new one) in the middle. */
export function StudioPage({ TimelineEditor }: StudioPageProps) {
  const { threadId } = useParams();
  const [sidebarOpen, setSidebarOpen] = useState(false);
  return (
    <div className="studio">
      <button
        type="button"
        className="button studio-sidebar-toggle"
        aria-expanded={sidebarOpen}
        aria-controls="thread-sidebar"
        onClick={() => setSidebarOpen((open) => !open)}
      >
        {sidebarOpen ? "Hide chats" : "☰ Chats"}
      </button>
      <ThreadSidebar activeId={threadId} open={sidebarOpen} onNavigate={() => setSidebarOpen(false)} />
      <div className="studio-main">
        {threadId ? <ChatView key={threadId} threadId={threadId} TimelineEditor={TimelineEditor} /> : <StudioHome />}
      </div>
    </div>
  );
}
