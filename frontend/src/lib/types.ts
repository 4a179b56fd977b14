/** The IntelliMix API's shapes (DESIGN §4, §5), as the studio reads them. */

export type Id = string;
export type IsoTime = string;

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
  pages: number;
  has_more: boolean;
}

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
  has_more: boolean;
}

export interface User {
  id: Id;
  name: string;
  email: string;
  created_at?: IsoTime;
}

export interface Session {
  user: User;
  access_token: string;
  refresh_token: string;
}

export interface FileObject {
  name: string;
  role: "mix" | "mix_mp3" | "stem" | "cues" | "qa" | "track" | "original" | (string & {});
  format: string;
  size_bytes: number;
  url: string | null;
  /** What it is called when downloaded: `<mix title>.wav`, `01 - <track title>.wav` (renders). */
  download_name?: string;
  /** A stem's track. */
  track_id?: string;
}

export type RunStatus = "queued" | "running" | "completed" | "failed" | "cancelled";
export type RunKind =
  | "analyze_track"
  | "import_track"
  | "plan"
  | "render"
  | "generate"
  | "feedback"
  | "feedback_fix"
  | "audio_mix"
  | "audio_download"
  | "video_download";

export interface RunError {
  code: string;
  message: string;
  retryable?: boolean;
}

export interface Run {
  id: Id;
  kind: RunKind;
  status: RunStatus;
  thread_id: Id | null;
  user_message_id: Id | null;
  assistant_message_id: Id | null;
  progress_stage: string | null;
  progress_percent: number | null;
  progress_label: string | null;
  progress_detail: string | null;
  attempts: number;
  cancel_requested?: boolean;
  error: RunError | null;
  result: Record<string, unknown> | null;
  created_at: IsoTime;
  started_at: IsoTime | null;
  completed_at: IsoTime | null;
  updated_at: IsoTime;
  assistant_message?: Message | null;
}

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

export interface Section {
  start_s: number;
  end_s: number;
  label: string;
  energy?: number;
}

export interface TrackAnalysis {
  duration_s?: number;
  bpm?: number | null;
  bpm_confidence?: number;
  key?: string | null;
  key_confidence?: number;
  camelot?: string | null;
  meter?: string;
  lufs_integrated?: number;
  loudness_range_lu?: number;
  true_peak_db?: number;
  sample_peak_db?: number;
  crest_db?: number;
  plr_db?: number;
  spectral_balance?: Record<"low" | "low_mid" | "mid" | "high_mid" | "high", number>;
  stereo_width?: number;
  correlation?: number;
  sections?: Section[];
  downbeats?: number[];
  beats?: number[];
  bars?: { index: number; start_s: number; end_s: number }[];
  phrases?: { start_s: number; bars: number }[];
  energy_curve?: number[];
  /** Readings under the analysis's confidence bar: shown as uncertain, not as fact. */
  uncertain?: { tempo: boolean; key: boolean };
}

export interface Track {
  id: Id;
  title: string;
  artist: string | null;
  source: string;
  /** The canonical link of an imported track (`source: "url"`). */
  source_url?: string | null;
  original_filename: string | null;
  genre?: string | null;
  duration_s: number | null;
  sample_rate: number | null;
  channels: number | null;
  status: "pending" | "analyzing" | "ready" | "failed" | (string & {});
  analysis: TrackAnalysis | null;
  audio_url: string;
  created_at: IsoTime;
  updated_at: IsoTime;
}

/** Peak levels (0..1) of a track's low (< 200 Hz), mid and high (≥ 2 kHz) bands over equal slices. */
export interface WaveformBands {
  low: number[];
  mid: number[];
  high: number[];
}

export interface Peaks {
  track_id: Id;
  duration_s: number;
  peaks: [number, number][];
  /** null for a track without stored audio. */
  bands?: WaveformBands | null;
}

// --- MixPlan (DESIGN §5) ---------------------------------------------------------------

export type TransitionType = "cut" | "crossfade" | "bass_swap" | "filter_sweep" | "echo_out";
export const TRANSITION_TYPES: readonly TransitionType[] = ["cut", "crossfade", "bass_swap", "filter_sweep", "echo_out"];

