/**
 * What the library is busy with in this tab: file uploads (a queue, at most
 * MAX_PARALLEL_UPLOADS at a time) and the analysis runs they and "Add demo tracks" start.
 * A pure reducer, so the queue rules are unit-tested; hooks/use-library-activity.ts runs it.
 */
import { TERMINAL_RUN_STATUSES, type Run } from "@/lib/types";

export const MAX_PARALLEL_UPLOADS = 2;
/**
 * Runs followed live (one SSE stream each) at the same time. Browsers open at most six
 * HTTP/1.1 connections per origin: two streams, two uploads and the list's polling leave room.
 * The other runs are polled with short requests until their turn comes.
 */
export const MAX_FOLLOWED_RUNS = 2;

/** `duplicate`: the library holds this file already; the person opens that track or keeps a second copy. */
export type UploadPhase = "queued" | "uploading" | "analyzing" | "ready" | "failed" | "duplicate";

export interface UploadItem {
  id: string;
  name: string;
  size: number;
  phase: UploadPhase;
  /** Share of the file sent, 0..1. */
  progress: number;
  trackId: string | null;
  runId: string | null;
  /** The run as the upload's answer gave it; the live state comes from useRun. */
  run: Run | null;
  error: string | null;
  /** The failure was the server's or the network's, not the file's: sending it again may work. */
  retryable: boolean;
  /** The track that already holds this file, when the upload was a duplicate. */
  duplicateOf: { id: string; title: string } | null;
  /** Sent again with "keep a second copy". */
  keepDuplicate: boolean;
}

export interface DemoEntry {
  run: Run;
  title: string;
}

export interface RunRef {
  id: string;
  terminal: boolean;
}

export interface ActivityState {
  uploads: UploadItem[];
  demo: DemoEntry[];
  /** Every run started here, oldest first, and whether it has ended. */
  runs: RunRef[];
}

export const initialActivity: ActivityState = { uploads: [], demo: [], runs: [] };

export type ActivityAction =
  | { type: "add"; files: { id: string; name: string; size: number }[] }
  | { type: "start"; id: string }
  | { type: "progress"; id: string; fraction: number }
  | { type: "uploaded"; id: string; trackId: string; run: Run }
  | { type: "duplicate"; id: string; track: { id: string; title: string } }
  | { type: "keep_duplicate"; id: string }
  | { type: "upload_failed"; id: string; error: string; retryable?: boolean }
  | { type: "retry"; id: string }
  | { type: "run_ended"; run: Run }
  | { type: "demo_started"; entries: DemoEntry[] }
  | { type: "dismiss"; id: string }
  | { type: "clear_finished" }
  | { type: "reset" };

const clamp01 = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

function patchUpload(state: ActivityState, id: string, patch: Partial<UploadItem>): ActivityState {
  if (!state.uploads.some((item) => item.id === id)) return state;
  return { ...state, uploads: state.uploads.map((item) => (item.id === id ? { ...item, ...patch } : item)) };
}

function addRuns(runs: RunRef[], added: Run[]): RunRef[] {
  const known = new Set(runs.map((ref) => ref.id));
  const fresh = added
    .filter((run) => !known.has(run.id))
    .map((run) => ({ id: run.id, terminal: TERMINAL_RUN_STATUSES.has(run.status) }));
  return fresh.length ? [...runs, ...fresh] : runs;
}

/** "Cancelled" or the run's own error, for an upload whose analysis did not complete. */
export function runFailureText(run: Run): string {
  if (run.status === "cancelled") return "Analysis cancelled.";
  return run.error?.message ?? "The analysis failed.";
}

