import { useCallback, useEffect, useMemo, useRef, useState } from "react";

export interface MixPlayback {
  /** False when there is no rendered mix to play. */
  available: boolean;
  playing: boolean;
  error: string | null;
  toggle: () => void;
  pause: () => void;
  /** Jump to a mix time (seconds); playback goes on from there if it was playing. */
  seek: (seconds: number) => void;
  /** Where the mix is now (seconds), or null before it was ever started. */
  position: () => number | null;
  /** Counts the jumps (seeks): a paused playhead reads `position` again when it changes. */
  jumps: number;
}

/**
 * The rendered mix played by one <audio> element made on first use (streamed with HTTP Range;
 * nothing loads until the person presses play), paused and released when the editor closes.
 */
export function useMixPlayback(url: string | null | undefined): MixPlayback {
  const element = useRef<HTMLAudioElement | null>(null);
  const [playing, setPlaying] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [jumps, setJumps] = useState(0);

  const audio = useCallback(() => {
    if (!url) return null;
    if (!element.current) {
      const made = new Audio();
      made.preload = "metadata";
      made.src = url;
      made.addEventListener("play", () => setPlaying(true));
      made.addEventListener("pause", () => setPlaying(false));
      made.addEventListener("ended", () => setPlaying(false));
      made.addEventListener("seeked", () => setJumps((count) => count + 1));
      made.addEventListener("error", () => {
        setPlaying(false);
        setError("The rendered mix could not be played.");
      });
      element.current = made;
    }
    return element.current;
  }, [url]);

  useEffect(
    () => () => {
      const made = element.current;
      element.current = null;
      if (!made) return;
      made.pause();
      made.removeAttribute("src");
      made.load();
    },
    [url],
  );

  const toggle = useCallback(() => {
    const made = audio();
    if (!made) return;
    setError(null);
    if (made.paused) {
      made.play().catch(() => setError("The rendered mix could not be played."));
    } else {
      made.pause();
    }
  }, [audio]);

  const pause = useCallback(() => element.current?.pause(), []);

  const seek = useCallback(
    (seconds: number) => {
      const made = audio();
      if (made && Number.isFinite(seconds)) made.currentTime = Math.max(0, seconds);
    },
    [audio],
  );

  const position = useCallback(() => element.current?.currentTime ?? null, []);

  const available = Boolean(url);
  return useMemo(
    () => ({ available, playing, error, toggle, pause, seek, position, jumps }),
    [available, playing, error, toggle, pause, seek, position, jumps],
  );
}
