import { describe, expect, it } from "vitest";

import type { Run, Track } from "@/lib/types";

import { addImport, describeCandidate, formatDuration, isHttpLink } from "./sources";

const track = (id: string): Track => ({
  id,
  title: `Track ${id}`,
  artist: null,
  source: "url",
  source_url: `https://x.example/${id}.mp3`,
  original_filename: null,
  duration_s: null,
  sample_rate: null,
  channels: null,
  status: "pending",
  analysis: null,
  audio_url: "",
  created_at: "2026-01-01T00:00:00+00:00",
  updated_at: "2026-01-01T00:00:00+00:00",
});
const run = { id: "r1", kind: "import_track", status: "queued" } as Run;

describe("formatDuration", () => {
  it.each([
    [203, "3:23"],
    [59.6, "1:00"],
    [3723, "1:02:03"],
    [0, "0:00"],
  ])("%s s → %s", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each([null, undefined, Number.NaN, -1])("%s → empty", (value) => {
    expect(formatDuration(value)).toBe("");
  });
});

describe("describeCandidate", () => {
  it("names title, channel and duration", () => {
    expect(
      describeCandidate({
        title: "Levitating (Official Audio)",
        artist: "Dua Lipa",
        duration_s: 203,
        thumbnail_url: null,
        url: "https://www.youtube.com/watch?v=abcdefghijk",
        provider: "youtube",
      }),
    ).toBe("Levitating (Official Audio) — Dua Lipa, 3:23");
  });

  it("leaves out what is unknown", () => {
    expect(
      describeCandidate({ title: "Untitled", artist: null, duration_s: null, thumbnail_url: null, url: "u", provider: "p" }),
    ).toBe("Untitled");
  });
});

describe("isHttpLink", () => {
  it.each(["https://youtu.be/abcdefghijk", "http://media.lan/a.mp3", "  https://x.example/a.mp3 "])("%s", (text) => {
    expect(isHttpLink(text)).toBe(true);
  });

  it.each(["levitating", "ftp://x.example/a.mp3", "javascript:alert(1)", "", "https://"])("not %s", (text) => {
    expect(isHttpLink(text)).toBe(false);
  });
});

describe("addImport", () => {
  it("puts the newest first and marks links already imported", () => {
    const first = addImport([], { track: track("a"), run, status: 202 });
    const second = addImport(first, { track: track("b"), run: null, status: 200 });
    expect(second.map((entry) => [entry.track.id, entry.existing])).toEqual([
      ["b", true],
      ["a", false],
    ]);
  });

  it("replaces the row of the same track", () => {
    const entries = addImport(addImport([], { track: track("a"), run, status: 202 }), {
      track: { ...track("a"), status: "ready" },
      run,
      status: 200,
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.track.status).toBe("ready");
  });
});
