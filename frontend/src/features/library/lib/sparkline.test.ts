import { describe, expect, it } from "vitest";

import { downsample, energyStats, sparklineArea, sparklinePoints } from "./sparkline";

describe("sparkline", () => {
  it("averages into buckets", () => {
    expect(downsample([0, 1, 0, 1], 2)).toEqual([0.5, 0.5]);
    expect(downsample([1, 2, 3], 10)).toEqual([1, 2, 3]);
    expect(downsample([1, Number.NaN], 10)).toEqual([1, 0]);
    expect(downsample([1], 0)).toEqual([]);
  });

  it("draws points with 1 at the top, clamped", () => {
    expect(sparklinePoints([0, 1, 0.5], 100, 20)).toBe("0,20 50,0 100,10");
    expect(sparklinePoints([2, -1], 10, 10)).toBe("0,0 10,10");
  });

  it("draws a flat line for one value and nothing for none", () => {
    expect(sparklinePoints([0.5], 100, 20)).toBe("0,10 100,10");
    expect(sparklinePoints([], 100, 20)).toBe("");
    expect(sparklineArea([], 100, 20)).toBe("");
  });

  it("closes the area down to the baseline", () => {
    expect(sparklineArea([0, 1], 10, 10)).toBe("0,10 0,10 10,0 10,10");
  });

  it("sums up the curve", () => {
    expect(energyStats([0.2, 0.4, 0.9])).toEqual({ mean: 0.5, peak: 0.9 });
    expect(energyStats([])).toBeNull();
  });
});
