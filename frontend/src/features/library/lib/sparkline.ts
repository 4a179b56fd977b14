/** The energy curve (0..1 per half second) as an SVG polyline, bucketed to a drawable size. */

/** Averages `values` into at most `maxPoints` buckets. */
export function downsample(values: readonly number[], maxPoints: number): number[] {
  const clean = values.map((value) => (Number.isFinite(value) ? value : 0));
  if (maxPoints < 1) return [];
  if (clean.length <= maxPoints) return clean;
  const out: number[] = [];
  for (let bucket = 0; bucket < maxPoints; bucket += 1) {
    const start = Math.floor((bucket * clean.length) / maxPoints);
    const end = Math.max(start + 1, Math.floor(((bucket + 1) * clean.length) / maxPoints));
    let sum = 0;
    for (let i = start; i < end; i += 1) sum += clean[i] ?? 0;
    out.push(sum / (end - start));
  }
  return out;
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Points of a line through `values` (0..1, clamped) across width × height, top = 1.
 * One value is drawn as a flat line; no values, no points.
 */
export function sparklinePoints(values: readonly number[], width: number, height: number, maxPoints = 240): string {
  const series = downsample(values, maxPoints);
  if (series.length === 0) return "";
  const y = (value: number) => round(height - Math.min(1, Math.max(0, value)) * height);
  if (series.length === 1) return `0,${y(series[0] ?? 0)} ${width},${y(series[0] ?? 0)}`;
  const step = width / (series.length - 1);
  return series.map((value, index) => `${round(index * step)},${y(value)}`).join(" ");
}

/** The same line closed down to the baseline, for a filled area under it. */
export function sparklineArea(values: readonly number[], width: number, height: number, maxPoints = 240): string {
  const line = sparklinePoints(values, width, height, maxPoints);
  return line ? `0,${height} ${line} ${width},${height}` : "";
}

/** Mean and peak of the curve, for the chart's text alternative. */
export function energyStats(values: readonly number[]): { mean: number; peak: number } | null {
  const clean = values.filter((value) => Number.isFinite(value));
  if (clean.length === 0) return null;
  return { mean: clean.reduce((sum, value) => sum + value, 0) / clean.length, peak: Math.max(...clean) };
}
