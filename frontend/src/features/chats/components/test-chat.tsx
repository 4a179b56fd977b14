/** Test helpers: an assistant message, and a chat card rendered in a chat context whose actions are spies. */
import type { ReactElement } from "react";
import { vi } from "vitest";

import type { Message, Thread } from "@/lib/types";
import { renderWithApp } from "@/test/render";

import { ChatContext, type ChatContextValue } from "./chat-context";

export function renderInChat(card: ReactElement, thread: Partial<Thread> = {}): ChatContextValue {
  const chat: ChatContextValue = {
    threadId: "th1",
    thread: { id: "th1", ...thread } as Thread,
    activeRuns: [],
    messagesById: new Map(),
    attach: vi.fn(),
    revise: vi.fn(),
    openEditor: vi.fn(),
    focusComposer: vi.fn(),
  };
  renderWithApp(<ChatContext.Provider value={chat}>{card}</ChatContext.Provider>);
  return chat;
}

/** A completed assistant message in thread th1 carrying `content`. */
export function assistantMessage(content: Message["content_json"]): Message {
  return {
    id: "m1",
    thread_id: "th1",
    role: "assistant",
    content_text: "",
    content_json: content,
    status: "completed",
    created_at: "2026-12-07T05:00:00+00:00",
  };
}
