import { describe, expect, it } from "vitest";

import {
  barNumberAt,
  clampZoom,
  cutCandidates,
  fitZoom,
  MAX_PIXELS_PER_SECOND,
  mixGridLines,
  mixToSource,
  scrollForZoom,
  snapCut,
  sourceToMix,
  stepCut,
  stepTransitionBeats,
  trackBeatGrid,
  transitionBeatsAt,
  transitionShape,
  type BeatGrid,
} from "./arrangement";
import { plan, seg, track } from "./test-fixtures";
import { beatClockOf, deriveTimeline, trackGridOf } from "./timeline-math";

// A 120 BPM track of 64 s: beats every 0.5 s from 0.25 s, bars every 2 s from 0.25 s.
const beats = Array.from({ length: 127 }, (_, i) => 0.25 + i * 0.5);
const downbeats = beats.filter((_, i) => i % 4 === 0);
const analysed = track("a", 120, 64, {
  analysis: {
    bpm: 120,
    duration_s: 64,
    meter: "4/4",
    beats,
    downbeats,
    phrases: [
      { start_s: 0.25, bars: 8 },
      { start_s: 16.25, bars: 8 },
    ],
  },
});
const grid = trackBeatGrid(analysed);
const trackGrid = trackGridOf(analysed);

describe("trackBeatGrid", () => {
  it("takes the analysis's beats, downbeats and phrases", () => {
    expect(grid.beats).toHaveLength(127);
    expect(grid.bars.slice(0, 3)).toEqual([0.25, 2.25, 4.25]);
    expect(grid.phrases).toEqual([0.25, 16.25]);
  });

  it("counts a grid from the tempo when the analysis has no beats, anchored on the first downbeat", () => {
    const counted = trackBeatGrid(track("b", 120, 10, { analysis: { bpm: 120, duration_s: 10, meter: "4/4", downbeats: [1] } }));
    expect(counted.beats.slice(0, 4)).toEqual([0, 0.5, 1, 1.5]);
    expect(counted.bars).toEqual([1]);
    expect(counted.phrases).toEqual([1]);
    const noDownbeats = trackBeatGrid(track("c", 120, 10));
    expect(noDownbeats.bars).toEqual([0, 2, 4, 6, 8, 10]);
    expect(noDownbeats.phrases).toEqual([0]);
  });

  it("has nothing to snap to without a tempo", () => {
    expect(trackBeatGrid(track("d", null, 10))).toEqual<BeatGrid>({ beats: [], bars: [], phrases: [] });
  });
});

describe("snapping cut points", () => {
  const segment = seg("s", "a", 8.25, 40.25);

  it.each([
    ["beat", 9.1, 9.25],
    ["bar", 9.1, 8.25],
    ["bar", 9.4, 10.25],
    ["phrase", 12, 16.25],
  ] as const)("snaps the start to the nearest %s", (unit, wanted, expected) => {
    expect(snapCut(segment, "start", wanted, grid, unit, trackGrid).source_start_s).toBe(expected);
  });

  it("keeps at least a bar between the edges and stays inside the track", () => {
    expect(snapCut(segment, "start", 45, grid, "beat", trackGrid).source_start_s).toBeLessThanOrEqual(40.25 - 2 * 0.9);
    expect(snapCut(segment, "end", 100, grid, "bar", trackGrid).source_end_s).toBe(64);
    expect(snapCut(segment, "start", -3, grid, "bar", trackGrid).source_start_s).toBe(0);
    expect(cutCandidates(segment, "end", grid.bars, trackGrid)[0]).toBe(10.25);
  });

  it("returns the same segment when the snapped place is where it already is", () => {
    expect(snapCut(segment, "end", 40.3, grid, "beat", trackGrid)).toBe(segment);
  });

  it("moves freely (to the millisecond) on a track without a grid", () => {
    const free = trackGridOf(track("d", null, 30));
    const plain = seg("p", "d", 2, 20);
    expect(snapCut(plain, "end", 12.34567, { beats: [], bars: [], phrases: [] }, "beat", free).source_end_s).toBe(12.346);
  });
});

