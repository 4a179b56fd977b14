/**
 * Drawing the arrangement on a 2D canvas the width of the visible part: the mix's beat, bar
 * and phrase grid, each segment's three-band waveform and its own bar grid, and each
 * transition's region and curves. Only what is on screen is drawn, so any zoom costs the same.
 */
import type { Id, Peaks, Segment, TimelineEntry } from "@/lib/types";

import { mixGridLines, mixToSource, sourceToMix, transitionShape, type BeatGrid } from "./arrangement";
import { overlapBeatSeconds, type BeatClock, type TimeMap } from "./timeline-math";

export const RULER_HEIGHT = 22;
export const STRIP_HEIGHT = 28;
export const LANE_HEIGHT = 78;
export const LANE_GAP = 6;
export const LANE_COUNT = 2;
/** A track's grid ticks closer than this (pixels) are left out. */
const MIN_TICK_GAP_PX = 6;
export const ARRANGEMENT_HEIGHT = RULER_HEIGHT + STRIP_HEIGHT + LANE_COUNT * LANE_HEIGHT + (LANE_COUNT - 1) * LANE_GAP;

/** The top of lane `row` (0 or 1): consecutive segments alternate, like two decks. */
export function laneTop(row: number): number {
  return RULER_HEIGHT + STRIP_HEIGHT + row * (LANE_HEIGHT + LANE_GAP);
}

/** rekordbox's three-band colours: blue lows, amber mids, near-white highs. */
export const BAND_COLOURS = { low: "#3b82f6", mid: "#f59e0b", high: "#f1f5f9" } as const;

export interface ArrangementScene {
  segments: readonly Segment[];
  timeline: readonly TimelineEntry[];
  peaks: Readonly<Record<Id, Peaks>>;
  grids: Readonly<Record<Id, BeatGrid>>;
  durations: Readonly<Record<Id, number>>;
  targetBpm: number;
  meter: number;
  pixelsPerSecond: number;
  /** The mix seconds at the canvas's left edge, and the canvas's CSS size. */
  from: number;
  width: number;
  /** The segment being edited, drawn brighter. */
  activeSegmentId: string | null;
  /** On a tempo journey: each segment's time map and the mix's beat clock (else one stretch and tempo). */
  maps?: readonly TimeMap[] | null;
  clock?: BeatClock | null;
}

interface Theme {
  text: string;
  dim: string;
  accent: string;
  surface: string;
  border: string;
  good: string;
  warn: string;
}

/** The largest value of `values` over [a, b) as fractions of the track, or interpolated within a slice. */
function levelOver(values: readonly number[], a: number, b: number): number {
  const n = values.length;
  if (n === 0) return 0;
  const start = Math.max(0, a * n);
  const stop = Math.min(n, b * n);
  if (stop - start >= 1) {
    let high = 0;
    for (let i = Math.floor(start); i < Math.ceil(stop) && i < n; i += 1) high = Math.max(high, values[i] ?? 0);
    return high;
  }
  const position = Math.min(n - 1, Math.max(0, (start + stop) / 2 - 0.5));
  const left = Math.floor(position);
  const right = Math.min(n - 1, left + 1);
  const t = position - left;
  return (values[left] ?? 0) * (1 - t) + (values[right] ?? 0) * t;
}

const amplitudeCache = new WeakMap<Peaks, number[]>();
const gainCache = new WeakMap<Peaks, number>();
/** Quiet tracks are drawn up to this much taller, so their shape shows (DJ views normalise too). */
const MAX_DRAW_GAIN = 4;

/** How much to scale a track's levels so its loudest band fills the lane. */
function drawGain(peaks: Peaks): number {
  let gain = gainCache.get(peaks);
  if (gain === undefined) {
    const levels = peaks.bands ? [...peaks.bands.low, ...peaks.bands.mid, ...peaks.bands.high] : amplitudes(peaks);
    const loudest = levels.reduce((high, level) => Math.max(high, level), 0);
    gain = loudest > 0 ? Math.min(MAX_DRAW_GAIN, Math.max(1, 1 / loudest)) : 1;
    gainCache.set(peaks, gain);
  }
  return gain;
}

/** A track without band levels is drawn from its [min, max] peaks, in one colour. */
function amplitudes(peaks: Peaks): number[] {
  let levels = amplitudeCache.get(peaks);
  if (!levels) {
    levels = peaks.peaks.map(([low, high]) => Math.max(Math.abs(low), Math.abs(high)));
    amplitudeCache.set(peaks, levels);
  }
  return levels;
}

