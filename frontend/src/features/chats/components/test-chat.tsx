/** Test helper: render a chat card inside a chat context whose actions are spies. */
import type { ReactElement } from "react";
import { vi } from "vitest";

import type { Thread } from "@/lib/types";
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
