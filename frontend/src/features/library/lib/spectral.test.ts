import { describe, expect, it } from "vitest";

import { hasSpectralData, spectralBars } from "./spectral";

describe("spectralBars", () => {
  it("scales heights to the strongest band and labels shares", () => {
    const bars = spectralBars({ low: 0.4, low_mid: 0.2, mid: 0.2, high_mid: 0.1, high: 0.1 });
    expect(bars.map((bar) => bar.key)).toEqual(["low", "low_mid", "mid", "high_mid", "high"]);
    expect(bars.map((bar) => bar.height)).toEqual([1, 0.5, 0.5, 0.25, 0.25]);
    expect(bars.map((bar) => bar.text)).toEqual(["40%", "20%", "20%", "10%", "10%"]);
  });

  it("renormalises shares that do not sum to one", () => {
    const bars = spectralBars({ low: 2, low_mid: 1, mid: 1, high_mid: 0, high: 0 });
    expect(bars[0]?.share).toBeCloseTo(0.5);
    expect(bars[0]?.text).toBe("50%");
    expect(bars[3]?.height).toBe(0);
  });

  it("treats missing, negative and non-finite values as zero", () => {
    const bars = spectralBars({ low: 0.5, mid: Number.NaN, high: -1 });
    expect(bars.map((bar) => bar.share)).toEqual([1, 0, 0, 0, 0]);
    expect(hasSpectralData({ low: 0.5 })).toBe(true);
  });

  it("draws nothing without data", () => {
    expect(spectralBars(null).every((bar) => bar.height === 0 && bar.share === 0)).toBe(true);
    expect(hasSpectralData(undefined)).toBe(false);
  });
});
