import { describe, expect, it } from "vitest";

import { qaBadges, readQa } from "./qa";

const report = {
  passed: false,
  checks: [
    { name: "loudness", passed: true, measured: -14.02, expected: { target: -14 }, detail: "-14.02 LUFS against -14 (±0.5)." },
    { name: "tempo", passed: true, measured: 124.1, expected: { bpm: 124 }, detail: "124.10 BPM against 124." },
    { name: "clipping", passed: true, measured: 0, expected: {}, detail: "No clipped runs." },
    { name: "true_peak_wav", passed: false, measured: -0.5, expected: { max: -1 }, detail: "-0.50 dBTP" },
    { name: "key", passed: true, measured: "A minor", expected: {}, detail: "A minor heard" },
    { name: "duration", passed: true, measured: 90.4, expected: {}, detail: "" },
  ],
  measured: { lufs: -14.02, bpm: 124.1, key: "A minor", duration_s: 90.4 },
};

describe("readQa", () => {
  it("reads the last attempt of a render's report", () => {
    const stored = {
      passed: true,
      attempts: [
        { attempt: 1, master: {}, qa: { ...report, passed: false } },
        { attempt: 2, master: {}, qa: { ...report, passed: true } },
      ],
    };
    const summary = readQa(stored);
    expect(summary?.attempts).toBe(2);
    expect(summary?.passed).toBe(true);
    expect(summary?.checks).toHaveLength(6);
  });

  it("reads a bare report and rejects junk", () => {
    expect(readQa(report)?.attempts).toBe(1);
    expect(readQa(null)).toBeNull();
    expect(readQa("x")).toBeNull();
  });
});

describe("qaBadges", () => {
  it("says how many segments of a tempo journey were heard on tempo, not a BPM", () => {
    // The journey's check measures the count of segments at their own tempo (2), which read
    // as "2.0 BPM" on a rendered 62–64 BPM journey.
    const journey = {
      ...report,
      checks: [
        {
          name: "tempo",
          passed: true,
          measured: 2,
          expected: { bpm: { s1: 64, s2: 62 }, tolerance_bpm: 1 },
          detail: "2 segments each at their own tempo (half or double time passes).",
        },
      ],
    };
    expect(qaBadges(journey)[0]?.value).toBe("2 of 2 segments on tempo");
  });

  it("orders the musical checks first and formats values", () => {
    const badges = qaBadges({ passed: false, attempts: [{ attempt: 1, qa: report }] });
    expect(badges.map((b) => b.name)).toEqual(["tempo", "key", "loudness", "true_peak_wav", "duration", "clipping"]);
    expect(badges.map((b) => b.value)).toEqual(["124.1 BPM", "A minor", "-14.0 LUFS", "-0.5 dBTP", "1:30", "none"]);
    expect(badges.find((b) => b.name === "true_peak_wav")?.passed).toBe(false);
    expect(badges[0]?.label).toBe("Tempo");
  });

  it("says when nothing was measured", () => {
    const badges = qaBadges({
      passed: false,
      checks: [
        { name: "tempo", passed: false, measured: null, detail: "No steady beat" },
        { name: "key", passed: false, measured: null },
      ],
      measured: {},
    });
    expect(badges.map((b) => b.value)).toEqual(["not measured", "no key heard"]);
  });

  it("is empty without a report", () => {
    expect(qaBadges(undefined)).toEqual([]);
  });
});
