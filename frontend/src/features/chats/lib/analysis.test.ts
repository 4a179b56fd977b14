import { describe, expect, it } from "vitest";

import {
  analysisLabel,
  compatibilityRow,
  factBadges,
  isAsked,
  notFoundText,
  readAnalysis,
  sectionBlocks,
  trackHref,
  trackNames,
  type AnalysisFact,
  type AnalysisTrack,
  type TrackComparison,
} from "./analysis";

const track = (extra: Partial<AnalysisTrack> = {}): AnalysisTrack => ({
  track_id: "t1",
  title: "Night Drive",
  artist: "Neon Harbor",
  duration_s: 200,
  bpm: 124,
  key: "A minor",
  camelot: "8A",
  lufs_integrated: -9.14,
  true_peak_db: -1.02,
  sections: [
    { label: "intro", start_s: 0, end_s: 50 },
    { label: "chorus", start_s: 50, end_s: 150 },
    { label: "outro", start_s: 150, end_s: 200 },
  ],
  ...extra,
});

const pair = (extra: Partial<TrackComparison> = {}): TrackComparison => ({
  from_track: "a",
  to_track: "b",
  key_relation: "relative",
  compatible_keys: true,
  semitone_shift: 0,
  tempo_ratio: 1.0333,
  stretch: 0.0333,
  half_double: false,
  score: 0.86,
  ...extra,
});

const names = new Map([
  ["a", "Night Drive"],
  ["b", "Sunrise"],
]);

describe("readAnalysis", () => {
  it("reads a full report", () => {
    const view = readAnalysis({
      kind: "analysis_report",
      tracks: [track()],
      asked: ["key"],
      not_found: ["Ghost"],
      compatibility: [pair()],
      provider: "local",
    });
    expect(view.tracks).toHaveLength(1);
    expect(view.asked).toEqual(["key"]);
    expect(view.notFound).toEqual(["Ghost"]);
    expect(view.compatibility).toHaveLength(1);
  });

  it.each<[string, Parameters<typeof readAnalysis>[0]]>([
    ["nothing", null],
    ["an empty object", {}],
    ["lists that are not lists", JSON.parse('{"tracks": "x", "asked": null, "not_found": 3}') as Record<string, unknown>],
  ])("copes with %s", (_name, content) => {
    expect(readAnalysis(content)).toEqual({ tracks: [], asked: ["all"], notFound: [], compatibility: [] });
  });

  it("drops tracks without an id and gives every track a section list", () => {
    const view = readAnalysis({ tracks: [{ title: "x" } as never, { ...track(), sections: undefined } as never] });
    expect(view.tracks.map((t) => t.track_id)).toEqual(["t1"]);
    expect(view.tracks[0]?.sections).toEqual([]);
  });
});

describe("isAsked", () => {
  it.each<[AnalysisFact[], Exclude<AnalysisFact, "all">, boolean]>([
    [["key"], "key", true],
    [["key"], "bpm", false],
    [["bpm", "structure"], "structure", true],
    [["all"], "key", false],
    [["all", "key"], "key", false],
  ])("%j asks about %s: %s", (asked, fact, expected) => {
    expect(isAsked(asked, fact)).toBe(expected);
  });
});

describe("factBadges", () => {
  it.each<[AnalysisFact[], string[], string[]]>([
    [["all"], ["bpm", "key", "lufs", "peak", "length"], []],
    [["key"], ["key", "bpm", "lufs", "peak", "length"], ["key"]],
    [["loudness"], ["lufs", "peak", "bpm", "key", "length"], ["lufs", "peak"]],
    [
      ["bpm", "length"],
      ["bpm", "length", "key", "lufs", "peak"],
      ["bpm", "length"],
    ],
    [["structure"], ["bpm", "key", "lufs", "peak", "length"], []],
  ])("asked %j: order %j, emphasised %j", (asked, order, emphasised) => {
    const badges = factBadges(track(), asked);
    expect(badges.map((b) => b.id)).toEqual(order);
    expect(badges.filter((b) => b.asked).map((b) => b.id)).toEqual(emphasised);
  });

  it("formats the values", () => {
    const values = Object.fromEntries(factBadges(track(), ["all"]).map((b) => [b.id, b.value]));
    expect(values).toEqual({ bpm: "124.0 BPM", key: "A minor · 8A", lufs: "-9.1 LUFS", peak: "-1.0 dBTP", length: "3:20" });
  });

  it("marks what was not measured", () => {
    const badges = factBadges(
      track({ bpm: null, key: null, camelot: null, lufs_integrated: null, true_peak_db: null, duration_s: 0 }),
      ["all"],
    );
    expect(badges.every((b) => !b.known && b.value === "–")).toBe(true);
    expect(factBadges(track({ camelot: null }), ["all"]).find((b) => b.id === "key")?.value).toBe("A minor");
  });

  it("shows an analysed meter after the tempo, and asked first when asked", () => {
    const sixEight = track({ meter: "6/8" });
    expect(factBadges(sixEight, ["all"]).map((b) => [b.id, b.value])[1]).toEqual(["meter", "6/8"]);
    const asked = factBadges(sixEight, ["meter"]);
    expect(asked[0]).toMatchObject({ id: "meter", value: "6/8", known: true, asked: true });
  });

  it("shows an unknown meter only when it was asked about", () => {
    expect(factBadges(track({ meter: null }), ["all"]).some((b) => b.id === "meter")).toBe(false);
    expect(factBadges(track(), ["meter"])[0]).toMatchObject({ id: "meter", value: "–", known: false });
  });
});

