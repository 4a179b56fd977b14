import { useId, useState, type KeyboardEvent } from "react";

import type { Segment } from "@/lib/types";

import { formatPreciseClock, nudgeTrim } from "../lib/timeline-math";
import type { TrackGrid, TrimEdge } from "../types";

interface TrimControlProps {
  segment: Segment;
  edge: TrimEdge;
  grid: TrackGrid;
  title: string;
  onChange: (next: Segment) => void;
  onTrim: (edge: TrimEdge, seconds: number) => void;
}

/**
 * One edge of a segment, for the keyboard: a seconds field (snapped to the nearest bar when it
 * is committed with Enter or by leaving it) and buttons that move it a bar at a time.
 */
export function TrimControl({ segment, edge, grid, title, onChange, onTrim }: TrimControlProps) {
  const value = edge === "start" ? segment.source_start_s : segment.source_end_s;
  const shown = String(Math.round(value * 100) / 100);
  const [draft, setDraft] = useState<string | null>(null);
  const hint = useId();
  const name = edge === "start" ? "Start" : "End";
  const earlier = nudgeTrim(segment, edge, -1, grid);
  const later = nudgeTrim(segment, edge, 1, grid);

  const commit = () => {
    if (draft === null) return;
    const seconds = Number(draft.replace(",", "."));
    setDraft(null);
    if (draft.trim() !== "" && Number.isFinite(seconds)) onTrim(edge, seconds);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") {
      event.preventDefault();
      commit();
    } else if (event.key === "Escape" && draft !== null) {
      event.stopPropagation(); // undo the typing, do not close the editor
      setDraft(null);
    }
  };

  return (
    <div className="tl-trim">
      <label className="tl-trim-field">
        <span>
          {name} <span className="muted">({formatPreciseClock(value)})</span>
        </span>
        <input
          type="number"
          inputMode="decimal"
          step="any"
          min={0}
          max={grid.duration_s > 0 ? grid.duration_s : undefined}
          value={draft ?? shown}
          aria-label={`${name} of ${title}`}
          aria-describedby={hint}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={commit}
          onKeyDown={onKeyDown}
        />
      </label>
      <span id={hint} className="visually-hidden">
        Seconds into the track; snaps to the nearest bar.
      </span>
      <div className="tl-trim-buttons">
        <button
          type="button"
          className="button small"
          aria-label={`${name} −1 bar (${title})`}
          disabled={earlier === segment}
          onClick={() => onChange(earlier)}
        >
          −1 bar
        </button>
        <button
          type="button"
          className="button small"
          aria-label={`${name} +1 bar (${title})`}
          disabled={later === segment}
          onClick={() => onChange(later)}
        >
          +1 bar
        </button>
      </div>
    </div>
  );
}
