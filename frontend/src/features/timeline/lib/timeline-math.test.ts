import { describe, expect, it } from "vitest";

import type { Segment, TimelineEntry, Transition, TransitionType } from "@/lib/types";

import { plan, seg, track } from "./test-fixtures";
import {
  isTempoJourney,
  retimedTransition,
  DEFAULT_TRANSITION,
  TimelineError,
  barGrid,
  barSeconds,
  beatClockOf,
  beatsPerBar,
  clampTransitionBeats,
  deriveTimeline,
  findTimelineProblems,
  formatPreciseClock,
  maxTransitionBeats,
  maxTransitionBeatsAt,
  minimumLength,
  moveSegment,
  normalizeTransitions,
  nudgeTrim,
  overlapSeconds,
  removeSegment,
  safeDeriveTimeline,
  snapToBar,
  stretchRatio,
  timeMapsOf,
  totalDuration,
  trackBpmsOf,
  trackGridOf,
  transitionSeconds,
  trimSegment,
  validateTimeline,
} from "./timeline-math";
import type { TrackGrid, TrimEdge } from "../types";

// --- stretch and overlap (render.py) -------------------------------------------------------

describe("stretchRatio", () => {
  // The backend's own cases (backend/tests/audio/test_render.py::test_stretch_ratio).
  it.each([
    [124, 124, 1.0],
    [124, 123.5, 1.0], // 0.40 % slower: within 0.5 %, no stretch
    [124, 124.6, 1.0], // 0.48 % faster
    [124, 123.3, 124 / 123.3], // 0.57 %: stretched
    [124, 120, 124 / 120],
    [124, 128, 124 / 128],
    [124, null, 1.0], // no beat to sync
  ])("target %d, track %s → %d", (target, bpm, expected) => {
    expect(stretchRatio(target, bpm)).toBeCloseTo(expected, 12);
  });

  it.each([0, -120, Number.NaN, Number.POSITIVE_INFINITY])("refuses the track tempo %d", (bad) => {
    expect(() => stretchRatio(124, bad)).toThrow(TimelineError);
    try {
      stretchRatio(124, bad);
    } catch (error) {
      expect((error as TimelineError).code).toBe("INVALID_TEMPO");
    }
  });
});

describe("transitionSeconds", () => {
  it.each([
    [null, 124, 0],
    [{ type: "cut" as const, beats: 0 }, 124, 0],
    [{ type: "crossfade" as const, beats: 16 }, 120, 8],
    [{ type: "echo_out" as const, beats: 4 }, 124, (4 * 60) / 124],
  ])("%j at %d BPM → %d s", (transition, bpm, expected) => {
    expect(transitionSeconds(transition, bpm)).toBeCloseTo(expected, 12);
  });
});

// --- deriveTimeline ------------------------------------------------------------------------

type Row = [segmentId: string, start: number, end: number, stretch: number, transitionIn: number];

function expectTimeline(rows: ReturnType<typeof deriveTimeline>, expected: Row[]) {
  expect(rows).toHaveLength(expected.length);
  rows.forEach((row, i) => {
    const [id, start, end, stretch, transitionIn] = expected[i] as Row;
    expect(row.segment_id).toBe(id);
    expect(row.start_s).toBeCloseTo(start, 9);
    expect(row.end_s).toBeCloseTo(end, 9);
    expect(row.stretch).toBeCloseTo(stretch, 12);
    expect(row.transition_in_s).toBeCloseTo(transitionIn, 9);
  });
}

describe("deriveTimeline", () => {
  const BPM = 124;
  const overlap = (16 * 60) / BPM;
  const s1End = (16 * 120) / BPM;
  const s2Start = s1End - overlap;
  const s3Start = s2Start + 20; // 124.3 is within 0.5 % of 124: not stretched

  it.each<[string, ReturnType<typeof plan>, Record<string, number | null>, Row[]]>([
    [
      // Copied from backend/tests/audio/test_render.py::
      // test_timeline_starts_each_segment_where_the_previous_transition_begins
      "the backend's own case",
      plan(BPM, [
        seg("s1", "slow", 10, 26), // 16 s at 120 BPM: 32 beats
        seg("s2", "same", 5, 25, { type: "crossfade", beats: 16 }),
        seg("s3", "slow", 40, 48, { type: "cut", beats: 0 }),
      ]),
      { slow: 120, same: 124.3 },
      [
        ["s1", 0, s1End, BPM / 120, 0],
        ["s2", s2Start, s3Start, 1, overlap],
        ["s3", s3Start, s3Start + (8 * 120) / BPM, BPM / 120, 0],
      ],
    ],
    [
      // By hand at 120 BPM (a beat is 0.5 s): a 32 s segment; 24 s of a 100 BPM track play in
      // 20 s and start 4 s (8 beats) early; a beatless 10 s part starts 2 s (4 beats) early;
      // a cut starts right at the end.
      "stretch, overlaps, a beatless track and a cut, by hand",
      plan(120, [
        seg("s1", "a", 0, 32),
        seg("s2", "b", 10, 34, { type: "crossfade", beats: 8 }),
        seg("s3", "c", 0, 10, { type: "echo_out", beats: 4 }),
        seg("s4", "a", 60, 64, { type: "cut", beats: 0 }),
      ]),
      { a: 120, b: 100, c: null },
      [
        ["s1", 0, 32, 1, 0],
        ["s2", 28, 48, 1.2, 4],
        ["s3", 46, 56, 1, 2],
        ["s4", 56, 60, 1, 0],
      ],
    ],
    [
      "the first segment's transition never overlaps anything",
      plan(120, [seg("s1", "a", 0, 10, { type: "crossfade", beats: 8 })]),
      { a: 120 },
      [["s1", 0, 10, 1, 0]],
    ],
    [
      "a later segment without a transition follows like a cut",
      plan(120, [seg("s1", "a", 0, 10), seg("s2", "a", 20, 30, null)]),
      { a: 120 },
      [
        ["s1", 0, 10, 1, 0],
        ["s2", 10, 20, 1, 0],
      ],
    ],
    ["an empty plan", plan(120, []), {}, []],
  ])("%s", (_name, mix, bpms, expected) => {
    expectTimeline(deriveTimeline(mix, bpms), expected);
  });

  it("refuses an unknown track, as the backend does", () => {
    const mix = plan(124, [seg("s1", "ghost", 0, 10)]);
    expect(() => deriveTimeline(mix, { other: 120 })).toThrow(/unknown track/);
    expect(safeDeriveTimeline(mix, { other: 120 })).toBeNull();
  });

  it.each([
    [[], 0],
    [deriveTimeline(plan(120, [seg("s1", "a", 0, 32), seg("s2", "a", 40, 60, { type: "crossfade", beats: 8 })]), { a: 120 }), 48],
  ])("totalDuration is the last segment's end (%#)", (timeline, expected) => {
    expect(totalDuration(timeline)).toBeCloseTo(expected, 9);
  });

  it("reads each track's tempo from its analysis", () => {
    expect(trackBpmsOf({ a: track("a", 120, 60), b: track("b", null, 30), c: track("c", 90, 30, { analysis: null }) })).toEqual({
      a: 120,
      b: null,
      c: null,
    });
  });
});

