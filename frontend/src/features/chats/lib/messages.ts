/** Reading chat messages: page order, placeholders, and what user messages carry. */
import type { CursorPage, Message, TimelineAttachment } from "@/lib/types";

/** Cursor pages (the first page is the newest) as one list, oldest first, without repeats. */
export function flattenMessagePages(pages: readonly CursorPage<Message>[]): Message[] {
  const seen = new Set<string>();
  const messages: Message[] = [];
  for (const page of [...pages].reverse()) {
    for (const message of page.items) {
      if (seen.has(message.id)) continue;
      seen.add(message.id);
      messages.push(message);
    }
  }
  return messages;
}

/** An assistant message whose run has not answered yet (its text is null until then). */
export function isPlaceholder(message: Message): boolean {
  return message.role === "assistant" && message.content_text === null && message.status !== "failed";
}

export function kindOf(message: Message): string | null {
  const kind = message.content_json?.kind;
  return typeof kind === "string" ? kind : null;
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The timeline a user message attached (prompt attachments or a timeline edit), if any. */
export function attachedTimeline(message: Message): TimelineAttachment | null {
  const content = record(message.content_json);
  if (!content) return null;
  const attachments = content.attachments;
  if (Array.isArray(attachments)) {
    const first = record(attachments[0]);
    if (first && first.type === "timeline_snapshot" && Array.isArray(first.segments)) {
      return first as unknown as TimelineAttachment;
    }
  }
  if (content.kind === "timeline_edit" && Array.isArray(content.segments)) {
    return {
      type: "timeline_snapshot",
      source_version_id: typeof content.source_version_id === "string" ? content.source_version_id : undefined,
      segments: content.segments as TimelineAttachment["segments"],
    };
  }
  return null;
}

const RESOLUTION_TEXT: Record<string, string> = {
  keep_attached_cuts: "Keep the attached cuts",
  replan_with_prompt: "Re-plan from the words",
  replace_timeline: "Use the attached timeline as it is",
};

/** Short notes shown under a user message: what it was besides words. */
export function userMessageNotes(message: Message): string[] {
  const content = record(message.content_json);
  if (!content) return [];
  const notes: string[] = [];
  const timeline = attachedTimeline(message);
  if (timeline) {
    const count = timeline.segments.length;
    const from = timeline.source_version_id ? "a rendered version" : timeline.draft_id ? "a draft" : null;
    const edited = content.kind === "timeline_edit" ? "Edited timeline" : "Timeline attached";
    notes.push(`${edited}: ${count} segment${count === 1 ? "" : "s"}${from ? ` from ${from}` : ""}`);
  }
  if (typeof content.timeline_resolution === "string") {
    notes.push(RESOLUTION_TEXT[content.timeline_resolution] ?? content.timeline_resolution);
  }
  if (content.kind === "planning_response") notes.push("Answers to the planning questions");
  if (content.kind === "planning_action") {
    notes.push(content.action === "approve_plan" ? "Approved the plan" : "Asked for a revision");
  }
  return notes;
}

/**
 * The post that repeats a user message (to try again after a cancelled run), or null when it
 * cannot be repeated as it was.
 */
export function repostBody(message: Message): Record<string, unknown> | null {
  if (message.role !== "user") return null;
  const content = record(message.content_json);
  const kind = content?.kind;
  if (!content || kind === "prompt") {
    const body: Record<string, unknown> = {};
    if (message.content_text) body.content = message.content_text;
    if (content && Array.isArray(content.attachments) && content.attachments.length) {
      body.attachments = content.attachments;
      if (typeof content.timeline_resolution === "string") body.timeline_resolution = content.timeline_resolution;
    }
    return Object.keys(body).length ? body : null;
  }
  if (kind === "planning_action" && typeof content.draft_id === "string") {
    const action: Record<string, unknown> = { draft_id: content.draft_id, action: content.action };
    if (content.action === "revise_plan") action.revision_prompt = content.revision_prompt || message.content_text;
    return { planning_action: action };
  }
  if (kind === "planning_response" && typeof content.draft_id === "string" && Array.isArray(content.answers)) {
    return { planning_response: { draft_id: content.draft_id, answers: content.answers } };
  }
  return null;
}

export interface SummaryRow {
  label: string;
  value: string;
}

function humanize(key: string): string {
  const words = key.replace(/_/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function describe(value: unknown, depth: number): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value.length > 160 ? `${value.slice(0, 159)}…` : value;
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    const simple = value.every((item) => ["string", "number", "boolean"].includes(typeof item));
    if (simple) return value.map((item) => describe(item, depth + 1)).join(", ");
    return `${value.length} item${value.length === 1 ? "" : "s"}`;
  }
  const object = record(value);
  if (object && depth < 1) {
    const parts = Object.entries(object)
      .map(([key, inner]) => {
        const said = describe(inner, depth + 1);
        return said ? `${humanize(key)}: ${said}` : null;
      })
      .filter(Boolean);
    return parts.length ? parts.join(" · ") : null;
  }
  return object ? `${Object.keys(object).length} fields` : null;
}

const HIDDEN_FIELDS = new Set(["kind", "provider", "draft_id", "run_id", "version_id", "job_id"]);

/** A readable summary of a message body of a kind the studio has no card for. */
export function summarizeContent(content: unknown): SummaryRow[] {
  const object = record(content);
  if (!object) return [];
  const rows: SummaryRow[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (HIDDEN_FIELDS.has(key)) continue;
    const said = describe(value, 0);
    if (said) rows.push({ label: humanize(key), value: said });
  }
  return rows;
}
