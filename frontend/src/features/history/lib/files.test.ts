import { describe, expect, it } from "vitest";

import type { FileObject } from "@/lib/types";

import { fileRoleLabel, isAudioFile, mainFile, playableUrl, sortFiles, totalBytes } from "./files";

const file = (name: string, role: string, size = 100): FileObject => ({
  name,
  role,
  format: name.split(".").pop() ?? "",
  size_bytes: size,
  url: `/api/v1/files/job/${name}?token=t-${name}`,
});

const renderFiles = [
  file("qa.json", "qa"),
  file("stem_0b8f9c2e-1111-2222-3333-444455556666.wav", "stem"),
  file("cues.json", "cues"),
  file("mix.wav", "mix"),
  file("mix.mp3", "mix_mp3"),
];

describe("files", () => {
  it("orders main audio, stems, cues, QA", () => {
    expect(sortFiles(renderFiles).map((f) => f.name)).toEqual([
      "mix.mp3",
      "mix.wav",
      "stem_0b8f9c2e-1111-2222-3333-444455556666.wav",
      "cues.json",
      "qa.json",
    ]);
  });

  it("labels roles", () => {
    expect(sortFiles(renderFiles).map((f) => fileRoleLabel(f))).toEqual([
      "Mix (MP3)",
      "Mix (WAV)",
      "Stem: track 0b8f9c2e",
      "Cue sheet (JSON)",
      "QA report (JSON)",
    ]);
    expect(fileRoleLabel(file("stem_drums.wav", "stem"))).toBe("Stem: drums");
    expect(fileRoleLabel(file("track.wav", "track"))).toBe("Track (WAV)");
    expect(fileRoleLabel(file("track.mp3", "mix_mp3"), "generate")).toBe("Track (MP3)");
    expect(fileRoleLabel(file("spec.json", "cues"), "generate")).toBe("Spec & arrangement (JSON)");
    expect(fileRoleLabel(file("stem_fx.wav", "stem"), "generate")).toBe("Stem: FX");
    expect(fileRoleLabel(file("odd.bin", "weird"))).toBe("odd.bin");
  });

  it("knows which files are audio", () => {
    expect(isAudioFile(file("mix.mp3", "mix_mp3"))).toBe(true);
    expect(isAudioFile(file("track.wav", "track"))).toBe(true);
    expect(isAudioFile(file("qa.json", "qa"))).toBe(false);
    expect(isAudioFile({ name: "x.FLAC", format: "" })).toBe(true);
  });

  it("sums sizes", () => {
    expect(totalBytes([file("a.wav", "stem", 1000), file("b.wav", "stem", 24)])).toBe(1024);
  });
});

describe("main file and player", () => {
  it("follows output_url", () => {
    const job = { outputs: renderFiles, output_url: renderFiles[4]!.url };
    expect(mainFile(job)?.name).toBe("mix.mp3");
    expect(playableUrl(job)).toBe(renderFiles[4]!.url);
  });
  it("falls back to the main role", () => {
    const outputs = [file("qa.json", "qa"), file("track.wav", "track")];
    expect(mainFile({ outputs, output_url: null })?.name).toBe("track.wav");
    expect(playableUrl({ outputs, output_url: null })).toBe(outputs[1]!.url);
  });
  it("plays nothing without audio", () => {
    expect(playableUrl({ outputs: [file("qa.json", "qa")], output_url: null })).toBeNull();
    expect(playableUrl({ outputs: [], output_url: null })).toBeNull();
    expect(playableUrl({ outputs: [], output_url: "/api/v1/files/j/mix.mp3?token=x" })).toBe("/api/v1/files/j/mix.mp3?token=x");
    expect(playableUrl({ outputs: [], output_url: "/api/v1/files/j/qa.json?token=x" })).toBeNull();
  });
});
