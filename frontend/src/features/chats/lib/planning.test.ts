import { describe, expect, it } from "vitest";

import type { PlanningQuestion } from "@/lib/types";

import {
  allChosen,
  buildAnswers,
  changeMarks,
  compatibilityTone,
  compatibilityView,
  draftStatus,
  keyRelationText,
  timelineBlocks,
  toggleOption,
  transitionText,
  unanswered,
} from "./planning";

const questions: PlanningQuestion[] = [
  {
    question_id: "q1",
    question: "How long?",
    options: [
      { id: "short", label: "1 min" },
      { id: "long", label: "3 min" },
    ],
    allow_other: true,
  },
  { question_id: "q2", question: "Which key?", options: [{ id: "am", label: "A minor" }], allow_other: false },
];

describe("answers", () => {
  it("lists unanswered questions", () => {
    expect(unanswered(questions, {}).map((q) => q.question_id)).toEqual(["q1", "q2"]);
    expect(unanswered(questions, { q1: { other: "  2 min " }, q2: { other: "ignored" } }).map((q) => q.question_id)).toEqual([
      "q2",
    ]);
  });

  it("builds option and free-text answers, ignoring unknown options and disallowed words", () => {
    expect(buildAnswers(questions, { q1: { optionId: "short", other: " warm " }, q2: { optionId: "nope", other: "x" } })).toEqual(
      [{ question_id: "q1", selected_option_id: "short", other_text: "warm" }],
    );
    expect(buildAnswers(questions, { q2: { optionId: "am" } })).toEqual([
      { question_id: "q2", selected_option_id: "am", other_text: null },
    ]);
  });
});

describe("compatibilityView", () => {
  it("describes a good transition", () => {
    const view = compatibilityView({
      from_segment: "s1",
      to_segment: "s2",
      key_relation: "relative",
      semitone_shift: 0,
      tempo_ratio: 1.0333,
      score: 0.86,
    });
    expect(view).toEqual({ from: "s1", to: "s2", tone: "good", score: 0.86, text: "relative key · tempo ×1.03 · 86%" });
  });

  it("flags a clash with the shift that would fit", () => {
    const view = compatibilityView({
      from_segment: "s1",
      to_segment: "s2",
      key_relation: "clash",
      semitone_shift: -2,
      tempo_ratio: null,
      score: 0.6,
    });
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
    const entry = (start: number, end: number) => ({
      segment_index: 1,
      segment_id: "s",
      track_id: "t",
      song: "x",
      label: "l",
      start_seconds: start,
      end_seconds: end,
    });
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

const tracks: PlanningQuestion = {
  question_id: "tracks",
  question: "Which tracks?",
  options: [
    { id: "all", label: "All of them" },
    { id: "a", label: "Night Drive" },
    { id: "b", label: "Sunrise" },
    { id: "c", label: "Deep Blue" },
  ],
  allow_other: true,
  multi_select: true,
};
const tracksNoAll: PlanningQuestion = { ...tracks, options: tracks.options.slice(1) };

describe("multi-select answers", () => {
  it("ticks and unticks options in the question's order", () => {
    expect(toggleOption(tracks, [], "c")).toEqual(["c"]);
    expect(toggleOption(tracks, ["c"], "a")).toEqual(["a", "c"]);
    expect(toggleOption(tracks, ["a", "c"], "c")).toEqual(["a"]);
  });

  it("'All of them' ticks every option, and unticks them when all are ticked", () => {
    expect(toggleOption(tracks, ["b"], "all")).toEqual(["a", "b", "c"]);
    expect(allChosen(tracks, ["a", "b", "c"])).toBe(true);
    expect(toggleOption(tracks, ["a", "b", "c"], "all")).toEqual([]);
    expect(allChosen(tracks, ["a", "c"])).toBe(false);
    expect(allChosen({ ...tracks, options: [] }, [])).toBe(false);
  });

  it("answers with selected_option_ids; every track is the planner's own 'all' when it has one", () => {
    expect(buildAnswers([tracks], { tracks: { optionIds: ["a", "c"] } })).toEqual([
      { question_id: "tracks", selected_option_id: null, selected_option_ids: ["a", "c"], other_text: null },
    ]);
    expect(buildAnswers([tracks], { tracks: { optionIds: ["a", "b", "c"], other: " slow " } })).toEqual([
      { question_id: "tracks", selected_option_id: null, selected_option_ids: ["all"], other_text: "slow" },
    ]);
    expect(buildAnswers([tracksNoAll], { tracks: { optionIds: ["a", "b", "c"] } })[0]?.selected_option_ids).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("ignores unknown options and counts a question with none ticked as unanswered", () => {
    expect(buildAnswers([tracks], { tracks: { optionIds: ["zzz"] } })).toEqual([]);
    expect(unanswered([tracks], { tracks: { optionIds: [] } }).map((q) => q.question_id)).toEqual(["tracks"]);
    expect(unanswered([tracks], { tracks: { optionIds: ["b"] } })).toEqual([]);
  });

  it("keeps single-select questions on selected_option_id", () => {
    expect(buildAnswers(questions, { q1: { optionId: "long", optionIds: ["short"] } })).toEqual([
      { question_id: "q1", selected_option_id: "long", other_text: null },
    ]);
  });
});

describe("transitionText", () => {
  it.each([
    [{ type: "filter_sweep", beats: 16 }, "16-beat filter sweep"],
    [{ type: "cut", beats: 0 }, "cut"],
    [{ type: "bass_swap", beats: 8 }, "8-beat bass swap"],
    [{ type: "echo_out", beats: 4 }, "4-beat echo out"],
    [null, "no transition"],
  ] as const)("names %j", (transition, text) => {
    expect(transitionText(transition)).toBe(text);
  });
});

describe("changeMarks", () => {
  const changes = {
    first: false,
    added: [{ segment_id: "s9", track_id: "t9", position: 3 }],
    removed: [{ segment_id: "s2", track_id: "t2", position: 2 }],
    changed: [{ segment_id: "s1", track_id: "t1", position: 1, old_position: 1, aspects: ["pitch", "gain", "eq"] }],
    transitions: [
      { index: 2, segment_id: "s3", old: { type: "crossfade", beats: 8 }, new: { type: "filter_sweep", beats: 16 } },
      { index: 1, segment_id: "s1", old: null, new: { type: "cut", beats: 0 } },
    ],
    order_changed: false,
    target: [],
    old_title: null,
    new_title: null,
    old_length_s: 180,
    new_length_s: 161,
  } as const;

  it("marks added and changed segments and changed transitions", () => {
    const marks = changeMarks(structuredClone(changes) as never);
    expect([...marks.segments]).toEqual([
      ["s9", "new"],
      ["s1", "pitch, gain and EQ"],
    ]);
    expect([...marks.transitions]).toEqual([
      ["s3", "was 8-beat crossfade"],
      ["s1", "new"],
    ]);
  });

  it("marks nothing for a first plan or no changes", () => {
    expect(changeMarks({ ...structuredClone(changes), first: true } as never).segments.size).toBe(0);
    expect(changeMarks(null).segments.size).toBe(0);
    expect(changeMarks(undefined).transitions.size).toBe(0);
  });
});
