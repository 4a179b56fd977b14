import { useEffect, useImperativeHandle, useRef, useState, type CSSProperties, type KeyboardEvent, type Ref } from "react";

import { nextAudioSource } from "@/lib/file-urls";
import { formatClock } from "@/lib/format";

const REFRESH_EVERY_MS = 30_000;
const ARROW_STEP_S = 5;
const PAGE_STEP_S = 30;

/** The element playing now: starting another player pauses it, as one pair of speakers would. */
let playingNow: HTMLAudioElement | null = null;

export interface AudioPlayerProps {
  src: string;
  /** What plays, for the controls' names: "Play <title>", "Seek <title>". */
  title: string;
  className?: string;
  /** "metadata" (the default) shows the length before playing; the file route answers Range. */
  preload?: "none" | "metadata";
  /** A length known beforehand (a track's duration), shown until the file's own arrives. */
  duration?: number | null;
  autoPlay?: boolean;
  /** The current url failed (its signed token expired): ask for fresh ones. */
  onExpired?: () => void;
  /** The url failed again too soon after fresh ones were asked for: the file cannot be played. */
  onUnplayable?: () => void;
  onCanPlay?: () => void;
  onTime?: (seconds: number) => void;
  onPlayingChange?: (playing: boolean) => void;
  /** The <audio> element, for callers that seek, play or set its volume. */
  ref?: Ref<HTMLAudioElement>;
}

/**
 * The studio's one audio player: play/pause, position and length, a seek slider and mute, in
 * the theme. Its signed url survives refetches: a fresh token for the same file replaces the
 * old one only while nothing is playing, so a list refresh never restarts playback.
 *
 * Keys on the slider: ←/→ 5 s, PageUp/PageDown 30 s, Home/End the ends.
 */
export function AudioPlayer({
  src,
  title,
  className,
  preload = "metadata",
  duration: knownDuration,
  autoPlay = false,
  onExpired,
  onUnplayable,
  onCanPlay,
  onTime,
  onPlayingChange,
  ref,
}: AudioPlayerProps) {
  const audioRef = useRef<HTMLAudioElement>(null);
  useImperativeHandle(ref, () => audioRef.current!, []);
  const [source, setSource] = useState(src);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [fileDuration, setFileDuration] = useState<number | null>(null);
  const [muted, setMuted] = useState(false);
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

  // Started from code rather than the autoplay attribute: the same in every browser, and the
  // play event (one player at a time) fires as for a click.
  const startAtOnce = useRef(autoPlay);
  useEffect(() => {
    const audio = audioRef.current;
    if (startAtOnce.current) void audio?.play().catch(() => undefined);
    return () => {
      if (playingNow === audio) playingNow = null;
    };
  }, []);

  const failed = () => {
    if (src !== source) setSource(src);
    else if (onExpired && Date.now() - lastRefresh.current > REFRESH_EVERY_MS) {
      lastRefresh.current = Date.now();
      onExpired();
    } else onUnplayable?.();
  };

  const readDuration = () => {
    const value = audioRef.current?.duration;
    setFileDuration(value !== undefined && Number.isFinite(value) && value > 0 ? value : null);
  };
  const duration = fileDuration ?? (knownDuration && knownDuration > 0 ? knownDuration : null);

  const setPlayingState = (next: boolean) => {
    setPlaying(next);
    onPlayingChange?.(next);
  };

  const toggle = () => {
    const audio = audioRef.current;
    if (!audio) return;
    if (audio.paused) void audio.play().catch(() => undefined);
    else audio.pause();
  };

  const seekTo = (seconds: number) => {
    const audio = audioRef.current;
    if (!audio) return;
    const end = duration ?? seconds;
    audio.currentTime = Math.min(Math.max(0, seconds), end);
    setPosition(audio.currentTime);
    onTime?.(audio.currentTime);
  };

  const seekKeys = (event: KeyboardEvent<HTMLInputElement>) => {
    const steps: Record<string, number> = {
      ArrowLeft: -ARROW_STEP_S,
      ArrowDown: -ARROW_STEP_S,
      ArrowRight: ARROW_STEP_S,
      ArrowUp: ARROW_STEP_S,
      PageDown: -PAGE_STEP_S,
      PageUp: PAGE_STEP_S,
    };
    const step = steps[event.key];
    if (step === undefined) return; // Home and End work as the slider has them
    event.preventDefault();
    seekTo(position + step);
  };

  const toggleMute = () => {
    const audio = audioRef.current;
    if (!audio) return;
    audio.muted = !audio.muted;
    setMuted(audio.muted);
  };

  return (
    <div
      className={`audio-player${playing ? " playing" : ""}${className ? ` ${className}` : ""}`}
      role="group"
      aria-label={`Player: ${title}`}
    >
      <audio
        ref={audioRef}
        preload={preload}
        src={source}
        onError={failed}
        onLoadedMetadata={readDuration}
        onDurationChange={readDuration}
        onCanPlay={onCanPlay}
        onPlay={(event) => {
          if (playingNow && playingNow !== event.currentTarget) playingNow.pause();
          playingNow = event.currentTarget;
          setPlayingState(true);
        }}
        onPause={() => setPlayingState(false)}
        onEnded={() => setPlayingState(false)}
        onTimeUpdate={(event) => {
          setPosition(event.currentTarget.currentTime);
          onTime?.(event.currentTarget.currentTime);
        }}
        onSeeked={(event) => onTime?.(event.currentTarget.currentTime)}
      />
      <button
        type="button"
        className="audio-player-toggle"
        onClick={toggle}
        aria-label={`${playing ? "Pause" : "Play"} ${title}`}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          {playing ? <path d="M3 2h3.5v12H3zM9.5 2H13v12H9.5z" /> : <path d="M4 2l10 6-10 6z" />}
        </svg>
      </button>
      {/* The slider's value text says both times to a screen reader. */}
      <span className="audio-player-time" aria-hidden="true">
        {formatClock(position)}
      </span>
      <input
        type="range"
        className="audio-player-seek"
        min={0}
        max={duration ?? 0}
        step="any"
        value={Math.min(position, duration ?? 0)}
        disabled={duration === null}
        aria-label={`Seek ${title}`}
        aria-valuetext={`${formatClock(position)} of ${formatClock(duration)}`}
        onChange={(event) => seekTo(Number(event.currentTarget.value))}
        onKeyDown={seekKeys}
        style={{ "--played": `${duration ? (Math.min(position, duration) / duration) * 100 : 0}%` } as CSSProperties}
      />
      <span className="audio-player-time" aria-hidden="true" data-testid="audio-duration">
        {formatClock(duration)}
      </span>
      <button type="button" className="audio-player-mute" onClick={toggleMute} aria-label={`Mute ${title}`} aria-pressed={muted}>
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          <path d="M2 6h3l4-3v10l-4-3H2z" />
          {muted ? (
            <path d="M11 5.5l4 5M15 5.5l-4 5" stroke="currentColor" strokeWidth="1.5" fill="none" />
          ) : (
            <path d="M11 5a4 4 0 010 6" stroke="currentColor" strokeWidth="1.5" fill="none" />
          )}
        </svg>
      </button>
    </div>
  );
}
