import { describe, expect, it } from "vitest";

import type { PlanningQuestion } from "@/lib/types";

import { buildAnswers, compatibilityTone, compatibilityView, draftStatus, keyRelationText, timelineBlocks, unanswered } from "./planning";

const questions: PlanningQuestion[] = [
  { question_id: "q1", question: "How long?", options: [{ id: "short", label: "1 min" }, { id: "long", label: "3 min" }], allow_other: true },
  { question_id: "q2", question: "Which key?", options: [{ id: "am", label: "A minor" }], allow_other: false },
];

describe("answers", () => {
  it("lists unanswered questions", () => {
    expect(unanswered(questions, {}).map((q) => q.question_id)).toEqual(["q1", "q2"]);
    expect(unanswered(questions, { q1: { other: "  2 min " }, q2: { other: "ignored" } }).map((q) => q.question_id)).toEqual(["q2"]);
  });

  it("builds option and free-text answers, ignoring unknown options and disallowed words", () => {
    expect(buildAnswers(questions, { q1: { optionId: "short", other: " warm " }, q2: { optionId: "nope", other: "x" } })).toEqual([
      { question_id: "q1", selected_option_id: "short", other_text: "warm" },
    ]);
    expect(buildAnswers(questions, { q2: { optionId: "am" } })).toEqual([{ question_id: "q2", selected_option_id: "am", other_text: null }]);
  });
});

describe("compatibilityView", () => {
  it("describes a good transition", () => {
    const view = compatibilityView({ from_segment: "s1", to_segment: "s2", key_relation: "relative", semitone_shift: 0, tempo_ratio: 1.0333, score: 0.86 });
    expect(view).toEqual({ from: "s1", to: "s2", tone: "good", score: 0.86, text: "relative key · tempo ×1.03 · 86%" });
  });

  it("flags a clash with the shift that would fit", () => {
    const view = compatibilityView({ from_segment: "s1", to_segment: "s2", key_relation: "clash", semitone_shift: -2, tempo_ratio: null, score: 0.6 });
    expect(view.tone).toBe("bad");
    expect(view.text).toBe("key clash · -2 st would fit · 60%");
  });

  it("copes with unknown keys", () => {
    expect(compatibilityView({ key_relation: null, score: 0.4 }).text).toBe("key unknown · 40%");
  });
});

describe("compatibilityTone", () => {
  it.each<[number | null, string | null, "good" | "warn" | "bad"]>([
    [0.9, "same", "good"],
    [0.75, "relative", "good"],
    [0.6, "diagonal", "warn"],
    [0.3, "parallel", "bad"],
    [0.9, "clash", "bad"],
    [null, null, "warn"],
  ])("score %s with %s is %s", (score, relation, tone) => {
    expect(compatibilityTone(score, relation)).toBe(tone);
  });

  it.each([
    ["dominant", "dominant (+1 Camelot)"],
    ["odd_move", "odd move"],
    [null, "key unknown"],
  ])("names %s", (relation, text) => {
    expect(keyRelationText(relation)).toBe(text);
  });
});

describe("timelineBlocks", () => {
  it("places entries on the bar with alternating lanes", () => {
    const entry = (start: number, end: number) => ({ segment_index: 1, segment_id: "s", track_id: "t", song: "x", label: "l", start_seconds: start, end_seconds: end });
    const blocks = timelineBlocks([entry(0, 50), entry(40, 100)]);
    expect(blocks.map((b) => [b.leftPercent, b.widthPercent, b.lane])).toEqual([
      [0, 50, 0],
      [40, 60, 1],
    ]);
    expect(timelineBlocks([])).toEqual([]);
  });
});

describe("draftStatus", () => {
  it("names statuses", () => {
    expect(draftStatus("superseded").text).toBe("Superseded");
    expect(draftStatus("draft_ready").tone).toBe("good");
    expect(draftStatus("odd_state").text).toBe("odd state");
    expect(draftStatus(null).text).toBe("Draft");
  });
});
