import { describe, expect, it } from "vitest";

import { downloadHref, filePath, nextAudioSource } from "./file-urls";

describe("filePath", () => {
  it.each([
    ["/api/v1/files/j/mix.mp3?token=abc", "/api/v1/files/j/mix.mp3"],
    ["/api/v1/files/j/mix.mp3?token=abc#t=10", "/api/v1/files/j/mix.mp3"],
    ["/api/v1/files/j/mix.mp3#t=10", "/api/v1/files/j/mix.mp3"],
    ["/api/v1/files/j/mix.mp3", "/api/v1/files/j/mix.mp3"],
  ])("%s is the file %s", (url, path) => {
    expect(filePath(url)).toBe(path);
  });
});

describe("nextAudioSource", () => {
  const idle = { started: false, failed: false };
  const playing = { started: true, failed: false };
  const broken = { started: true, failed: true };

  it.each([
    ["takes the first url", null, "/f/a.mp3?token=1", idle, "/f/a.mp3?token=1"],
    ["keeps an unchanged url", "/f/a.mp3?token=1", "/f/a.mp3?token=1", playing, "/f/a.mp3?token=1"],
    ["takes a fresh token before playback starts", "/f/a.mp3?token=1", "/f/a.mp3?token=2", idle, "/f/a.mp3?token=2"],
    ["keeps the playing token", "/f/a.mp3?token=1", "/f/a.mp3?token=2", playing, "/f/a.mp3?token=1"],
    ["takes a fresh token when the current one failed", "/f/a.mp3?token=1", "/f/a.mp3?token=2", broken, "/f/a.mp3?token=2"],
    ["switches to another file at once", "/f/a.mp3?token=1", "/f/b.mp3?token=2", playing, "/f/b.mp3?token=2"],
    ["switches to another track's audio", "/t/a/audio?token=1", "/t/b/audio?token=2", playing, "/t/b/audio?token=2"],
    ["follows a file that is gone", "/f/a.mp3?token=1", null, playing, null],
  ])("%s", (_, current, incoming, media, expected) => {
    expect(nextAudioSource(current, incoming, media)).toBe(expected);
  });
});

describe("downloadHref", () => {
  it.each([
    ["/api/v1/files/j/mix.wav?token=abc", "/api/v1/files/j/mix.wav?token=abc&download=1"],
    ["/api/v1/files/j/mix.wav", "/api/v1/files/j/mix.wav?download=1"],
    ["/f?token=a#x", "/f?token=a&download=1#x"],
    ["/f?", "/f?download=1"],
    ["/f?token=a&download=1", "/f?token=a&download=1"],
  ])("%s → %s", (url, expected) => {
    expect(downloadHref(url)).toBe(expected);
  });
});
