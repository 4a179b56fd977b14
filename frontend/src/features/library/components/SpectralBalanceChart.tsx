import type { TrackAnalysis } from "@/lib/types";

import { spectralBars } from "../lib/spectral";

/** Each band's share of the energy as a bar with its value written on it. */
export function SpectralBalanceChart({ balance }: { balance: TrackAnalysis["spectral_balance"] }) {
  const bars = spectralBars(balance);
  return (
    <figure className="spectral-chart" data-testid="spectral-balance">
      <ul className="spectral-bars" aria-label="Share of energy per frequency band">
        {bars.map((bar) => (
          <li key={bar.key} className="spectral-bar" aria-label={`${bar.label} (${bar.range}): ${bar.text}`}>
            <span className="spectral-value" aria-hidden="true">
              {bar.text}
            </span>
            <span className="spectral-track" aria-hidden="true">
              <span className="spectral-fill" style={{ height: `${Math.max(bar.height * 100, bar.share > 0 ? 2 : 0)}%` }} />
            </span>
            <span className="spectral-label" aria-hidden="true">
              {bar.label}
              <small>{bar.range}</small>
            </span>
          </li>
        ))}
      </ul>
      <figcaption className="muted">Share of the track's 20 Hz–20 kHz energy in each band.</figcaption>
    </figure>
  );
}
