import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";

import type { Track } from "@/lib/types";

import { freshAudioUrl } from "../api/tracks";
import { PREVIEW_START_DELAY_MS, startTransitionPreview, type PreviewWindow } from "../lib/preview";

export type PreviewState =
  | { status: "idle" }
  | { status: "loading"; key: string }
  /** `from`–`until`: the mix seconds played; `startedAt`: performance.now() when `from` sounded. */
  | { status: "playing"; key: string; from: number; until: number; startedAt: number }
  | { status: "error"; key: string; message: string };

/** Where in the mix a playing preview is now (seconds), or null when none plays. */
export function previewPosition(state: PreviewState, now: number): number | null {
  if (state.status !== "playing") return null;
  return Math.min(state.until, state.from + Math.max(0, now - state.startedAt) / 1000);
}

/**
 * One transition preview at a time: `start` (from a click) stops any other, `stop` ends it,
 * and leaving the editor stops it too. `key` names the boundary being previewed.
 */
export function useTransitionPreview() {
  const queryClient = useQueryClient();
  const [state, setState] = useState<PreviewState>({ status: "idle" });
  const stopCurrent = useRef<(() => void) | null>(null);
  const generation = useRef(0);

  const stop = useCallback(() => {
    generation.current += 1;
    stopCurrent.current?.();
    stopCurrent.current = null;
    setState((current) => (current.status === "idle" ? current : { status: "idle" }));
  }, []);

  const start = useCallback(
    (key: string, win: PreviewWindow, outgoing: Track, incoming: Track) => {
      stop();
      const id = generation.current;
      const current = () => generation.current === id;
      setState({ status: "loading", key });
      const sources = Promise.all([freshAudioUrl(queryClient, outgoing), freshAudioUrl(queryClient, incoming)]).then(
        ([outgoingUrl, incomingUrl]) => ({ outgoingUrl, incomingUrl }),
      );
      try {
        stopCurrent.current = startTransitionPreview(win, sources, {
          onPlaying: () =>
            current() &&
            setState({
              status: "playing",
              key,
              from: win.windowStart,
              until: win.windowStart + win.duration,
              startedAt: performance.now() + PREVIEW_START_DELAY_MS,
            }),
          onEnded: () => {
            if (!current()) return;
            stopCurrent.current = null;
            setState({ status: "idle" });
          },
          onError: (error) => {
            if (!current()) return;
            stopCurrent.current = null;
            setState({ status: "error", key, message: error.message });
          },
        });
      } catch {
        // No Web Audio here (an old or locked-down browser).
        setState({ status: "error", key, message: "This browser cannot play the preview." });
      }
    },
    [queryClient, stop],
  );

  useEffect(
    () => () => {
      generation.current += 1;
      stopCurrent.current?.();
    },
    [],
  );

  return { state, start, stop };
}
