import { describe, expect, it } from "vitest";

import { tempoText } from "./format";

describe("tempoText", () => {
  const target = { bpm: 124 };
  const segment = (bpm?: number) => ({ bpm });
  it.each([
    [[segment(), segment()], "124 BPM"],
    [[segment(138), segment(85), segment(87)], "85–138 BPM (journey)"],
    [[segment(126), segment(126)], "126 BPM"],
  ])("%j → %s", (segments, text) => {
    expect(tempoText({ target, segments })).toBe(text);
  });
});
