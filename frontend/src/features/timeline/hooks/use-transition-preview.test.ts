import { describe, expect, it } from "vitest";

import { previewPosition } from "./use-transition-preview";

describe("previewPosition", () => {
  const playing = { status: "playing", key: "s2", from: 20, until: 32, startedAt: 1_000 } as const;

  it("follows the clock from where the preview starts in the mix, and stops at its end", () => {
    expect(previewPosition(playing, 1_000)).toBe(20);
    expect(previewPosition(playing, 3_500)).toBe(22.5);
    expect(previewPosition(playing, 60_000)).toBe(32);
    // Before the graph's start (the short delay after play) it waits at the start.
    expect(previewPosition(playing, 990)).toBe(20);
  });

  it("is nowhere when no preview plays", () => {
    expect(previewPosition({ status: "idle" }, 5_000)).toBeNull();
    expect(previewPosition({ status: "loading", key: "s2" }, 5_000)).toBeNull();
  });
});
