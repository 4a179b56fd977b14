import { describe, expect, it } from "vitest";

import type { FileObject } from "@/lib/types";

import { downloadLinks, fileLabel, playableUrl } from "./files";

const file = (name: string, role: string, url: string | null = `/api/v1/files/j/${name}?token=t`): FileObject => ({
  name,
  role,
  format: name.split(".").pop() ?? "",
  size_bytes: 100,
  url,
});

describe("fileLabel", () => {
  it("names files by role and stems by track", () => {
    expect(fileLabel(file("mix.wav", "mix"))).toBe("WAV");
    expect(fileLabel(file("mix.mp3", "mix_mp3"))).toBe("MP3");
    expect(fileLabel(file("stem_abc.wav", "stem"), { abc: "Night Runner" })).toBe("Stem: Night Runner");
    expect(fileLabel(file("stem_zzz.wav", "stem"))).toBe("Stem: zzz");
    expect(fileLabel(file("cues.json", "cues"))).toBe("Cues (JSON)");
    expect(fileLabel(file("mix.cue", "cue_sheet"))).toBe("Cue sheet (.cue)");
    expect(fileLabel(file("mix.zip", "bundle"))).toBe("ZIP (everything)");
    expect(fileLabel({ ...file("stem_x.wav", "stem"), download_name: "01 - Night Drive.wav", track_id: "x" })).toBe(
      "Stem: 01 - Night Drive",
    );
    expect(fileLabel(file("other.bin", "weird"))).toBe("other.bin");
  });
});

describe("downloadLinks", () => {
  it("orders mix, mp3, stems, cues, qa and skips files without url", () => {
    const links = downloadLinks([
      file("qa.json", "qa"),
      file("stem_b.wav", "stem"),
      file("mix.mp3", "mix_mp3"),
      file("cues.json", "cues"),
      file("stem_a.wav", "stem"),
      file("mix.wav", "mix"),
      file("gone.wav", "stem", null),
    ]);
    expect(links.map((l) => l.name)).toEqual(["mix.wav", "mix.mp3", "stem_b.wav", "stem_a.wav", "cues.json", "qa.json"]);
    expect(links[0]?.href).toBe("/api/v1/files/j/mix.wav?token=t&download=1");
  });
});

describe("playableUrl", () => {
  it("prefers the mp3, then the wav, then the files", () => {
    expect(playableUrl({ mp3_url: "m", wav_url: "w" })).toBe("m");
    expect(playableUrl({ mp3_url: null, wav_url: "w" })).toBe("w");
    expect(playableUrl(null, [file("mix.wav", "mix", "x")])).toBe("x");
    expect(playableUrl({ mp3_url: null, wav_url: null })).toBeNull();
  });
});
