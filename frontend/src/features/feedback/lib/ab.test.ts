import { describe, expect, it } from "vitest";

import { fixText, matchedVolumes } from "./ab";

describe("loudness-matched A/B", () => {
  it("turns the louder version down by the loudness difference", () => {
    const volumes = matchedVolumes(-24, -14);
    expect(volumes.original).toBe(1);
    expect(20 * Math.log10(volumes.fixed)).toBeCloseTo(-10, 6);
    const other = matchedVolumes(-8, -14);
    expect(other.fixed).toBe(1);
    expect(20 * Math.log10(other.original)).toBeCloseTo(-6, 6);
  });

  it("changes nothing without both measurements", () => {
    expect(matchedVolumes(null, -14)).toEqual({ original: 1, fixed: 1 });
    expect(matchedVolumes(-14, undefined)).toEqual({ original: 1, fixed: 1 });
  });
});

describe("fix text", () => {
  it("writes the same settings as the PDF", () => {
    expect(fixText({ kind: "eq", filter: "bell", freq_hz: 250, gain_db: -4.7, q: 0.6 })).toBe("bell 250 Hz -4.7 dB, Q 0.6");
    expect(fixText({ kind: "eq", filter: "high_shelf", freq_hz: 2240, gain_db: 8.8 })).toBe("high shelf 2.24 kHz +8.8 dB");
    expect(fixText({ kind: "limiter", ceiling_dbtp: -1, input_gain_db: 10 })).toBe(
      "true-peak limiter, ceiling -1 dBTP, input gain +10 dB",
    );
    expect(fixText({ kind: "stereo", mono_below_hz: 120 })).toBe("mono below 120 Hz");
    expect(fixText({ kind: "source", action: "invert the polarity of one channel" })).toBe("invert the polarity of one channel");
  });
});
