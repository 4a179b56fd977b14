/** What every card of one open chat can reach: the thread, its runs, and the studio's actions. */
import { createContext, useContext } from "react";

import type { Id, Message, Run, Thread, TimelineAttachment } from "@/lib/types";

import type { EditorTarget, RevisionTarget } from "../types";

export interface ChatContextValue {
  threadId: Id;
  thread: Thread | undefined;
  activeRuns: Run[];
  messagesById: Map<Id, Message>;
  /** Put a timeline into the composer. */
  attach: (attachment: TimelineAttachment) => void;
  /** Composer in revise mode for this draft. */
  revise: (target: RevisionTarget) => void;
  openEditor: (target: EditorTarget) => void;
  focusComposer: () => void;
}

export const ChatContext = createContext<ChatContextValue | null>(null);

export function useChat(): ChatContextValue {
  const value = useContext(ChatContext);
  if (!value) throw new Error("useChat outside a chat");
  return value;
}