export interface Transition {
  type: TransitionType;
  beats: number;
  /** Beats over which the tempo moves from the outgoing segment's to this one's (absent: 0). */
  ramp_beats?: number;
}

/** How the set's beats meet a track's: `half_time` plays a 174 BPM track as 87. */
export type BeatMap = "same" | "half_time" | "double_time";

export interface Segment {
  id: string;
  track_id: Id;
  label: string;
  source_start_s: number;
  source_end_s: number;
  gain_db: number;
  pitch_semitones: number;
  eq: { low_db: number; mid_db: number; high_db: number };
  effects: { reverb: number; echo: number };
  transition_in: Transition | null;
  /** The segment's own tempo (a tempo journey); absent: the plan's `target.bpm`. */
  bpm?: number | null;
  beat_map?: BeatMap;
}

export interface PlanTarget {
  bpm: number;
  key: string | null;
  duration_s: number | null;
  lufs: number;
  true_peak_db: number;
  sample_rate?: number;
  bit_depth?: number;
}

export interface MixPlan {
  schema_version: number;
  title: string;
  summary: string;
  rationale: string;
  target: PlanTarget;
  segments: Segment[];
}

export interface TimelineEntry {
  segment_id: string;
  track_id: Id;
  start_s: number;
  end_s: number;
  stretch: number;
  transition_in_s: number;
  /** The segment's tempo (its own, else the plan's). */
  bpm?: number;
  /** Where the tempo changes in the overlap into this segment (a ramp, or a step when equal);
   * `locked: false` for an echo-out between two tempi, where each side keeps its own. */
  tempo_in?: {
    from_bpm: number;
    to_bpm: number;
    ramp_start_s: number;
    ramp_end_s: number;
    locked?: boolean;
  };
}

export interface Compatibility {
  [field: string]: unknown;
  score?: number;
}

/** What changed since the plan a draft was made from (planner.changes.PlanChanges; README "What changed"). */
export interface PlanChanges {
  first: boolean;
  added: { segment_id: string; track_id: Id; position: number }[];
  removed: { segment_id: string; track_id: Id; position: number }[];
  changed: { segment_id: string; track_id: Id; position: number; old_position: number; aspects: string[] }[];
  /** `index` N is the transition into segment N+1; `old` null when that segment was first. */
  transitions: { index: number; segment_id: string; old: Transition | null; new: Transition }[];
  order_changed: boolean;
  target: { field: string; old: unknown; new: unknown }[];
  old_title: string | null;
  new_title: string | null;
  old_length_s: number | null;
  new_length_s: number | null;
  /** Both set when a tempo journey began, ended or changed its range: "87–140 BPM (a tempo journey)". */
  old_tempo?: string | null;
  new_tempo?: string | null;
}

export interface Draft {
  id: Id;
  thread_id: Id;
  parent_id: Id | null;
  /** Set on a draft that undo, redo or "go back to plan N" made: the draft it restores. */
  restores_id?: Id | null;
  status: string;
  plan: MixPlan | null;
  timeline: TimelineEntry[];
  compatibility: Compatibility[];
  warnings: string[];
  violations: string[];
  questions: PlanningQuestion[];
  notes: string[];
  /** null for a first plan. */
  changes?: PlanChanges | null;
  created_at: IsoTime;
}

export interface QaCheck {
  name: string;
  passed: boolean;
  [field: string]: unknown;
}

export interface QaReport {
  passed: boolean;
  checks: QaCheck[];
  measured: Record<string, unknown>;
}

/** A delivered file's QA: every master → measure attempt; the last one is what was kept. */
export interface Qa {
  passed: boolean;
  attempts: { attempt: number; master: Record<string, unknown>; qa: QaReport }[];
}

export interface FinalOutput {
  mp3_url: string | null;
  wav_url: string | null;
  job_id: Id | null;
}