// --- bars and trims ------------------------------------------------------------------------

describe("snapToBar", () => {
  const downbeats = [0.5, 2.5, 4.5, 6.5];
  it.each<[number, number[] | null, number | null, number | null, number]>([
    [3.4, downbeats, null, 4, 2.5],
    [3.5, downbeats, null, 4, 2.5], // a tie goes to the earlier bar
    [3.6, downbeats, null, 4, 4.5],
    [-1, downbeats, null, 4, 0.5],
    [100, downbeats, 120, 4, 6.5], // downbeats win over the tempo grid
    [1.6, [4.5, 0.5, 2.5], null, 4, 2.5], // unsorted input
    [3.1, [], 120, 4, 4], // no downbeats: 2 s bars from 0
    [2.9, null, 120, 4, 2],
    [0.9, null, 120, 4, 0],
    [5.1, null, 90, 3, 6], // 3/4 at 90 BPM: 2 s bars
    [5.1, null, null, 4, 5.1], // nothing to snap to
  ])("%d s with downbeats %j, %s BPM in %s → %d", (seconds, beats, bpm, meter, expected) => {
    expect(snapToBar(seconds, beats, bpm, meter)).toBeCloseTo(expected, 9);
  });
});

describe("bar grid", () => {
  it.each<[TrackGrid, number[]]>([
    [{ duration_s: 5, downbeats: [6, 0.5, 2.5, 4.5] }, [0.5, 2.5, 4.5]],
    [{ duration_s: 9, bpm: 120, meter: 4 }, [0, 2, 4, 6, 8]],
    [{ duration_s: 9 }, []],
  ])("barGrid(%j)", (grid, expected) => {
    expect(barGrid(grid)).toEqual(expected);
  });

  it.each<[TrackGrid, number]>([
    [{ duration_s: 60, bpm: 120, meter: 4 }, 2],
    [{ duration_s: 60, bpm: 90, meter: 3 }, 2],
    [{ duration_s: 60, downbeats: [0, 1.9, 4, 6] }, 2], // the median bar
    [{ duration_s: 60 }, 1],
  ])("minimumLength(%j) = %d", (grid, expected) => {
    expect(minimumLength(grid)).toBeCloseTo(expected, 9);
  });
});

