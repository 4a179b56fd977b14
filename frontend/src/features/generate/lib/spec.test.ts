import { describe, expect, it } from "vitest";

import type { GenerationSpec } from "../types";
import { barsToSeconds, energyPercent, formatBpm, genreLabel, sectionTone, seedLabel, specSummary, timedSections } from "./spec";

const spec: GenerationSpec = {
  genre: "house",
  bpm: 120,
  key: "A minor",
  mode: "minor",
  mood: "groovy",
  energy: 0.7,
  instruments: ["kick", "clap"],
  structure: [
    { section: "intro", bars: 4 },
    { section: "drop", bars: 8 },
    { section: "outro", bars: 4 },
  ],
  duration_s: 32,
  seed: 42,
  notes: [],
};

describe("genreLabel", () => {
  it("names known genres", () => {
    expect(genreLabel("drum_and_bass")).toBe("Drum & bass");
    expect(genreLabel("lo_fi")).toBe("Lo-fi");
  });
  it("makes unknown ids readable", () => {
    expect(genreLabel("uk_garage")).toBe("Uk garage");
    expect(genreLabel("")).toBe("Unknown genre");
  });
});

describe("timedSections", () => {
  it("lays the structure out at the spec's tempo", () => {
    const timed = timedSections(spec);
    expect(barsToSeconds(4, 120)).toBe(8);
    expect(timed.map((s) => [s.label, s.start_s, s.end_s])).toEqual([
      ["intro", 0, 8],
      ["drop", 8, 24],
      ["outro", 24, 32],
    ]);
    expect(timed.map((s) => s.fraction)).toEqual([0.25, 0.5, 0.25]);
  });
  it("copes with an empty structure", () => {
    expect(timedSections({ structure: [], bpm: 120 })).toEqual([]);
  });
});

describe("specSummary and labels", () => {
  it("summarises a spec", () => {
    expect(specSummary(spec)).toBe("House · 120 BPM · A minor · 0:32");
    expect(specSummary({ genre: "techno", bpm: 132.456 })).toBe("Techno · 132.46 BPM");
    expect(specSummary(null)).toBe("");
  });
  it("formats bpm and energy", () => {
    expect(formatBpm(124)).toBe("124");
    expect(formatBpm(87.5)).toBe("87.5");
    expect(energyPercent(0.7)).toBe("70%");
    expect(energyPercent(1.4)).toBe("100%");
    expect(energyPercent(undefined)).toBe("–");
  });
  it("never shows an imprecise seed as a number", () => {
    expect(seedLabel(42)).toBe("42");
    expect(seedLabel(2 ** 62)).toBe("from the prompt");
    expect(seedLabel(null)).toBe("–");
  });
});

describe("sectionTone", () => {
  it("tells peaks, builds and calm parts apart", () => {
    expect(["drop", "Chorus", "build", "verse", "intro", "break", "outro"].map(sectionTone)).toEqual([
      "peak",
      "peak",
      "build",
      "build",
      "calm",
      "calm",
      "calm",
    ]);
  });
});