function drawGrid(context: CanvasRenderingContext2D, scene: ArrangementScene, theme: Theme, height: number) {
  const { from, width, pixelsPerSecond: pps } = scene;
  const lines = mixGridLines(from, from + width / pps, scene.targetBpm, pps, scene.meter, scene.clock);
  const barPx = ((60 / (scene.clock?.maxBpm ?? scene.targetBpm)) * scene.meter * pps) | 0;
  context.font = "10px system-ui, sans-serif";
  context.textBaseline = "middle";
  for (const line of lines) {
    const x = Math.round((line.seconds - from) * pps) + 0.5;
    context.strokeStyle =
      line.kind === "phrase"
        ? "rgba(255,255,255,0.26)"
        : line.kind === "bar"
          ? "rgba(255,255,255,0.12)"
          : "rgba(255,255,255,0.05)";
    context.beginPath();
    context.moveTo(x, line.kind === "beat" ? RULER_HEIGHT - 5 : line.kind === "bar" ? RULER_HEIGHT - 10 : 0);
    context.lineTo(x, height);
    context.stroke();
    const labelled = line.bar !== null && (line.kind === "phrase" || barPx >= 28);
    if (labelled) {
      context.fillStyle = line.kind === "phrase" ? theme.text : theme.dim;
      context.fillText(String(line.bar), x + 3, RULER_HEIGHT / 2 - 1);
    }
  }
  context.strokeStyle = theme.border;
  context.beginPath();
  context.moveTo(0, RULER_HEIGHT + 0.5);
  context.lineTo(width, RULER_HEIGHT + 0.5);
  context.stroke();
}

function drawSegment(
  context: CanvasRenderingContext2D,
  scene: ArrangementScene,
  theme: Theme,
  segment: Segment,
  entry: TimelineEntry,
  row: number,
  map: TimeMap | undefined,
) {
  const { from, width, pixelsPerSecond: pps } = scene;
  const x0 = (entry.start_s - from) * pps;
  const x1 = (entry.end_s - from) * pps;
  if (x1 < 0 || x0 > width) return;
  const top = laneTop(row);
  const active = scene.activeSegmentId === segment.id;
  context.fillStyle = active ? "rgba(139,124,255,0.22)" : "rgba(139,124,255,0.1)";
  context.fillRect(x0, top, x1 - x0, LANE_HEIGHT);
  context.strokeStyle = active ? theme.accent : "rgba(139,124,255,0.45)";
  context.strokeRect(Math.round(x0) + 0.5, top + 0.5, Math.max(0, Math.round(x1 - x0) - 1), LANE_HEIGHT - 1);

  const duration = scene.durations[segment.track_id] ?? 0;
  const peaks = scene.peaks[segment.track_id];
  const middle = top + LANE_HEIGHT / 2 + 6; // below the title line
  const half = LANE_HEIGHT / 2 - 10;
  const left = Math.max(0, Math.floor(x0));
  const right = Math.min(width, Math.ceil(x1));
  const toSource = (mix: number) => (map ? map.toSource(mix) : mixToSource(segment, entry, mix));
  if (peaks && duration > 0) {
    const bands = peaks.bands;
    const gain = drawGain(peaks);
    for (let x = left; x < right; x += 1) {
      const source = toSource(from + x / pps);
      const a = source / duration;
      const b = toSource(from + (x + 1) / pps) / duration;
      if (b < 0 || a > 1) continue;
      if (bands) {
        for (const band of ["low", "mid", "high"] as const) {
          const level = Math.min(1, gain * levelOver(bands[band], a, b));
          const h = Math.max(0.5, level * half);
          context.fillStyle = BAND_COLOURS[band];
          context.globalAlpha = band === "high" ? 0.85 : 0.9;
          context.fillRect(x, middle - h, 1, 2 * h);
        }
        context.globalAlpha = 1;
      } else {
        const high = Math.min(1, gain * levelOver(amplitudes(peaks), a, b));
        context.fillStyle = theme.accent;
        context.fillRect(x, middle - high * half, 1, Math.max(1, 2 * high * half));
      }
    }
  }

  // The track's own grid (from its analysis) as ticks along the lane's foot — bars tall, beats
  // short once there is room: they line up with the mix's lines when the segment is on the grid.
  const grid = scene.grids[segment.track_id];
  if (grid) {
    drawTicks(context, scene, segment, entry, map, top, grid.bars, 6, "rgba(255,255,255,0.55)");
    drawTicks(context, scene, segment, entry, map, top, grid.beats, 3, "rgba(255,255,255,0.3)");
  }
}

/** Ticks at source `times` inside the segment, `height` tall at its lane's foot, if not too dense. */
function drawTicks(
  context: CanvasRenderingContext2D,
  scene: ArrangementScene,
  segment: Segment,
  entry: TimelineEntry,
  map: TimeMap | undefined,
  top: number,
  times: readonly number[],
  height: number,
  colour: string,
) {
  const { from, width, pixelsPerSecond: pps } = scene;
  const [first = 0, second = 0] = times;
  if (((second - first) / entry.stretch) * pps < MIN_TICK_GAP_PX) return;
  context.fillStyle = colour;
  for (const time of times) {
    if (time < segment.source_start_s || time > segment.source_end_s) continue;
    const x = ((map ? map.toMix(time) : sourceToMix(segment, entry, time)) - from) * pps;
    if (x >= 0 && x <= width) context.fillRect(Math.round(x), top + LANE_HEIGHT - height, 1, height);
  }
}

