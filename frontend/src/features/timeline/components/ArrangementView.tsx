import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type PointerEvent } from "react";

import { formatClock } from "@/lib/format";
import type { Id, Segment, TimelineEntry, Track } from "@/lib/types";

import { useTracksPeaks } from "../api/tracks";
import type { MixPlayback } from "../hooks/use-mix-playback";
import { previewPosition, type PreviewState } from "../hooks/use-transition-preview";
import { clampZoom, fitZoom, scrollForZoom, SNAP_UNITS, trackBeatGrid, type BeatGrid, type SnapUnit } from "../lib/arrangement";
import { ARRANGEMENT_HEIGHT, BAND_COLOURS, drawArrangement, laneTop, LANE_COUNT, RULER_HEIGHT } from "../lib/draw-arrangement";
import { beatClockOf, timeMapsOf, trackBpmsOf, trackDuration, trackGridOf } from "../lib/timeline-math";
import { CutHandle } from "./CutHandle";
import { Playhead, PlayheadClock } from "./Playhead";
import { TransitionRegion } from "./TransitionRegion";

export interface ArrangementViewProps {
  segments: readonly Segment[];
  timeline: readonly TimelineEntry[];
  tracks: Readonly<Record<Id, Track>>;
  targetBpm: number;
  titleOf: (segment: Segment) => string;
  /** The most beats the transition into segment `index` may last (0: only a cut fits). */
  maxBeatsAt: (index: number) => number;
  onSegmentChange: (index: number, next: Segment) => void;
  onTransitionBeats: (index: number, beats: number) => void;
  onShowDetails: (index: number) => void;
  announce: (message: string) => void;
  preview: PreviewState;
  canPreviewAt: (index: number) => boolean;
  onPreview: (index: number) => void;
  onStopPreview: () => void;
  mix: MixPlayback;
  /** The segments were edited since the mix was rendered. */
  mixOutOfDate: boolean;
}

const ZOOM_STEP = 1.5;
/** Until the view is measured (and in tests without layout), it is drawn this wide. */
const DEFAULT_WIDTH = 960;
/** Room after the last segment, so its end handle can be grabbed and dragged later. */
const END_ROOM_PX = 48;
const SNAP_NAMES: Record<SnapUnit, string> = { beat: "Beat", bar: "Bar", phrase: "Phrase (8 bars)" };
const NO_GRID: BeatGrid = { beats: [], bars: [], phrases: [] };

/**
 * The arrangement: the mix on one time axis — a ruler of bars at the set's tempo (each
 * segment's own on a tempo journey, ramps included), a strip of transitions, and two lanes
 * where consecutive segments alternate so their overlaps show — with three-band waveforms, zoom and scroll, a playhead, and draggable, focusable cut points
 * and transition edges that snap to the tracks' beats, bars or phrases.
 */