describe("trims", () => {
  // A 20 s track with a bar every 2 s from 0.5 s (120 BPM in 4/4).
  const grid: TrackGrid = {
    duration_s: 20,
    downbeats: [0.5, 2.5, 4.5, 6.5, 8.5, 10.5, 12.5, 14.5, 16.5, 18.5],
    bpm: 120,
    meter: 4,
  };
  const bare: TrackGrid = { duration_s: 20 };
  const tempoOnly: TrackGrid = { duration_s: 9, bpm: 120, meter: 4 };
  const part = seg("s1", "a", 4.5, 10.5);

  it.each<[string, Segment, TrimEdge, number, TrackGrid, number, number]>([
    ["start snaps to the nearest bar", part, "start", 3.4, grid, 2.5, 10.5],
    ["start keeps a bar before the end", part, "start", 9.9, grid, 8.5, 10.5],
    ["start never passes the end", part, "start", 12, grid, 8.5, 10.5],
    ["start stops at the track's start", part, "start", -3, grid, 0, 10.5],
    ["the track's start counts as a cut point", part, "start", 0.2, grid, 0, 10.5],
    ["the first downbeat when nearer", part, "start", 0.3, grid, 0.5, 10.5],
    ["end may reach the track's end", part, "end", 19.7, grid, 4.5, 20],
    ["end stops at the track's end", part, "end", 30, grid, 4.5, 20],
    ["end keeps a bar after the start", part, "end", 5, grid, 4.5, 6.5],
    ["end snaps to the nearest bar", part, "end", 11.4, grid, 4.5, 10.5],
    ["without a grid: clamped, a second from the end", part, "start", 9.9, bare, 9.5, 10.5],
    ["without a grid: a second after the start", part, "end", 3, bare, 4.5, 5.5],
    ["without a grid: within the track", part, "end", 25, bare, 4.5, 20],
    ["the tempo grid without downbeats", seg("s", "a", 2, 6), "start", 5, tempoOnly, 4, 6],
    ["the tempo grid ends at the track's end", seg("s", "a", 2, 6), "end", 8.6, tempoOnly, 2, 9],
  ])("trimSegment: %s", (_name, segment, edge, seconds, track, start, end) => {
    const trimmed = trimSegment(segment, edge, seconds, track);
    expect(trimmed.source_start_s).toBeCloseTo(start, 9);
    expect(trimmed.source_end_s).toBeCloseTo(end, 9);
    expect(trimmed.source_start_s).toBeLessThan(trimmed.source_end_s);
  });

  it("leaves the segment alone when no place fits or the time is not a number", () => {
    const tiny = seg("s", "a", 0, 1); // shorter than a bar
    expect(trimSegment(tiny, "start", 0.5, grid)).toBe(tiny);
    expect(trimSegment(part, "end", Number.NaN, grid)).toBe(part);
    expect(part.source_start_s).toBe(4.5); // never mutated
  });

  it.each<[TrimEdge, number, Segment, TrackGrid, number, number]>([
    ["start", 1, part, grid, 6.5, 10.5],
    ["start", 2, part, grid, 8.5, 10.5],
    ["start", 3, part, grid, 8.5, 10.5], // stops a bar before the end
    ["start", -1, part, grid, 2.5, 10.5],
    ["start", -3, part, grid, 0, 10.5], // 2.5, 0.5, then the track's start
    ["start", -5, part, grid, 0, 10.5],
    ["end", 1, part, grid, 4.5, 12.5],
    ["end", -2, part, grid, 4.5, 6.5],
    ["end", -3, part, grid, 4.5, 6.5],
    ["end", 0, part, grid, 4.5, 10.5],
    ["start", 1, seg("s", "a", 3, 10.5), grid, 4.5, 10.5], // off the grid: to the next bar
    ["start", -1, seg("s", "a", 3, 10.5), grid, 2.5, 10.5],
    ["start", 1, part, bare, 5.5, 10.5], // no grid: a second at a time
    ["end", -1, part, tempoOnly, 4.5, 9], // 9 s track: the end is clamped into it first
  ])("nudgeTrim %s by %d bars", (edge, bars, segment, track, start, end) => {
    const nudged = nudgeTrim(segment, edge, bars, track);
    expect(nudged.source_start_s).toBeCloseTo(start, 9);
    expect(nudged.source_end_s).toBeCloseTo(end, 9);
  });
});

// --- order ---------------------------------------------------------------------------------

describe("moveSegment", () => {
  const xfade8 = { type: "crossfade" as const, beats: 8 };
  const cut = { type: "cut" as const, beats: 0 };
  const segments = [seg("s1", "a", 0, 10), seg("s2", "a", 10, 20, xfade8), seg("s3", "a", 20, 30, cut)];

  it.each<[number, number, string[], Segment["transition_in"][]]>([
    [0, 2, ["s2", "s3", "s1"], [null, cut, DEFAULT_TRANSITION]],
    [2, 0, ["s3", "s1", "s2"], [null, DEFAULT_TRANSITION, xfade8]],
    [1, 2, ["s1", "s3", "s2"], [null, cut, xfade8]],
    [1, 0, ["s2", "s1", "s3"], [null, DEFAULT_TRANSITION, cut]],
    [1, 1, ["s1", "s2", "s3"], [null, xfade8, cut]], // no move
    [0, 3, ["s1", "s2", "s3"], [null, xfade8, cut]], // out of range
    [-1, 0, ["s1", "s2", "s3"], [null, xfade8, cut]],
  ])("from %d to %d", (from, to, order, transitions) => {
    const moved = moveSegment(segments, from, to);
    expect(moved.map((s) => s.id)).toEqual(order);
    expect(moved.map((s) => s.transition_in)).toEqual(transitions);
    expect(segments.map((s) => s.id)).toEqual(["s1", "s2", "s3"]); // never mutated
    expect(segments[0]?.transition_in).toBeNull();
  });

  it("fits the default transition to its neighbours when told their lengths", () => {
    // 10 s segments at 120 BPM: half is 5 s = 10 beats, under the default 16.
    const moved = moveSegment(segments, 0, 1, { targetBpm: 120, lengthOf: (s) => s.source_end_s - s.source_start_s });
    expect(moved.map((s) => s.transition_in)).toEqual([null, { type: "crossfade", beats: 10 }, cut]);
  });

  it("removes a segment, but never the last one", () => {
    const removed = removeSegment(segments, 0);
    expect(removed.map((s) => s.id)).toEqual(["s2", "s3"]);
    expect(removed[0]?.transition_in).toBeNull();
    expect(removeSegment(segments, 1).map((s) => s.transition_in)).toEqual([null, cut]);
    const one = [seg("s1", "a", 0, 10)];
    expect(removeSegment(one, 0)).toEqual(one);
    expect(removeSegment(segments, 5)).toEqual(segments);
  });

  it("normalizes transitions", () => {
    const messy = [seg("s1", "a", 0, 10, xfade8), seg("s2", "a", 0, 10, null)];
    expect(normalizeTransitions(messy).map((s) => s.transition_in)).toEqual([null, DEFAULT_TRANSITION]);
  });
});

