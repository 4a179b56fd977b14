import { useState } from "react";

import { TRANSITION_TYPES, type Transition, type TransitionType } from "@/lib/types";

import { MAX_TRANSITION_BEATS, transitionName } from "../lib/timeline-math";
import type { PreviewState } from "../hooks/use-transition-preview";

interface BoundaryControlProps {
  /** The incoming segment's id: names this boundary for the preview. */
  boundaryKey: string;
  incomingTitle: string;
  transition: Transition | null;
  /** The most beats that fit between the two neighbours (0: only a cut). */
  maxBeats: number;
  /** How long the overlap lasts, at both neighbours' tempi (seconds). */
  seconds: number;
  preview: PreviewState;
  canPreview: boolean;
  onChange: (type: TransitionType, beats: number) => void;
  onPreview: () => void;
  onStop: () => void;
}

const DESCRIPTIONS: Record<TransitionType, string> = {
  cut: "Straight from one to the next",
  crossfade: "Equal-power blend",
  bass_swap: "Blend the highs, swap the bass on the middle beat",
  filter_sweep: "High-pass out, low-pass in",
  echo_out: "Blend with an echo ringing out",
};

/** Between two lanes: how the next segment comes in, how long it takes, and a listen. */
export function BoundaryControl({
  boundaryKey,
  incomingTitle,
  transition,
  maxBeats,
  seconds,
  preview,
  canPreview,
  onChange,
  onPreview,
  onStop,
}: BoundaryControlProps) {
  const type = transition?.type ?? "cut";
  const beats = type === "cut" ? 0 : (transition?.beats ?? 0);
  const [draft, setDraft] = useState<string | null>(null);
  const mine = preview.status !== "idle" && preview.key === boundaryKey;

  // The field shows the (clamped) length as soon as what is typed is a number; only an empty
  // or half-typed field is kept as typed until it is left.
  const setBeats = (text: string) => {
    const value = Number(text);
    if (text.trim() !== "" && Number.isFinite(value)) {
      setDraft(null);
      onChange(type, value);
    } else {
      setDraft(text);
    }
  };

  return (
    <div className="tl-boundary" data-testid="timeline-boundary">
      <div className="tl-boundary-fields">
        <label>
          <span>Transition into {incomingTitle}</span>
          <select value={type} onChange={(event) => onChange(event.target.value as TransitionType, beats)}>
            {TRANSITION_TYPES.map((option) => (
              <option key={option} value={option}>
                {transitionName(option)[0]?.toUpperCase()}
                {transitionName(option).slice(1)}
              </option>
            ))}
          </select>
        </label>
        <label className="tl-beats">
          <span>Transition length (beats)</span>
          <input
            type="number"
            inputMode="numeric"
            min={type === "cut" ? 0 : 1}
            max={type === "cut" ? 0 : Math.max(1, Math.min(maxBeats, MAX_TRANSITION_BEATS))}
            step={1}
            value={draft ?? String(beats)}
            disabled={type === "cut"}
            onChange={(event) => setBeats(event.target.value)}
            onBlur={() => setDraft(null)}
          />
        </label>
      </div>
      <p className="tl-boundary-info muted">
        {DESCRIPTIONS[type]}
        {type !== "cut" &&
          ` · ${seconds.toFixed(1)} s · ${maxBeats >= 1 ? `at most ${maxBeats} beats fit` : "only a cut fits here"}`}
      </p>
      <div className="tl-boundary-preview">
        {mine && preview.status !== "error" ? (
          <button type="button" className="button small" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button
            type="button"
            className="button small"
            onClick={onPreview}
            disabled={!canPreview}
            aria-label={`Preview transition into ${incomingTitle}`}
          >
            ▶ Preview transition
          </button>
        )}
        <span className="tl-preview-status" aria-live="polite">
          {mine && preview.status === "loading" && "Loading audio…"}
          {mine && preview.status === "playing" && "Playing…"}
        </span>
        {mine && preview.status === "error" && (
          <span className="error-text" role="alert">
            {preview.message}
          </span>
        )}
      </div>
    </div>
  );
}