export function ArrangementView({
  segments,
  timeline,
  tracks,
  targetBpm,
  titleOf,
  maxBeatsAt,
  onSegmentChange,
  onTransitionBeats,
  onShowDetails,
  announce,
  preview,
  canPreviewAt,
  onPreview,
  onStopPreview,
  mix,
  mixOutOfDate,
}: ArrangementViewProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const pendingScroll = useRef<number | null>(null);
  const hint = useId();
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  const [scrollLeft, setScrollLeft] = useState(0);
  const [zoom, setZoom] = useState<number | null>(null); // null: fit the whole mix
  const [snap, setSnap] = useState<SnapUnit>("beat");
  const [active, setActive] = useState<string | null>(null);

  const total = timeline.at(-1)?.end_s ?? 0;
  const fit = fitZoom(total, width - END_ROOM_PX);
  const pps = zoom ?? fit;
  const contentWidth = Math.max(width, Math.ceil(total * pps) + END_ROOM_PX);
  const meter = 4; // the mix's grid counts 4/4 bars, as the planner's phrases do

  const trackIds = useMemo(() => [...new Set(segments.map((segment) => segment.track_id))], [segments]);
  const peaks = useTracksPeaks(trackIds);
  const grids = useMemo(() => {
    const byId: Record<Id, BeatGrid> = {};
    for (const id of trackIds) byId[id] = trackBeatGrid(tracks[id]);
    return byId;
  }, [trackIds, tracks]);
  const durations = useMemo(() => {
    const byId: Record<Id, number> = {};
    for (const id of trackIds) byId[id] = trackDuration(tracks[id]) || (peaks[id]?.duration_s ?? 0);
    return byId;
  }, [trackIds, tracks, peaks]);

  // --- measuring, scrolling and zoom ---------------------------------------------------------
  useEffect(() => {
    const element = scroller.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth || DEFAULT_WIDTH));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const element = scroller.current;
    const wanted = pendingScroll.current;
    pendingScroll.current = null;
    if (element && wanted !== null) {
      element.scrollLeft = wanted;
      setScrollLeft(element.scrollLeft);
    }
  }, [pps]);

  const zoomTo = useCallback(
    (next: number | null, anchorX?: number) => {
      const element = scroller.current;
      const to = next === null ? fit : clampZoom(next);
      if (element) pendingScroll.current = next === null ? 0 : scrollForZoom(element.scrollLeft, anchorX ?? width / 2, pps, to);
      setZoom(next === null || Math.abs(to - fit) < 1e-6 ? null : to);
    },
    [fit, pps, width],
  );

  // Ctrl (or ⌘) + wheel zooms around the pointer; a plain wheel scrolls as usual.
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      if (!event.ctrlKey && !event.metaKey) return;
      event.preventDefault();
      const anchor = event.clientX - element.getBoundingClientRect().left;
      zoomTo(pps * (event.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP), anchor);
    };
    element.addEventListener("wheel", onWheel, { passive: false });
    return () => element.removeEventListener("wheel", onWheel);
  }, [pps, zoomTo]);

  const onScroll = () => {
    const element = scroller.current;
    if (element) setScrollLeft(element.scrollLeft);
  };

  // A tempo journey: the waveforms follow each segment's time map, the ruler the set's tempo.
  const journey = useMemo(() => {
    if (!timeline.some((entry) => (entry.bpm ?? targetBpm) !== targetBpm)) return null;
    return {
      maps: timeMapsOf(segments, timeline, trackBpmsOf(tracks), targetBpm),
      clock: beatClockOf(segments, timeline, targetBpm),
    };
  }, [segments, timeline, tracks, targetBpm]);

  const from = scrollLeft / pps;
  useEffect(() => {
    if (!canvas.current) return;
    drawArrangement(canvas.current, {
      segments,
      timeline,
      peaks,
      grids,
      durations,
      targetBpm,
      meter,
      pixelsPerSecond: pps,
      from,
      width,
      activeSegmentId: active,
      maps: journey?.maps,
      clock: journey?.clock,
    });
  }, [segments, timeline, peaks, grids, durations, targetBpm, pps, from, width, active, journey]);

  // --- playback ------------------------------------------------------------------------------
  const previewing = preview.status === "playing";
  const readPlayhead = useCallback(
    () => (previewing ? previewPosition(preview, performance.now()) : mix.position()),
    [previewing, preview, mix],
  );
  const follow = useCallback(
    (seconds: number) => {
      const element = scroller.current;
      if (!element) return;
      const x = seconds * pps;
      if (x < element.scrollLeft || x > element.scrollLeft + element.clientWidth - 24) {
        element.scrollLeft = Math.max(0, x - element.clientWidth * 0.1);
      }
    },
    [pps],
  );
  const seekFromRuler = (event: PointerEvent<HTMLDivElement>) => {
    if (!mix.available || event.button !== 0) return;
    const rect = event.currentTarget.getBoundingClientRect();
    mix.seek((event.clientX - rect.left) / pps);
  };

  // --- edits ---------------------------------------------------------------------------------
  const cutHandles = (segment: Segment, index: number, entry: TimelineEntry) => {
    const grid = grids[segment.track_id] ?? NO_GRID;
    const trackGrid = { ...trackGridOf(tracks[segment.track_id]), duration_s: durations[segment.track_id] ?? 0 };
    return (["start", "end"] as const).map((edge) => (
      <CutHandle
        key={`${segment.id}-${edge}`}
        segment={segment}
        index={index}
        entry={entry}
        edge={edge}
        title={titleOf(segment)}
        grid={grid}
        trackGrid={trackGrid}
        pixelsPerSecond={pps}
        snap={snap}
        describedBy={hint}
        onChange={(next) => onSegmentChange(index, next)}
        announce={announce}
        onActive={() => setActive(segment.id)}
      />
    ));
  };

  const transitionRegion = (segment: Segment, index: number) => {
    const here = timeline[index];
    const before = timeline[index - 1];
    if (!here || !before || !segment.transition_in) return null;
    const playing = preview.status !== "idle" && preview.status !== "error" && preview.key === segment.id;
    return (
      <TransitionRegion
        key={`transition-${segment.id}`}
        index={index}
        transition={segment.transition_in}
        here={here}
        before={before}
        incomingTitle={titleOf(segment)}
        pixelsPerSecond={pps}
        targetBpm={targetBpm}
        meter={meter}
        snap={snap}
        maxBeats={maxBeatsAt(index)}
        describedBy={hint}
        playing={playing}
        canPreview={canPreviewAt(index)}
        onBeats={(beats) => onTransitionBeats(index, beats)}
        onPreview={() => onPreview(index)}
        onStopPreview={onStopPreview}
        announce={announce}
        onActive={() => setActive(segment.id)}
      />
    );
  };

  const label = (segment: Segment, index: number, entry: TimelineEntry) => {
    const title = titleOf(segment);
    const x0 = entry.start_s * pps;
    const x1 = entry.end_s * pps;
    const left = Math.max(x0, Math.min(scrollLeft, x1 - 40)) + 6;
    const room = x1 - left - 10;
    return (
      <button
        key={`label-${segment.id}`}
        type="button"
        className="arr-block-label"
        style={{ left, top: laneTop(index % LANE_COUNT) + 3, maxWidth: Math.max(22, room) }}
        aria-label={`Details of ${title}`}
        title={`${index + 1}. ${title} — ${formatClock(entry.start_s)}–${formatClock(entry.end_s)} in the mix`}
        onFocus={() => setActive(segment.id)}
        onClick={() => onShowDetails(index)}
      >
        {index + 1}
        {room > 40 ? `. ${title}` : ""}
      </button>
    );
  };

  return (
    <div className="arrangement" data-testid="arrangement">
      <div className="arr-toolbar" role="toolbar" aria-label="Arrangement">
        {mix.available && (
          <button type="button" className="button small" onClick={mix.toggle} aria-pressed={mix.playing}>
            {mix.playing ? "❚❚ Pause mix" : "▶ Play mix"}
          </button>
        )}
        <PlayheadClock read={readPlayhead} active={previewing || mix.playing} total={total} />
        <label className="arr-snap">
          <span>Snap to</span>
          <select value={snap} onChange={(event) => setSnap(event.target.value as SnapUnit)}>
            {SNAP_UNITS.map((unit) => (
              <option key={unit} value={unit}>
                {SNAP_NAMES[unit]}
              </option>
            ))}
          </select>
        </label>
        <div className="arr-zoom" role="group" aria-label="Zoom">
          <button
            type="button"
            className="button small"
            aria-label="Zoom out"
            onClick={() => zoomTo(pps / ZOOM_STEP)}
            disabled={zoom === null}
          >
            −
          </button>
          <button type="button" className="button small" aria-label="Zoom in" onClick={() => zoomTo(pps * ZOOM_STEP)}>
            +
          </button>
          <button type="button" className="button small" onClick={() => zoomTo(null)} disabled={zoom === null}>
            Fit
          </button>
        </div>
        <ul className="arr-legend" aria-label="Waveform colours">
          {(["low", "mid", "high"] as const).map((band) => (
            <li key={band}>
              <span className="arr-swatch" style={{ background: BAND_COLOURS[band] }} aria-hidden="true" />
              {band === "low" ? "Lows" : band === "mid" ? "Mids" : "Highs"}
            </li>
          ))}
        </ul>
      </div>
      {mix.error && (
        <p className="error-text arr-note" role="alert">
          {mix.error}
        </p>
      )}
      {mix.available && mixOutOfDate && (
        <p className="muted arr-note">The mix plays as it was rendered, before your edits; the lanes show your edits.</p>
      )}
      <div className="arr-scroll" ref={scroller} onScroll={onScroll} data-drag-scroller="">
        <div className="arr-content" style={{ width: contentWidth, height: ARRANGEMENT_HEIGHT }}>
          <canvas ref={canvas} className="arr-canvas" style={{ width, height: ARRANGEMENT_HEIGHT }} aria-hidden="true" />
          <div
            className={`arr-ruler${mix.available ? " can-seek" : ""}`}
            style={{ height: RULER_HEIGHT }}
            title={mix.available ? "Click to play the mix from here" : undefined}
            onPointerDown={seekFromRuler}
          />
          {segments.map((segment, index) => {
            const entry = timeline[index];
            return entry ? label(segment, index, entry) : null;
          })}
          {segments.map((segment, index) => (index > 0 ? transitionRegion(segment, index) : null))}
          {segments.map((segment, index) => {
            const entry = timeline[index];
            return entry ? cutHandles(segment, index, entry) : null;
          })}
          <Playhead read={readPlayhead} active={previewing || mix.playing} pixelsPerSecond={pps} onFrame={follow} />
        </div>
      </div>
      <p id={hint} className="arr-hint muted arr-note">
        Drag a cut point or a transition’s start; they snap to the chosen unit. With the keyboard: arrows move by a beat,
        Shift+arrows by a bar ({meter} beats), Page Up/Down by a phrase. A transition lengthens as its start moves earlier.
      </p>
    </div>
  );
}
