import { useEffect, useState } from "react";

/**
 * Where playback is (mix seconds, null before anything played), read every animation frame
 * while `active` and once otherwise. `onFrame` hears each frame's position while playing.
 */
export function usePlaybackSeconds(
  read: () => number | null,
  active: boolean,
  onFrame?: (seconds: number) => void,
): number | null {
  const [seconds, setSeconds] = useState<number | null>(null);

  useEffect(() => {
    let frame = 0;
    const tick = () => {
      const now = read();
      setSeconds(now);
      if (!active) return;
      if (now !== null) onFrame?.(now);
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [active, read, onFrame]);

  return seconds;
}
