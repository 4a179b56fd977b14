import { useEffect, useRef, useState } from "react";

import { nextAudioSource } from "../lib/outputs";

const REFRESH_EVERY_MS = 30_000;

interface Props {
  src: string;
  label: string;
  className?: string;
  /** The current url failed (its signed token expired): ask for fresh ones. */
  onExpired?: () => void;
  preload?: "none" | "metadata";
}

/**
 * An <audio> whose signed url survives refetches: a fresh token for the same file replaces the
 * old one only while nothing is playing, so a list refresh never restarts playback.
 */
export function StableAudio({ src, label, className, onExpired, preload = "none" }: Props) {
  const ref = useRef<HTMLAudioElement>(null);
  const [source, setSource] = useState(src);
  // A file that keeps failing (gone, not just expired) must not refetch in a loop.
  const lastRefresh = useRef(0);

  useEffect(() => {
    const audio = ref.current;
    setSource((current) =>
      nextAudioSource(current, src, {
        started: Boolean(audio && (!audio.paused || audio.currentTime > 0)),
        failed: Boolean(audio?.error),
      }) ?? src,
    );
  }, [src]);

  const failed = () => {
    if (src !== source) setSource(src);
    else if (onExpired && Date.now() - lastRefresh.current > REFRESH_EVERY_MS) {
      lastRefresh.current = Date.now();
      onExpired();
    }
  };

  return <audio ref={ref} className={className} controls preload={preload} src={source} aria-label={label} onError={failed} />;
}