describe("stepping cut points", () => {
  const segment = seg("s", "a", 8.25, 40.25);

  it("moves by a beat, a bar or a phrase", () => {
    expect(stepCut(segment, "end", 1, grid, "beat", trackGrid).source_end_s).toBe(40.75);
    expect(stepCut(segment, "end", -1, grid, "beat", trackGrid).source_end_s).toBe(39.75);
    expect(stepCut(segment, "end", 1, grid, "bar", trackGrid).source_end_s).toBe(42.25);
    expect(stepCut(segment, "start", -1, grid, "bar", trackGrid).source_start_s).toBe(6.25);
    expect(stepCut(segment, "start", 1, grid, "phrase", trackGrid).source_start_s).toBe(16.25);
  });

  it("goes to the next grid point first when off the grid, and stops at the track's ends", () => {
    const off = seg("o", "a", 8.4, 40.25);
    expect(stepCut(off, "start", -1, grid, "beat", trackGrid).source_start_s).toBe(8.25);
    const atEnd = seg("e", "a", 8.25, 64);
    expect(stepCut(atEnd, "end", 1, grid, "beat", trackGrid)).toBe(atEnd);
    const atStart = seg("z", "a", 0, 20);
    expect(stepCut(atStart, "start", -1, grid, "bar", trackGrid)).toBe(atStart);
  });

  it("tells the bar a cut point falls in", () => {
    expect(barNumberAt(grid, 8.25)).toBe(5);
    expect(barNumberAt(grid, 0)).toBe(1);
    expect(barNumberAt({ beats: [], bars: [], phrases: [] }, 3)).toBeNull();
  });
});

describe("between the mix and a track", () => {
  it("maps times through the segment's stretch both ways", () => {
    const segment = seg("s", "a", 10, 30);
    const entry = { segment_id: "s", track_id: "a", start_s: 4, end_s: 20, stretch: 1.25, transition_in_s: 0 };
    expect(mixToSource(segment, entry, 8)).toBe(15);
    expect(sourceToMix(segment, entry, 15)).toBe(8);
  });
});

describe("transition lengths", () => {
  it("counts the beats from a dragged start edge to the outgoing segment's end, in whole steps", () => {
    // 120 BPM: a beat is 0.5 s. The outgoing segment ends at 60 s.
    expect(transitionBeatsAt(52, 60, 120, "beat")).toBe(16);
    expect(transitionBeatsAt(51.8, 60, 120, "beat")).toBe(16);
    expect(transitionBeatsAt(52.9, 60, 120, "bar")).toBe(16);
    expect(transitionBeatsAt(50.1, 60, 120, "bar")).toBe(20);
    expect(transitionBeatsAt(48, 60, 120, "phrase")).toBe(32);
    expect(transitionBeatsAt(61, 60, 120, "beat")).toBe(1); // never shorter than a beat
  });

  it("steps by a beat, or onto the next bar or phrase", () => {
    expect(stepTransitionBeats(16, 1, "beat")).toBe(17);
    expect(stepTransitionBeats(16, -1, "beat")).toBe(15);
    expect(stepTransitionBeats(16, 1, "bar")).toBe(20);
    expect(stepTransitionBeats(18, 1, "bar")).toBe(20);
    expect(stepTransitionBeats(18, -1, "bar")).toBe(16);
    expect(stepTransitionBeats(4, -1, "bar")).toBe(1);
    expect(stepTransitionBeats(16, 1, "phrase")).toBe(32);
  });
});

