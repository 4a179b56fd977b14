/**
 * The arrangement view's arithmetic, pure and framework-free: each track's beat grid, where a
 * cut point may snap (beat, bar or phrase), how long a transition is when its edge is dragged,
 * the mix's grid lines at the target tempo, zoom, and the shape of each transition.
 *
 * Cut points live in source seconds (`source_start_s`, `source_end_s`) and snap to the track's
 * own grid from the analysis; the mix-wide grid and transition lengths count beats of the
 * plan's target tempo, as the renderer does (render.py `derive_timeline`).
 */
import type { Segment, TimelineEntry, Track, TransitionType } from "@/lib/types";

import type { TrackGrid, TrimEdge } from "../types";
import { bassSwapTiming, ECHO_TAIL_BEATS, equalPowerCurve } from "./preview";
import {
  beatsPerBar,
  FALLBACK_STEP_S,
  MIN_TRANSITION_BEATS,
  minimumLength,
  trackDuration,
  type BeatClock,
} from "./timeline-math";

export type SnapUnit = "beat" | "bar" | "phrase";
export const SNAP_UNITS: readonly SnapUnit[] = ["beat", "bar", "phrase"];
/** The analysis counts a phrase every 8 bars (rhythm.py `_phrases`); so does the mix grid. */
export const PHRASE_BARS = 8;
/** Zoom limits in pixels per second: a whole long mix on a phone up to single beats at 180 BPM. */
export const MIN_PIXELS_PER_SECOND = 0.5;
export const MAX_PIXELS_PER_SECOND = 320;
/** Grid lines closer than this many pixels are left out (beats first, then bars). */
export const MIN_GRID_GAP_PX = 7;

/** A track's grid in source seconds, each list ascending. */
export interface BeatGrid {
  beats: number[];
  bars: number[];
  phrases: number[];
}

