import { formatShare } from "../lib/format";
import { energyStats, sparklineArea, sparklinePoints } from "../lib/sparkline";

const WIDTH = 600;
const HEIGHT = 60;

/** The energy curve (0..1 every half second) as a small line chart. */
export function EnergySparkline({ values, duration }: { values: number[]; duration: string }) {
  const stats = energyStats(values);
  if (!stats) return <p className="muted">No energy curve for this track.</p>;
  const label = `Energy over ${duration}: average ${formatShare(stats.mean)}, peak ${formatShare(stats.peak)} of the loudest moment.`;
  return (
    <svg
      className="energy-sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
      data-testid="energy-sparkline"
    >
      <title>{label}</title>
      <polygon className="energy-area" points={sparklineArea(values, WIDTH, HEIGHT)} />
      <polyline className="energy-line" points={sparklinePoints(values, WIDTH, HEIGHT)} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
