/** Builders shared by the timeline feature's unit tests. */
import type { MixPlan, Segment, Track, Transition } from "@/lib/types";

export function seg(id: string, trackId: string, start: number, end: number, transition: Transition | null = null): Segment {
  return {
    id,
    track_id: trackId,
    label: `${trackId} part`,
    source_start_s: start,
    source_end_s: end,
    gain_db: 0,
    pitch_semitones: 0,
    eq: { low_db: 0, mid_db: 0, high_db: 0 },
    effects: { reverb: 0, echo: 0 },
    transition_in: transition,
  };
}

export function plan(bpm: number, segments: Segment[]): MixPlan {
  return {
    schema_version: 1,
    title: "test mix",
    summary: "",
    rationale: "",
    target: { bpm, key: "A minor", duration_s: 180, lufs: -14, true_peak_db: -1 },
    segments,
  };
}

export function track(id: string, bpm: number | null, duration: number | null, extra: Partial<Track> = {}): Track {
  return {
    id,
    title: `Track ${id.toUpperCase()}`,
    artist: null,
    source: "upload",
    original_filename: null,
    duration_s: duration,
    sample_rate: 48000,
    channels: 2,
    status: "ready",
    analysis: { bpm, duration_s: duration ?? undefined, meter: "4/4" },
    audio_url: `/api/v1/tracks/${id}/audio?token=t`,
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    ...extra,
  };
}
