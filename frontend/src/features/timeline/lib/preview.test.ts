import { describe, expect, it } from "vitest";

import type { Segment, Transition } from "@/lib/types";

import { seg } from "./test-fixtures";
import { deriveTimeline } from "./timeline-math";
import {
  bassSwapCurves,
  bassSwapTiming,
  dbToGain,
  echoTiming,
  equalPowerCurve,
  previewWindow,
  sweepCutoff,
  type PreviewSide,
} from "./preview";

const BPMS = { a: 120, b: 100 };

function windowFor(segments: Segment[], index = 1, options?: { lead?: number; tail?: number }) {
  const timeline = deriveTimeline(
    { target: { bpm: 120, key: null, duration_s: null, lufs: -14, true_peak_db: -1 }, segments },
    BPMS,
  );
  return previewWindow(segments, timeline, index, 120, options);
}

function expectSide(side: PreviewSide | undefined, expected: Omit<PreviewSide, "gain">) {
  for (const key of ["fromS", "toS", "rate", "startAt", "endAt"] as const) {
    expect(side?.[key], key).toBeCloseTo(expected[key], 9);
  }
}

const xfade = (beats: number): Transition => ({ type: "crossfade", beats });

describe("previewWindow", () => {
  // At 120 BPM a beat is 0.5 s; track b (100 BPM) plays 1.2× faster.
  it.each<
    [
      string,
      Segment[],
      { lead?: number; tail?: number } | undefined,
      {
        windowStart: number;
        windowEnd: number;
        duration: number;
        transition: { type: string; beats: number; startAt: number; length: number };
        outgoing: Omit<PreviewSide, "gain">;
        incoming: Omit<PreviewSide, "gain">;
      },
    ]
  >([
    [
      // s1 0–32 s; s2 (24 s of source in 20 s) starts at 28 with a 4 s overlap.
      "4 s either side of a stretched crossfade",
      [seg("s1", "a", 0, 32), seg("s2", "b", 10, 34, xfade(8))],
      undefined,
      {
        windowStart: 24,
        windowEnd: 36,
        duration: 12,
        transition: { type: "crossfade", beats: 8, startAt: 4, length: 4 },
        outgoing: { fromS: 24, toS: 32, rate: 1, startAt: 0, endAt: 8 },
        incoming: { fromS: 10, toS: 19.6, rate: 1.2, startAt: 4, endAt: 12 },
      },
    ],
    [
      // s1 (24 s of source in 20 s) 0–20; s2 16–26: the outgoing starts 12 s in = 14.4 s of source.
      "a stretched outgoing segment",
      [seg("s1", "b", 0, 24), seg("s2", "a", 0, 10, xfade(8))],
      undefined,
      {
        windowStart: 12,
        windowEnd: 24,
        duration: 12,
        transition: { type: "crossfade", beats: 8, startAt: 4, length: 4 },
        outgoing: { fromS: 14.4, toS: 24, rate: 1.2, startAt: 0, endAt: 8 },
        incoming: { fromS: 0, toS: 8, rate: 1, startAt: 4, endAt: 12 },
      },
    ],
    [
      "never outside the two segments",
      [seg("s1", "a", 0, 6), seg("s2", "a", 20, 24, xfade(4))],
      undefined,
      {
        windowStart: 0,
        windowEnd: 8,
        duration: 8,
        transition: { type: "crossfade", beats: 4, startAt: 4, length: 2 },
        outgoing: { fromS: 0, toS: 6, rate: 1, startAt: 0, endAt: 6 },
        incoming: { fromS: 20, toS: 24, rate: 1, startAt: 4, endAt: 8 },
      },
    ],
    [
      "a cut",
      [seg("s1", "a", 0, 32), seg("s2", "a", 40, 60, { type: "cut", beats: 0 })],
      undefined,
      {
        windowStart: 28,
        windowEnd: 36,
        duration: 8,
        transition: { type: "cut", beats: 0, startAt: 4, length: 0 },
        outgoing: { fromS: 28, toS: 32, rate: 1, startAt: 0, endAt: 4 },
        incoming: { fromS: 40, toS: 44, rate: 1, startAt: 4, endAt: 8 },
      },
    ],
    [
      // s2 starts at 30; the outgoing ends at 32 and its echo rings 6 beats (3 s) more.
      "an echo tail that outlasts the window",
      [seg("s1", "a", 0, 32), seg("s2", "a", 40, 60, { type: "echo_out", beats: 4 })],
      { lead: 2, tail: 0 },
      {
        windowStart: 28,
        windowEnd: 32,
        duration: 7,
        transition: { type: "echo_out", beats: 4, startAt: 2, length: 2 },
        outgoing: { fromS: 28, toS: 32, rate: 1, startAt: 0, endAt: 4 },
        incoming: { fromS: 40, toS: 42, rate: 1, startAt: 2, endAt: 4 },
      },
    ],
  ])("%s", (_name, segments, options, expected) => {
    const win = windowFor(segments, 1, options);
    expect(win).not.toBeNull();
    expect(win?.windowStart).toBeCloseTo(expected.windowStart, 9);
    expect(win?.windowEnd).toBeCloseTo(expected.windowEnd, 9);
    expect(win?.duration).toBeCloseTo(expected.duration, 9);
    expect(win?.transition.type).toBe(expected.transition.type);
    expect(win?.transition.beats).toBe(expected.transition.beats);
    expect(win?.transition.startAt).toBeCloseTo(expected.transition.startAt, 9);
    expect(win?.transition.length).toBeCloseTo(expected.transition.length, 9);
    expect(win?.beatS).toBeCloseTo(0.5, 12);
    expectSide(win?.outgoing, expected.outgoing);
    expectSide(win?.incoming, expected.incoming);
  });

  it.each([0, 2, -1])("has no transition to preview at index %d of two", (index) => {
    expect(windowFor([seg("s1", "a", 0, 32), seg("s2", "a", 40, 60, xfade(8))], index)).toBeNull();
  });

  it("carries each segment's gain", () => {
    const quiet = { ...seg("s2", "a", 40, 60, xfade(8)), gain_db: -6 };
    expect(windowFor([seg("s1", "a", 0, 32), quiet])?.incoming.gain).toBeCloseTo(0.501187, 5);
  });
});

