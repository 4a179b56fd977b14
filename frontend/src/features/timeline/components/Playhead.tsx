import { useEffect, useState } from "react";

interface PlayheadProps {
  /** Where playback is now (mix seconds), null when nothing has played. */
  read: () => number | null;
  /** Something is playing: follow it every frame. */
  active: boolean;
  pixelsPerSecond: number;
  /** Called every frame while playing, so the view can keep the playhead on screen. */
  onFrame: (seconds: number) => void;
}

/** The line across the arrangement at the playing position (the rendered mix or a preview). */
export function Playhead({ read, active, pixelsPerSecond, onFrame }: PlayheadProps) {
  const [seconds, setSeconds] = useState<number | null>(null);

  useEffect(() => {
    let frame = 0;
    const tick = () => {
      const now = read();
      setSeconds(now);
      if (!active) return;
      if (now !== null) onFrame(now);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [active, read, onFrame]);

  if (seconds === null) return null;
  return (
    <div
      className={`arr-playhead${active ? " is-playing" : ""}`}
      data-testid="arrangement-playhead"
      data-seconds={seconds.toFixed(2)}
      style={{ transform: `translateX(${(seconds * pixelsPerSecond).toFixed(1)}px)` }}
      aria-hidden="true"
    />
  );
}
