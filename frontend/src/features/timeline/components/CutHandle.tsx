import { useRef } from "react";

import type { Segment, TimelineEntry } from "@/lib/types";

import { barNumberAt, snapCut, stepCut, type BeatGrid, type SnapUnit } from "../lib/arrangement";
import { laneTop, LANE_COUNT, LANE_HEIGHT } from "../lib/draw-arrangement";
import { formatPreciseClock } from "../lib/timeline-math";
import type { TrackGrid, TrimEdge } from "../types";
import { EdgeHandle } from "./EdgeHandle";

const EDGE_NAMES: Record<TrimEdge, string> = { start: "In point", end: "Out point" };

interface CutHandleProps {
  segment: Segment;
  index: number;
  entry: TimelineEntry;
  edge: TrimEdge;
  title: string;
  grid: BeatGrid;
  trackGrid: TrackGrid;
  pixelsPerSecond: number;
  snap: SnapUnit;
  describedBy: string;
  onChange: (next: Segment) => void;
  announce: (message: string) => void;
  onActive: () => void;
}

/**
 * A segment's in or out point on its lane. Dragging moves it by the mix time the pointer moved
 * (times the segment's stretch: source seconds), snapped to the chosen unit of the track's grid;
 * keys step it along that grid.
 */
export function CutHandle({
  segment,
  index,
  entry,
  edge,
  title,
  grid,
  trackGrid,
  pixelsPerSecond,
  snap,
  describedBy,
  onChange,
  announce,
  onActive,
}: CutHandleProps) {
  // The segment and its place when the drag began: the pointer's travel is measured from there.
  const pressed = useRef<{ segment: Segment; entry: TimelineEntry } | null>(null);
  const name = `${EDGE_NAMES[edge]} of ${title}`;
  const sourceOf = (of: Segment) => (edge === "start" ? of.source_start_s : of.source_end_s);
  const source = sourceOf(segment);
  const bar = barNumberAt(grid, source);
  const mixAt = edge === "start" ? entry.start_s : entry.end_s;

  const apply = (next: Segment) => {
    if (next === segment) return false;
    onChange(next);
    return true;
  };

  return (
    <EdgeHandle
      className={`arr-cut is-${edge}`}
      style={{ left: mixAt * pixelsPerSecond, top: laneTop(index % LANE_COUNT), height: LANE_HEIGHT }}
      label={name}
      valueNow={source}
      valueMin={0}
      valueMax={trackGrid.duration_s}
      valueText={
        `${formatPreciseClock(source)} into the track${bar !== null ? ` (bar ${bar})` : ""}, ` +
        `${formatPreciseClock(mixAt)} in the mix`
      }
      describedBy={describedBy}
      testId={`cut-${edge}-${index}`}
      pixelsPerSecond={pixelsPerSecond}
      onStep={(direction, unit) => {
        const next = stepCut(segment, edge, direction, grid, unit, trackGrid);
        if (!apply(next)) {
          announce(`${name} cannot move ${direction < 0 ? "earlier" : "later"}.`);
          return;
        }
        const moved = sourceOf(next);
        const movedBar = barNumberAt(grid, moved);
        announce(`${name}: ${formatPreciseClock(moved)}${movedBar !== null ? `, bar ${movedBar}` : ""}.`);
      }}
      onDragStart={() => {
        pressed.current = { segment, entry };
        onActive();
      }}
      onDrag={(delta) => {
        const start = pressed.current;
        if (!start) return;
        apply(snapCut(segment, edge, sourceOf(start.segment) + delta * start.entry.stretch, grid, snap, trackGrid));
      }}
      onDragEnd={() => {
        pressed.current = null;
      }}
    />
  );
}
