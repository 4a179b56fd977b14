import { useEffect, useImperativeHandle, useRef, useState, type ComponentProps, type Ref } from "react";

import { nextAudioSource } from "@/lib/file-urls";

const REFRESH_EVERY_MS = 30_000;

interface Props extends Pick<ComponentProps<"audio">, "onTimeUpdate" | "onSeeked" | "onCanPlay"> {
  src: string;
  label: string;
  className?: string;
  /** The current url failed (its signed token expired): ask for fresh ones. */
  onExpired?: () => void;
  /** The url failed again too soon after fresh ones were asked for: the file cannot be played. */
  onUnplayable?: () => void;
  preload?: "none" | "metadata";
  /** The <audio> element, for callers that seek or play it. */
  ref?: Ref<HTMLAudioElement>;
}

/**
 * An <audio> whose signed url survives refetches: a fresh token for the same file replaces the
 * old one only while nothing is playing, so a list refresh never restarts playback.
 */
export function StableAudio({ src, label, className, onExpired, onUnplayable, preload = "none", ref, ...media }: Props) {
  const audioRef = useRef<HTMLAudioElement>(null);
  useImperativeHandle(ref, () => audioRef.current!, []);
  const [source, setSource] = useState(src);
  // A file that keeps failing (gone, not just expired) must not refetch in a loop.
  const lastRefresh = useRef(0);

  useEffect(() => {
    const audio = audioRef.current;
    setSource(
      (current) =>
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
    } else onUnplayable?.();
  };

  return (
    <audio
      ref={audioRef}
      className={className}
      controls
      preload={preload}
      src={source}
      aria-label={label}
      onError={failed}
      {...media}
    />
  );
}
