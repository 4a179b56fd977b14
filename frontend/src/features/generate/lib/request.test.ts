import { describe, expect, it } from "vitest";

import { buildGenerateRequest, EMPTY_FORM, formErrorsFromServer } from "./request";

describe("buildGenerateRequest", () => {
  it("sends only the fields filled in", () => {
    expect(buildGenerateRequest({ ...EMPTY_FORM, prompt: "  house at 124  " })).toEqual({
      ok: true,
      body: { prompt: "house at 124" },
    });
    expect(buildGenerateRequest({ prompt: "techno", duration: "30", seed: "7", referenceTrackId: "t1" })).toEqual({
      ok: true,
      body: { prompt: "techno", duration_s: 30, seed: 7, reference_track_id: "t1" },
    });
  });

  it("asks for a prompt", () => {
    const result = buildGenerateRequest({ ...EMPTY_FORM, prompt: "   " });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.prompt).toMatch(/Describe/);
  });

  it("rejects a prompt over the limit", () => {
    const result = buildGenerateRequest({ ...EMPTY_FORM, prompt: "a".repeat(2001) });
    expect(result.ok).toBe(false);
  });

  it("checks duration and seed", () => {
    const result = buildGenerateRequest({ prompt: "pop", duration: "-3", seed: "1.5", referenceTrackId: "" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.duration).toBeTruthy();
      expect(result.errors.seed).toBeTruthy();
    }
    expect(buildGenerateRequest({ ...EMPTY_FORM, prompt: "pop", seed: "99999999999999999999" }).ok).toBe(false);
    // Out-of-range durations are clamped by the server, with a note.
    expect(buildGenerateRequest({ ...EMPTY_FORM, prompt: "pop", duration: "5000" })).toEqual({
      ok: true,
      body: { prompt: "pop", duration_s: 5000 },
    });
  });
});

describe("formErrorsFromServer", () => {
  it("maps the server's fields onto the form", () => {
    expect(
      formErrorsFromServer({
        key: "'H major' is not a key",
        seed: "bad seed",
        reference_track_id: "not ready",
        duration_s: "not finite",
        body: "odd",
      }),
    ).toEqual({
      prompt: "'H major' is not a key odd",
      seed: "bad seed",
      reference: "not ready",
      duration: "not finite",
    });
  });
});