// --- transition length ---------------------------------------------------------------------

describe("clampTransitionBeats", () => {
  // At 120 BPM a beat is 0.5 s.
  it.each<[number, TransitionType, number, number, number, number]>([
    [16, "cut", 100, 100, 120, 0],
    [16, "crossfade", 100, 100, 120, 16],
    [100, "crossfade", 100, 100, 120, 64],
    [0, "crossfade", 100, 100, 120, 1],
    [-5, "crossfade", 100, 100, 120, 1],
    [16.4, "crossfade", 100, 100, 120, 16],
    [16.5, "crossfade", 100, 100, 120, 17],
    [32, "bass_swap", 10, 100, 120, 10], // half of 10 s = 5 s = 10 beats
    [32, "echo_out", 100, 7.9, 120, 7], // half of 7.9 s = 7.9 beats
    [8, "filter_sweep", 8, 8, 120, 8], // exactly half fits
    [8, "filter_sweep", 0.6, 100, 120, 1], // not even one beat fits: the shortest there is
    [Number.NaN, "crossfade", 100, 100, 120, 16], // not a number: the default
    [16, "crossfade", 10, 10, 124, 10], // 5 s at 124 BPM = 10.33 beats
  ])("%d beats of %s between %d s and %d s at %d BPM → %d", (beats, type, prev, next, bpm, expected) => {
    expect(clampTransitionBeats(beats, type, prev, next, bpm)).toBe(expected);
  });

  it.each([
    [Infinity, Infinity, 120, 64],
    [10, 100, 120, 10],
    [0.6, 100, 120, 0],
    [10, 10, 0, 0],
  ])("maxTransitionBeats(%d, %d, %d) = %d", (prev, next, bpm, expected) => {
    expect(maxTransitionBeats(prev, next, bpm)).toBe(expected);
  });
});

// --- validation ----------------------------------------------------------------------------

describe("validateTimeline", () => {
  const tracks = {
    a: track("a", 120, 60),
    b: track("b", 100, 40),
    c: track("c", null, 30),
    n: track("n", 120, null, { status: "analyzing", analysis: null }),
  };
  const xfade = (beats: number) => ({ type: "crossfade" as const, beats });

  it("accepts a valid timeline", () => {
    const mix = plan(120, [
      seg("s1", "a", 0, 32),
      seg("s2", "b", 10, 34, xfade(8)),
      seg("s3", "c", 0, 10, { type: "echo_out", beats: 4 }),
      seg("s4", "a", 40, 60.0005, { type: "cut", beats: 0 }), // within the backend's 1 ms of the end
    ]);
    expect(validateTimeline(mix, tracks)).toEqual([]);
  });

  it.each<[string, ReturnType<typeof plan>, string]>([
    ["empty", plan(120, []), "The timeline is empty"],
    ["start after end", plan(120, [seg("s1", "a", 20, 10)]), "Segment 1 (Track A): the start must be before the end."],
    ["start at end", plan(120, [seg("s1", "a", 10, 10)]), "the start must be before the end"],
    ["past the track", plan(120, [seg("s1", "b", 10, 41)]), "the end (0:41.0) is past the end of the track (0:40.0)"],
    ["before the track", plan(120, [seg("s1", "a", -1, 10)]), "the start (−0:01.0) is before the track begins"],
    ["unknown track", plan(120, [seg("s1", "ghost", 0, 10)]), "Segment 1 (ghost part): its track is not in your library."],
    ["no known length", plan(120, [seg("s1", "n", 0, 10)]), "length is not known yet"],
    [
      "transition longer than half a neighbour",
      plan(120, [seg("s1", "a", 0, 8), seg("s2", "a", 0, 60, xfade(16))]),
      "Transition into segment 2 (Track A): 16 beats (8.0 s) is longer than half of a neighbouring segment (8.0 s); at most 8 beats fit.",
    ],
    [
      // 12 s of a 100 BPM track last 10 s at 120 BPM: 11 beats (5.5 s) is over half.
      "the neighbour's stretched length counts",
      plan(120, [seg("s1", "b", 0, 12), seg("s2", "a", 0, 60, xfade(11))]),
      "at most 10 beats fit",
    ],
    ["only a cut fits", plan(120, [seg("s1", "a", 10, 10.4), seg("s2", "a", 0, 60, xfade(1))]), "only a cut fits there"],
    ["first with a transition", plan(120, [seg("s1", "a", 0, 10, xfade(4))]), "the first segment cannot have a transition in"],
    [
      "a cut with beats",
      plan(120, [seg("s1", "a", 0, 30), seg("s2", "a", 0, 30, { type: "cut", beats: 4 })]),
      "a cut has 0 beats",
    ],
    [
      "no beats",
      plan(120, [seg("s1", "a", 0, 30), seg("s2", "a", 0, 30, xfade(0))]),
      "a crossfade lasts a whole number of beats from 1 to 64",
    ],
    ["too many beats", plan(120, [seg("s1", "a", 0, 60), seg("s2", "a", 0, 60, xfade(65))]), "from 1 to 64"],
    [
      "fractional beats",
      plan(120, [seg("s1", "a", 0, 60), seg("s2", "a", 0, 60, { type: "bass_swap", beats: 2.5 })]),
      "a bass swap lasts",
    ],
    ["duplicate ids", plan(120, [seg("s1", "a", 0, 30), seg("s1", "a", 30, 60, xfade(4))]), "its id “s1” is used twice"],
    ["target tempo", plan(250, [seg("s1", "a", 0, 30)]), "The target tempo must be between 60 and 200 BPM."],
  ])("reports %s", (_name, mix, expected) => {
    const messages = validateTimeline(mix, tracks);
    expect(messages.some((message) => message.includes(expected))).toBe(true);
  });

  it("fits exactly half, and says which segment each problem belongs to", () => {
    expect(validateTimeline(plan(120, [seg("s1", "b", 0, 12), seg("s2", "a", 0, 60, xfade(10))]), tracks)).toEqual([]);
    const problems = findTimelineProblems(plan(120, [seg("s1", "a", 0, 30), seg("s2", "b", 0, 41, xfade(4))]), tracks);
    expect(problems).toEqual([{ index: 1, field: "source_end_s", message: expect.stringContaining("Segment 2 (Track B)") }]);
  });
});