describe("transition shapes", () => {
  it("crossfades at equal power", () => {
    const { curves, echoTailS } = transitionShape("crossfade", 16, 8, 0.5, 3);
    expect(curves.map((c) => [c.side, c.part, c.values])).toEqual([
      ["outgoing", "level", [1, 0.7071, 0]],
      ["incoming", "level", [0, 0.7071, 1]],
    ]);
    expect(echoTailS).toBe(0);
  });

  it("swaps the lows of a bass swap on the middle beat", () => {
    const lows = transitionShape("bass_swap", 4, 2, 0.5, 5).curves.filter((c) => c.part === "lows");
    // 5 points over 2 s (every 0.5 s); the middle beat of 4 is beat 2, at 1 s.
    expect(lows.map((c) => c.values)).toEqual([
      [1, 1, 0, 0, 0],
      [0, 0, 1, 1, 1],
    ]);
  });

  it("opens a filter sweep along a log-frequency line, and rings an echo out past the end", () => {
    expect(transitionShape("filter_sweep", 8, 4, 0.5, 3).curves.map((c) => c.values)).toEqual([
      [1, 0.5, 0],
      [0, 0.5, 1],
    ]);
    expect(transitionShape("echo_out", 8, 4, 0.5).echoTailS).toBe(3);
    expect(transitionShape("cut", 0, 0, 0.5).curves).toEqual([]);
  });
});

describe("the mix grid and zoom", () => {
  it("draws beats when there is room, else bars, else phrases, numbering bars from 1", () => {
    const close = mixGridLines(0, 4, 120, 40); // 20 px a beat
    expect(close.map((line) => line.kind)).toEqual(["phrase", "beat", "beat", "beat", "bar", "beat", "beat", "beat", "bar"]);
    expect(close.filter((line) => line.bar !== null).map((line) => line.bar)).toEqual([1, 2, 3]);
    const far = mixGridLines(0, 64, 120, 5); // 2.5 px a beat, 10 px a bar
    expect(far.every((line) => line.kind !== "beat")).toBe(true);
    expect(far).toHaveLength(33);
    const farther = mixGridLines(0, 128, 120, 1);
    expect(farther.map((line) => line.bar)).toEqual([1, 9, 17, 25, 33, 41, 49, 57, 65]);
  });

  it("starts at the first line inside the view", () => {
    expect(mixGridLines(10.1, 11, 120, 40).map((line) => line.seconds)).toEqual([10.5, 11]);
    expect(mixGridLines(0, 10, 0, 40)).toEqual([]);
  });

  it("counts a tempo journey's bars along its tempo", () => {
    // 120 BPM until a 4-beat overlap steps to 60 BPM in its middle: it starts at 8 s (beat 16),
    // 2 beats at 120 to 9 s, 2 at 60 to 11 s (s1 plays its last beat at half speed there).
    const mix = plan(120, [seg("s1", "a", 0, 10), { ...seg("s2", "b", 0, 20, { type: "crossfade", beats: 4 }), bpm: 60 }]);
    const timeline = deriveTimeline(mix, { a: 120, b: 60 });
    const clock = beatClockOf(mix.segments, timeline, 120);
    const lines = mixGridLines(8, 16, 120, 40, 4, clock); // 20 px a beat at the fastest
    const expected = [8, 8.5, 9, 10, 11, 12, 13, 14, 15, 16];
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, i) => expect(line.seconds).toBeCloseTo(expected[i] ?? Number.NaN, 9));
    expect(lines.filter((line) => line.bar !== null).map((line) => line.bar)).toEqual([5, 6, 7]);
  });

  it("fits the mix to the view and keeps the time under the pointer while zooming", () => {
    expect(fitZoom(200, 1000)).toBe(5);
    expect(clampZoom(10_000)).toBe(MAX_PIXELS_PER_SECOND);
    // 300 px into the view at 10 px/s is 40 s (scrolled by 100 px); at 20 px/s 40 s is 800 px.
    expect(scrollForZoom(100, 300, 10, 20)).toBe(500);
    expect(scrollForZoom(0, 300, 10, 5)).toBe(0);
  });
});
