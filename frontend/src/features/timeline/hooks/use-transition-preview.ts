import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";

import type { Track } from "@/lib/types";

import { freshAudioUrl } from "../api/tracks";
import { startTransitionPreview, type PreviewWindow } from "../lib/preview";

export type PreviewState =
  { status: "idle" } | { status: "loading" | "playing"; key: string } | { status: "error"; key: string; message: string };

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
          onPlaying: () => current() && setState({ status: "playing", key }),
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
