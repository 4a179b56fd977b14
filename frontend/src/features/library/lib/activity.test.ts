import { describe, expect, it } from "vitest";

import type { Run } from "@/lib/types";

import {
  activityReducer,
  demoEntries,
  describeSummary,
  followedRunIds,
  initialActivity,
  isRunEnded,
  summarizeUploads,
  uploadsToStart,
  type ActivityAction,
  type ActivityState,
} from "./activity";

function run(id: string, status: Run["status"] = "queued", error: Run["error"] = null): Run {
  return {
    id,
    kind: "analyze_track",
    status,
    thread_id: null,
    user_message_id: null,
    assistant_message_id: null,
    progress_stage: null,
    progress_percent: 0,
    progress_label: null,
    progress_detail: null,
    attempts: 0,
    error,
    result: null,
    created_at: "2024-01-01T00:00:00Z",
    started_at: null,
    completed_at: null,
    updated_at: "2024-01-01T00:00:00Z",
  };
}

const reduce = (actions: ActivityAction[], state: ActivityState = initialActivity) => actions.reduce(activityReducer, state);

const three: ActivityAction = {
  type: "add",
  files: [
    { id: "a", name: "a.wav", size: 10 },
    { id: "b", name: "b.mp3", size: 20 },
    { id: "c", name: "c.flac", size: 30 },
  ],
};

describe("upload queue", () => {
  it("queues added files once each", () => {
    const state = reduce([three, three]);
    expect(state.uploads.map((item) => [item.id, item.phase])).toEqual([
      ["a", "queued"],
      ["b", "queued"],
      ["c", "queued"],
    ]);
  });

  it("starts at most two at a time, oldest first", () => {
    let state = reduce([three]);
    expect(uploadsToStart(state)).toEqual(["a", "b"]);
    state = reduce(
      [
        { type: "start", id: "a" },
        { type: "start", id: "b" },
      ],
      state,
    );
    expect(uploadsToStart(state)).toEqual([]);
    state = reduce([{ type: "upload_failed", id: "a", error: "Too large" }], state);
    expect(uploadsToStart(state)).toEqual(["c"]);
    expect(uploadsToStart(state, 1)).toEqual([]);
  });

  it("only moves progress forward and only while uploading", () => {
    let state = reduce([three, { type: "progress", id: "a", fraction: 0.5 }]);
    expect(state.uploads[0]?.progress).toBe(0);
    state = reduce(
      [
        { type: "start", id: "a" },
        { type: "progress", id: "a", fraction: 0.5 },
      ],
      state,
    );
    expect(state.uploads[0]?.progress).toBe(0.5);
    state = reduce([{ type: "progress", id: "a", fraction: 0.2 }], state);
    expect(state.uploads[0]?.progress).toBe(0.5);
    state = reduce([{ type: "progress", id: "a", fraction: 7 }], state);
    expect(state.uploads[0]?.progress).toBe(1);
  });

  it("follows an uploaded file's analysis to ready or to its error", () => {
    let state = reduce([
      three,
      { type: "start", id: "a" },
      { type: "start", id: "b" },
      { type: "uploaded", id: "a", trackId: "t1", run: run("r1") },
      { type: "uploaded", id: "b", trackId: "t2", run: run("r2") },
    ]);
    expect(state.uploads[0]).toMatchObject({ phase: "analyzing", trackId: "t1", runId: "r1", progress: 1 });
    expect(state.runs).toEqual([
      { id: "r1", terminal: false },
      { id: "r2", terminal: false },
    ]);
    state = reduce(
      [
        { type: "run_ended", run: run("r1", "completed") },
        { type: "run_ended", run: run("r2", "failed", { code: "TOO_SHORT_FOR_ANALYSIS", message: "Too short." }) },
      ],
      state,
    );
    expect(state.uploads[0]).toMatchObject({ phase: "ready", error: null });
    expect(state.uploads[1]).toMatchObject({ phase: "failed", error: "Too short." });
    expect(isRunEnded(state, "r1")).toBe(true);
  });

  it("ignores a run update that is not terminal", () => {
    const state = reduce([three, { type: "start", id: "a" }, { type: "uploaded", id: "a", trackId: "t", run: run("r") }]);
    expect(activityReducer(state, { type: "run_ended", run: run("r", "running") })).toBe(state);
  });

  it("keeps an upload in flight but dismisses and clears finished ones", () => {
    let state = reduce([three, { type: "start", id: "a" }, { type: "upload_failed", id: "b", error: "x" }]);
    expect(activityReducer(state, { type: "dismiss", id: "a" })).toBe(state);
    state = reduce([{ type: "clear_finished" }], state);
    expect(state.uploads.map((item) => item.id)).toEqual(["a", "c"]);
    state = reduce([{ type: "dismiss", id: "c" }], state);
    expect(state.uploads.map((item) => item.id)).toEqual(["a"]);
  });

  it("queues a retryable failure again, but not a refused file", () => {
    let state = reduce([
      three,
      { type: "start", id: "a" },
      { type: "start", id: "b" },
      { type: "upload_failed", id: "a", error: "Server error", retryable: true },
      { type: "upload_failed", id: "b", error: "Unsupported file" },
    ]);
    expect(state.uploads[0]).toMatchObject({ phase: "failed", retryable: true });
    state = reduce(
      [
        { type: "retry", id: "a" },
        { type: "retry", id: "b" },
      ],
      state,
    );
    expect(state.uploads[0]).toMatchObject({ phase: "queued", error: null, retryable: false, progress: 0 });
    expect(state.uploads[1]).toMatchObject({ phase: "failed", error: "Unsupported file" });
    expect(uploadsToStart(state)).toEqual(["a", "c"]);
  });

  it("summarises for the live region", () => {
    const state = reduce([three, { type: "start", id: "a" }, { type: "upload_failed", id: "b", error: "x" }]);
    const summary = summarizeUploads(state.uploads);
    expect(summary).toEqual({ queued: 1, uploading: 1, analyzing: 0, ready: 0, failed: 1, duplicate: 0 });
    expect(describeSummary(summary)).toBe("1 uploading, 1 queued, 1 failed");
  });

  it("holds a duplicate for a decision, and sends it again only to keep a second copy", () => {
    let state = reduce([
      three,
      { type: "start", id: "a" },
      { type: "duplicate", id: "a", track: { id: "t9", title: "Night Drive" } },
    ]);
    expect(state.uploads[0]).toMatchObject({
      phase: "duplicate",
      trackId: "t9",
      duplicateOf: { id: "t9", title: "Night Drive" },
    });
    expect(state.runs).toEqual([]); // nothing is analysed
    expect(describeSummary(summarizeUploads(state.uploads))).toBe("2 queued, 1 already in the library");
    // A duplicate answer for an upload that is not sending is ignored.
    expect(reduce([{ type: "duplicate", id: "b", track: { id: "t9", title: "x" } }], state)).toBe(state);
    state = reduce([{ type: "keep_duplicate", id: "a" }], state);
    expect(state.uploads[0]).toMatchObject({ phase: "queued", keepDuplicate: true, trackId: null });
    expect(uploadsToStart(state)).toEqual(["a", "b"]);
    // "Clear finished" takes undecided duplicates away too.
    state = reduce(
      [{ type: "start", id: "c" }, { type: "duplicate", id: "c", track: { id: "t1", title: "y" } }, { type: "clear_finished" }],
      state,
    );
    expect(state.uploads.map((item) => item.id)).toEqual(["a", "b"]);
  });

  it("resets to nothing", () => {
    expect(reduce([three, { type: "reset" }])).toBe(initialActivity);
  });
});