function drawTransition(context: CanvasRenderingContext2D, scene: ArrangementScene, theme: Theme, index: number) {
  const segment = scene.segments[index];
  const here = scene.timeline[index];
  const before = scene.timeline[index - 1];
  const transition = segment?.transition_in;
  if (!segment || !here || !before || !transition || transition.type === "cut") return;
  const { from, pixelsPerSecond: pps } = scene;
  const beatS = overlapBeatSeconds(here, transition.beats, scene.targetBpm);
  const length = here.transition_in_s;
  const x0 = (here.start_s - from) * pps;
  const x1 = (here.start_s + length - from) * pps;
  const shape = transitionShape(transition.type, transition.beats, length, beatS);
  const tailPx = shape.echoTailS * pps;
  if (x1 + tailPx < 0 || x0 > scene.width) return;

  const top = RULER_HEIGHT + 1;
  const bottom = laneTop(LANE_COUNT - 1) + LANE_HEIGHT;
  context.fillStyle = "rgba(245,184,75,0.1)";
  context.fillRect(x0, top, x1 - x0, bottom - top);

  const rowOf = (side: "outgoing" | "incoming") => (side === "outgoing" ? (index - 1) % LANE_COUNT : index % LANE_COUNT);
  for (const curve of shape.curves) {
    const laneY = laneTop(rowOf(curve.side));
    const yOf = (value: number) => laneY + LANE_HEIGHT - 3 - value * (LANE_HEIGHT - 8);
    context.strokeStyle = curve.side === "outgoing" ? theme.warn : theme.good;
    context.lineWidth = curve.part === "level" ? 2 : 1.5;
    context.setLineDash(curve.part === "level" ? [] : [4, 3]);
    context.beginPath();
    curve.values.forEach((value, i) => {
      const x = x0 + ((x1 - x0) * i) / Math.max(1, curve.values.length - 1);
      if (i === 0) context.moveTo(x, yOf(value));
      else context.lineTo(x, yOf(value));
    });
    context.stroke();
  }
  if (tailPx > 0) {
    // The echo rings on past the outgoing segment's end, dying away.
    const laneY = laneTop(rowOf("outgoing"));
    context.strokeStyle = theme.warn;
    context.lineWidth = 1.5;
    context.setLineDash([2, 3]);
    context.beginPath();
    context.moveTo(x1, laneY + LANE_HEIGHT / 2);
    context.quadraticCurveTo(x1 + tailPx / 3, laneY + LANE_HEIGHT - 8, x1 + tailPx, laneY + LANE_HEIGHT - 3);
    context.stroke();
  }
  context.setLineDash([]);
  context.lineWidth = 1;
}

function readTheme(element: Element): Theme {
  const styles = getComputedStyle(element);
  const read = (name: string, fallback: string) => styles.getPropertyValue(name).trim() || fallback;
  return {
    text: read("--text", "#e8eaf0"),
    dim: read("--text-dim", "#9aa2b1"),
    accent: read("--accent", "#8b7cff"),
    surface: read("--surface", "#171a21"),
    border: read("--border", "#2c313c"),
    good: read("--good", "#3ecf8e"),
    warn: read("--warn", "#f5b84b"),
  };
}

/** Draw the scene onto `canvas` (sized here to its CSS width × ARRANGEMENT_HEIGHT at the screen's density). */
export function drawArrangement(canvas: HTMLCanvasElement, scene: ArrangementScene): void {
  const context = canvas.getContext("2d");
  if (!context) return;
  const ratio = globalThis.devicePixelRatio || 1;
  const height = ARRANGEMENT_HEIGHT;
  canvas.width = Math.round(scene.width * ratio);
  canvas.height = Math.round(height * ratio);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, scene.width, height);
  const theme = readTheme(canvas);
  for (let row = 0; row < LANE_COUNT; row += 1) {
    context.fillStyle = "rgba(255,255,255,0.025)";
    context.fillRect(0, laneTop(row), scene.width, LANE_HEIGHT);
  }
  if (scene.targetBpm > 0) drawGrid(context, scene, theme, height);
  scene.segments.forEach((segment, index) => {
    const entry = scene.timeline[index];
    if (entry) drawSegment(context, scene, theme, segment, entry, index % LANE_COUNT, scene.maps?.[index]);
  });
  scene.segments.forEach((_, index) => {
    if (index > 0) drawTransition(context, scene, theme, index);
  });
}
