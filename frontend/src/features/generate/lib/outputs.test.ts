import { describe, expect, it } from "vitest";

import type { FileObject, Job } from "@/lib/types";

import { generateResult, jobInput, orderOutputs, outputLabel, splitRecentJobs } from "./outputs";

const file = (name: string, role: string): FileObject => ({
  name,
  role,
  format: name.split(".").pop() ?? "",
  size_bytes: 10,
  url: `/api/v1/files/j/${name}?token=abc`,
});

const job = (id: string, status: Job["status"], runId: string | null = `run-${id}`): Job => ({
  id,
  type: "generate",
  generation_type: "generate",
  status,
  input_payload: { prompt: `prompt ${id}`, spec: { genre: "house" } },
  output_url: null,
  outputs: [],
  error_message: null,
  run_id: runId,
  created_at: "2025-01-01T00:00:00Z",
  completed_at: null,
});

describe("outputs", () => {
  const files = [
    file("qa.json", "qa"),
    file("stem_lead.wav", "stem"),
    file("spec.json", "cues"),
    file("track.mp3", "mix_mp3"),
    file("stem_bass.wav", "stem"),
    file("track.wav", "track"),
  ];
  it("orders the track first, then stems, spec and QA", () => {
    expect(orderOutputs(files).map((f) => f.name)).toEqual([
      "track.wav",
      "track.mp3",
      "stem_bass.wav",
      "stem_lead.wav",
      "spec.json",
      "qa.json",
    ]);
  });
  it("labels each file", () => {
    expect(orderOutputs(files).map(outputLabel)).toEqual([
      "Track (WAV)",
      "Track (MP3)",
      "Bass stem",
      "Lead stem",
      "Spec & arrangement (JSON)",
      "QA report (JSON)",
    ]);
    expect(outputLabel(file("other.bin", "original"))).toBe("other.bin");
    expect(outputLabel(file("stem_fx.wav", "stem"))).toBe("FX stem");
  });
});

describe("generateResult", () => {
  it("reads a finished run's result", () => {
    expect(generateResult({ result: { track_id: "t", job_id: "j", qa_passed: true, similarity: null } })).toEqual({
      track_id: "t",
      job_id: "j",
      qa_passed: true,
      similarity: null,
    });
  });
  it("is null without ids", () => {
    expect(generateResult({ result: null })).toBeNull();
    expect(generateResult({ result: { track_id: 3 } })).toBeNull();
    expect(generateResult(null)).toBeNull();
  });
});

describe("jobInput and splitRecentJobs", () => {
  it("reads the prompt and spec", () => {
    expect(jobInput(job("a", "success")).prompt).toBe("prompt a");
    expect(jobInput({ input_payload: null })).toEqual({ prompt: undefined, spec: undefined });
    expect(jobInput({ input_payload: { prompt: 5, spec: "x" } })).toEqual({ prompt: undefined, spec: undefined });
  });
  it("splits processing from finished, leaving out what is shown", () => {
    const jobs = [job("a", "processing"), job("b", "success"), job("c", "processing"), job("d", "failed")];
    const { inFlight, finished } = splitRecentJobs(jobs, new Set(["run-c"]));
    expect(inFlight.map((j) => j.id)).toEqual(["a"]);
    expect(finished.map((j) => j.id)).toEqual(["b", "d"]);
  });
});
