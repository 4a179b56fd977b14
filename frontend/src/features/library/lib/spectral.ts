/**
 * Spectral balance → bars. The analysis gives each band's share of the 20 Hz–20 kHz energy
 * (fractions that sum to 1, backend audio/structure.py spectral_balance), so the value shown is
 * a percent and the bar height is the share relative to the strongest band.
 */
import { formatShare } from "./format";

export type BandKey = "low" | "low_mid" | "mid" | "high_mid" | "high";

export const SPECTRAL_BANDS: readonly { key: BandKey; label: string; range: string }[] = [
  { key: "low", label: "Low", range: "20–150 Hz" },
  { key: "low_mid", label: "Low mid", range: "150–500 Hz" },
  { key: "mid", label: "Mid", range: "500 Hz–2 kHz" },
  { key: "high_mid", label: "High mid", range: "2–6 kHz" },
  { key: "high", label: "High", range: "6–20 kHz" },
];

export interface SpectralBar {
  key: BandKey;
  label: string;
  range: string;
  /** The band's share of the energy, 0..1. */
  share: number;
  /** Bar height relative to the strongest band, 0..1. */
  height: number;
  text: string;
}

export function spectralBars(balance: Partial<Record<string, number>> | null | undefined): SpectralBar[] {
  const shares = SPECTRAL_BANDS.map(({ key }) => {
    const value = balance?.[key];
    return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
  });
  const total = shares.reduce((sum, value) => sum + value, 0);
  // Shares should sum to 1; renormalise when they do not (rounding, or an older analysis).
  const normalised = total > 0 && Math.abs(total - 1) > 0.02 ? shares.map((value) => value / total) : shares;
  const strongest = Math.max(0, ...normalised);
  return SPECTRAL_BANDS.map((band, index) => {
    const share = normalised[index] ?? 0;
    return {
      ...band,
      share,
      height: strongest > 0 ? share / strongest : 0,
      text: formatShare(share),
    };
  });
}

/** True when the analysis has any spectral data worth a chart. */
export function hasSpectralData(balance: Partial<Record<string, number>> | null | undefined): boolean {
  return spectralBars(balance).some((bar) => bar.share > 0);
}
