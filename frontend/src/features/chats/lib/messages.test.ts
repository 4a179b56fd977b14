import { describe, expect, it } from "vitest";

import type { Message } from "@/lib/types";
import { testSegment } from "@/test/plans";

import { attachedTimeline, flattenMessagePages, isPlaceholder, repostBody, summarizeContent, userMessageNotes } from "./messages";

function message(id: string, extra: Partial<Message> = {}): Message {
  return {
    id,
    thread_id: "t1",
    role: "user",
    content_text: id,
    content_json: null,
    status: "completed",
    created_at: "2025-01-01T00:00:00+00:00",
    ...extra,
  };
}

const segment = testSegment("s1", "a", { label: "intro", source_end_s: 10 });

describe("flattenMessagePages", () => {
  it("puts older pages first and drops repeats", () => {
    const newest = { items: [message("c"), message("d")], next_cursor: "x", has_more: true };
    const older = { items: [message("a"), message("b"), message("c")], next_cursor: null, has_more: false };
    expect(flattenMessagePages([newest, older]).map((m) => m.id)).toEqual(["a", "b", "c", "d"]);
  });
});

describe("isPlaceholder", () => {
  it("is an assistant message without text that has not failed", () => {
    expect(isPlaceholder(message("p", { role: "assistant", content_text: null, status: "queued" }))).toBe(true);
    expect(isPlaceholder(message("p", { role: "assistant", content_text: "hi" }))).toBe(false);
    expect(isPlaceholder(message("p", { role: "user", content_text: null }))).toBe(false);
    expect(isPlaceholder(message("p", { role: "assistant", content_text: null, status: "failed" }))).toBe(false);
  });
});

describe("user messages", () => {
  it("reads an attached timeline and the resolution", () => {
    const m = message("u", {
      content_json: {
        kind: "prompt",
        attachments: [{ type: "timeline_snapshot", draft_id: "d1", segments: [segment, segment] }],
        timeline_resolution: "keep_attached_cuts",
      },
    });
    expect(attachedTimeline(m)?.draft_id).toBe("d1");
    expect(userMessageNotes(m)).toEqual(["Timeline attached: 2 segments from a draft", "Keep the attached cuts"]);
  });

  it("reads a timeline edit as an edited timeline from a version", () => {
    const m = message("u", { content_json: { kind: "timeline_edit", source_version_id: "v1", segments: [segment] } });
    expect(attachedTimeline(m)?.source_version_id).toBe("v1");
    expect(userMessageNotes(m)).toEqual(["Edited timeline: 1 segment from a rendered version"]);
  });

  it("notes approvals, revisions and answers", () => {
    expect(userMessageNotes(message("u", { content_json: { kind: "planning_action", action: "approve_plan" } }))).toEqual([
      "Approved the plan",
    ]);
    expect(userMessageNotes(message("u", { content_json: { kind: "planning_action", action: "revise_plan" } }))).toEqual([
      "Asked for a revision",
    ]);
    expect(userMessageNotes(message("u", { content_json: { kind: "planning_response" } }))).toEqual([
      "Answers to the planning questions",
    ]);
    expect(userMessageNotes(message("u"))).toEqual([]);
  });
});

describe("repostBody", () => {
  it("repeats words and an attachment", () => {
    const attachments = [{ type: "timeline_snapshot", segments: [segment] }];
    expect(repostBody(message("u", { content_text: "faster", content_json: { kind: "prompt", attachments } }))).toEqual({
      content: "faster",
      attachments,
    });
    expect(repostBody(message("u", { content_text: "hello", content_json: { kind: "prompt" } }))).toEqual({ content: "hello" });
  });

  it("repeats an approval and a revision", () => {
    expect(
      repostBody(message("u", { content_json: { kind: "planning_action", draft_id: "d", action: "approve_plan" } })),
    ).toEqual({
      planning_action: { draft_id: "d", action: "approve_plan" },
    });
    expect(
      repostBody(
        message("u", {
          content_text: "more bass",
          content_json: { kind: "planning_action", draft_id: "d", action: "revise_plan", revision_prompt: "more bass" },
        }),
      ),
    ).toEqual({ planning_action: { draft_id: "d", action: "revise_plan", revision_prompt: "more bass" } });
  });

  it("cannot repeat an assistant message or a timeline edit", () => {
    expect(repostBody(message("a", { role: "assistant" }))).toBeNull();
    expect(repostBody(message("u", { content_json: { kind: "timeline_edit", segments: [] } }))).toBeNull();
  });
});

describe("summarizeContent", () => {
  it("lists readable fields and hides ids", () => {
    expect(
      summarizeContent({
        kind: "analysis_report",
        run_id: "r",
        bpm: 124.456,
        tags: ["a", "b"],
        nested: { low: 1 },
        empty: [],
        items: [{ a: 1 }, { a: 2 }],
      }),
    ).toEqual([
      { label: "Bpm", value: "124.46" },
      { label: "Tags", value: "a, b" },
      { label: "Nested", value: "Low: 1" },
      { label: "Items", value: "2 items" },
    ]);
    expect(summarizeContent(null)).toEqual([]);
  });
});
