/** The body the composer posts, from its words, attached timeline and revise mode. */
import type { TimelineAttachment, TimelineResolution } from "@/lib/types";

import type { MessageBody, RevisionTarget } from "../types";

export interface ComposerInput {
  text: string;
  attachment: TimelineAttachment | null;
  revision: RevisionTarget | null;
}

/**
 * Words alone are a `content` post; words in revise mode a `revise_plan` of that draft; an
 * attached timeline travels as `attachments` (with the revised draft's id when revising).
 * Null when there is nothing to send.
 */
export function composeBody({ text, attachment, revision }: ComposerInput): MessageBody | null {
  const words = text.trim();
  if (attachment) {
    const body: { content?: string; attachments: TimelineAttachment[]; draft_id?: string } = { attachments: [attachment] };
    if (words) body.content = words;
    if (revision) body.draft_id = revision.draftId;
    return body;
  }
  if (!words) return null;
  if (revision) return { planning_action: { draft_id: revision.draftId, action: "revise_plan", revision_prompt: words } };
  return { content: words };
}

/** The answer to a clarification about an attached timeline (schemas.MessageCreate). */
export function clarificationBody(
  resolution: TimelineResolution,
  snapshot: TimelineAttachment | null | undefined,
  draftId: string | null | undefined,
): MessageBody | null {
  if (snapshot && Array.isArray(snapshot.segments) && snapshot.segments.length) {
    return { attachments: [snapshot], timeline_resolution: resolution };
  }
  if (draftId) {
    // The draft that asked remembers the message and its timeline; answering it replays both.
    return {
      planning_response: {
        draft_id: draftId,
        answers: [{ question_id: "timeline", selected_option_id: resolution, other_text: null }],
      },
    };
  }
  return null;
}
