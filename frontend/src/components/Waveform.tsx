import { useEffect, useRef } from "react";

export interface WaveformRegion {
  start_s: number;
  end_s: number;
  label: string;
}

interface WaveformProps {
  /** [min, max] pairs across the whole track, as GET /tracks/<id>/peaks answers. */
  peaks: [number, number][];
  duration_s: number;
  /** Only this part of the track is drawn (a segment's source range). */
  from_s?: number;
  to_s?: number;
  regions?: WaveformRegion[];
  height?: number;
  className?: string;
  label: string;
}

/** A track's waveform on a canvas, optionally cropped to a range, with labelled regions. */
export function Waveform({ peaks, duration_s, from_s = 0, to_s, regions = [], height = 64, className, label }: WaveformProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const end = to_s ?? duration_s;

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext("2d");
    if (!element || !context || duration_s <= 0 || peaks.length === 0) return;
    const width = element.clientWidth || 600;
    const ratio = globalThis.devicePixelRatio || 1;
    element.width = Math.round(width * ratio);
    element.height = Math.round(height * ratio);
    context.scale(ratio, ratio);
    context.clearRect(0, 0, width, height);
    const styles = getComputedStyle(element);
    const toX = (seconds: number) => ((seconds - from_s) / (end - from_s)) * width;
    regions.forEach((region, index) => {
      context.fillStyle = index % 2 ? "rgba(255,255,255,0.04)" : "rgba(255,255,255,0.08)";
      const x = toX(region.start_s);
      context.fillRect(x, 0, toX(region.end_s) - x, height);
      context.fillStyle = styles.getPropertyValue("--text-dim") || "#999";
      context.font = "10px system-ui";
      context.fillText(region.label, x + 3, 11);
    });
    context.fillStyle = styles.getPropertyValue("--accent") || "#7c5cff";
    const first = Math.floor((from_s / duration_s) * peaks.length);
    const last = Math.min(peaks.length, Math.ceil((end / duration_s) * peaks.length));
    const span = Math.max(1, last - first);
    const middle = height / 2;
    for (let x = 0; x < width; x += 1) {
      const index = first + Math.floor((x / width) * span);
      const pair = peaks[Math.min(index, peaks.length - 1)];
      if (!pair) continue;
      const [low, high] = pair;
      context.fillRect(x, middle - high * middle, 1, Math.max(1, (high - low) * middle));
    }
  }, [peaks, duration_s, from_s, end, regions, height]);

  return <canvas ref={canvas} className={`waveform ${className ?? ""}`} style={{ height }} role="img" aria-label={label} />;
}