describe("formatPreciseClock", () => {
  it.each([
    [83.44, "1:23.4"],
    [0, "0:00.0"],
    [9.96, "0:10.0"],
    [59.96, "1:00.0"],
    [3725.2, "62:05.2"],
    [-1.5, "−0:01.5"],
    [Number.NaN, "–:––"],
  ])("%d → %s", (seconds, expected) => {
    expect(formatPreciseClock(seconds)).toBe(expected);
  });
});

describe("beatsPerBar", () => {
  it.each([
    ["4/4", 4],
    ["3/4", 3],
    ["6/8", 2],
    ["12/8", 4],
    ["", null],
    [null, null],
    [undefined, null],
    ["odd", null],
  ])("%j → %j", (meter, expected) => {
    expect(beatsPerBar(meter)).toBe(expected);
  });

  it("gives a 3/4 track three-beat bars", () => {
    const waltz = track("waltz", 120, 30);
    const grid = trackGridOf({ ...waltz, analysis: { ...waltz.analysis, meter: "3/4" } });
    expect(grid.meter).toBe(3);
    expect(barSeconds(grid.bpm, grid.meter)).toBeCloseTo(1.5, 9);
  });
});

describe("tempo-journey fields", () => {
  it("keeps a transition's ramp when its length changes, shortened to fit the overlap", () => {
    const ramped = { type: "crossfade", beats: 16, ramp_beats: 8 } as const;
    expect(retimedTransition(ramped, "crossfade", 24)).toEqual({ type: "crossfade", beats: 24, ramp_beats: 8 });
    expect(retimedTransition(ramped, "bass_swap", 4)).toEqual({ type: "bass_swap", beats: 4, ramp_beats: 4 });
    expect(retimedTransition(ramped, "cut", 0)).toEqual({ type: "cut", beats: 0, ramp_beats: 0 });
    expect(retimedTransition(null, "crossfade", 16)).toEqual({ type: "crossfade", beats: 16 });
  });

  it("tells a plan that changes tempo from one at a single tempo", () => {
    expect(isTempoJourney([seg("a", "a", 0, 10), seg("b", "b", 0, 10, { type: "crossfade", beats: 8 })])).toBe(false);
    expect(isTempoJourney([{ ...seg("a", "a", 0, 10), bpm: 128 }])).toBe(true);
    expect(isTempoJourney([seg("a", "a", 0, 10), seg("b", "b", 0, 10, { type: "crossfade", beats: 8, ramp_beats: 4 })])).toBe(
      true,
    );
  });
});

// --- tempo journeys ------------------------------------------------------------------------