describe("sectionBlocks", () => {
  it.each<[string, AnalysisTrack["sections"], number, [number, number][]]>([
    [
      "a track in thirds",
      track().sections,
      200,
      [
        [0, 25],
        [25, 50],
        [75, 25],
      ],
    ],
    [
      "a section past the stated length",
      [
        { label: "a", start_s: 0, end_s: 100 },
        { label: "b", start_s: 100, end_s: 400 },
      ],
      200,
      [
        [0, 25],
        [25, 75],
      ],
    ],
    ["a gap before the first section", [{ label: "a", start_s: 50, end_s: 100 }], 100, [[50, 50]]],
    ["a sliver", [{ label: "a", start_s: 0, end_s: 0.1 }], 1000, [[0, 0.5]]],
  ])("places %s", (_name, sections, duration, expected) => {
    expect(sectionBlocks(sections, duration).map((b) => [b.leftPercent, b.widthPercent])).toEqual(expected);
  });

  it.each([
    ["no sections", [], 200],
    ["no length", [{ label: "a", start_s: 0, end_s: 0 }], 0],
  ])("is empty with %s", (_name, sections, duration) => {
    expect(sectionBlocks(sections, duration)).toEqual([]);
  });

  it("times each section and colours repeated labels alike", () => {
    const blocks = sectionBlocks(
      [
        { label: "Chorus", start_s: 0, end_s: 32.4 },
        { label: "verse", start_s: 32.4, end_s: 64 },
        { label: "chorus", start_s: 64, end_s: 96 },
      ],
      96,
    );
    expect(blocks.map((b) => b.time)).toEqual(["0:00–0:32", "0:32–1:04", "1:04–1:36"]);
    expect(blocks.map((b) => b.colorIndex)).toEqual([0, 1, 0]);
  });
});

describe("trackNames", () => {
  it("adds the artist only when titles repeat", () => {
    const found = trackNames([
      { track_id: "a", title: "Home", artist: "One" },
      { track_id: "b", title: "Home", artist: null },
      { track_id: "c", title: "Sunrise", artist: "Two" },
    ]);
    expect([...found.values()]).toEqual(["Home (One)", "Home", "Sunrise"]);
  });
});

describe("compatibilityRow", () => {
  it.each<[string, Partial<TrackComparison>, string, "good" | "warn" | "bad"]>([
    ["a relative key with a small stretch", {}, "Night Drive → Sunrise: relative key, tempo ×1.03 (3% stretch), fit 86%", "good"],
    [
      "the same tempo",
      { key_relation: "same", tempo_ratio: 1, stretch: 0, score: 1 },
      "Night Drive → Sunrise: same key, tempo ×1.00 (no stretch), fit 100%",
      "good",
    ],
    [
      "half/double time",
      { tempo_ratio: 0.51, stretch: 0.02, half_double: true, score: 0.7 },
      "Night Drive → Sunrise: relative key, tempo ×0.51 (half/double time, 2% stretch), fit 70%",
      "warn",
    ],
    [
      "a clash with the shift that fits",
      { key_relation: "clash", compatible_keys: false, semitone_shift: -2, score: 0.6 },
      "Night Drive → Sunrise: key clash, -2 st would fit, tempo ×1.03 (3% stretch), fit 60%",
      "bad",
    ],
    [
      "a parallel key shifted up",
      { key_relation: "parallel", compatible_keys: false, semitone_shift: 3, score: 0.55 },
      "Night Drive → Sunrise: parallel key, +3 st would fit, tempo ×1.03 (3% stretch), fit 55%",
      "warn",
    ],
    [
      "unknown key and tempo",
      { key_relation: null, compatible_keys: null, semitone_shift: null, tempo_ratio: null, stretch: null, score: 0.5 },
      "Night Drive → Sunrise: key unknown, tempo unknown, fit 50%",
      "warn",
    ],
    [
      "a poor fit",
      { stretch: 0.2, tempo_ratio: 1.2, score: 0.42 },
      "Night Drive → Sunrise: relative key, tempo ×1.20 (20% stretch), fit 42%",
      "bad",
    ],
  ])("describes %s", (_name, extra, text, tone) => {
    const row = compatibilityRow(pair(extra), names);
    expect(row.text).toBe(text);
    expect(row.tone).toBe(tone);
  });

  it.each<[number, "good" | "warn" | "bad"]>([
    [0.75, "good"],
    [0.749, "warn"],
    [0.5, "warn"],
    [0.499, "bad"],
  ])("uses the plan card's thresholds: %s is %s", (score, tone) => {
    expect(compatibilityRow(pair({ score }), names).tone).toBe(tone);
  });

  it("falls back to ids and splits the row for display", () => {
    const row = compatibilityRow(pair({ from_track: "x", to_track: "y" }), names);
    expect([row.fromName, row.toName, row.details, row.scoreText]).toEqual([
      "x",
      "y",
      "relative key, tempo ×1.03 (3% stretch)",
      "fit 86%",
    ]);
  });
});

describe("notes and labels", () => {
  it.each<[string[], string | null]>([
    [[], null],
    [["Ghost"], "Not found in your library: “Ghost”."],
    [["Ghost", "Echo"], "Not found in your library: “Ghost” and “Echo”."],
    [["A", "B", "C"], "Not found in your library: “A”, “B” and “C”."],
  ])("not found %j", (found, text) => {
    expect(notFoundText(found)).toBe(text);
  });

  it("names the card and links tracks", () => {
    expect(analysisLabel([{ title: "Night Drive" }, { title: "Sunrise" }])).toBe("Track analysis: Night Drive, Sunrise");
    expect(analysisLabel([])).toBe("Track analysis");
    expect(trackHref("t 1")).toBe("/library/t%201");
  });
});
