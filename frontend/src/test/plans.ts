/** Plan pieces for tests: a segment with neutral settings, overridden where a test cares. */
import type { Segment } from "@/lib/types";

export function testSegment(id: string, trackId: string, overrides: Partial<Segment> = {}): Segment {
  return {
    id,
    track_id: trackId,
    label: "drop",
    source_start_s: 0,
    source_end_s: 60,
    gain_db: 0,
    pitch_semitones: 0,
    eq: { low_db: 0, mid_db: 0, high_db: 0 },
    effects: { reverb: 0, echo: 0 },
    transition_in: null,
    ...overrides,
  };
}
