import { useEffect, useRef, useState } from "react";

import { AudioPlayer } from "@/components/AudioPlayer";

import { matchedVolumes } from "../lib/ab";

interface Props {
  originalUrl: string;
  fixedUrl: string;
  originalLufs: number | null;
  fixedLufs: number | null;
}

/** Original against the corrected master at matched loudness; switching keeps the position. */
export function ABPlayer({ originalUrl, fixedUrl, originalLufs, fixedLufs }: Props) {
  const original = useRef<HTMLAudioElement>(null);
  const fixed = useRef<HTMLAudioElement>(null);
  const [side, setSide] = useState<"original" | "fixed">("original");
  const volumes = matchedVolumes(originalLufs, fixedLufs);

  useEffect(() => {
    if (original.current) original.current.volume = volumes.original;
    if (fixed.current) fixed.current.volume = volumes.fixed;
  }, [volumes.original, volumes.fixed]);

  const switchTo = (next: "original" | "fixed") => {
    const from = next === "fixed" ? original.current : fixed.current;
    const to = next === "fixed" ? fixed.current : original.current;
    if (from && to) {
      const playing = !from.paused;
      to.currentTime = from.currentTime;
      from.pause();
      if (playing) void to.play().catch(() => undefined);
    }
    setSide(next);
  };

  return (
    <div className="ab-player card" data-testid="ab-player">
      <div className="ab-switch" role="group" aria-label="Compare original and corrected master">
        <button
          type="button"
          className={`button small${side === "original" ? " primary" : ""}`}
          aria-pressed={side === "original"}
          onClick={() => switchTo("original")}
        >
          A · original
        </button>
        <button
          type="button"
          className={`button small${side === "fixed" ? " primary" : ""}`}
          aria-pressed={side === "fixed"}
          onClick={() => switchTo("fixed")}
        >
          B · corrected
        </button>
        <span className="muted">Loudness-matched: both play at the quieter one's level.</span>
      </div>
      <div hidden={side !== "original"}>
        <AudioPlayer ref={original} src={originalUrl} title="the original" />
      </div>
      <div hidden={side !== "fixed"}>
        <AudioPlayer ref={fixed} src={fixedUrl} title="the corrected master" />
      </div>
    </div>
  );
}
