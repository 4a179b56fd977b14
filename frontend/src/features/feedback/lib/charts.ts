/** Chart geometry for the feedback view: plain SVG paths from the report's numbers. */

export interface Box {
  width: number;
  height: number;
  pad: number;
}

export interface Range {
  min: number;
  max: number;
}

/** Position of `value` in [0, 1] of a range (clamped). */
export function unit(value: number, range: Range): number {
  if (range.max === range.min) return 0.5;
  return Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min)));
}

/** An x position on a log-frequency axis. */
export function logX(hz: number, range: Range, box: Box): number {
  const at = unit(Math.log10(hz), { min: Math.log10(range.min), max: Math.log10(range.max) });
  return box.pad + at * (box.width - 2 * box.pad);
}

export function linearX(value: number, range: Range, box: Box): number {
  return box.pad + unit(value, range) * (box.width - 2 * box.pad);
}

export function y(value: number, range: Range, box: Box): number {
  return box.height - box.pad - unit(value, range) * (box.height - 2 * box.pad);
}

/** "M x y L x y …" through the defined points; a missing value starts a new segment. */
export function linePath(points: readonly (readonly [number, number] | null)[]): string {
  let path = "";
  let pen = false;
  for (const point of points) {
    if (!point) {
      pen = false;
      continue;
    }
    path += `${path ? " " : ""}${pen ? "L" : "M"}${point[0].toFixed(1)} ${point[1].toFixed(1)}`;
    pen = true;
  }
  return path;
}

/** The range covering every defined value of the series, widened by `margin` and rounded. */
export function valueRange(series: readonly (readonly (number | null)[] | null)[], margin = 2): Range {
  const values = series.flatMap((s) => (s ?? []).filter((v): v is number => v !== null && Number.isFinite(v)));
  if (values.length === 0) return { min: -1, max: 1 };
  return { min: Math.floor(Math.min(...values) - margin), max: Math.ceil(Math.max(...values) + margin) };
}

/** The spectrum chart's path for one curve of 1/3-octave levels. */
export function spectrumPath(centres: readonly number[], levels: readonly (number | null)[], range: Range, box: Box): string {
  const hz = { min: centres[0] ?? 20, max: centres[centres.length - 1] ?? 20000 };
  return linePath(
    centres.map((centre, i) => {
      const level = levels[i];
      return level === null || level === undefined ? null : ([logX(centre, hz, box), y(level, range, box)] as const);
    }),
  );
}

/** Short-term loudness over time (values every hop_s from start_s). */
export function loudnessPath(
  series: { hop_s: number; start_s: number; lufs: readonly (number | null)[] },
  duration: number,
  range: Range,
  box: Box,
): string {
  const time = { min: 0, max: Math.max(duration, 1) };
  return linePath(
    series.lufs.map((value, i) =>
      value === null ? null : ([linearX(series.start_s + i * series.hop_s, time, box), y(value, range, box)] as const),
    ),
  );
}
