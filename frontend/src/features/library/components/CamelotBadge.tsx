import { camelotHue, describeCamelot } from "../lib/format";

/** A Camelot code coloured by its place on the wheel (neighbours mix well and look alike). */
export function CamelotBadge({ camelot }: { camelot: string | null | undefined }) {
  if (!camelot) return null;
  const hue = camelotHue(camelot);
  return (
    <span
      className="badge camelot-badge"
      title={describeCamelot(camelot)}
      aria-label={describeCamelot(camelot)}
      style={hue === null ? undefined : { borderColor: `hsl(${hue} 70% 60% / 0.7)`, color: `hsl(${hue} 80% 72%)` }}
    >
      {camelot.toUpperCase()}
    </span>
  );
}
