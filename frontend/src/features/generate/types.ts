/** Shapes of the generation API (backend intellimix/generation, planner/intent.py). */
import type { Run } from "@/lib/types";

export type GenreId =
  "house" | "techno" | "drum_and_bass" | "dubstep" | "hip_hop" | "lo_fi" | "trap" | "ambient" | "pop" | "synthwave";

export interface SpecSection {
  section: string;
  bars: number;
}

/** What the prompt was read as: every default taken and every clamp is listed in `notes`. */
export interface GenerationSpec {
  genre: GenreId | (string & {});
  bpm: number;
  key: string;
  mode: "major" | "minor" | (string & {});
  mood: string;
  energy: number;
  instruments: string[];
  structure: SpecSection[];
  duration_s: number;
  seed: number;
  notes: string[];
}

export interface GenerateRequest {
  prompt: string;
  duration_s?: number;
  seed?: number;
  reference_track_id?: string;
}

export interface GenerateResponse {
  run: Run;
  spec: GenerationSpec;
}

/** A finished `generate` run's `result`. */
export interface GenerateResult {
  track_id: string;
  job_id: string;
  qa_passed?: boolean;
  similarity?: number | null;
}

/** What a `generate` job stores as its `input_payload`. */
export interface GenerateJobInput {
  prompt?: string;
  spec?: GenerationSpec;
}

/** The generation the page is showing: the spec the server read and the run making it. */
export interface CurrentGeneration {
  runId: string;
  request: GenerateRequest;
  spec: GenerationSpec;
}
