import { loudnessPath, spectrumPath, valueRange, y, type Box } from "../lib/charts";
import type { Report } from "../types";

const BOX: Box = { width: 640, height: 220, pad: 28 };

/** The track's 1/3-octave balance against the genre target and the reference. */
export function SpectrumChart({ report }: { report: Report }) {
  const { band_centres_hz: centres, track_db, genre_db, reference_db } = report.tonal;
  const range = valueRange([track_db, genre_db, reference_db]);
  const curves = [
    { name: "track", values: track_db, className: "curve-track" },
    { name: "genre target", values: genre_db, className: "curve-genre" },
    { name: "reference", values: reference_db, className: "curve-reference" },
  ].filter((curve) => curve.values);
  return (
    <figure className="feedback-chart" data-testid="chart-spectrum">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label="Spectrum against target and reference">
        <Grid range={range} unit="dB" />
        {curves.map((curve) => (
          <path key={curve.name} className={curve.className} d={spectrumPath(centres, curve.values ?? [], range, BOX)} />
        ))}
      </svg>
      <figcaption>
        Spectrum (1/3-octave, dB re total, {centres[0]?.toFixed(0)} Hz–{((centres[centres.length - 1] ?? 0) / 1000).toFixed(0)}{" "}
        kHz):{" "}
        {curves.map((curve) => (
          <span key={curve.name} className={`legend ${curve.className}`}>
            {curve.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** Short-term loudness (3 s windows) over the track, with the streaming target. */
export function LoudnessChart({ report }: { report: Report }) {
  const series = report.measurements.short_term;
  const target = report.targets.streaming_lufs?.value ?? null;
  const range = valueRange([series.lufs, target === null ? null : [target]]);
  return (
    <figure className="feedback-chart" data-testid="chart-loudness">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label="Short-term loudness over time">
        <Grid range={range} unit="LUFS" />
        {target !== null && (
          <line
            className="target-line"
            x1={BOX.pad}
            x2={BOX.width - BOX.pad}
            y1={y(target, range, BOX)}
            y2={y(target, range, BOX)}
          />
        )}
        <path className="curve-track" d={loudnessPath(series, report.measurements.duration_s, range, BOX)} />
      </svg>
      <figcaption>
        Short-term loudness over time; integrated {report.measurements.loudness.lufs_integrated ?? "n/a"} LUFS
        {target !== null && <>, streaming target {target} LUFS (dashed)</>}.
      </figcaption>
    </figure>
  );
}

/** Correlation and width of each band. */
export function StereoChart({ report }: { report: Report }) {
  const bands = Object.entries(report.measurements.bands);
  const range = { min: -1, max: 1 };
  const slot = (BOX.width - 2 * BOX.pad) / Math.max(bands.length, 1);
  const zero = y(0, range, BOX);
  return (
    <figure className="feedback-chart" data-testid="chart-stereo">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label="Stereo image per band">
        <Grid range={range} unit="" />
        {bands.map(([name, band], i) => {
          const x = BOX.pad + i * slot;
          const bar = (value: number | null, offset: number, className: string) => {
            const top = y(Math.max(value ?? 0, 0), range, BOX);
            const bottom = y(Math.min(value ?? 0, 0), range, BOX);
            return <rect className={className} x={x + offset} width={slot * 0.35} y={top} height={Math.max(bottom - top, 1)} />;
          };
          return (
            <g key={name}>
              {bar(band.correlation, slot * 0.1, "bar-correlation")}
              {bar(band.width, slot * 0.5, "bar-width")}
              <text x={x + slot / 2} y={BOX.height - 6} textAnchor="middle">
                {name.replace("_", " ")}
              </text>
            </g>
          );
        })}
        <line className="axis" x1={BOX.pad} x2={BOX.width - BOX.pad} y1={zero} y2={zero} />
      </svg>
      <figcaption>
        Per band: <span className="legend bar-correlation">L/R correlation</span>{" "}
        <span className="legend bar-width">width (side share)</span>
      </figcaption>
    </figure>
  );
}

function Grid({ range, unit }: { range: { min: number; max: number }; unit: string }) {
  const steps = [range.min, (range.min + range.max) / 2, range.max];
  return (
    <g className="grid">
      {steps.map((value) => (
        <g key={value}>
          <line x1={BOX.pad} x2={BOX.width - BOX.pad} y1={y(value, range, BOX)} y2={y(value, range, BOX)} />
          <text x={2} y={y(value, range, BOX) + 4}>
            {Number(value.toFixed(1))}
            {unit && ` ${unit}`}
          </text>
        </g>
      ))}
    </g>
  );
}