describe("deriveTimeline on tempo journeys", () => {
  const journeySeg = (
    id: string,
    trackId: string,
    start: number,
    end: number,
    transition: Transition | null,
    tempo: Pick<Segment, "bpm" | "beat_map"> = {},
  ): Segment => ({ ...seg(id, trackId, start, end, transition), ...tempo });

  type JourneyRow = [id: string, start: number, end: number, stretch: number, transitionIn: number, bpm: number];
  type TempoIn = NonNullable<TimelineEntry["tempo_in"]> | undefined;

  // The numbers are the backend's: `derive_timeline` (backend/intellimix/audio/tempo.py, via
  // intellimix.audio.render) run on these very plans with /work/main/.venv/bin/python from
  // backend/ — printed with json.dumps and pasted here as they came out.
  it.each<[string, ReturnType<typeof plan>, Record<string, number | null>, JourneyRow[], TempoIn[]]>([
    [
      "a half-time segment, stepping tempo in the middle of each overlap",
      plan(120, [
        journeySeg("s1", "a", 0, 64, null),
        journeySeg("s2", "dnb", 30, 90, { type: "crossfade", beats: 16 }, { bpm: 88, beat_map: "half_time" }),
        journeySeg("s3", "a", 100, 132, { type: "bass_swap", beats: 8 }),
      ]),
      { a: 120, dnb: 174 },
      [
        ["s1", 0.0, 65.45454545454545, 1.0, 0.0, 120],
        ["s2", 56.0, 113.13636363636363, 1.0114942528735633, 9.454545454545453, 88],
        ["s3", 108.4090909090909, 141.13636363636363, 1.0, 4.727272727272727, 120],
      ],
      [
        undefined,
        { from_bpm: 120, to_bpm: 88, ramp_start_s: 60.0, ramp_end_s: 60.0 },
        { from_bpm: 88, to_bpm: 120, ramp_start_s: 111.13636363636364, ramp_end_s: 111.13636363636364 },
      ],
    ],
    [
      "a 16-beat ramp centred in a 32-beat overlap",
      plan(124, [
        journeySeg("s1", "a", 10, 74, null, { bpm: 122 }),
        journeySeg("s2", "b", 0, 60, { type: "crossfade", beats: 32, ramp_beats: 16 }, { bpm: 130 }),
        journeySeg("s3", "a", 80, 112, { type: "cut", beats: 0 }),
      ]),
      { a: 120, b: 128 },
      [
        ["s1", 0.0, 62.458896294961875, 1.0166666666666666, 0.0, 122],
        ["s2", 47.21311475409837, 106.7665886026542, 1.015625, 15.245781540863508, 130],
        ["s3", 106.7665886026542, 137.73433053813807, 1.0333333333333334, 0.0, 124],
      ],
      [undefined, { from_bpm: 122, to_bpm: 130, ramp_start_s: 51.14754098360657, ramp_end_s: 58.76658860265419 }, undefined],
    ],
    [
      "an echo-out between two tempi (not locked), then one with a ramp (locked)",
      plan(124, [
        journeySeg("s1", "a", 0, 48, null, { bpm: 124 }),
        journeySeg("s2", "h", 20, 60, { type: "echo_out", beats: 8 }, { bpm: 140 }),
        journeySeg("s3", "b", 0, 40, { type: "echo_out", beats: 8, ramp_beats: 8 }),
      ]),
      { a: 124, h: 140, b: 126 },
      [
        ["s1", 0.0, 48.0, 1.0, 0.0, 124],
        ["s2", 44.12903225806451, 84.33682446585672, 1.0, 3.870967741935484, 140],
        ["s3", 80.70046082949308, 121.11101801424381, 0.9841269841269841, 3.6363636363636362, 124],
      ],
      [
        undefined,
        { from_bpm: 124, to_bpm: 140, ramp_start_s: 48.0, ramp_end_s: 48.0, locked: false },
        { from_bpm: 140, to_bpm: 124, ramp_start_s: 80.70046082949308, ramp_end_s: 84.33682446585672 },
      ],
    ],
    [
      "double time, a beatless pad inside a full ramp, a short ramp",
      plan(128, [
        journeySeg("s1", "slow", 0, 40, null, { bpm: 140, beat_map: "double_time" }),
        journeySeg("s2", "pad", 0, 30, { type: "filter_sweep", beats: 16, ramp_beats: 16 }),
        journeySeg("s3", "b", 5, 45, { type: "crossfade", beats: 16, ramp_beats: 4 }, { bpm: 132 }),
      ]),
      { slow: 70, pad: null, b: 126 },
      [
        ["s1", 0.0, 40.30703624733476, 1.0, 0.0, 140],
        ["s2", 33.142857142857146, 63.142857142857146, 1.0, 7.164179104477612, 128],
        ["s3", 55.75693056943057, 94.05194805194806, 1.0476190476190477, 7.385926573426573, 132],
      ],
      [
        undefined,
        { from_bpm: 140, to_bpm: 128, ramp_start_s: 33.142857142857146, ramp_end_s: 40.30703624733476 },
        { from_bpm: 128, to_bpm: 132, ramp_start_s: 58.56943056943057, ramp_end_s: 60.41558441558442 },
      ],
    ],
  ])("%s: as the backend derives it, within 1 ms", (_name, mix, bpms, rows, tempoIn) => {
    const timeline = deriveTimeline(mix, bpms);
    expect(timeline).toHaveLength(rows.length);
    timeline.forEach((entry, i) => {
      const [id, start, end, stretch, transitionIn, bpm] = rows[i] as JourneyRow;
      expect(entry.segment_id).toBe(id);
      // toBeCloseTo(x, 6): |Δ| < 5e-7 s, well inside the 1 ms asked for.
      expect(entry.start_s).toBeCloseTo(start, 6);
      expect(entry.end_s).toBeCloseTo(end, 6);
      expect(entry.stretch).toBeCloseTo(stretch, 12);
      expect(entry.transition_in_s).toBeCloseTo(transitionIn, 6);
      expect(entry.bpm).toBe(bpm);
      const wanted = tempoIn[i];
      if (wanted === undefined) {
        expect(entry.tempo_in).toBeUndefined();
      } else {
        expect(entry.tempo_in).toEqual({
          ...wanted,
          ramp_start_s: expect.closeTo(wanted.ramp_start_s, 6),
          ramp_end_s: expect.closeTo(wanted.ramp_end_s, 6),
        });
      }
    });
  });

  it("times an overlap between two tempi as tempo.py's HandOver does", () => {
    const xfade = { type: "crossfade" as const, beats: 32 };
    // Steady: beats at the one tempo (the old arithmetic).
    expect(overlapSeconds(xfade, 124, 124)).toBeCloseTo((32 * 60) / 124, 12);
    // A step in the middle: half the beats at each tempo.
    expect(overlapSeconds(xfade, 120, 88)).toBeCloseTo((16 * 60) / 120 + (16 * 60) / 88, 12);
    // A ramp linear in time: its beats at the mean of both tempi; the rest split either side.
    expect(overlapSeconds({ ...xfade, ramp_beats: 16 }, 122, 130)).toBeCloseTo(15.245781540863508, 9);
    expect(overlapSeconds({ ...xfade, ramp_beats: 40 }, 122, 130)).toBeCloseTo((32 * 120) / 252, 12); // ramp ≤ beats
    // An echo-out between two tempi is not locked: its beats at the outgoing tempo.
    expect(overlapSeconds({ type: "echo_out", beats: 8 }, 124, 140)).toBeCloseTo(3.870967741935484, 12);
    expect(overlapSeconds({ type: "cut", beats: 0 }, 124, 140)).toBe(0);
    expect(overlapSeconds(null, 124, 140)).toBe(0);
  });

  it("gives a plan at one tempo the old numbers exactly", () => {
    const mix = plan(120, [seg("s1", "a", 0, 32), seg("s2", "b", 10, 34, { type: "crossfade", beats: 8, ramp_beats: 4 })]);
    const rows = deriveTimeline(mix, { a: 120, b: 100 });
    expect(rows.map((row) => [row.start_s, row.end_s, row.stretch, row.transition_in_s, row.bpm])).toEqual([
      [0, 32, 1, 0, 120],
      [28, 48, 1.2, 4, 120],
    ]);
    expect(rows[1]?.tempo_in).toBeUndefined();
  });

  // The most beats per boundary, from the backend: the largest of 64…1 beats (a ramp shortened
  // to fit) for which validate_plan's rule holds on derive_timeline's own lengths — the
  // overlap (transition_in_s) at most half of either neighbour (end_s − start_s) + 1e-6.
  it.each<[string, ReturnType<typeof plan>, Record<string, number | null>, (number | null)[]]>([
    [
      "half time and steps",
      plan(120, [
        journeySeg("s1", "a", 0, 64, null),
        journeySeg("s2", "dnb", 30, 90, { type: "crossfade", beats: 16 }, { bpm: 88, beat_map: "half_time" }),
        journeySeg("s3", "a", 100, 132, { type: "bass_swap", beats: 8 }),
      ]),
      { a: 120, dnb: 174 },
      [46, 29],
    ],
    [
      "echo-outs",
      plan(124, [
        journeySeg("s1", "a", 0, 48, null, { bpm: 124 }),
        journeySeg("s2", "h", 20, 60, { type: "echo_out", beats: 8 }, { bpm: 140 }),
        journeySeg("s3", "b", 0, 40, { type: "echo_out", beats: 8, ramp_beats: 8 }),
      ]),
      { a: 124, h: 140, b: 126 },
      [41, 43],
    ],
    [
      "ramps and a beatless pad",
      plan(128, [
        journeySeg("s1", "slow", 0, 40, null, { bpm: 140, beat_map: "double_time" }),
        journeySeg("s2", "pad", 0, 30, { type: "filter_sweep", beats: 16, ramp_beats: 16 }),
        journeySeg("s3", "b", 5, 45, { type: "crossfade", beats: 16, ramp_beats: 4 }, { bpm: 132 }),
      ]),
      { slow: 70, pad: null, b: 126 },
      [33, 32],
    ],
  ])("maxTransitionBeatsAt counts each boundary at its own tempi (%s)", (_name, mix, bpms, expected) => {
    expect(expected.map((_, i) => maxTransitionBeatsAt(mix, i + 1, bpms))).toEqual(expected);
  });

  it("maxTransitionBeatsAt agrees with maxTransitionBeats at one tempo", () => {
    const mix = plan(120, [seg("s1", "b", 0, 12), seg("s2", "a", 0, 60, { type: "crossfade", beats: 11 })]);
    expect(maxTransitionBeatsAt(mix, 1, { a: 120, b: 100 })).toBe(maxTransitionBeats(10, 60, 120));
    expect(maxTransitionBeatsAt(mix, 0, { a: 120, b: 100 })).toBe(0);
  });

  it("checks a journey's overlaps on their own tempi, as validate_plan does", () => {
    const tracks = { a: track("a", 120, 200), dnb: track("dnb", 174, 200) };
    const mix = (beats: number) =>
      plan(120, [
        journeySeg("s1", "a", 0, 64, null),
        journeySeg("s2", "dnb", 30, 90, { type: "crossfade", beats }, { bpm: 88, beat_map: "half_time" }),
      ]);
    // At 120 BPM throughout 50 beats would fit (25 s of 64 s); stepping 120 → 88 they last
    // 29.55 s of a 54.77 s segment (the backend's message: "29.55 s is longer than half of a
    // neighbouring segment (54.77 s)"). (The backend also limits the stretch of a segment on its
    // own tempo, which these checks leave to it.)
    expect(validateTimeline(mix(46), tracks)).toEqual([]);
    expect(validateTimeline(mix(50), tracks)).toEqual([
      "Transition into segment 2 (Track DNB): 50 beats (29.5 s) is longer than half of a neighbouring segment (54.8 s); " +
        "at most 46 beats fit.",
    ]);
  });
});

