/** Feedback reports as the API sends them (README: Feedback). */
import type { FileObject, Id, IsoTime, Run } from "@/lib/types";

export type FeedbackType = "mix" | "master";
export type Detail = "brief" | "detailed";
export type Severity = "high" | "medium" | "low";

export interface Fix {
  kind: string;
  [setting: string]: unknown;
}

export interface Finding {
  rule: string;
  area: string;
  severity: Severity;
  score: number;
  title: string;
  explanation: string;
  evidence: Record<string, unknown>;
  fixes: Fix[];
  remaster_fixable: boolean;
  tags: string[];
}

export interface BandStereo {
  range_hz: [number, number];
  level_db: number | null;
  correlation: number | null;
  width: number | null;
  mono_loss_db: number | null;
}

export interface Measurements {
  duration_s: number;
  loudness: {
    lufs_integrated: number | null;
    loudness_range_lu: number | null;
    true_peak_db: number | null;
    sample_peak_db: number | null;
    plr_db: number | null;
    short_term_max_lufs: number | null;
  };
  short_term: { hop_s: number; start_s: number; lufs: (number | null)[] };
  bands: Record<string, BandStereo>;
}

export interface Improvement {
  areas: Record<string, { before: number; after: number }>;
  overall: { before: number; after: number };
  resolved: string[];
  remaining: string[];
  loudness: { before: number | null; after: number | null };
}

export interface Report {
  type: FeedbackType;
  detail: Detail;
  summary: string;
  overall_score: number;
  scores: Record<string, number>;
  findings: Finding[];
  finding_count: number;
  presets: Record<string, unknown>;
  compared_with: { kind: string; label: string; source: string } | null;
  targets: Record<string, { value: number; unit: string; source: string; convention: boolean }>;
  tonal: {
    band_centres_hz: number[];
    track_db: (number | null)[];
    genre_db: (number | null)[] | null;
    reference_db: (number | null)[] | null;
  };
  measurements: Measurements;
  improvement?: Improvement;
}

export interface Feedback {
  id: Id;
  track_id: Id;
  reference_track_id: Id | null;
  parent_id: Id | null;
  run_id: Id | null;
  type: FeedbackType;
  genre: string | null;
  detail: Detail;
  overall_score: number;
  summary: string;
  pdf_url: string;
  files: FileObject[];
  created_at: IsoTime;
  report?: Report;
}

export interface FeedbackRequest {
  type: FeedbackType;
  genre?: string | null;
  reference_track_id?: string | null;
  detail: Detail;
}

export interface Genre {
  id: string;
  label: string;
  source: string;
}

export interface TrackOption {
  id: Id;
  title: string;
  status: string;
  audio_url: string | null;
}

export type { Run };