describe("curves", () => {
  it.each([
    [0, 1],
    [-6, 0.501187],
    [20, 10],
    [Number.NaN, 1],
  ])("dbToGain(%d) = %d", (db, gain) => {
    expect(dbToGain(db)).toBeCloseTo(gain, 5);
  });

  it.each([
    [true, [0, Math.SQRT1_2, 1]],
    [false, [1, Math.SQRT1_2, 0]],
  ])("equalPowerCurve rising=%s", (rising, expected) => {
    const curve = equalPowerCurve(3, rising);
    expected.forEach((value, i) => expect(curve[i]).toBeCloseTo(value, 6));
  });

  it("keeps a rising and a falling fade at constant power", () => {
    const up = equalPowerCurve(64, true);
    const down = equalPowerCurve(64, false);
    up.forEach((value, i) => expect(value ** 2 + (down[i] ?? 0) ** 2).toBeCloseTo(1, 6));
  });

  it.each([
    [16, 8, 4, 0.0625], // on the 8th beat of 16
    [1, 0.5, 0.25, 0.0625], // one beat: half-way
    [3, 3, 1, 0.125],
    [0, 0, 0, 0.005],
  ])("bassSwapTiming(%d beats, %d s) swaps at %d s over %d s", (beats, length, swapAt, ramp) => {
    const timing = bassSwapTiming(beats, length);
    expect(timing.swapAt).toBeCloseTo(swapAt, 9);
    expect(timing.ramp).toBeCloseTo(ramp, 9);
  });

  it.each([
    // 16 beats over 8 s sampled at 0, 2, 4, 6, 8 s; the lows swap at 4 s.
    [false, [1, 0.92388, Math.SQRT1_2, 0.382683, 0], [0, 1 - 0.92388, -Math.SQRT1_2, -0.382683, 0]],
    [true, [0, 0.382683, Math.SQRT1_2, 0.92388, 1], [0, -0.382683, 1 - Math.SQRT1_2, 1 - 0.92388, 0]],
  ])("bassSwapCurves rising=%s", (rising, high, lowExtra) => {
    const curves = bassSwapCurves(16, 8, rising, 5);
    high.forEach((value, i) => expect(curves.high[i]).toBeCloseTo(value, 5));
    lowExtra.forEach((value, i) => expect(curves.lowExtra[i]).toBeCloseTo(value, 5));
  });

  it.each([
    [0, 20],
    [1, 20_000],
    [0.5, 20 * Math.sqrt(1000)],
    [-1, 20],
    [2, 20_000],
  ])("sweepCutoff(%d) = %d Hz", (u, hz) => {
    expect(sweepCutoff(u)).toBeCloseTo(hz, 6);
  });

  it.each([
    [0.5, 8, { sendOpen: 5.9375, capture: 6, delay: 0.375, tailFadeStart: 10, tailEnd: 11 }],
    [0.5, 1, { sendOpen: 0.4375, capture: 0.5, delay: 0.375, tailFadeStart: 3, tailEnd: 4 }],
  ])("echoTiming(beat %d s, %d s)", (beatS, length, expected) => {
    const timing = echoTiming(beatS, length);
    for (const [key, value] of Object.entries(expected)) {
      expect(timing[key as keyof typeof timing], key).toBeCloseTo(value, 9);
    }
  });
});