describe("followed runs", () => {
  it("follows the two oldest runs still going", () => {
    let state = reduce([
      {
        type: "demo_started",
        entries: ["r1", "r2", "r3"].map((id) => ({ run: run(id), title: id })),
      },
    ]);
    expect([...followedRunIds(state)]).toEqual(["r1", "r2"]);
    state = reduce([{ type: "run_ended", run: run("r1", "completed") }], state);
    expect([...followedRunIds(state)]).toEqual(["r2", "r3"]);
    expect(state.demo[0]?.run.status).toBe("completed");
  });

  it("does not add a demo run twice", () => {
    const entries = [{ run: run("r1"), title: "One" }];
    const state = reduce([
      { type: "demo_started", entries },
      { type: "demo_started", entries },
    ]);
    expect(state.demo).toHaveLength(1);
    expect(state.runs).toHaveLength(1);
  });

  it("clears ended demo runs", () => {
    const state = reduce([
      {
        type: "demo_started",
        entries: [
          { run: run("r1"), title: "One" },
          { run: run("r2"), title: "Two" },
        ],
      },
      { type: "run_ended", run: run("r1", "completed") },
      { type: "clear_finished" },
    ]);
    expect(state.demo.map((entry) => entry.title)).toEqual(["Two"]);
  });
});

describe("demoEntries", () => {
  it("pairs runs with tracks one to one when every track was added", () => {
    const entries = demoEntries([{ title: "Sunrise" }, { title: "Night" }], [run("r1"), run("r2")]);
    expect(entries.map((entry) => [entry.run.id, entry.title])).toEqual([
      ["r1", "Sunrise"],
      ["r2", "Night"],
    ]);
  });

  it("pairs with the pending tracks when only some were added", () => {
    const entries = demoEntries(
      [
        { title: "Sunrise", status: "ready" },
        { title: "Night", status: "pending" },
      ],
      [run("r2")],
    );
    expect(entries[0]?.title).toBe("Night");
  });

  it("falls back to a numbered title", () => {
    const entries = demoEntries(
      [
        { title: "A", status: "ready" },
        { title: "B", status: "ready" },
      ],
      [run("r9")],
    );
    expect(entries[0]?.title).toBe("Demo track 1");
  });
});
