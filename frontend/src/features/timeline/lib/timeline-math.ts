/**
 * The timeline editor's arithmetic, pure and framework-free.
 *
 * Output positions follow the backend exactly (backend/intellimix/audio/tempo.py:
 * `stretch_ratio`, `hand_over`, `derive_timeline` — tempo journeys included: each segment at its
 * own tempo and beat map, overlaps on the tempo curve both sides follow), and the checks mirror
 * what `intellimix.planner.plan.validate_plan` rejects, so the editor never offers a timeline the
 * server would refuse.
 */
import type { BeatMap, Id, MixPlan, Segment, TimelineEntry, Track, Transition, TransitionType } from "@/lib/types";

import type { TimelineProblem, TrackBpms, TrackGrid, TrimEdge } from "../types";

/** DESIGN §5: no stretch when the tempi are within 0.5 %. */
export const STRETCH_TOLERANCE = 0.005;
/** Transition length limits in beats (DESIGN §5; `Transition.beats` in the backend schema). */
export const MIN_TRANSITION_BEATS = 1;
export const MAX_TRANSITION_BEATS = 64;
export const MAX_SEGMENTS = 64;
export const MIN_TARGET_BPM = 60;
export const MAX_TARGET_BPM = 200;
/** The backend allows a cut this far past the track's end (rounding of the stored duration). */
export const END_TOLERANCE_S = 1e-3;
/**
 * The transition a segment gets when it stops being the first one: a 16-beat (four-bar)
 * crossfade is the planner's usual blend, phrase-sized at any tempo, and the least surprising
 * choice; people change it at the boundary right away if they want something else.
 */
export const DEFAULT_TRANSITION: Readonly<Transition> = { type: "crossfade", beats: 16 };
/** Without any bar grid, trims move and keep at least this much (seconds). */
export const FALLBACK_STEP_S = 1;

export class TimelineError extends Error {
  readonly code: "UNKNOWN_TRACK" | "INVALID_TEMPO";

  constructor(message: string, code: "UNKNOWN_TRACK" | "INVALID_TEMPO") {
    super(message);
    this.name = "TimelineError";
    this.code = code;
  }
}

// --- output positions (render.py) --------------------------------------------------------

