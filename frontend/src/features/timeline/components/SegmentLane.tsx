import type { KeyboardEvent, PointerEvent as ReactPointerEvent, Ref } from "react";

import { formatClock } from "@/lib/format";
import type { BeatMap, Segment, TimelineEntry, Track } from "@/lib/types";

import type { TrackGrid, TrimEdge } from "../types";
import { LaneWaveform } from "./LaneWaveform";
import { TrimControl } from "./TrimControl";

export interface LaneDragHandlers {
  onPointerDown: (event: ReactPointerEvent<HTMLButtonElement>) => void;
  onPointerMove: (event: ReactPointerEvent<HTMLButtonElement>) => void;
  onPointerUp: (event: ReactPointerEvent<HTMLButtonElement>) => void;
  onPointerCancel: () => void;
}

interface SegmentLaneProps {
  segment: Segment;
  index: number;
  count: number;
  track: Track | undefined;
  title: string;
  grid: TrackGrid;
  entry: TimelineEntry | undefined;
  targetBpm: number;
  problems: string[];
  dropIndicator: "before" | "after" | null;
  dragging: boolean;
  laneRef: Ref<HTMLElement>;
  drag: LaneDragHandlers;
  onChange: (next: Segment) => void;
  onTrim: (edge: TrimEdge, seconds: number) => void;
  /** `from` says which control asked, so the keyboard focus can stay on it. */
  onMove: (to: number, from: "grip" | "up" | "down") => void;
  onRemove: () => void;
}

const BEAT_MAP_NAMES: Record<BeatMap, string> = { same: "", half_time: " in half time", double_time: " in double time" };

/** One segment: what it is, where it sits in the mix, its waveform, trims and order. */
export function SegmentLane({
  segment,
  index,
  count,
  track,
  title,
  grid,
  entry,
  targetBpm,
  problems,
  dropIndicator,
  dragging,
  laneRef,
  drag,
  onChange,
  onTrim,
  onMove,
  onRemove,
}: SegmentLaneProps) {
  const bpm = track?.analysis?.bpm ?? null;
  const beatMap = segment.beat_map ?? "same";
  const stretched = entry !== undefined && entry.stretch !== 1;
  const onGripKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === "ArrowUp" && index > 0) {
      event.preventDefault();
      onMove(index - 1, "grip");
    } else if (event.key === "ArrowDown" && index < count - 1) {
      event.preventDefault();
      onMove(index + 1, "grip");
    }
  };
  const classes = [
    "tl-lane",
    problems.length > 0 && "is-invalid",
    dragging && "is-dragging",
    dropIndicator && `drop-${dropIndicator}`,
  ].filter(Boolean);

  return (
    <article
      ref={laneRef}
      className={classes.join(" ")}
      data-testid="timeline-lane"
      data-segment-id={segment.id}
      aria-label={`Segment ${index + 1}: ${title}`}
    >
      <div className="tl-lane-head">
        <button
          type="button"
          className="tl-grip"
          aria-label={`Reorder ${title} (drag, or arrow keys)`}
          title="Drag to reorder"
          data-focus="grip"
          onKeyDown={onGripKey}
          {...drag}
        >
          <span aria-hidden="true">⠿</span>
        </button>
        <div className="tl-lane-title">
          <h4>
            <span className="tl-lane-number">{index + 1}.</span> {title}
          </h4>
          {segment.label && <span className="badge">{segment.label}</span>}
        </div>
        <p className="tl-lane-meta muted">
          <span>
            Source {formatClock(segment.source_start_s)}–{formatClock(segment.source_end_s)}
          </span>
          {entry && (
            <span>
              In the mix {formatClock(entry.start_s)}–{formatClock(entry.end_s)}
            </span>
          )}
          {(stretched || beatMap !== "same") && bpm !== null && (
            <span data-testid="timeline-lane-tempo">
              {Math.round(bpm * 10) / 10} BPM{BEAT_MAP_NAMES[beatMap]} → {Math.round((entry?.bpm ?? targetBpm) * 10) / 10} BPM
            </span>
          )}
        </p>
      </div>

      <div className="tl-lane-body">
        <LaneWaveform segment={segment} track={track} grid={grid} title={title} onTrim={onTrim} />
        <div className="tl-lane-controls">
          <TrimControl segment={segment} edge="start" grid={grid} title={title} onChange={onChange} onTrim={onTrim} />
          <TrimControl segment={segment} edge="end" grid={grid} title={title} onChange={onChange} onTrim={onTrim} />
          <div className="tl-lane-buttons">
            <button
              type="button"
              className="button small"
              data-focus="up"
              aria-label={`Move up: ${title}`}
              disabled={index === 0}
              onClick={() => onMove(index - 1, "up")}
            >
              Move up
            </button>
            <button
              type="button"
              className="button small"
              data-focus="down"
              aria-label={`Move down: ${title}`}
              disabled={index === count - 1}
              onClick={() => onMove(index + 1, "down")}
            >
              Move down
            </button>
            <button
              type="button"
              className="button small danger"
              aria-label={`Remove ${title}`}
              disabled={count <= 1}
              title={count <= 1 ? "A mix keeps at least one segment" : undefined}
              onClick={onRemove}
            >
              Remove
            </button>
          </div>
        </div>
      </div>

      {problems.length > 0 && (
        <ul className="tl-lane-problems">
          {problems.map((problem) => (
            <li key={problem} className="field-error">
              {problem}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