describe("time maps and the beat clock on tempo journeys", () => {
  const journeySeg = (id: string, trackId: string, start: number, end: number, transition: Transition | null, tempo = {}) => ({
    ...seg(id, trackId, start, end, transition),
    ...tempo,
  });
  const ramped = plan(124, [
    journeySeg("s1", "a", 10, 74, null, { bpm: 122 }),
    journeySeg("s2", "b", 0, 60, { type: "crossfade", beats: 32, ramp_beats: 16 }, { bpm: 130 }),
    journeySeg("s3", "a", 80, 112, { type: "cut", beats: 0 }),
  ]);
  const padded = plan(128, [
    journeySeg("s1", "slow", 0, 40, null, { bpm: 140, beat_map: "double_time" }),
    journeySeg("s2", "pad", 0, 30, { type: "filter_sweep", beats: 16, ramp_beats: 16 }),
    journeySeg("s3", "b", 5, 45, { type: "crossfade", beats: 16, ramp_beats: 4 }, { bpm: 132 }),
  ]);

  // The backend's time_maps (backend/intellimix/audio/tempo.py) on the same plans as above,
  // TimeMap.to_output at each segment's start, start + 2 s, middle, end − 2 s and end (its
  // ramps are kept every 5 ms, so it agrees with the exact curve to well under a microsecond).
  it.each<[string, ReturnType<typeof plan>, Record<string, number | null>, number[][]]>([
    [
      "a ramp shorter than its overlap",
      ramped,
      { a: 120, b: 128 },
      [
        [0.0, 1.967213115, 31.475409836, 60.612742449, 62.458896295],
        [47.213114754, 49.31147541, 77.228127064, 104.797357833, 106.766588603],
        [106.766588603, 108.702072474, 122.25045957, 135.798846667, 137.734330538],
      ],
    ],
    [
      "double time, a beatless pad",
      padded,
      { slow: 70, pad: null, b: 126 },
      [
        [0.0, 2.0, 20.0, 38.149980012, 40.307036247],
        [33.142857143, 35.142857143, 48.142857143, 61.142857143, 63.142857143],
        [55.756930569, 57.725680569, 74.961038961, 92.142857143, 94.051948052],
      ],
    ],
  ])("maps source to mix as the backend does (%s)", (_name, mix, bpms, expected) => {
    const timeline = deriveTimeline(mix, bpms);
    const maps = timeMapsOf(mix.segments, timeline, bpms, mix.target.bpm);
    mix.segments.forEach((segment, i) => {
      const a = segment.source_start_s;
      const b = segment.source_end_s;
      const points = [a, a + 2, (a + b) / 2, b - 2, b];
      const map = maps[i];
      points.forEach((point, j) => {
        expect(map?.toMix(point)).toBeCloseTo(expected[i]?.[j] ?? Number.NaN, 6);
        expect(map?.toSource(map.toMix(point))).toBeCloseTo(point, 9);
      });
    });
  });

  it("keeps a plan at one tempo on its constant stretch", () => {
    const mix = plan(120, [seg("s1", "a", 0, 32), seg("s2", "b", 10, 34, { type: "crossfade", beats: 8 })]);
    const timeline = deriveTimeline(mix, { a: 120, b: 100 });
    const [, second] = timeMapsOf(mix.segments, timeline, { a: 120, b: 100 }, 120);
    expect(second?.toMix(16)).toBe(28 + 6 / 1.2);
    expect(second?.toSource(30)).toBe(10 + 2 * 1.2);
  });

  it("counts the mix's beats along the journey's tempo", () => {
    // 120 BPM to 60 s less the overlap's start at 56 s (112 beats), 8 beats at 120 to 60 s, then
    // 88 BPM; 4 beats at 88 and 4 at 120 from s3's start (108.409 s), then 120.
    const mix = plan(120, [
      journeySeg("s1", "a", 0, 64, null),
      journeySeg("s2", "dnb", 30, 90, { type: "crossfade", beats: 16 }, { bpm: 88, beat_map: "half_time" }),
      journeySeg("s3", "a", 100, 132, { type: "bass_swap", beats: 8 }),
    ]);
    const timeline = deriveTimeline(mix, { a: 120, dnb: 174 });
    const clock = beatClockOf(mix.segments, timeline, 120);
    expect(clock.beatAt(56)).toBeCloseTo(112, 9);
    expect(clock.beatAt(60)).toBeCloseTo(120, 9);
    expect(clock.beatAt(60 + 60 / 88)).toBeCloseTo(121, 9);
    const s3 = timeline[2]?.start_s ?? 0;
    const atS3 = 120 + ((s3 - 60) * 88) / 60;
    expect(clock.beatAt(s3 + (4 * 60) / 88)).toBeCloseTo(atS3 + 4, 9);
    expect(clock.beatAt(s3 + (4 * 60) / 88 + 2)).toBeCloseTo(atS3 + 8, 9);
    expect(clock.maxBpm).toBe(120);
    for (const beat of [0, 1, 112, 117.5, 120, 121, 200, 300]) expect(clock.beatAt(clock.secondsAt(beat))).toBeCloseTo(beat, 9);
  });

  it("follows a ramp and an unlocked echo-out in the beat clock", () => {
    const timeline = deriveTimeline(ramped, { a: 120, b: 128 });
    const clock = beatClockOf(ramped.segments, timeline, 124);
    const ramp = timeline[1]?.tempo_in;
    // 8 beats at 122 before the ramp, the ramp's 16, then 130.
    expect(clock.beatAt(ramp?.ramp_start_s ?? 0) - clock.beatAt(timeline[1]?.start_s ?? 0)).toBeCloseTo(8, 9);
    expect(clock.beatAt(ramp?.ramp_end_s ?? 0) - clock.beatAt(ramp?.ramp_start_s ?? 0)).toBeCloseTo(16, 9);
    const echo = plan(124, [
      journeySeg("s1", "a", 0, 48, null, { bpm: 124 }),
      journeySeg("s2", "h", 20, 60, { type: "echo_out", beats: 8 }, { bpm: 140 }),
    ]);
    const echoed = deriveTimeline(echo, { a: 124, h: 140 });
    const echoClock = beatClockOf(echo.segments, echoed, 124);
    expect(echoClock.beatAt(48)).toBeCloseTo((48 * 124) / 60, 9); // the outgoing grid to the overlap's end
    expect(echoClock.beatAt(50)).toBeCloseTo((48 * 124) / 60 + (2 * 140) / 60, 9);
  });
});
