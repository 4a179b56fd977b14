import { formatPreciseClock } from "../lib/timeline-math";
import { usePlaybackSeconds } from "../hooks/use-playback-seconds";

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
  const seconds = usePlaybackSeconds(read, active, onFrame);
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

/** The playing position as a clock, beside the transport ("0:12.3 / 1:10.0"). */
export function PlayheadClock({ read, active, total }: { read: () => number | null; active: boolean; total: number }) {
  const seconds = usePlaybackSeconds(read, active);
  return (
    <span className="arr-clock" data-testid="arrangement-clock">
      {formatPreciseClock(seconds ?? 0)} / {formatPreciseClock(total)}
    </span>
  );
}
