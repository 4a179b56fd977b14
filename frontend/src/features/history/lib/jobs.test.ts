import { describe, expect, it } from "vitest";

import type { Job } from "@/lib/types";

import { deleteConfirmation, elapsed, parsePage, parseTypeFilter, statusBadge, summarizeJob, typeLabel } from "./jobs";

const job = (type: string, input: Job["input_payload"]): Pick<Job, "type" | "input_payload"> => ({
  type,
  input_payload: input,
});

describe("summarizeJob", () => {
  it("reads a generation's prompt and spec", () => {
    expect(
      summarizeJob(
        job("generate", {
          prompt: "drum and bass at 174 in D minor",
          spec: { genre: "drum_and_bass", bpm: 174, key: "D minor", duration_s: 33.1 },
        }),
      ),
    ).toEqual({ title: "drum and bass at 174 in D minor", detail: "Drum & bass · 174 BPM · D minor · 0:33" });
    expect(summarizeJob(job("generate", { spec: { genre: "synthwave" } }))).toEqual({
      title: "Generated track",
      detail: "Synthwave",
    });
  });

  it("reads a render's plan", () => {
    expect(
      summarizeJob(
        job("render", {
          plan: {
            title: "Sunset set",
            target: { bpm: 124, key: "A minor", duration_s: 200 },
            segments: [{ track_id: "a" }, { track_id: "b" }, { track_id: "a" }],
          },
        }),
      ),
    ).toEqual({ title: "Sunset set", detail: "3 segments · 2 tracks · 124 BPM · A minor · 3:20" });
    expect(summarizeJob(job("render", { plan: { segments: [{ track_id: "a" }] } }))).toEqual({
      title: "Mix render",
      detail: "1 segment · 1 track",
    });
  });

  it("copes with missing or odd payloads", () => {
    expect(summarizeJob(job("render", null))).toEqual({ title: "Mix render", detail: "" });
    expect(summarizeJob(job("generate", { prompt: 42, spec: "x" }))).toEqual({ title: "Generated track", detail: "" });
    expect(summarizeJob(job("analyze_track", {}))).toEqual({ title: "Analysis", detail: "" });
    expect(summarizeJob(job("something_new", { title: "Hi" }))).toEqual({ title: "Hi", detail: "" });
  });
});

describe("labels and params", () => {
  it("labels types and statuses", () => {
    expect(typeLabel("render")).toBe("Render");
    expect(typeLabel("new_kind")).toBe("New kind");
    expect(statusBadge({ status: "processing" })).toEqual({ label: "Processing", tone: "warn" });
    expect(statusBadge({ status: "success" })).toEqual({ label: "Done", tone: "good" });
    expect(statusBadge({ status: "failed" })).toEqual({ label: "Failed", tone: "bad" });
    expect(statusBadge({ status: "failed", cancelled: false })).toEqual({ label: "Failed", tone: "bad" });
    expect(statusBadge({ status: "failed", cancelled: true })).toEqual({ label: "Cancelled", tone: "" });
  });
  it("reads the url's filter and page", () => {
    expect(parseTypeFilter("generate")).toBe("generate");
    expect(parseTypeFilter("bogus")).toBe("");
    expect(parseTypeFilter(null)).toBe("");
    expect(parsePage("3")).toBe(3);
    expect(parsePage("0")).toBe(1);
    expect(parsePage("-2")).toBe(1);
    expect(parsePage("abc")).toBe(1);
    expect(parsePage(null)).toBe(1);
  });
});

describe("elapsed", () => {
  it("measures finished jobs", () => {
    expect(elapsed("2025-01-01T00:00:00Z", "2025-01-01T00:00:42Z")).toBe("42 s");
    expect(elapsed("2025-01-01T00:00:00Z", "2025-01-01T00:03:05Z")).toBe("3:05");
    expect(elapsed("2025-01-01T00:00:00Z", null)).toBeNull();
    expect(elapsed("2025-01-01T00:01:00Z", "2025-01-01T00:00:00Z")).toBeNull();
  });
});

describe("deleteConfirmation", () => {
  it("says what goes and what stays", () => {
    expect(deleteConfirmation({ type: "generate", status: "success" })).toBe(
      "Delete this generation and its files? This cannot be undone. The track stays in your library.",
    );
    expect(deleteConfirmation({ type: "render", status: "processing" })).toMatch(/render.*still processing/);
  });
});
