/** Types of the timeline editor feature (the shared MixPlan types live in @/lib/types). */
import type { Id } from "@/lib/types";

/** Each track's tempo, as the backend's `derive_timeline` takes it (null: no beat to sync). */
export type TrackBpms = Readonly<Record<Id, number | null>>;

/** What trimming needs to know about a segment's source track. */
export interface TrackGrid {
  /** Length of the source track in seconds. */
  duration_s: number;
  /** Bar starts found by the analysis (seconds, ascending). */
  downbeats?: readonly number[] | null;
  bpm?: number | null;
  /** Beats per bar (the analysis' `meter`), 4 when unknown. */
  meter?: number | null;
}

export type TrimEdge = "start" | "end";

/** One thing the backend would reject, for people to read; `index` points at a segment. */
export interface TimelineProblem {
  index: number | null;
  field: "segments" | "track_id" | "source_start_s" | "source_end_s" | "transition_in" | "target" | "id";
  message: string;
}
