import { describe, expect, it } from "vitest";

import { linePath, logX, loudnessPath, spectrumPath, valueRange, y } from "./charts";

const box = { width: 200, height: 100, pad: 10 };

describe("chart geometry", () => {
  it("places frequencies on a log axis", () => {
    const range = { min: 20, max: 20000 };
    expect(logX(20, range, box)).toBe(10);
    expect(logX(20000, range, box)).toBe(190);
    expect(logX(632.46, range, box)).toBeCloseTo(100, 0); // the geometric middle
  });

  it("puts larger values higher", () => {
    const range = { min: -40, max: 0 };
    expect(y(0, range, box)).toBe(10);
    expect(y(-40, range, box)).toBe(90);
  });

  it("breaks a line where a value is missing", () => {
    expect(linePath([[0, 0], [1, 1], null, [2, 2]])).toBe("M0.0 0.0 L1.0 1.0 M2.0 2.0");
    expect(linePath([])).toBe("");
  });

  it("covers every defined value with a margin", () => {
    expect(valueRange([[-10, null, -3.5], null, [-20]])).toEqual({ min: -22, max: -1 });
    expect(valueRange([[null]])).toEqual({ min: -1, max: 1 });
  });

  it("draws the spectrum and the loudness series", () => {
    const path = spectrumPath([25, 250, 2500], [-30, null, -20], { min: -40, max: 0 }, box);
    expect(path.startsWith("M10.0")).toBe(true);
    expect(path.split("M").length - 1).toBe(2);
    const loud = loudnessPath({ hop_s: 1, start_s: 1.5, lufs: [-14, -13] }, 10, { min: -20, max: -10 }, box);
    expect(loud).toBe("M37.0 42.0 L55.0 34.0"); // x: 1.5 s and 2.5 s of 10 s; y: 60 % and 70 % up
  });
});
