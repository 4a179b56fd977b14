import { describe, expect, it } from "vitest";

import type { TimelineAttachment } from "@/lib/types";

import { clarificationBody, composeBody } from "./compose";

const attachment: TimelineAttachment = { type: "timeline_snapshot", draft_id: "d1", segments: [] };
const snapshot: TimelineAttachment = { type: "timeline_snapshot", source_version_id: "v1", segments: [{ id: "s1" } as never] };

describe("composeBody", () => {
  it("sends words as content", () => {
    expect(composeBody({ text: "  mix two tracks ", attachment: null, revision: null })).toEqual({ content: "mix two tracks" });
  });

  it("sends nothing without words or a timeline", () => {
    expect(composeBody({ text: "   ", attachment: null, revision: null })).toBeNull();
    expect(composeBody({ text: "", attachment: null, revision: { draftId: "d", title: "x" } })).toBeNull();
  });

  it("revises a draft", () => {
    expect(composeBody({ text: "more bass", attachment: null, revision: { draftId: "d", title: "x" } })).toEqual({
      planning_action: { draft_id: "d", action: "revise_plan", revision_prompt: "more bass" },
    });
  });

  it("attaches a timeline, with or without words", () => {
    expect(composeBody({ text: "", attachment, revision: null })).toEqual({ attachments: [attachment] });
    expect(composeBody({ text: "keep it", attachment, revision: { draftId: "d2", title: "x" } })).toEqual({
      content: "keep it",
      attachments: [attachment],
      draft_id: "d2",
    });
  });
});

describe("clarificationBody", () => {
  it("re-attaches the timeline it asked about", () => {
    expect(clarificationBody("keep_attached_cuts", snapshot, "d")).toEqual({
      attachments: [snapshot],
      timeline_resolution: "keep_attached_cuts",
    });
  });

  it("answers the draft when there is no snapshot", () => {
    expect(clarificationBody("replace_timeline", null, "d")).toEqual({
      planning_response: {
        draft_id: "d",
        answers: [{ question_id: "timeline", selected_option_id: "replace_timeline", other_text: null }],
      },
    });
    expect(clarificationBody("replace_timeline", null, null)).toBeNull();
  });
});