export interface Version {
  id: Id;
  thread_id: Id;
  parent_id: Id | null;
  draft_id: Id | null;
  job_id: Id | null;
  plan: MixPlan;
  qa: Qa | null;
  files: FileObject[];
  final_output: FinalOutput;
  created_at: IsoTime;
}

// --- Chats -------------------------------------------------------------------------------

export interface Thread {
  id: Id;
  title: string;
  archived: boolean;
  created_at: IsoTime;
  updated_at: IsoTime;
  last_message_at: IsoTime | null;
  active_planning_draft_id: Id | null;
  active_planning_status: string | null;
}

export interface QuestionOption {
  id: string;
  label: string;
  description?: string;
}

export interface PlanningQuestion {
  question_id: string;
  question: string;
  options: QuestionOption[];
  allow_other: boolean;
  /** Several options may be chosen (answered with `selected_option_ids`). */
  multi_select?: boolean;
}

export interface ProposalTimelineEntry {
  segment_index: number;
  segment_id: string;
  track_id: Id;
  song: string;
  label: string;
  start_seconds: number;
  end_seconds: number;
}

export interface PlanningQuestionsContent {
  kind: "planning_questions";
  draft_id: Id;
  questions: PlanningQuestion[];
}

export interface PlanningDraftReadyContent {
  kind: "planning_draft_ready";
  draft_id: Id;
  draft: Draft;
  proposal: {
    title: string;
    summary: string;
    rationale?: string;
    target_duration_seconds: number;
    provisional_timeline: ProposalTimelineEntry[];
  };
  violations: string[];
  changes?: PlanChanges | null;
}

export interface ClarificationContent {
  kind: "clarification_question";
  text: string;
  quick_actions: { id: TimelineResolution; label: string }[];
}

export interface MixProposalContent {
  kind: "mix_proposal";
  version_id: Id;
  job_id: Id;
  version: Omit<Version, "thread_id" | "final_output" | "created_at">;
  proposal: { title: string; summary?: string; mixing_rationale: string; segments: unknown[] };
  final_output: FinalOutput;
  tracks?: { id: Id; title: string; artist: string | null; preview_url?: string | null }[];
}

export interface ErrorContent {
  kind: "error";
  code: string;
  message: string;
  retryable: boolean;
  run_id?: Id;
}

/**
 * An answer to a question about library tracks (backend chats/outcomes `_analysis_report`,
 * planner/analysis `track_report` and turns `TrackComparison`). `compatibility` is only there
 * with two or more tracks: each named track against the next one named.
 */
export interface AnalysisReportContent {
  kind: "analysis_report";
  tracks: {
    track_id: Id;
    title: string;
    artist: string | null;
    duration_s: number;
    bpm: number | null;
    /** "4/4", "3/4" or "6/8" (dotted-quarter beats); absent or null when not analysed. */
    meter?: string | null;
    key: string | null;
    /** "8A"; null when the key is unknown or unreadable. */
    camelot: string | null;
    lufs_integrated: number | null;
    true_peak_db: number | null;
    sections: { label: string; start_s: number; end_s: number }[];
  }[];
  /** The facts asked about, in answering order; ["all"] stands alone. */
  asked: ("all" | "key" | "bpm" | "meter" | "loudness" | "length" | "structure")[];
  /** Names the library has no track for. */
  not_found: string[];
  compatibility?: {
    from_track: Id;
    to_track: Id;
    /** same | relative | dominant | subdominant | diagonal | parallel | clash; null: a key unknown. */
    key_relation: string | null;
    compatible_keys: boolean | null;
    /** The pitch shift of to_track that would fit (0 when it does). */
    semitone_shift: number | null;
    /** to_track's BPM / from_track's. */
    tempo_ratio: number | null;
    /** The relative time-stretch a blend needs (0.03 = 3 %), half/double time counted. */
    stretch: number | null;
    half_double: boolean;
    /** 0 (clashes) .. 1 (ideal), the planner's pair score. */
    score: number;
  }[];
  provider: "local" | "gemini";
  fallback_reason?: string;
}

export interface SuggestionsContent {
  kind: "suggestions";
  [field: string]: unknown;
}