function isPositiveBpm(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

/** Speed factor target/track: exactly 1.0 within 0.5 % or without a tempo (`stretch_ratio`). */
export function stretchRatio(targetBpm: number, trackBpm: number | null | undefined): number {
  if (trackBpm === null || trackBpm === undefined) return 1.0; // beatless: no grid to sync
  for (const [name, bpm] of [
    ["target", targetBpm],
    ["track", trackBpm],
  ] as const) {
    if (!isPositiveBpm(bpm)) throw new TimelineError(`The ${name} tempo ${String(bpm)} is not a positive BPM.`, "INVALID_TEMPO");
  }
  const ratio = targetBpm / trackBpm;
  return Math.abs(ratio - 1.0) <= STRETCH_TOLERANCE ? 1.0 : ratio;
}

/** Overlap of a transition at one steady tempo: its beats at that tempo, 0 for a cut. */
export function transitionSeconds(transition: Transition | null | undefined, targetBpm: number): number {
  if (!transition || transition.type === "cut") return 0;
  return (transition.beats * 60) / targetBpm;
}

/** Track beats per set beat, by beat map (`TRACK_BEATS_PER_BEAT` in tempo.py). */
const TRACK_BEATS_PER_BEAT: Readonly<Record<BeatMap, number>> = { same: 1, half_time: 2, double_time: 0.5 };

/** The tempo a segment plays at on the set's grid: its own, else the plan's (`segment_bpm`). */
export function segmentTempo(segment: Pick<Segment, "bpm">, targetBpm: number): number {
  return segment.bpm === null || segment.bpm === undefined ? targetBpm : segment.bpm;
}

/** A track's own tempo counted in set beats: 174 as half time counts 87 (`set_tempo_of`). */
function setTempoOf(trackBpm: number | null | undefined, beatMap: BeatMap | null | undefined): number | null {
  if (trackBpm === null || trackBpm === undefined) return null;
  return trackBpm / (TRACK_BEATS_PER_BEAT[beatMap ?? "same"] ?? 1);
}

/** A stretch of an overlap at one tempo or on a linear ramp (in time) between two. */
interface TempoPiece {
  seconds: number;
  fromBpm: number;
  toBpm: number;
}

function pieceBeats(piece: TempoPiece): number {
  return (piece.seconds * (piece.fromBpm + piece.toBpm)) / 120;
}

/**
 * The tempo curve of one overlap (tempo.py's `HandOver`): the outgoing tempo, a ramp of
 * `rampBeats` centred in the overlap (a step in its middle without one), the incoming tempo.
 * Not `locked`: an echo-out between two tempi without a ramp — each side keeps its own tempo
 * and the overlap lasts its beats at the outgoing one.
 */
interface HandOver {
  beats: number;
  rampBeats: number;
  fromBpm: number;
  toBpm: number;
  locked: boolean;
  pieces: TempoPiece[];
  seconds: number;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function handOver(transition: Transition | null | undefined, fromBpm: number, toBpm: number): HandOver {
  const isCut = !transition || transition.type === "cut";
  const beats = isCut ? 0 : transition.beats;
  const rampBeats = isCut ? 0 : Math.min(transition.ramp_beats || 0, beats);
  const locked = isCut || !(transition.type === "echo_out" && rampBeats === 0 && fromBpm !== toBpm);
  let pieces: TempoPiece[];
  if (!locked) {
    pieces = [{ seconds: (beats * 60) / fromBpm, fromBpm, toBpm: fromBpm }];
  } else if (fromBpm === toBpm || beats === 0) {
    // The arithmetic of one global tempo (transitionSeconds), so old plans time alike.
    pieces = [{ seconds: (beats * 60) / toBpm, fromBpm: toBpm, toBpm }];
  } else {
    const side = (beats - rampBeats) / 2;
    pieces = [
      { seconds: (side * 60) / fromBpm, fromBpm, toBpm: fromBpm },
      { seconds: (rampBeats * 120) / (fromBpm + toBpm), fromBpm, toBpm },
      { seconds: (side * 60) / toBpm, fromBpm: toBpm, toBpm },
    ].filter((piece) => piece.seconds > 0);
  }
  return { beats, rampBeats, fromBpm, toBpm, locked, pieces, seconds: sum(pieces.map((piece) => piece.seconds)) };
}

/** Whether both segments play a changing tempo through the overlap (`HandOver.changes`). */
function changes(hand: HandOver | null): hand is HandOver {
  return hand !== null && hand.locked && hand.fromBpm !== hand.toBpm && hand.beats > 0;
}

/**
 * Seconds a transition's overlap lasts between an outgoing segment at `fromBpm` and an incoming
 * one at `toBpm` (`HandOver.seconds`): its beats at the one tempo when both are equal — what
 * `transitionSeconds` gives — else on the tempo curve; 0 for a cut.
 */
export function overlapSeconds(transition: Transition | null | undefined, fromBpm: number, toBpm: number): number {
  return handOver(transition, fromBpm, toBpm).seconds;
}

/**
 * A segment's length in the output after the stretch at its own tempo and beat map — the body's
 * arithmetic; an overlap whose tempo changes moves it a little (deriveTimeline has it exactly).
 */
export function outputLength(segment: Segment, targetBpm: number, trackBpm: number | null | undefined): number {
  const stretch = stretchRatio(segmentTempo(segment, targetBpm), setTempoOf(trackBpm, segment.beat_map));
  return (segment.source_end_s - segment.source_start_s) / stretch;
}

/** Where the tempo changes in an overlap on the output (`_tempo_in`). */
function tempoIn(hand: HandOver, start: number): NonNullable<TimelineEntry["tempo_in"]> {
  if (!hand.locked) {
    const end = start + hand.seconds;
    return { from_bpm: hand.fromBpm, to_bpm: hand.toBpm, ramp_start_s: end, ramp_end_s: end, locked: false };
  }
  const before = sum(hand.pieces.filter((p) => p.fromBpm === p.toBpm && p.toBpm === hand.fromBpm).map((p) => p.seconds));
  const ramp = sum(hand.pieces.filter((p) => p.fromBpm !== p.toBpm).map((p) => p.seconds));
  return { from_bpm: hand.fromBpm, to_bpm: hand.toBpm, ramp_start_s: start + before, ramp_end_s: start + before + ramp };
}

/**
 * Output positions of every segment: each starts where the previous one's transition begins
 * (tempo.py's `derive_timeline`). Each segment plays at its own tempo (`bpm`, else the plan's),
 * stretched from its track's tempo as its beat map counts it; an overlap lasts its beats on the
 * tempo curve both sides follow, and where that curve changes tempo the segments play their
 * source at other rates than their bodies, so their lengths move by the difference.
 */
export function deriveTimeline(plan: Pick<MixPlan, "target" | "segments">, trackBpms: TrackBpms): TimelineEntry[] {
  const targetBpm = plan.target.bpm;
  const segments = plan.segments;
  for (const segment of segments) {
    if (!Object.hasOwn(trackBpms, segment.track_id)) {
      throw new TimelineError(`Segment ${segment.id} uses an unknown track.`, "UNKNOWN_TRACK");
    }
  }
  const tempi = segments.map((segment) => segmentTempo(segment, targetBpm));
  const trackTempi = segments.map((segment) => setTempoOf(trackBpms[segment.track_id], segment.beat_map));
  const hands = segments.map((segment, index) =>
    index === 0 ? null : handOver(segment.transition_in, tempi[index - 1] ?? targetBpm, tempi[index] ?? targetBpm),
  );
  const timeline: TimelineEntry[] = [];
  let end = 0;
  segments.forEach((segment, index) => {
    const bpm = tempi[index] ?? targetBpm;
    const trackBpm = trackTempi[index] ?? null;
    const stretch = stretchRatio(bpm, trackBpm);
    const incoming = hands[index] ?? null;
    const outgoing = hands[index + 1] ?? null;
    const overlap = incoming === null ? 0 : incoming.seconds;
    const start = end - overlap;
    end = start + (segment.source_end_s - segment.source_start_s) / stretch;
    for (const hand of [incoming, outgoing]) {
      if (!changes(hand)) continue;
      // Source seconds a piece plays: ∫ rate dt = 60 · beats / track tempo (its seconds if beatless).
      const played = hand.pieces.map((piece) => (trackBpm === null ? piece.seconds : (60 * pieceBeats(piece)) / trackBpm));
      end += sum(hand.pieces.map((piece, i) => piece.seconds - (played[i] ?? 0) / stretch));
    }
    const entry: TimelineEntry = {
      segment_id: segment.id,
      track_id: segment.track_id,
      start_s: start,
      end_s: end,
      stretch,
      transition_in_s: overlap,
      bpm,
    };
    if (incoming !== null && incoming.fromBpm !== incoming.toBpm && incoming.beats > 0) {
      entry.tempo_in = tempoIn(incoming, start);
    }
    timeline.push(entry);
  });
  return timeline;
}

// --- time maps and the mix's beat clock (tempo.py's TimeMap) ----------------------------------

/** Where a segment's source plays in the mix, both ways (inside the segment and past its ends). */
export interface TimeMap {
  toSource: (mixSeconds: number) => number;
  toMix: (sourceSeconds: number) => number;
}

/** A stretch of output from `out` (source `src`) whose rate moves linearly in time from `a` to `b`. */
interface RateSpan {
  out: number;
  src: number;
  seconds: number;
  a: number;
  b: number;
}

function spanAtOut(spans: readonly RateSpan[], seconds: number): RateSpan {
  let found = spans[0] as RateSpan;
  for (const span of spans) if (span.out <= seconds) found = span;
  return found;
}

function spanAtSrc(spans: readonly RateSpan[], seconds: number): RateSpan {
  let found = spans[0] as RateSpan;
  for (const span of spans) if (span.src <= seconds) found = span;
  return found;
}

/** Source seconds `dt` into a span (before it or past its end: at its edge rate). */
function srcAfter(span: RateSpan, dt: number): number {
  if (dt <= 0) return span.src + dt * span.a;
  const within = Math.min(dt, span.seconds);
  const played = span.src + span.a * within + ((span.b - span.a) * within * within) / (2 * span.seconds);
  return played + (dt - within) * span.b;
}

/** Output seconds into a span at which `du` of its source has played. */
function outAfter(span: RateSpan, du: number): number {
  if (du <= 0) return du / span.a;
  const full = srcAfter(span, span.seconds) - span.src;
  if (du >= full) return span.seconds + (du - full) / span.b;
  if (span.a === span.b) return du / span.a;
  const k = (span.b - span.a) / (2 * span.seconds);
  return (-span.a + Math.sqrt(span.a * span.a + 4 * k * du)) / (2 * k);
}

/**
 * Each segment's time map (tempo.py's `timed_segments`): a constant stretch — the plain
 * arithmetic — unless an overlap into or out of it changes tempo; there it plays its source at
 * the rate of the tempo curve (tempo / its track's tempo), its body at its stretch. `timeline`
 * is `deriveTimeline`'s for these segments.
 */
export function timeMapsOf(
  segments: readonly Segment[],
  timeline: readonly TimelineEntry[],
  trackBpms: TrackBpms,
  targetBpm: number,
): TimeMap[] {
  const tempi = segments.map((segment, i) => timeline[i]?.bpm ?? segmentTempo(segment, targetBpm));
  return segments.map((segment, index) => {
    const entry = timeline[index];
    const start = entry?.start_s ?? 0;
    const stretch = entry?.stretch ?? 1;
    const constant: TimeMap = {
      toSource: (mix) => segment.source_start_s + (mix - start) * stretch,
      toMix: (source) => start + (source - segment.source_start_s) / stretch,
    };
    if (!entry) return constant;
    const bpm = tempi[index] ?? targetBpm;
    const incoming = index > 0 ? handOver(segment.transition_in, tempi[index - 1] ?? bpm, bpm) : null;
    const next = segments[index + 1];
    const outgoing = next ? handOver(next.transition_in, bpm, tempi[index + 1] ?? bpm) : null;
    if (!changes(incoming) && !changes(outgoing)) return constant;
    const trackBpm = setTempoOf(trackBpms[segment.track_id], segment.beat_map);
    const rate = (tempo: number) => (trackBpm === null ? 1 : tempo / trackBpm);
    const spans: RateSpan[] = [];
    let out = start;
    let src = segment.source_start_s;
    const walk = (pieces: readonly TempoPiece[]) => {
      for (const piece of pieces) {
        const span = { out, src, seconds: piece.seconds, a: rate(piece.fromBpm), b: rate(piece.toBpm) };
        spans.push(span);
        src = srcAfter(span, span.seconds);
        out += piece.seconds;
      }
    };
    if (changes(incoming)) walk(incoming.pieces);
    const bodyEnd = entry.end_s - (changes(outgoing) ? outgoing.seconds : 0);
    if (bodyEnd > out || spans.length === 0) {
      const seconds = Math.max(0, bodyEnd - out);
      spans.push({ out, src, seconds, a: stretch, b: stretch });
      src += seconds * stretch;
      out += seconds;
    }
    if (changes(outgoing)) walk(outgoing.pieces);
    const usable = spans.filter((span) => span.seconds > 0);
    if (usable.length === 0) return constant;
    return {
      toSource: (mix) => {
        const span = spanAtOut(usable, mix);
        return srcAfter(span, mix - span.out);
      },
      toMix: (source) => {
        const span = spanAtSrc(usable, source);
        return span.out + outAfter(span, source - span.src);
      },
    };
  });
}

/** The mix's beat grid on a tempo journey: beats counted from 0 s along the set's tempo. */
export interface BeatClock {
  /** Beats of the mix passed at `seconds` (fractional). */
  beatAt: (seconds: number) => number;
  /** The mix seconds of `beat`. */
  secondsAt: (beat: number) => number;
  /** The fastest tempo it reaches (the densest its lines get). */
  maxBpm: number;
}

/**
 * The set's grid through a journey: each segment's tempo from where the overlap into it ends
 * (or its start) to where the next overlap begins, the overlaps on their tempo curves — an
 * unlocked echo-out keeps the outgoing grid to its end, the incoming one continues it there.
 */
export function beatClockOf(segments: readonly Segment[], timeline: readonly TimelineEntry[], targetBpm: number): BeatClock {
  const tempi = segments.map((segment, i) => timeline[i]?.bpm ?? segmentTempo(segment, targetBpm));
  const pieces: { start: number; seconds: number; fromBpm: number; toBpm: number; beat: number }[] = [];
  let at = 0;
  let beat = 0;
  const add = (seconds: number, fromBpm: number, toBpm: number) => {
    if (!(seconds > 0)) return;
    pieces.push({ start: at, seconds, fromBpm, toBpm, beat });
    at += seconds;
    beat += pieceBeats({ seconds, fromBpm, toBpm });
  };
  segments.forEach((segment, index) => {
    const bpm = tempi[index] ?? targetBpm;
    const entry = timeline[index];
    if (!entry) return;
    if (index > 0) {
      for (const piece of handOver(segment.transition_in, tempi[index - 1] ?? bpm, bpm).pieces) {
        add(Math.min(piece.seconds, entry.start_s + entry.transition_in_s - at), piece.fromBpm, piece.toBpm);
      }
    }
    const nextStart = timeline[index + 1]?.start_s ?? entry.end_s;
    add(nextStart - at, bpm, bpm);
  });
  const lastBpm = tempi.at(-1) ?? targetBpm;
  const firstBpm = tempi[0] ?? targetBpm;
  const maxBpm = Math.max(...tempi, targetBpm);
  return {
    maxBpm,
    beatAt: (seconds) => {
      if (seconds <= 0 || pieces.length === 0) return (seconds * (seconds <= 0 ? firstBpm : lastBpm)) / 60;
      for (const piece of pieces) {
        const dt = seconds - piece.start;
        if (dt <= piece.seconds) {
          return piece.beat + (piece.fromBpm * dt + ((piece.toBpm - piece.fromBpm) * dt * dt) / (2 * piece.seconds)) / 60;
        }
      }
      return beat + ((seconds - at) * lastBpm) / 60;
    },
    secondsAt: (wanted) => {
      if (wanted <= 0 || pieces.length === 0) return (wanted * 60) / (wanted <= 0 ? firstBpm : lastBpm);
      for (const piece of pieces) {
        const beats = pieceBeats(piece);
        if (wanted - piece.beat > beats) continue;
        const b = wanted - piece.beat;
        const { fromBpm: a, toBpm: z, seconds: d } = piece;
        if (a === z) return piece.start + (b * 60) / a;
        const k = (z - a) / (2 * d);
        return piece.start + (-a + Math.sqrt(a * a + 4 * k * 60 * b)) / (2 * k);
      }
      return at + ((wanted - beat) * 60) / lastBpm;
    },
  };
}

/** The mix's length: where the last segment ends (what the backend checks the render against). */
export function totalDuration(timeline: readonly TimelineEntry[]): number {
  return timeline.at(-1)?.end_s ?? 0;
}

/** `deriveTimeline`'s second argument from the tracks the studio holds. */
export function trackBpmsOf(tracks: Readonly<Record<Id, Track>>): Record<Id, number | null> {
  const bpms: Record<Id, number | null> = {};
  for (const [id, track] of Object.entries(tracks)) bpms[id] = track.analysis?.bpm ?? null;
  return bpms;
}

/** A track's length as the backend validates cut points against it (0 when unknown). */
export function trackDuration(track: Track | undefined): number {
  return track?.duration_s ?? track?.analysis?.duration_s ?? 0;
}

/** What trimming needs of a track. */
export function trackGridOf(track: Track | undefined): TrackGrid {
  return {
    duration_s: trackDuration(track),
    downbeats: track?.analysis?.downbeats ?? null,
    bpm: track?.analysis?.bpm ?? null,
    meter: beatsPerBar(track?.analysis?.meter),
  };
}

/**
 * Beats per bar from the analysis's meter ("4/4", "3/4", "6/8"); null when unknown. A compound
 * meter (6/8, 12/8) is counted in dotted quarters, as the analysis's beats are: 6/8 has two.
 */
export function beatsPerBar(meter: string | null | undefined): number | null {
  const [beats, unit] = (meter ?? "").split("/").map((part) => Number.parseInt(part, 10));
  if (beats === undefined || !Number.isFinite(beats) || beats <= 0) return null;
  return unit === 8 && beats > 3 && beats % 3 === 0 ? beats / 3 : beats;
}

// --- bars ----------------------------------------------------------------------------------

/** One bar in seconds at this tempo, null without one. */
export function barSeconds(bpm: number | null | undefined, meter: number | null | undefined = 4): number | null {
  if (!isPositiveBpm(bpm)) return null;
  return ((meter && meter > 0 ? meter : 4) * 60) / bpm;
}

function sortedFinite(values: readonly number[] | null | undefined): number[] {
  return (values ?? []).filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
}

/** The nearest of sorted values to `seconds` (the earlier one on a tie), or null when empty. */
function nearest(values: readonly number[], seconds: number): number | null {
  let best: number | null = null;
  for (const value of values) {
    if (best === null || Math.abs(value - seconds) < Math.abs(best - seconds)) best = value;
  }
  return best;
}

/**
 * The nearest bar start: the analysis' downbeats when there are any, else the bar grid of the
 * tempo counted from 0 s, else `seconds` itself (nothing to snap to).
 */
export function snapToBar(
  seconds: number,
  downbeats: readonly number[] | null | undefined,
  bpm?: number | null,
  meter: number | null = 4,
): number {
  const beats = sortedFinite(downbeats);
  if (beats.length > 0) return nearest(beats, seconds) ?? seconds;
  const bar = barSeconds(bpm, meter);
  if (bar === null) return seconds;
  return round3(Math.round(seconds / bar) * bar);
}

/** Bar starts inside [0, duration]: downbeats, or the tempo's grid, or none. */
export function barGrid(track: TrackGrid): number[] {
  const duration = Math.max(0, track.duration_s);
  const downbeats = sortedFinite(track.downbeats).filter((t) => t >= 0 && t <= duration);
  if (downbeats.length > 0) return downbeats;
  const bar = barSeconds(track.bpm, track.meter);
  if (bar === null) return [];
  const grid: number[] = [];
  for (let i = 0; i * bar <= duration + 1e-9; i += 1) grid.push(round3(i * bar));
  return grid;
}

/** A segment's shortest allowed length: one bar (the grid's typical bar when only downbeats are known). */
export function minimumLength(track: TrackGrid): number {
  const bar = barSeconds(track.bpm, track.meter);
  if (bar !== null) return bar;
  const beats = sortedFinite(track.downbeats);
  const gaps = beats
    .slice(1)
    .map((t, i) => t - (beats[i] ?? t))
    .filter((gap) => gap > 0)
    .sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)] ?? FALLBACK_STEP_S;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/**
 * Where one edge of a segment may go: the bar starts plus the track's own start and end, within
 * [0, duration], keeping at least one bar (less 10 % for the jitter of detected downbeats) to
 * the other edge.
 */
export function trimPoints(segment: Segment, edge: TrimEdge, track: TrackGrid): number[] {
  const duration = Math.max(0, track.duration_s);
  const min = minimumLength(track) * 0.9;
  const points = [...new Set([0, ...barGrid(track), duration])].sort((a, b) => a - b);
  return edge === "start"
    ? points.filter((t) => t <= segment.source_end_s - min && t < duration)
    : points.filter((t) => t >= segment.source_start_s + min && t > 0);
}

function withEdge(segment: Segment, edge: TrimEdge, seconds: number): Segment {
  return edge === "start" ? { ...segment, source_start_s: seconds } : { ...segment, source_end_s: seconds };
}

/**
 * Move one edge of a segment towards `seconds`, snapped to the nearest allowed bar start
 * (see `trimPoints`); with no grid at all, clamped to the track and one second from the other
 * edge. The segment is returned unchanged when no place fits.
 */
export function trimSegment(segment: Segment, edge: TrimEdge, seconds: number, track: TrackGrid): Segment {
  if (!Number.isFinite(seconds)) return segment;
  const duration = Math.max(0, track.duration_s);
  const hasGrid = barGrid(track).length > 0;
  if (!hasGrid) {
    const min = FALLBACK_STEP_S;
    const [low, high] = edge === "start" ? [0, segment.source_end_s - min] : [segment.source_start_s + min, duration];
    if (high < low) return segment;
    return withEdge(segment, edge, round3(clamp(seconds, low, high)));
  }
  const target = nearest(trimPoints(segment, edge, track), clamp(seconds, 0, duration));
  return target === null ? segment : withEdge(segment, edge, target);
}

/** Move one edge by whole bars (negative: earlier), stopping at the first or last place allowed. */
export function nudgeTrim(segment: Segment, edge: TrimEdge, bars: number, track: TrackGrid): Segment {
  const current = edge === "start" ? segment.source_start_s : segment.source_end_s;
  if (bars === 0) return segment;
  if (barGrid(track).length === 0) {
    return trimSegment(segment, edge, current + bars * minimumLength(track), track);
  }
  const points = trimPoints(segment, edge, track);
  const ahead = bars > 0 ? points.filter((t) => t > current + 1e-3) : points.filter((t) => t < current - 1e-3).reverse();
  const target = ahead[Math.min(Math.abs(bars), ahead.length) - 1];
  return target === undefined ? segment : withEdge(segment, edge, target);
}

// --- order and transitions -----------------------------------------------------------------

export interface TransitionFit {
  targetBpm: number;
  /** A segment's length in the output (seconds). */
  lengthOf: (segment: Segment) => number;
  /**
   * The most beats the transition into `segments[index]` may last, when the caller knows it
   * exactly (a tempo journey's overlaps and lengths depend on both neighbours' tempi; see
   * `maxTransitionBeatsAt`). Without it, `lengthOf` and `targetBpm` decide.
   */
  maxBeatsAt?: (segments: readonly Segment[], index: number) => number;
}

/**
 * The first segment enters with nothing (the backend requires `transition_in: null`), and every
 * other one needs a way in: a segment that lost the first place gets DEFAULT_TRANSITION —
 * shortened to fit its neighbours when `fit` says how long they are.
 */
export function normalizeTransitions(segments: readonly Segment[], fit?: TransitionFit): Segment[] {
  return segments.map((segment, index) => {
    if (index === 0) return segment.transition_in === null ? segment : { ...segment, transition_in: null };
    if (segment.transition_in !== null) return segment;
    const previous = segments[index - 1];
    const beats =
      fit?.maxBeatsAt && previous
        ? clamp(DEFAULT_TRANSITION.beats, MIN_TRANSITION_BEATS, Math.max(MIN_TRANSITION_BEATS, fit.maxBeatsAt(segments, index)))
        : fit && previous
          ? clampTransitionBeats(
              DEFAULT_TRANSITION.beats,
              DEFAULT_TRANSITION.type,
              fit.lengthOf(previous),
              fit.lengthOf(segment),
              fit.targetBpm,
            )
          : DEFAULT_TRANSITION.beats;
    return { ...segment, transition_in: { type: DEFAULT_TRANSITION.type, beats } };
  });
}

/**
 * Reorder: the segment at `from` goes to `to`. A segment keeps its own transition_in (how it
 * enters, whatever comes before); the new first one loses its transition (the backend rejects
 * one), and the old first one gets DEFAULT_TRANSITION, since it now needs a way in.
 */
export function moveSegment(segments: readonly Segment[], from: number, to: number, fit?: TransitionFit): Segment[] {
  const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < segments.length;
  if (!inRange(from) || !inRange(to) || from === to) return [...segments];
  const next = [...segments];
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(to, 0, moved);
  return normalizeTransitions(next, fit);
}

/** Drop one segment; the last one stays (a mix has at least one). */
export function removeSegment(segments: readonly Segment[], index: number, fit?: TransitionFit): Segment[] {
  if (segments.length <= 1 || index < 0 || index >= segments.length) return [...segments];
  return normalizeTransitions(
    segments.filter((_, i) => i !== index),
    fit,
  );
}

/** The most beats a transition may last between segments of these output lengths (≥ 0). */
export function maxTransitionBeats(prevSegmentLength: number, nextSegmentLength: number, targetBpm: number): number {
  const shorter = Math.min(prevSegmentLength, nextSegmentLength);
  if (!isPositiveBpm(targetBpm) || Number.isNaN(shorter)) return 0;
  if (shorter === Infinity) return MAX_TRANSITION_BEATS;
  // The same tolerance as the backend (overlap > shorter / 2 + 1e-6 is refused).
  const fits = Math.floor(((shorter / 2 + 1e-6) * targetBpm) / 60 + 1e-9);
  return clamp(fits, 0, MAX_TRANSITION_BEATS);
}

/** validate_plan's rule on derive_timeline's numbers: the overlap into `index` is at most half of either neighbour. */
function overlapFits(timeline: readonly TimelineEntry[], index: number): boolean {
  const before = timeline[index - 1];
  const here = timeline[index];
  if (!before || !here) return true;
  const shorter = Math.min(before.end_s - before.start_s, here.end_s - here.start_s);
  return here.transition_in_s <= shorter / 2 + 1e-6;
}

/**
 * The most beats the transition into `plan.segments[index]` may last (0: only a cut fits; 0 for
 * the first segment), counted as the backend counts it. At one tempo that is
 * `maxTransitionBeats` of the neighbours' lengths; on a tempo journey an overlap's seconds
 * depend on both neighbours' tempi and a changing overlap moves their lengths, so the largest
 * of 64…1 beats that passes validate_plan's rule on `deriveTimeline`'s own numbers is taken
 * (the transition keeps its type — a cut is counted as DEFAULT_TRANSITION — and its ramp,
 * shortened to fit, as `retimedTransition` does).
 */
export function maxTransitionBeatsAt(plan: Pick<MixPlan, "target" | "segments">, index: number, trackBpms: TrackBpms): number {
  const here = plan.segments[index];
  const previous = plan.segments[index - 1];
  if (index < 1 || !here || !previous) return 0;
  const targetBpm = plan.target.bpm;
  // Only the two neighbours and their other neighbours touch these two lengths and this overlap.
  const around = plan.segments.slice(Math.max(0, index - 2), index + 2);
  const at = index - Math.max(0, index - 2);
  const tempo = segmentTempo(here, targetBpm);
  const lengthOf = (segment: Segment) => {
    try {
      return outputLength(segment, targetBpm, trackBpms[segment.track_id] ?? null);
    } catch {
      return segment.source_end_s - segment.source_start_s;
    }
  };
  if (around.every((segment) => segmentTempo(segment, targetBpm) === tempo)) {
    return maxTransitionBeats(lengthOf(previous), lengthOf(here), tempo);
  }
  const current = here.transition_in;
  const type = current && current.type !== "cut" ? current.type : DEFAULT_TRANSITION.type;
  try {
    for (let beats = MAX_TRANSITION_BEATS; beats >= MIN_TRANSITION_BEATS; beats -= 1) {
      const segments = around.map((segment, i) =>
        i === at ? { ...segment, transition_in: retimedTransition(current, type, beats) } : segment,
      );
      if (overlapFits(deriveTimeline({ target: plan.target, segments }, trackBpms), at)) return beats;
    }
    return 0;
  } catch (error) {
    if (!(error instanceof TimelineError)) throw error;
    return maxTransitionBeats(lengthOf(previous), lengthOf(here), tempo);
  }
}

/**
 * `clampTransitionBeats` for the transition into `plan.segments[index]` when it becomes `type`,
 * against `maxTransitionBeatsAt` of the plan with that transition (its ramp kept, shortened).
 */
export function clampTransitionBeatsAt(
  plan: Pick<MixPlan, "target" | "segments">,
  index: number,
  type: TransitionType,
  beats: number,
  trackBpms: TrackBpms,
): number {
  if (type === "cut") return 0;
  const wanted = Number.isFinite(beats) ? Math.round(beats) : DEFAULT_TRANSITION.beats;
  const segments = plan.segments.map((segment, i) =>
    i === index ? { ...segment, transition_in: retimedTransition(segment.transition_in, type, wanted) } : segment,
  );
  const max = Math.max(MIN_TRANSITION_BEATS, maxTransitionBeatsAt({ target: plan.target, segments }, index, trackBpms));
  return clamp(wanted, MIN_TRANSITION_BEATS, max);
}

/**
 * Seconds per beat through the overlap into a timeline entry, on average: what turns a dragged
 * length into beats. Steady overlaps (no `tempo_in`) keep their one tempo exactly.
 */
export function overlapBeatSeconds(entry: TimelineEntry, beats: number, targetBpm: number): number {
  if (entry.tempo_in && beats > 0 && entry.transition_in_s > 0) return entry.transition_in_s / beats;
  return 60 / (entry.bpm ?? targetBpm);
}

/**
 * A transition length the backend accepts: 0 for a cut; otherwise a whole number of beats,
 * 1–64, never longer than half of either neighbour (DESIGN §5). When even one beat is too long
 * for the neighbours, 1 is returned — the shortest a non-cut transition can be — and
 * `validateTimeline` explains that only a cut fits there.
 */
export function clampTransitionBeats(
  beats: number,
  type: TransitionType,
  prevSegmentLength: number,
  nextSegmentLength: number,
  targetBpm: number,
): number {
  if (type === "cut") return 0;
  const wanted = Number.isFinite(beats) ? Math.round(beats) : DEFAULT_TRANSITION.beats;
  const max = Math.max(MIN_TRANSITION_BEATS, maxTransitionBeats(prevSegmentLength, nextSegmentLength, targetBpm));
  return clamp(wanted, MIN_TRANSITION_BEATS, max);
}

/**
 * A transition of this type and length that keeps what else it had (a tempo journey's
 * `ramp_beats`), the ramp shortened to fit inside the overlap (none for a cut).
 */
export function retimedTransition(transition: Transition | null, type: TransitionType, beats: number): Transition {
  const next: Transition = { ...transition, type, beats };
  if (next.ramp_beats !== undefined) next.ramp_beats = Math.min(next.ramp_beats, type === "cut" ? 0 : beats);
  return next;
}

/** A plan that changes tempo along the way (segments at their own tempo, or ramps). */
export function isTempoJourney(segments: readonly Segment[]): boolean {
  return segments.some((segment) => segment.bpm != null || (segment.transition_in?.ramp_beats ?? 0) > 0);
}

// --- checks (validate_plan) -----------------------------------------------------------------

/** 83.45 → "1:23.5": a time precise enough to tell two cut points apart. */
export function formatPreciseClock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–:––";
  const sign = seconds < 0 ? "−" : "";
  const tenths = Math.round(Math.abs(seconds) * 10);
  const minutes = Math.floor(tenths / 600);
  const rest = (tenths % 600) / 10;
  return `${sign}${minutes}:${rest < 10 ? "0" : ""}${rest.toFixed(1)}`;
}

