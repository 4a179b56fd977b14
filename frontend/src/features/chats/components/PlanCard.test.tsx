// @vitest-environment jsdom
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Draft, MixPlan, PlanningDraftReadyContent, Segment } from "@/lib/types";
import { testSegment } from "@/test/plans";

import { PlanCard } from "./PlanCard";
import { assistantMessage, renderInChat } from "./test-chat";

const segment = (id: string, track: string, bpm: number, transition: Segment["transition_in"]) =>
  testSegment(id, track, { source_start_s: 30, source_end_s: 90, bpm, transition_in: transition });

const plan: MixPlan = {
  schema_version: 1,
  title: "Paper Lanterns to Night Runner",
  summary: "2 tracks, 1:52 at 87–90 BPM (a tempo journey), mastered to -14 LUFS.",
  rationale: "A tempo journey.",
  target: { bpm: 124, key: null, duration_s: null, lufs: -14, true_peak_db: -1 },
  segments: [segment("s1", "lanterns", 90, null), segment("s2", "runner", 87, { type: "echo_out", beats: 4 })],
};

const draft: Draft = {
  id: "d1",
  thread_id: "th1",
  parent_id: null,
  status: "draft_ready",
  plan,
  timeline: [],
  compatibility: [],
  warnings: ["Night Runner is stretched -3% (89.7 → 87 BPM)."],
  violations: [],
  questions: [],
  notes: [],
  changes: null,
  created_at: "2026-12-07T05:00:00+00:00",
};

const content: PlanningDraftReadyContent = {
  kind: "planning_draft_ready",
  draft_id: "d1",
  draft,
  proposal: {
    title: plan.title,
    summary: plan.summary,
    target_duration_seconds: 112,
    provisional_timeline: [
      {
        segment_index: 0,
        segment_id: "s1",
        track_id: "lanterns",
        song: "Paper Lanterns",
        label: "drop",
        start_seconds: 0,
        end_seconds: 60,
      },
      {
        segment_index: 1,
        segment_id: "s2",
        track_id: "runner",
        song: "Night Runner",
        label: "drop",
        start_seconds: 57,
        end_seconds: 112,
      },
    ],
  },
  violations: [],
};

const message = assistantMessage(content);

let posted: unknown[] = [];

beforeEach(() => {
  posted = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://studio.test");
      if (init?.method === "POST") posted.push(JSON.parse(String(init.body)));
      if (url.pathname === "/api/v1/mix-chats/th1/plan-drafts/d1") return Response.json({ draft });
      return Response.json({ error: { code: "NOT_FOUND", message: "No such route." } }, { status: 404 });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

function show(active: boolean) {
  return renderInChat(<PlanCard message={message} content={content} />, {
    active_planning_draft_id: active ? "d1" : "d0",
    active_planning_status: "draft_ready",
  });
}

describe("PlanCard", () => {
  it("shows a tempo journey's range, every transition and the warnings", () => {
    show(true);
    const card = screen.getByRole("article", { name: "Plan: Paper Lanterns to Night Runner" });
    expect(within(card).getByText("87–90 BPM (journey)")).toBeTruthy();
    expect(within(card).getByText(/4-beat echo out/)).toBeTruthy();
    expect(within(card).getByText(/stretched -3%/)).toBeTruthy();
  });

  it("approves the plan it shows, and opens the timeline editor on it", async () => {
    const chat = show(true);
    await userEvent.click(screen.getByRole("button", { name: "Approve" }));
    expect(posted).toEqual([{ planning_action: { draft_id: "d1", action: "approve_plan" } }]);
    await userEvent.click(screen.getByRole("button", { name: "Edit timeline" }));
    expect(chat.openEditor).toHaveBeenCalledOnce();
  });

  it("offers no approval on a plan a newer one replaced", () => {
    show(false);
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(screen.getByText(/only the latest plan can be approved/i)).toBeTruthy();
  });
});