function finiteSorted(values: readonly number[] | null | undefined, duration: number): number[] {
  return (values ?? []).filter((t) => Number.isFinite(t) && t >= 0 && (duration <= 0 || t <= duration)).sort((a, b) => a - b);
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Every `step` seconds from `anchor`, both ways, inside [0, duration]. */
function regular(anchor: number, step: number, duration: number): number[] {
  if (!(step > 0) || !(duration > 0)) return [];
  const first = anchor - Math.floor(anchor / step + 1e-9) * step;
  const grid: number[] = [];
  for (let t = first; t <= duration + 1e-9; t += step) grid.push(round3(t));
  return grid;
}

/** Every `n`-th value from index `from`. */
function everyNth(values: readonly number[], n: number, from = 0): number[] {
  return values.filter((_, i) => i >= from && (i - from) % n === 0);
}

/**
 * The beats, bars and phrases of a track: the analysis's own when it has them; otherwise
 * counted from its tempo, anchored on the first downbeat (or 0 s); none without a tempo.
 */
export function trackBeatGrid(track: Track | undefined): BeatGrid {
  const analysis = track?.analysis;
  const duration = trackDuration(track);
  const meter = beatsPerBar(analysis?.meter) ?? 4;
  const bpm = analysis?.bpm;
  const downbeats = finiteSorted(analysis?.downbeats, duration);
  const anchor = downbeats[0] ?? 0;
  let beats = finiteSorted(analysis?.beats, duration);
  if (beats.length === 0 && bpm && bpm > 0) beats = regular(anchor, 60 / bpm, duration);
  let bars = downbeats;
  if (bars.length === 0 && beats.length > 0) {
    const first = Math.max(
      0,
      beats.findIndex((t) => t >= anchor - 1e-3),
    );
    bars = everyNth(beats, meter, first % meter);
  }
  let phrases = finiteSorted(
    (analysis?.phrases ?? []).map((phrase) => phrase.start_s),
    duration,
  );
  if (phrases.length === 0) phrases = everyNth(bars, PHRASE_BARS);
  return { beats, bars, phrases };
}

export function gridPoints(grid: BeatGrid, unit: SnapUnit): number[] {
  return unit === "beat" ? grid.beats : unit === "bar" ? grid.bars : grid.phrases;
}

/**
 * Where one edge of a segment may go at this snap unit: the grid's points plus the track's own
 * start and end, inside [0, duration], at least a bar (less 10 % for detection jitter) from the
 * other edge — the same floor as the form's trims.
 */
export function cutCandidates(segment: Segment, edge: TrimEdge, points: readonly number[], track: TrackGrid): number[] {
  const duration = Math.max(0, track.duration_s);
  const min = minimumLength(track) * 0.9;
  const all = [...new Set([0, ...points, duration])].filter((t) => t >= 0 && t <= duration).sort((a, b) => a - b);
  return edge === "start"
    ? all.filter((t) => t <= segment.source_end_s - min && t < duration)
    : all.filter((t) => t >= segment.source_start_s + min && t > 0);
}

function withEdge(segment: Segment, edge: TrimEdge, seconds: number): Segment {
  return edge === "start" ? { ...segment, source_start_s: seconds } : { ...segment, source_end_s: seconds };
}

function nearest(values: readonly number[], target: number): number | null {
  let best: number | null = null;
  for (const value of values) if (best === null || Math.abs(value - target) < Math.abs(best - target)) best = value;
  return best;
}

/** Without a grid a cut moves freely (rounded to ms), a second from the other edge at least. */
function freeCut(segment: Segment, edge: TrimEdge, seconds: number, track: TrackGrid): Segment {
  const duration = Math.max(0, track.duration_s);
  const [low, high] =
    edge === "start" ? [0, segment.source_end_s - FALLBACK_STEP_S] : [segment.source_start_s + FALLBACK_STEP_S, duration];
  if (high < low) return segment;
  return withEdge(segment, edge, round3(Math.min(Math.max(seconds, low), high)));
}

/** Move a cut point towards `seconds` (source time), snapped to the nearest allowed point. */
export function snapCut(
  segment: Segment,
  edge: TrimEdge,
  seconds: number,
  grid: BeatGrid,
  unit: SnapUnit,
  track: TrackGrid,
): Segment {
  if (!Number.isFinite(seconds)) return segment;
  const points = gridPoints(grid, unit);
  if (points.length === 0) return freeCut(segment, edge, seconds, track);
  const target = nearest(cutCandidates(segment, edge, points, track), seconds);
  const current = edge === "start" ? segment.source_start_s : segment.source_end_s;
  return target === null || target === current ? segment : withEdge(segment, edge, target);
}

/**
 * Move a cut point by `steps` grid points of `unit` (negative: earlier), stopping at the first
 * or last allowed place; a cut off the grid goes to the next point that way first.
 */
export function stepCut(
  segment: Segment,
  edge: TrimEdge,
  steps: number,
  grid: BeatGrid,
  unit: SnapUnit,
  track: TrackGrid,
): Segment {
  if (steps === 0 || !Number.isFinite(steps)) return segment;
  const current = edge === "start" ? segment.source_start_s : segment.source_end_s;
  const points = gridPoints(grid, unit);
  if (points.length === 0) return freeCut(segment, edge, current + steps * FALLBACK_STEP_S, track);
  const candidates = cutCandidates(segment, edge, points, track);
  const ahead = steps > 0 ? candidates.filter((t) => t > current + 1e-3) : candidates.filter((t) => t < current - 1e-3).reverse();
  const target = ahead[Math.min(Math.abs(steps), ahead.length) - 1];
  return target === undefined ? segment : withEdge(segment, edge, target);
}

/** Which bar of its track a source time falls in (1-based), null without bars. */
export function barNumberAt(grid: BeatGrid, seconds: number): number | null {
  let count = 0;
  for (const bar of grid.bars) if (bar <= seconds + 1e-3) count += 1;
  return grid.bars.length > 0 ? Math.max(1, count) : null;
}

// --- between the mix and the tracks -----------------------------------------------------

/** Source seconds of a segment's track under a mix time (inside or outside the segment). */
export function mixToSource(segment: Segment, entry: TimelineEntry, mixSeconds: number): number {
  return segment.source_start_s + (mixSeconds - entry.start_s) * entry.stretch;
}

/** Mix time of a source time of a segment's track. */
export function sourceToMix(segment: Segment, entry: TimelineEntry, sourceSeconds: number): number {
  return entry.start_s + (sourceSeconds - segment.source_start_s) / entry.stretch;
}

// --- transitions ---------------------------------------------------------------------------

/** How many beats one step of `unit` is when a transition's length moves. */
export function beatsPerStep(unit: SnapUnit, meter = 4): number {
  return unit === "beat" ? 1 : unit === "bar" ? meter : meter * PHRASE_BARS;
}

/**
 * A transition's length when its start edge is dragged to `edgeMixSeconds`: it ends where the
 * outgoing segment ends, so the beats between, rounded to whole steps of `unit` (one at least).
 */
export function transitionBeatsAt(
  edgeMixSeconds: number,
  outgoingEndMixSeconds: number,
  targetBpm: number,
  unit: SnapUnit,
  meter = 4,
): number {
  if (!(targetBpm > 0) || !Number.isFinite(edgeMixSeconds)) return MIN_TRANSITION_BEATS;
  const beats = ((outgoingEndMixSeconds - edgeMixSeconds) * targetBpm) / 60;
  const step = beatsPerStep(unit, meter);
  return Math.max(MIN_TRANSITION_BEATS, Math.round(beats / step) * step);
}

/** The next length `steps` steps of `unit` away (snapped onto that unit's multiples first). */
export function stepTransitionBeats(beats: number, steps: number, unit: SnapUnit, meter = 4): number {
  const step = beatsPerStep(unit, meter);
  const onGrid = steps > 0 ? Math.floor(beats / step + 1e-9) : Math.ceil(beats / step - 1e-9);
  return Math.max(MIN_TRANSITION_BEATS, (onGrid + steps) * step);
}

/** One drawn line of a transition's shape: gain (0..1) over the transition's length. */
export interface TransitionCurve {
  side: "outgoing" | "incoming";
  /** What the line is the level of: the whole signal, its lows, or the filter's opening. */
  part: "level" | "lows" | "filter";
  values: number[];
}

export interface TransitionShape {
  curves: TransitionCurve[];
  /** echo_out: the echo rings this long past the outgoing segment's end (seconds). */
  echoTailS: number;
}

/**
 * The shape the renderer gives a transition (preview.ts follows render.py): equal-power fades
 * for a crossfade and echo out (plus its echo tail), the highs fading while the lows swap on the
 * middle beat for a bass swap, and for a filter sweep how far each filter is open on a log
 * frequency scale (20 Hz → 20 kHz: a straight line).
 */
export function transitionShape(
  type: TransitionType,
  beats: number,
  lengthS: number,
  beatS: number,
  points = 48,
): TransitionShape {
  const n = Math.max(2, Math.floor(points));
  const list = (curve: Float32Array) => Array.from(curve, (v) => Math.round(v * 1e4) / 1e4);
  if (type === "cut" || lengthS <= 0) return { curves: [], echoTailS: 0 };
  if (type === "filter_sweep") {
    const rising = Array.from({ length: n }, (_, i) => i / (n - 1));
    return {
      curves: [
        { side: "outgoing", part: "filter", values: rising.map((u) => 1 - u) },
        { side: "incoming", part: "filter", values: rising },
      ],
      echoTailS: 0,
    };
  }
  const curves: TransitionCurve[] = [
    { side: "outgoing", part: "level", values: list(equalPowerCurve(n, false)) },
    { side: "incoming", part: "level", values: list(equalPowerCurve(n, true)) },
  ];
  if (type === "bass_swap") {
    const { swapAt } = bassSwapTiming(beats, lengthS);
    const swapped = Array.from({ length: n }, (_, i) => ((i / (n - 1)) * lengthS >= swapAt ? 1 : 0));
    curves.push({ side: "outgoing", part: "lows", values: swapped.map((v) => 1 - v) });
    curves.push({ side: "incoming", part: "lows", values: swapped });
  }
  return { curves, echoTailS: type === "echo_out" ? ECHO_TAIL_BEATS * beatS : 0 };
}

// --- the mix's grid and zoom --------------------------------------------------------------

export interface GridLine {
  seconds: number;
  kind: SnapUnit;
  /** 1-based bar of the mix, on bar and phrase lines. */
  bar: number | null;
}

/**
 * Beat, bar and phrase lines of the mix at the target tempo from 0 s, inside [from, to]; beats
 * (then bars) are left out when they would be closer than MIN_GRID_GAP_PX. On a tempo journey
 * `clock` counts the beats along the set's tempo instead (see `beatClockOf`).
 */
export function mixGridLines(
  from: number,
  to: number,
  targetBpm: number,
  pixelsPerSecond: number,
  meter = 4,
  clock?: BeatClock | null,
): GridLine[] {
  if (!(targetBpm > 0) || !(pixelsPerSecond > 0) || !(to > from)) return [];
  const beatS = 60 / (clock ? clock.maxBpm : targetBpm);
  const secondsAt = clock ? clock.secondsAt : (beat: number) => beat * beatS;
  const beatAt = clock ? clock.beatAt : (seconds: number) => seconds / beatS;
  const beatPx = beatS * pixelsPerSecond;
  const stepBeats = beatPx >= MIN_GRID_GAP_PX ? 1 : beatPx * meter >= MIN_GRID_GAP_PX ? meter : meter * PHRASE_BARS;
  const lines: GridLine[] = [];
  const first = Math.max(0, Math.ceil(beatAt(from) / stepBeats - 1e-9) * stepBeats);
  for (let beat = first; secondsAt(beat) <= to + 1e-9; beat += stepBeats) {
    const onBar = beat % meter === 0;
    const onPhrase = beat % (meter * PHRASE_BARS) === 0;
    lines.push({
      seconds: secondsAt(beat),
      kind: onPhrase ? "phrase" : onBar ? "bar" : "beat",
      bar: onBar ? beat / meter + 1 : null,
    });
  }
  return lines;
}

/** The zoom that shows `total` seconds in `width` pixels, within the limits. */
export function fitZoom(total: number, width: number): number {
  if (!(total > 0) || !(width > 0)) return MIN_PIXELS_PER_SECOND;
  return clampZoom(width / total);
}

export function clampZoom(pixelsPerSecond: number): number {
  return Math.min(MAX_PIXELS_PER_SECOND, Math.max(MIN_PIXELS_PER_SECOND, pixelsPerSecond));
}

/** The scroll offset that keeps the time under `anchorX` (pixels from the view's left) in place. */
export function scrollForZoom(scrollLeft: number, anchorX: number, from: number, to: number): number {
  if (!(from > 0)) return 0;
  return Math.max(0, ((scrollLeft + anchorX) / from) * to - anchorX);
}