const TRANSITION_NAMES: Record<TransitionType, string> = {
  cut: "cut",
  crossfade: "crossfade",
  bass_swap: "bass swap",
  filter_sweep: "filter sweep",
  echo_out: "echo out",
};

export function transitionName(type: TransitionType): string {
  return TRANSITION_NAMES[type] ?? type;
}

/**
 * Everything about this timeline the backend would reject, with where it is. The order is the
 * timeline's: plan-wide problems first, then each segment's.
 */
export function findTimelineProblems(
  plan: Pick<MixPlan, "target" | "segments">,
  tracks: Readonly<Record<Id, Track>>,
): TimelineProblem[] {
  const problems: TimelineProblem[] = [];
  const { segments } = plan;
  const targetBpm = plan.target.bpm;
  const bpmOk = isPositiveBpm(targetBpm) && targetBpm >= MIN_TARGET_BPM && targetBpm <= MAX_TARGET_BPM;
  if (!bpmOk) {
    problems.push({
      index: null,
      field: "target",
      message: `The target tempo must be between ${MIN_TARGET_BPM} and ${MAX_TARGET_BPM} BPM.`,
    });
  }
  if (segments.length === 0) {
    problems.push({ index: null, field: "segments", message: "The timeline is empty: keep at least one segment." });
    return problems;
  }
  if (segments.length > MAX_SEGMENTS) {
    problems.push({ index: null, field: "segments", message: `A mix has at most ${MAX_SEGMENTS} segments.` });
  }
  const seen = new Set<string>();
  const lengths: (number | null)[] = [];
  segments.forEach((segment, index) => {
    const track = tracks[segment.track_id];
    const name = `Segment ${index + 1} (${track?.title || segment.label || "unknown track"})`;
    const add = (field: TimelineProblem["field"], message: string) =>
      problems.push({ index, field, message: `${name}: ${message}` });
    if (seen.has(segment.id)) add("id", `its id “${segment.id}” is used twice.`);
    seen.add(segment.id);

    const start = segment.source_start_s;
    const end = segment.source_end_s;
    if (!track) add("track_id", "its track is not in your library.");
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      add("source_start_s", "its cut points must be numbers.");
    } else {
      if (start < 0) add("source_start_s", `the start (${formatPreciseClock(start)}) is before the track begins.`);
      if (end <= start) add("source_end_s", "the start must be before the end.");
      if (track) {
        const duration = trackDuration(track);
        if (duration <= 0) add("source_end_s", "its track's length is not known yet (is the analysis finished?).");
        else if (end > duration + END_TOLERANCE_S)
          add(
            "source_end_s",
            `the end (${formatPreciseClock(end)}) is past the end of the track (${formatPreciseClock(duration)}).`,
          );
      }
    }

    let length: number | null = null;
    try {
      length = bpmOk ? outputLength(segment, targetBpm, track?.analysis?.bpm ?? null) : null;
    } catch {
      add("track_id", "its track's tempo is not a positive BPM.");
    }
    lengths.push(length !== null && Number.isFinite(length) ? length : null);

    const transition = segment.transition_in;
    if (index === 0) {
      if (transition !== null) add("transition_in", "the first segment cannot have a transition in.");
    } else if (transition) {
      if (transition.type === "cut" && transition.beats !== 0) add("transition_in", "a cut has 0 beats.");
      if (
        transition.type !== "cut" &&
        (!Number.isInteger(transition.beats) ||
          transition.beats < MIN_TRANSITION_BEATS ||
          transition.beats > MAX_TRANSITION_BEATS)
      ) {
        add(
          "transition_in",
          `a ${transitionName(transition.type)} lasts a whole number of beats from ${MIN_TRANSITION_BEATS} to ${MAX_TRANSITION_BEATS}.`,
        );
      }
    }
  });

  // A transition never lasts longer than half of either neighbour (checked on output lengths).
  // The backend checks derive_timeline's own numbers: a journey's overlaps at their tempi and
  // the lengths they move. Its tracks' tempi as validate_plan knows them (a track not in the
  // library has none); when a tempo is not a positive BPM, each body's length at its tempo.
  if (bpmOk) {
    const trackBpms: Record<Id, number | null> = {};
    for (const segment of segments) trackBpms[segment.track_id] = tracks[segment.track_id]?.analysis?.bpm ?? null;
    const timeline = safeDeriveTimeline(plan, trackBpms);
    for (let index = 1; index < segments.length; index += 1) {
      const segment = segments[index];
      const transition = segment?.transition_in;
      const entry = timeline?.[index];
      const previous = timeline?.[index - 1];
      const before = previous ? previous.end_s - previous.start_s : lengths[index - 1];
      const here = entry ? entry.end_s - entry.start_s : lengths[index];
      if (!segment || !transition || transition.type === "cut" || before == null || here == null) continue;
      const overlap =
        entry?.transition_in_s ??
        overlapSeconds(transition, segmentTempo(segments[index - 1] ?? segment, targetBpm), segmentTempo(segment, targetBpm));
      const shorter = Math.min(before, here);
      if (overlap > shorter / 2 + 1e-6) {
        const fits = timeline
          ? maxTransitionBeatsAt(plan, index, trackBpms)
          : maxTransitionBeats(before, here, segmentTempo(segment, targetBpm));
        const title = tracks[segment.track_id]?.title || segment.label || "unknown track";
        problems.push({
          index,
          field: "transition_in",
          message:
            `Transition into segment ${index + 1} (${title}): ${transition.beats} beats (${overlap.toFixed(1)} s) ` +
            `is longer than half of a neighbouring segment (${shorter.toFixed(1)} s); ` +
            (fits >= MIN_TRANSITION_BEATS ? `at most ${fits} beats fit.` : "only a cut fits there."),
        });
      }
    }
  }
  return problems;
}

/** What the backend would reject, as messages for people (empty when the timeline is valid). */
export function validateTimeline(plan: Pick<MixPlan, "target" | "segments">, tracks: Readonly<Record<Id, Track>>): string[] {
  return findTimelineProblems(plan, tracks).map((problem) => problem.message);
}

/** deriveTimeline for display: null instead of an error while the plan has an unknown track (or a tempo that is no BPM). */
export function safeDeriveTimeline(plan: Pick<MixPlan, "target" | "segments">, trackBpms: TrackBpms): TimelineEntry[] | null {
  try {
    return deriveTimeline(plan, trackBpms);
  } catch (error) {
    if (error instanceof TimelineError) return null;
    throw error;
  }
}
