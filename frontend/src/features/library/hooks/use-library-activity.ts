/**
 * The library's uploads and demo runs, kept outside React so that they keep going (and keep
 * their rows) while the person opens a track and comes back. Cleared when the session ends.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useSyncExternalStore } from "react";

import { api } from "@/lib/api";
import type { Run } from "@/lib/types";

import { uploadTrack } from "../api/tracks";
import {
  activityReducer,
  initialActivity,
  uploadsToStart,
  type ActivityAction,
  type ActivityState,
  type DemoEntry,
} from "../lib/activity";
import { isRetryableUploadError, uploadErrorMessage } from "../lib/upload-errors";

let state: ActivityState = initialActivity;
const listeners = new Set<() => void>();
const files = new Map<string, File>();
let tracksChanged: (() => void) | null = null;
let sequence = 0;

function apply(action: ActivityAction): void {
  const next = activityReducer(state, action);
  if (next === state) return;
  state = next;
  listeners.forEach((listener) => listener());
}

function dispatch(action: ActivityAction): void {
  apply(action);
  pump();
}

/** Start queued uploads while there is room. */
function pump(): void {
  for (const id of uploadsToStart(state)) {
    const file = files.get(id);
    if (!file) {
      apply({ type: "upload_failed", id, error: "The file is no longer available; choose it again." });
      continue;
    }
    const keep = state.uploads.find((item) => item.id === id)?.keepDuplicate ?? false;
    apply({ type: "start", id });
    void send(id, file, keep);
  }
}

async function send(id: string, file: File, keepDuplicate: boolean): Promise<void> {
  let shown = 0;
  try {
    const answer = await uploadTrack(
      file,
      (fraction) => {
        // A re-render per percent is plenty.
        if (fraction - shown >= 0.01 || fraction >= 1) {
          shown = fraction;
          apply({ type: "progress", id, fraction });
        }
      },
      keepDuplicate,
    );
    if (answer.duplicate || !answer.run) {
      // The file stays for "Keep both"; nothing new is in the list.
      dispatch({ type: "duplicate", id, track: { id: answer.track.id, title: answer.track.title } });
      return;
    }
    files.delete(id);
    dispatch({ type: "uploaded", id, trackId: answer.track.id, run: answer.run });
    tracksChanged?.();
  } catch (error) {
    const retryable = isRetryableUploadError(error);
    if (!retryable) files.delete(id); // a retryable failure keeps the file for "Retry"
    dispatch({ type: "upload_failed", id, error: uploadErrorMessage(error), retryable });
  }
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => state;

api.onSessionChange((user) => {
  if (user === null) {
    files.clear();
    apply({ type: "reset" });
  }
});

export interface LibraryActivity {
  state: ActivityState;
  addFiles: (list: Iterable<File>) => void;
  dismiss: (id: string) => void;
  retry: (id: string) => void;
  keepDuplicate: (id: string) => void;
  clearFinished: () => void;
  runEnded: (run: Run) => void;
  demoStarted: (entries: DemoEntry[]) => void;
}

export function useLibraryActivity(): LibraryActivity {
  const current = useSyncExternalStore(subscribe, snapshot, snapshot);
  const queryClient = useQueryClient();

  useEffect(() => {
    // The app has one query client; uploads that finish on another page still refresh the list.
    tracksChanged = () => void queryClient.invalidateQueries({ queryKey: ["tracks"] });
  }, [queryClient]);

  const addFiles = useCallback((list: Iterable<File>) => {
    const added = [...list].map((file) => {
      sequence += 1;
      const id = `upload-${sequence}`;
      files.set(id, file);
      return { id, name: file.name, size: file.size };
    });
    if (added.length) dispatch({ type: "add", files: added });
  }, []);

  const runEnded = useCallback(
    (run: Run) => {
      dispatch({ type: "run_ended", run });
      void queryClient.invalidateQueries({ queryKey: ["tracks"] });
    },
    [queryClient],
  );

  return useMemo(
    () => ({
      state: current,
      addFiles,
      dismiss: (id: string) => {
        if (state.uploads.find((item) => item.id === id)?.phase === "uploading") return;
        files.delete(id);
        dispatch({ type: "dismiss", id });
      },
      retry: (id: string) => dispatch({ type: "retry", id }),
      keepDuplicate: (id: string) => dispatch({ type: "keep_duplicate", id }),
      clearFinished: () => {
        for (const item of state.uploads) {
          if (item.phase === "ready" || item.phase === "failed" || item.phase === "duplicate") files.delete(item.id);
        }
        dispatch({ type: "clear_finished" });
      },
      runEnded,
      demoStarted: (entries: DemoEntry[]) => dispatch({ type: "demo_started", entries }),
    }),
    [current, addFiles, runEnded],
  );
}
