import { useMemo, useState, type PointerEvent as ReactPointerEvent } from "react";

import { ErrorNotice } from "@/components/ErrorNotice";
import { Waveform, type WaveformRegion } from "@/components/Waveform";
import type { Segment, Track } from "@/lib/types";

import { useTrackPeaks } from "../api/tracks";
import { minimumLength } from "../lib/timeline-math";
import type { TrackGrid, TrimEdge } from "../types";

interface LaneWaveformProps {
  segment: Segment;
  track: Track | undefined;
  grid: TrackGrid;
  title: string;
  onTrim: (edge: TrimEdge, seconds: number) => void;
}

const HEIGHT = 72;

/**
 * The segment's part of its track's waveform, with a little of the track either side (shaded)
 * so both edges can be dragged outwards as well as inwards. The edges snap to bars (the
 * caller's onTrim snaps). Pointer only: the lane's number fields and ±1 bar buttons are the
 * keyboard way to trim.
 */
export function LaneWaveform({ segment, track, grid, title, onTrim }: LaneWaveformProps) {
  const peaks = useTrackPeaks(segment.track_id, track !== undefined);
  const [dragging, setDragging] = useState<{ edge: TrimEdge; from: number; to: number } | null>(null);

  const duration = grid.duration_s > 0 ? grid.duration_s : (peaks.data?.duration_s ?? 0);
  const view = useMemo(() => {
    const length = Math.max(0, segment.source_end_s - segment.source_start_s);
    const pad = Math.max(2 * minimumLength(grid), 0.15 * length);
    return {
      from: Math.max(0, segment.source_start_s - pad),
      to: Math.max(segment.source_end_s, Math.min(duration || segment.source_end_s + pad, segment.source_end_s + pad)),
    };
  }, [segment.source_start_s, segment.source_end_s, grid, duration]);
  // While an edge is dragged, the view holds still under the pointer.
  const from = dragging?.from ?? view.from;
  const to = dragging?.to ?? view.to;
  const span = Math.max(to - from, 1e-6);
  const percent = (seconds: number) => `${(Math.min(Math.max((seconds - from) / span, 0), 1) * 100).toFixed(3)}%`;

  const sections = track?.analysis?.sections;
  const regions = useMemo<WaveformRegion[]>(
    () => (sections ?? []).map(({ start_s, end_s, label }) => ({ start_s, end_s, label })),
    [sections],
  );

  // Seconds under the pointer, measured on the whole lane (the handle's .tl-wave ancestor).
  const secondsAt = (handle: Element, clientX: number) => {
    const rect = handle.closest(".tl-wave")?.getBoundingClientRect();
    if (!rect || rect.width <= 0) return null;
    return from + Math.min(Math.max((clientX - rect.left) / rect.width, 0), 1) * span;
  };

  const handlers = (edge: TrimEdge) => ({
    onPointerDown: (event: ReactPointerEvent<HTMLDivElement>) => {
      if (event.button !== 0) return;
      event.preventDefault();
      event.currentTarget.setPointerCapture(event.pointerId);
      setDragging({ edge, from: view.from, to: view.to });
    },
    onPointerMove: (event: ReactPointerEvent<HTMLDivElement>) => {
      if (dragging?.edge !== edge) return;
      const seconds = secondsAt(event.currentTarget, event.clientX);
      if (seconds !== null) onTrim(edge, seconds);
    },
    onPointerUp: () => setDragging(null),
    onPointerCancel: () => setDragging(null),
    onLostPointerCapture: () => setDragging(null),
  });

  let body;
  if (!track) {
    body = <p className="tl-wave-note muted">This track is not in your library.</p>;
  } else if (peaks.isPending) {
    body = (
      <p className="tl-wave-note muted" aria-busy="true">
        Loading waveform…
      </p>
    );
  } else if (peaks.isError) {
    body = (
      <div className="tl-wave-note">
        <ErrorNotice error={peaks.error} onRetry={() => void peaks.refetch()} />
      </div>
    );
  } else {
    body = (
      <Waveform
        peaks={peaks.data.peaks}
        duration_s={peaks.data.duration_s || duration}
        from_s={from}
        to_s={to}
        regions={regions}
        height={HEIGHT}
        label={`Waveform of ${title} from ${Math.round(segment.source_start_s)} s to ${Math.round(segment.source_end_s)} s`}
      />
    );
  }

  return (
    <div className={`tl-wave${dragging ? " is-trimming" : ""}`} style={{ minHeight: HEIGHT }}>
      {body}
      {track && (
        <>
          <div className="tl-wave-shade" style={{ left: 0, width: percent(segment.source_start_s) }} aria-hidden="true" />
          <div className="tl-wave-shade" style={{ left: percent(segment.source_end_s), right: 0 }} aria-hidden="true" />
          <div
            className="tl-wave-handle is-start"
            style={{ left: percent(segment.source_start_s) }}
            title={`Drag to trim the start of ${title} (snaps to bars)`}
            aria-hidden="true"
            {...handlers("start")}
          />
          <div
            className="tl-wave-handle is-end"
            style={{ left: percent(segment.source_end_s) }}
            title={`Drag to trim the end of ${title} (snaps to bars)`}
            aria-hidden="true"
            {...handlers("end")}
          />
        </>
      )}
    </div>
  );
}
