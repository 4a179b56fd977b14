import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";

import type { MixPlan, PlanChanges, PlanningQuestion, ProposalTimelineEntry, Segment } from "@/lib/types";
import { testSegment } from "@/test/plans";

import { compatibilityView } from "../lib/planning";
import { PlanSegments } from "./PlanSegments";
import { MultiSelect } from "./QuestionsCard";

function segment(id: string, track: string, transition: Segment["transition_in"]): Segment {
  return testSegment(id, track, { transition_in: transition });
}

const plan: MixPlan = {
  schema_version: 1,
  title: "Night Drive to Deep Blue",
  summary: "",
  rationale: "",
  target: { bpm: 124, key: null, duration_s: null, lufs: -14, true_peak_db: -1 },
  segments: [
    segment("s1", "t1", null),
    segment("s2", "t2", { type: "crossfade", beats: 16 }),
    segment("s3", "t3", { type: "filter_sweep", beats: 16 }),
  ],
};

const timeline: ProposalTimelineEntry[] = plan.segments.map((s, index) => ({
  segment_index: index + 1,
  segment_id: s.id,
  track_id: s.track_id,
  song: ["Night Drive", "Sunrise", "Deep Blue"][index] ?? "",
  label: s.label,
  start_seconds: index * 52,
  end_seconds: index * 52 + 60,
}));

const changes: PlanChanges = {
  first: false,
  added: [],
  removed: [],
  changed: [{ segment_id: "s1", track_id: "t1", position: 1, old_position: 1, aspects: ["pitch"] }],
  transitions: [{ index: 2, segment_id: "s3", old: { type: "crossfade", beats: 8 }, new: { type: "filter_sweep", beats: 16 } }],
  order_changed: false,
  target: [],
  old_title: null,
  new_title: null,
  old_length_s: 160,
  new_length_s: 164,
};

function render(withChanges: PlanChanges | null): string {
  const compat = compatibilityView({
    from_segment: "s1",
    to_segment: "s2",
    key_relation: "relative",
    tempo_ratio: 1,
    score: 0.9,
  });
  return renderToStaticMarkup(
    createElement(PlanSegments, {
      timeline,
      plan,
      changes: withChanges,
      colors: new Map([["t1", 0]]),
      compatFrom: new Map([["s1", compat]]),
    }),
  );
}

/** The markup's text, tags removed. */
function text(html: string): string {
  return html.replace(/<[^>]+>/g, "");
}

describe("PlanSegments", () => {
  it("shows every transition's type and length", () => {
    const shown = text(render(null));
    expect(shown).toContain("↓ Transition 1: 16-beat crossfade");
    expect(shown).toContain("↓ Transition 2: 16-beat filter sweep");
    expect(shown).toContain("relative key");
    expect(shown.match(/Transition \d/g)).toEqual(["Transition 1", "Transition 2"]); // none after the last
  });

  it("marks nothing as changed in a first plan", () => {
    const html = render(null);
    expect(html).not.toContain("changed-badge");
    expect(html).not.toContain("data-changed");
  });

  it("marks the changed segment and transition, with words for screen readers", () => {
    const html = render(changes);
    expect(html.match(/data-testid="changed-badge"/g)).toHaveLength(2);
    expect(html.match(/data-changed="true"/g)).toHaveLength(2);
    const shown = text(html);
    expect(shown).toContain("Night Drivedropchanged in this plan: pitch");
    expect(shown).toContain("16-beat filter sweepchanged in this plan (was 8-beat crossfade)");
    expect(html).toContain('<span class="visually-hidden"> in this plan: pitch</span>');
    expect(shown).not.toContain("Sunrisedropchanged");
  });

  it("calls an added segment new", () => {
    const added = { ...changes, changed: [], transitions: [], added: [{ segment_id: "s2", track_id: "t2", position: 2 }] };
    const shown = text(render(added));
    expect(shown).toContain("Sunrisedropnew in this plan");
  });
});

describe("MultiSelect", () => {
  const question: PlanningQuestion = {
    question_id: "tracks",
    question: "Which tracks?",
    options: [
      { id: "all", label: "All of them" },
      { id: "a", label: "Night Drive" },
      { id: "b", label: "Sunrise" },
    ],
    allow_other: true,
    multi_select: true,
  };

  function checkboxes(chosen: string[]): { label: string; checked: boolean }[] {
    const html = renderToStaticMarkup(createElement(MultiSelect, { question, groupId: "g", chosen, onChange: () => undefined }));
    return [...html.matchAll(/<label[^>]*><input type="checkbox"( checked="")?\/><span>([^<]+)<\/span>/g)].map((m) => ({
      label: m[2] ?? "",
      checked: Boolean(m[1]),
    }));
  }

  it("renders a checkbox per option and one 'All of them', not the planner's own twice", () => {
    expect(checkboxes(["b"])).toEqual([
      { label: "All of them", checked: false },
      { label: "Night Drive", checked: false },
      { label: "Sunrise", checked: true },
    ]);
  });

  it("shows 'All of them' ticked when every option is", () => {
    expect(checkboxes(["a", "b"]).every((box) => box.checked)).toBe(true);
  });
});