export function activityReducer(state: ActivityState, action: ActivityAction): ActivityState {
  switch (action.type) {
    case "add": {
      const known = new Set(state.uploads.map((item) => item.id));
      const added: UploadItem[] = action.files
        .filter((file) => !known.has(file.id))
        .map((file) => ({
          id: file.id,
          name: file.name,
          size: file.size,
          phase: "queued",
          progress: 0,
          trackId: null,
          runId: null,
          run: null,
          error: null,
          retryable: false,
          duplicateOf: null,
          keepDuplicate: false,
        }));
      return added.length ? { ...state, uploads: [...state.uploads, ...added] } : state;
    }
    case "start": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || item.phase !== "queued") return state;
      return patchUpload(state, action.id, { phase: "uploading", progress: 0 });
    }
    case "progress": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || item.phase !== "uploading") return state;
      // Progress only moves forward (a retried request after a token refresh restarts at 0).
      const progress = Math.max(item.progress, clamp01(action.fraction));
      return progress === item.progress ? state : patchUpload(state, action.id, { progress });
    }
    case "uploaded": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || item.phase !== "uploading") return state;
      const ended = TERMINAL_RUN_STATUSES.has(action.run.status);
      const next = patchUpload(state, action.id, {
        phase: ended ? (action.run.status === "completed" ? "ready" : "failed") : "analyzing",
        progress: 1,
        trackId: action.trackId,
        runId: action.run.id,
        run: action.run,
        error: ended && action.run.status !== "completed" ? runFailureText(action.run) : null,
      });
      return { ...next, runs: addRuns(next.runs, [action.run]) };
    }
    case "duplicate": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || item.phase !== "uploading") return state;
      return patchUpload(state, action.id, {
        phase: "duplicate",
        progress: 1,
        trackId: action.track.id,
        duplicateOf: { id: action.track.id, title: action.track.title },
      });
    }
    case "keep_duplicate": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || item.phase !== "duplicate") return state;
      return patchUpload(state, action.id, { phase: "queued", progress: 0, trackId: null, keepDuplicate: true });
    }
    case "upload_failed": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || (item.phase !== "uploading" && item.phase !== "queued")) return state;
      return patchUpload(state, action.id, { phase: "failed", error: action.error, retryable: action.retryable ?? false });
    }
    case "retry": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      if (!item || item.phase !== "failed" || !item.retryable || item.runId !== null) return state;
      return patchUpload(state, action.id, { phase: "queued", progress: 0, error: null, retryable: false });
    }
    case "run_ended": {
      const { run } = action;
      if (!TERMINAL_RUN_STATUSES.has(run.status)) return state;
      const runs = state.runs.map((ref) => (ref.id === run.id && !ref.terminal ? { ...ref, terminal: true } : ref));
      const uploads = state.uploads.map((item) =>
        item.runId === run.id && item.phase === "analyzing"
          ? {
              ...item,
              run,
              phase: run.status === "completed" ? ("ready" as const) : ("failed" as const),
              error: run.status === "completed" ? null : runFailureText(run),
            }
          : item,
      );
      const demo = state.demo.map((entry) => (entry.run.id === run.id ? { ...entry, run } : entry));
      return { uploads, demo, runs };
    }
    case "demo_started": {
      if (action.entries.length === 0) return state;
      const known = new Set(state.demo.map((entry) => entry.run.id));
      const fresh = action.entries.filter((entry) => !known.has(entry.run.id));
      return {
        ...state,
        demo: [...state.demo, ...fresh],
        runs: addRuns(
          state.runs,
          fresh.map((entry) => entry.run),
        ),
      };
    }
    case "dismiss": {
      const item = state.uploads.find((entry) => entry.id === action.id);
      // An upload in flight cannot be dismissed: its request is still running.
      if (!item || item.phase === "uploading") return state;
      return { ...state, uploads: state.uploads.filter((entry) => entry.id !== action.id) };
    }
    case "clear_finished": {
      const uploads = state.uploads.filter(
        (item) => item.phase !== "ready" && item.phase !== "failed" && item.phase !== "duplicate",
      );
      const endedRuns = new Set(state.runs.filter((ref) => ref.terminal).map((ref) => ref.id));
      const demo = state.demo.filter((entry) => !endedRuns.has(entry.run.id) && !TERMINAL_RUN_STATUSES.has(entry.run.status));
      if (uploads.length === state.uploads.length && demo.length === state.demo.length) return state;
      return { ...state, uploads, demo };
    }
    case "reset":
      return initialActivity;
    default:
      return state;
  }
}

/** Queued uploads to start now so that at most `max` are sending at once, oldest first. */
export function uploadsToStart(state: ActivityState, max = MAX_PARALLEL_UPLOADS): string[] {
  const sending = state.uploads.filter((item) => item.phase === "uploading").length;
  const room = Math.max(0, max - sending);
  return state.uploads
    .filter((item) => item.phase === "queued")
    .slice(0, room)
    .map((item) => item.id);
}

/** The runs to follow live: the oldest `max` that have not ended (the worker takes them in order). */
export function followedRunIds(state: ActivityState, max = MAX_FOLLOWED_RUNS): Set<string> {
  return new Set(
    state.runs
      .filter((ref) => !ref.terminal)
      .slice(0, max)
      .map((ref) => ref.id),
  );
}

export function isRunEnded(state: ActivityState, runId: string): boolean {
  return state.runs.some((ref) => ref.id === runId && ref.terminal);
}

export interface ActivitySummary {
  queued: number;
  uploading: number;
  analyzing: number;
  ready: number;
  failed: number;
  duplicate: number;
}

export function summarizeUploads(uploads: readonly UploadItem[]): ActivitySummary {
  const summary: ActivitySummary = { queued: 0, uploading: 0, analyzing: 0, ready: 0, failed: 0, duplicate: 0 };
  for (const item of uploads) summary[item.phase] += 1;
  return summary;
}

/** One line for a screen reader's live region: "2 uploading, 1 queued, 3 ready". */
export function describeSummary(summary: ActivitySummary): string {
  const parts = (
    [
      ["uploading", summary.uploading],
      ["queued", summary.queued],
      ["analysing", summary.analyzing],
      ["ready", summary.ready],
      ["failed", summary.failed],
      ["already in the library", summary.duplicate],
    ] as const
  )
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`);
  return parts.join(", ");
}

/**
 * The demo answer's runs with a title each: the runs start for the added tracks in the set's
 * order, so when every track was added they pair up one to one.
 */
export function demoEntries(tracks: readonly { title: string; status?: string }[], runs: readonly Run[]): DemoEntry[] {
  if (runs.length === tracks.length) {
    return runs.map((run, index) => ({ run, title: tracks[index]?.title ?? `Demo track ${index + 1}` }));
  }
  const added = tracks.filter((track) => track.status === "pending");
  return runs.map((run, index) => ({
    run,
    title: (added.length === runs.length ? added[index]?.title : undefined) ?? `Demo track ${index + 1}`,
  }));
}