/** A finding as a chat feedback card shows it (the report's top ones). */
export interface FeedbackFindingSummary {
  area: string;
  severity: "high" | "medium" | "low";
  title: string;
  explanation: string;
  /** Each fix as a sentence of settings. */
  fixes: string[];
}

/** A feedback run's answer in a chat: the report's summary, top findings and links. */
export interface FeedbackReportContent {
  kind: "feedback_report";
  feedback_id: Id;
  track_id: Id;
  track_title: string;
  reference_track_id: Id | null;
  reference_title: string | null;
  type: "mix" | "master";
  /** The genre target's label, when one was asked for. */
  genre: string | null;
  detail: "brief" | "detailed";
  overall_score: number;
  summary: string;
  scores: Record<string, number>;
  finding_count: number;
  findings: FeedbackFindingSummary[];
  /** The report a corrected master was made from ("fix it"), with what improved. */
  fixed_from: Id | null;
  improvement: {
    overall: { before: number; after: number };
    loudness: { before: number | null; after: number | null };
    resolved: string[];
    remaining: string[];
  } | null;
  /** Signed when the message is read; null once the report is gone. */
  pdf_url: string | null;
  /** A corrected master's files (master.wav, master.mp3, qa.json) with signed urls. */
  files: FileObject[];
}

/** A follow-up about a report, answered from it (the words are the message's text). */
export interface FeedbackAnswerContent {
  kind: "feedback_answer";
  feedback_id: Id;
  track_id: Id;
  track_title: string;
  question: string;
  overall_score: number;
  pdf_url: string | null;
  files: FileObject[];
}

export type MessageContent =
  | PlanningQuestionsContent
  | PlanningDraftReadyContent
  | ClarificationContent
  | MixProposalContent
  | ErrorContent
  | AnalysisReportContent
  | SuggestionsContent
  | FeedbackReportContent
  | FeedbackAnswerContent
  | { kind: string; [field: string]: unknown };

export interface Message {
  id: Id;
  thread_id: Id;
  role: "user" | "assistant";
  content_text: string | null;
  content_json: MessageContent | null;
  status: string;
  created_at: IsoTime;
}

export type TimelineResolution = "keep_attached_cuts" | "replan_with_prompt" | "replace_timeline";

export interface TimelineAttachment {
  type: "timeline_snapshot";
  draft_id?: Id;
  source_version_id?: Id;
  segments: Segment[];
}

export interface Posted {
  user_message: Message | null;
  assistant_message_placeholder: Message | null;
  run: Run;
  poll_hint_ms?: number;
}

export interface Job {
  id: Id;
  type: string;
  generation_type: string;
  status: "processing" | "success" | "failed";
  input_payload: Record<string, unknown> | null;
  output_url: string | null;
  outputs: FileObject[];
  error_message: string | null;
  /** The run's error code; `cancelled` is true when the person stopped it (status stays failed). */
  error_code?: string | null;
  cancelled?: boolean;
  run_id: Id | null;
  /** The chat and version a render came from. */
  thread_id?: Id | null;
  version_id?: Id | null;
  created_at: IsoTime;
  completed_at: IsoTime | null;
}

export interface Memory {
  enabled: boolean;
  preferences: Record<string, unknown>;
  updated_at: IsoTime | null;
}

// --- Contract between the studio (chats feature) and the timeline editor feature ----------
// The app composes them (features never import each other): the studio page receives the
// editor as a component and renders it with these props.

export interface TimelineEditorAction {
  label: string;
  /** Receives the edited segments in MixPlan form (DESIGN §5). */
  onSubmit: (segments: Segment[]) => void | Promise<void>;
  primary?: boolean;
}

export interface TimelineEditorProps {
  plan: MixPlan;
  /** Every track the plan uses, with its analysis (bpm, downbeats, sections). */
  tracks: Record<Id, Track>;
  /** The rendered mix of this plan, when there is one: the arrangement plays it under its playhead. */
  mixAudioUrl?: string | null;
  actions: TimelineEditorAction[];
  onCancel: () => void;
}
