import { describe, expect, it } from "vitest";

import {
  camelotHue,
  describeCamelot,
  formatConfidence,
  formatKey,
  formatLevel,
  formatMeter,
  formatShare,
  sectionLabel,
  statusText,
  statusTone,
} from "./format";

describe("key and Camelot", () => {
  it("joins key and Camelot code", () => {
    expect(formatKey("A minor", "8a")).toBe("A minor · 8A");
    expect(formatKey("C major", null)).toBe("C major");
    expect(formatKey(null, "8B")).toBe("8B");
    expect(formatKey(undefined, undefined)).toBe("–");
  });

  it("maps the wheel to hues", () => {
    expect(camelotHue("1A")).toBe(0);
    expect(camelotHue("8B")).toBe(210);
    expect(camelotHue("12a")).toBe(330);
    expect(camelotHue("13A")).toBeNull();
    expect(camelotHue("")).toBeNull();
    expect(camelotHue(null)).toBeNull();
  });

  it("describes a Camelot code", () => {
    expect(describeCamelot("8A")).toBe("Camelot 8A (minor)");
    expect(describeCamelot("11b")).toBe("Camelot 11B (major)");
    expect(describeCamelot("x")).toBe("Camelot unknown");
  });
});

describe("numbers", () => {
  it("shows confidence as a percent", () => {
    expect(formatConfidence(0.834)).toBe("83%");
    expect(formatConfidence(1.3)).toBe("100%");
    expect(formatConfidence(undefined)).toBe("");
  });

  it("shows meters", () => {
    expect(formatMeter("4/4")).toBe("4/4");
    expect(formatMeter(3)).toBe("3/4");
    expect(formatMeter(null)).toBe("–");
  });

  it("uses a real minus sign for levels", () => {
    expect(formatLevel(-14.23, "LUFS")).toBe("−14.2 LUFS");
    expect(formatLevel(0.5, "dB")).toBe("0.5 dB");
    expect(formatLevel(undefined, "dB")).toBe("–");
  });

  it("shows shares as percents", () => {
    expect(formatShare(0.4237)).toBe("42%");
    expect(formatShare(0.001)).toBe("<1%");
    expect(formatShare(0)).toBe("0%");
    expect(formatShare(Number.NaN)).toBe("–");
  });
});

describe("labels", () => {
  it("names statuses and their tone", () => {
    expect(statusText("analyzing")).toBe("Analysing");
    expect(statusTone("ready")).toBe("good");
    expect(statusTone("pending")).toBe("warn");
    expect(statusTone("failed")).toBe("bad");
    expect(statusTone("other")).toBe("");
  });

  it("turns section labels into headings", () => {
    expect(sectionLabel("drop_2")).toBe("Drop 2");
    expect(sectionLabel("intro")).toBe("Intro");
    expect(sectionLabel("")).toBe("Section");
  });
});
