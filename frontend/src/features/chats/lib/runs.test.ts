import { describe, expect, it } from "vitest";

import type { Run } from "@/lib/types";

import { generatedTrackId, retryableRun, runForMessage, upsertRun } from "./runs";

function run(id: string, extra: Partial<Run>): Run {
  return {
    id,
    kind: "plan",
    status: "completed",
    thread_id: "t",
    user_message_id: null,
    assistant_message_id: null,
    progress_stage: null,
    progress_percent: null,
    progress_label: null,
    progress_detail: null,
    attempts: 1,
    error: null,
    result: null,
    created_at: "2025-01-01T00:00:00+00:00",
    started_at: null,
    completed_at: null,
    updated_at: "2025-01-01T00:00:00+00:00",
    ...extra,
  };
}

describe("runForMessage", () => {
  it("is the newest run answering into the message", () => {
    const runs = [
      run("a", { assistant_message_id: "m", created_at: "2025-01-01T00:00:01+00:00" }),
      run("b", { assistant_message_id: "m", created_at: "2025-01-01T00:00:02+00:00" }),
      run("c", { assistant_message_id: "x" }),
    ];
    expect(runForMessage("m", runs)?.id).toBe("b");
    expect(runForMessage("none", runs)).toBeUndefined();
  });
});

describe("retryableRun", () => {
  const failed = run("f", {
    status: "failed",
    assistant_message_id: "e",
    user_message_id: "u",
    created_at: "2025-01-01T00:00:01+00:00",
  });

  it("offers the failed run", () => {
    expect(retryableRun("e", [failed])?.id).toBe("f");
  });

  it("not while a retry is working, nor after one answered", () => {
    const working = run("r", {
      status: "running",
      assistant_message_id: "e",
      user_message_id: "u",
      created_at: "2025-01-01T00:00:05+00:00",
    });
    expect(retryableRun("e", [failed, working])).toBeNull();
    const answered = run("r", {
      status: "completed",
      assistant_message_id: "new",
      user_message_id: "u",
      created_at: "2025-01-01T00:00:05+00:00",
    });
    expect(retryableRun("e", [failed, answered])).toBeNull();
  });

  it("not for a cancelled run, and finds an explicit run id", () => {
    expect(retryableRun("e", [run("c", { status: "cancelled", assistant_message_id: "e" })])).toBeNull();
    expect(retryableRun("e", [run("x", { status: "failed" })], "x")?.id).toBe("x");
  });
});

describe("upsertRun", () => {
  it("puts the run first, once", () => {
    const a = run("a", {});
    const b = run("b", {});
    expect(upsertRun([a, b], { ...b, status: "running" }).map((r) => `${r.id}:${r.status}`)).toEqual([
      "b:running",
      "a:completed",
    ]);
  });
});

describe("generatedTrackId", () => {
  it.each<[string, Partial<Run> | null, string | null]>([
    ["a completed generation", { kind: "generate", status: "completed", result: { track_id: "trk", job_id: "j" } }, "trk"],
    ["a generation still running", { kind: "generate", status: "running", result: null }, null],
    ["a failed generation", { kind: "generate", status: "failed", result: { track_id: "trk" } }, null],
    ["a result without a track", { kind: "generate", status: "completed", result: { job_id: "j" } }, null],
    ["another kind of run", { kind: "plan", status: "completed", result: { track_id: "trk" } }, null],
    ["no run", null, null],
  ])("reads %s", (_name, extra, expected) => {
    expect(generatedTrackId(extra ? run("r", extra) : null)).toBe(expected);
  });
});
