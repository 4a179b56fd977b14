import { useRef } from "react";

import type { TimelineEntry, Transition } from "@/lib/types";

import { stepTransitionBeats, transitionBeatsAt, type SnapUnit } from "../lib/arrangement";
import { RULER_HEIGHT, STRIP_HEIGHT } from "../lib/draw-arrangement";
import { formatPreciseClock, overlapBeatSeconds, transitionName } from "../lib/timeline-math";
import { EdgeHandle } from "./EdgeHandle";

interface TransitionRegionProps {
  index: number;
  transition: Transition;
  /** The incoming segment's and the outgoing one's places in the mix. */
  here: TimelineEntry;
  before: TimelineEntry;
  incomingTitle: string;
  pixelsPerSecond: number;
  targetBpm: number;
  meter: number;
  snap: SnapUnit;
  /** The most beats that fit between the neighbours. */
  maxBeats: number;
  describedBy: string;
  playing: boolean;
  canPreview: boolean;
  onBeats: (beats: number) => void;
  onPreview: () => void;
  onStopPreview: () => void;
  announce: (message: string) => void;
  onActive: () => void;
}

/** How much of "crossfade · 16 beats" fits in a region this wide. */
function regionLabel(name: string, beats: number, width: number): string {
  if (width >= 150) return `${name} · ${beats} beats`;
  return width >= 80 ? `${beats} beats` : String(beats);
}

/**
 * A transition in the strip above the lanes: its region (type, length, a preview button) and
 * its start edge, which lengthens the transition as it moves earlier — a transition always
 * ends where the outgoing segment ends. A cut has no length to drag.
 */
export function TransitionRegion({
  index,
  transition,
  here,
  before,
  incomingTitle,
  pixelsPerSecond: pps,
  targetBpm,
  meter,
  snap,
  maxBeats,
  describedBy,
  playing,
  canPreview,
  onBeats,
  onPreview,
  onStopPreview,
  announce,
  onActive,
}: TransitionRegionProps) {
  const pressed = useRef<{ edge: number; outgoingEnd: number } | null>(null);
  const isCut = transition.type === "cut";
  const name = transitionName(transition.type);
  const x = here.start_s * pps;
  const width = Math.max(2, here.transition_in_s * pps);
  const max = Math.max(1, maxBeats);
  // A beat of this overlap: its one tempo, or on average through a tempo change.
  const beatS = overlapBeatSeconds(here, transition.beats, targetBpm);
  const overlapBpm = here.tempo_in ? 60 / beatS : (here.bpm ?? targetBpm);

  const setBeats = (wanted: number) => {
    const beats = Math.min(max, Math.max(1, wanted));
    if (beats !== transition.beats) onBeats(beats);
    return beats;
  };

  return (
    <>
      <div
        className={`arr-transition${isCut ? " is-cut" : ""}`}
        style={{ left: x, width: isCut ? undefined : width, top: RULER_HEIGHT, height: STRIP_HEIGHT }}
        data-testid={`transition-${index}`}
      >
        <span className="arr-transition-label" title={`${name} into ${incomingTitle}`}>
          {isCut ? "cut" : regionLabel(name, transition.beats, width)}
        </span>
        <button
          type="button"
          className="arr-transition-play"
          disabled={!playing && !canPreview}
          aria-label={
            playing ? `Stop the preview of the transition into ${incomingTitle}` : `Play the transition into ${incomingTitle}`
          }
          onClick={playing ? onStopPreview : onPreview}
        >
          <span aria-hidden="true">{playing ? "■" : "▶"}</span>
        </button>
      </div>
      {!isCut && (
        <EdgeHandle
          className="arr-transition-edge"
          style={{ left: x, top: RULER_HEIGHT, height: STRIP_HEIGHT }}
          label={`Transition into ${incomingTitle}`}
          valueNow={here.start_s}
          valueMin={Math.max(0, before.end_s - max * beatS)}
          valueMax={before.end_s - beatS}
          valueText={`${name}, ${transition.beats} beats (${here.transition_in_s.toFixed(1)} s), from ${formatPreciseClock(here.start_s)}`}
          describedBy={describedBy}
          testId={`transition-edge-${index}`}
          pixelsPerSecond={pps}
          onStep={(direction, unit) => {
            // Earlier (left) is longer.
            const beats = setBeats(stepTransitionBeats(transition.beats, -direction, unit, meter));
            announce(
              beats === transition.beats
                ? `The transition into ${incomingTitle} stays ${beats} beats (${beats === max ? "the most that fits" : "the shortest"}).`
                : `Transition into ${incomingTitle}: ${beats} beats.`,
            );
          }}
          onDragStart={() => {
            pressed.current = { edge: here.start_s, outgoingEnd: before.end_s };
            onActive();
          }}
          onDrag={(delta) => {
            const start = pressed.current;
            if (start) setBeats(transitionBeatsAt(start.edge + delta, start.outgoingEnd, overlapBpm, snap, meter));
          }}
          onDragEnd={() => {
            pressed.current = null;
          }}
        />
      )}
    </>
  );
}
