import { describe, expect, it } from "vitest";

import { clipProblems, clockSeconds, fileName, toRequest, type ClipRow } from "./clips";

const row = (key: number, url: string, start = "00:00", end = "00:30"): ClipRow => ({ key, url, start, end });

describe("clockSeconds", () => {
  it.each([
    ["00:30", 30],
    ["1:02:03", 3723],
    ["2:05.5", 125.5],
    ["45", 45],
  ])("%s → %s", (text, seconds) => {
    expect(clockSeconds(text)).toBe(seconds);
  });

  it.each(["", "1:60", "a:b", "1:2:3:4", "-5"])("%s is unreadable", (text) => {
    expect(clockSeconds(text)).toBeNull();
  });
});

describe("clipProblems", () => {
  it("accepts good rows", () => {
    expect(clipProblems([row(1, "https://youtu.be/abcdefghijk"), row(2, "http://x.example/a.mp3", "1:00", "1:30")]).size).toBe(0);
  });

  it("names each bad row", () => {
    const problems = clipProblems([
      row(1, "not a link"),
      row(2, "https://x.example/a.mp3", "0:30", "0:10"),
      row(3, "https://x.example/a.mp3", "soon"),
    ]);
    expect([...problems.entries()]).toEqual([
      [1, "Paste an http(s) link."],
      [2, "The end must come after the start."],
      [3, "Times are mm:ss (or h:mm:ss)."],
    ]);
  });
});

describe("toRequest and fileName", () => {
  it("trims what is sent", () => {
    expect(toRequest([row(1, " https://x.example/a.mp3 ", " 0:05", "0:10 ")])).toEqual([
      { url: "https://x.example/a.mp3", start: "0:05", end: "0:10" },
    ]);
  });

  it("takes the file name from a signed url", () => {
    expect(fileName("/api/v1/files/j1/Night%20Drive.mp4?token=abc")).toBe("Night Drive.mp4");
    expect(fileName("")).toBe("download");
  });
});
