// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Segment } from "@/lib/types";
import { renderWithApp } from "@/test/render";

import { plan, seg, track } from "../lib/test-fixtures";
import { TimelineEditor } from "./TimelineEditor";

// Two 64 s tracks at the mix's 120 BPM (no stretch): beats every 0.5 s from 0.25 s, bars every 2 s.
const beats = Array.from({ length: 127 }, (_, i) => 0.25 + i * 0.5);
const analysis = { bpm: 120, duration_s: 64, meter: "4/4", beats, downbeats: beats.filter((_, i) => i % 4 === 0) };
const TRACKS = { a: track("a", 120, 64, { analysis }), b: track("b", 120, 64, { analysis }) };
const PLAN = plan(120, [seg("s1", "a", 0.25, 32.25), seg("s2", "b", 8.25, 40.25, { type: "crossfade", beats: 16 })]);

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });

let submitted: Segment[] | null = null;
const onCancel = vi.fn();

function renderEditor(editedPlan = PLAN) {
  submitted = null;
  return renderWithApp(
    <TimelineEditor
      plan={editedPlan}
      tracks={TRACKS}
      actions={[{ label: "Save", primary: true, onSubmit: (segments) => void (submitted = segments) }]}
      onCancel={onCancel}
    />,
  );
}

beforeEach(() => {
  onCancel.mockReset();
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string) => {
      const id = /\/tracks\/(\w+)\/peaks/.exec(new URL(input, "http://studio.test").pathname)?.[1] ?? "";
      const levels = Array.from({ length: 400 }, (_, i) => (i % 10) / 10);
      return json({ track_id: id, duration_s: 64, peaks: [], bands: { low: levels, mid: levels, high: levels } });
    }),
  );
  // jsdom draws nothing and captures no pointer; the view works without either.
  vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue(null);
  Element.prototype.setPointerCapture = vi.fn();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const save = async () => {
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await waitFor(() => expect(submitted).not.toBeNull());
  return submitted ?? [];
};

describe("TimelineEditor's arrangement", () => {
  it("shows every segment on one time axis with its cut points, the transition and the band legend", () => {
    renderEditor();
    const arrangement = screen.getByTestId("arrangement");
    const view = within(arrangement);
    expect(view.getByRole("button", { name: "Details of Track A" })).toBeTruthy();
    expect(view.getByRole("button", { name: "Details of Track B" })).toBeTruthy();
    const end = view.getByRole("slider", { name: "Out point of Track A" });
    expect(end.getAttribute("aria-valuenow")).toBe("32.25");
    expect(end.getAttribute("aria-valuetext")).toBe("0:32.3 into the track (bar 17), 0:32.0 in the mix");
    const transition = view.getByRole("slider", { name: "Transition into Track B" });
    // 16 beats at 120 BPM: 8 s, from 24 s (Track A's 32 s in the mix, less the overlap).
    expect(transition.getAttribute("aria-valuetext")).toBe("crossfade, 16 beats (8.0 s), from 0:24.0");
    expect(view.getByTestId("transition-1").textContent).toMatch(/16/);
    expect(view.getByRole("list", { name: "Waveform colours" }).textContent).toBe("LowsMidsHighs");
    expect(screen.getByTestId("timeline-total").textContent).toBe("0:56");
  });

  it("moves a cut point by a beat with an arrow key and by a bar with Shift+arrow", async () => {
    const user = userEvent.setup();
    renderEditor();
    const end = screen.getByRole("slider", { name: "Out point of Track A" });
    end.focus();
    await user.keyboard("{ArrowRight}");
    expect(end.getAttribute("aria-valuenow")).toBe("32.75");
    await user.keyboard("{Shift>}{ArrowRight}{/Shift}");
    expect(end.getAttribute("aria-valuenow")).toBe("34.25");
    await user.keyboard("{Shift>}{ArrowLeft}{ArrowLeft}{/Shift}{ArrowLeft}");
    expect(end.getAttribute("aria-valuenow")).toBe("29.75");
    expect(document.activeElement).toBe(end);
    expect(screen.getByText("Out point of Track A: 0:29.8, bar 15.")).toBeTruthy();
    const start = screen.getByRole("slider", { name: "In point of Track B" });
    start.focus();
    await user.keyboard("{PageUp}");
    expect(start.getAttribute("aria-valuenow")).toBe("16.25"); // the next phrase (8 bars)
    const [first, second] = await save();
    expect(first?.source_end_s).toBe(29.75);
    expect(second?.source_start_s).toBe(16.25);
  });

  it("lengthens a transition from the keyboard: its start moves earlier by a beat, or a bar with Shift", async () => {
    const user = userEvent.setup();
    renderEditor();
    const edge = screen.getByRole("slider", { name: "Transition into Track B" });
    edge.focus();
    await user.keyboard("{ArrowLeft}");
    expect(edge.getAttribute("aria-valuetext")).toMatch(/^crossfade, 17 beats/);
    await user.keyboard("{Shift>}{ArrowLeft}{/Shift}");
    expect(edge.getAttribute("aria-valuetext")).toMatch(/^crossfade, 20 beats/);
    await user.keyboard("{ArrowRight}");
    expect(edge.getAttribute("aria-valuetext")).toBe("crossfade, 19 beats (9.5 s), from 0:22.5");
    expect(screen.getByTestId("timeline-total").textContent).toBe("0:55");
    // At most half the shorter neighbour (32 s): 32 beats; the edge stops there and says so.
    await user.keyboard("{PageDown}{PageDown}");
    expect(edge.getAttribute("aria-valuetext")).toMatch(/^crossfade, 32 beats/);
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByText("The transition into Track B stays 32 beats (the most that fits).")).toBeTruthy();
    const [, second] = await save();
    expect(second?.transition_in).toEqual({ type: "crossfade", beats: 32 });
  });

  it("keeps a tempo journey's ramp inside a transition it shortens, and shows the journey's times exactly", async () => {
    const user = userEvent.setup();
    const journey = plan(120, [
      seg("s1", "a", 0.25, 32.25),
      { ...seg("s2", "b", 8.25, 40.25, { type: "crossfade", beats: 16, ramp_beats: 8 }), bpm: 126 },
    ]);
    renderEditor(journey);
    // The backend's derive_timeline on this plan (run with /work/main/.venv/bin/python): Track B
    // enters at 24.0 s over a 7.807 s overlap (8 beats at 120, the ramp, 4 at 126) and ends at
    // 54.664 s; counting every segment at 120 BPM gave 8.0 s and an end at 56 s. The most beats
    // that fit (the largest passing validate_plan's rule on those numbers) is 31.
    expect(screen.queryByText(/This plan changes tempo along the way/)).toBeNull();
    expect(screen.queryByText(/approximate/)).toBeNull();
    const edge = screen.getByRole("slider", { name: "Transition into Track B" });
    expect(edge.getAttribute("aria-valuetext")).toBe("crossfade, 16 beats (7.8 s), from 0:24.0");
    expect(screen.getByTestId("timeline-total").textContent).toBe("0:55");
    // The header names the journey's tempi, not the target's 120 that s2 does not play at.
    expect(screen.getByText("120–126 BPM (journey)")).toBeTruthy();
    const laneB = screen.getAllByTestId("timeline-lane")[1] as HTMLElement;
    expect(within(laneB).getByText("In the mix 0:24–0:55")).toBeTruthy();
    expect(within(laneB).getByTestId("timeline-lane-tempo").textContent).toBe("120 BPM → 126 BPM");
    expect(screen.getByTestId("timeline-boundary").textContent).toContain("Equal-power blend · 7.8 s · at most 31 beats fit");

    edge.focus();
    await user.keyboard("{Shift>}{ArrowRight}{ArrowRight}{ArrowRight}{/Shift}");
    // 4 beats with a 4-beat ramp: 1.951 s from 30.0 s; Track B ends at 60.523 s (not 62 s).
    expect(edge.getAttribute("aria-valuetext")).toBe("crossfade, 4 beats (2.0 s), from 0:30.0");
    expect(screen.getByTestId("timeline-total").textContent).toBe("1:01");
    const [, second] = await save();
    expect(second?.transition_in).toEqual({ type: "crossfade", beats: 4, ramp_beats: 4 });
    expect(second?.bpm).toBe(126);
  });

  it("drags a cut point and a transition's start, snapping to the chosen unit", async () => {
    const user = userEvent.setup();
    renderEditor();
    await user.selectOptions(screen.getByLabelText("Snap to"), "bar");
    const end = screen.getByRole("slider", { name: "Out point of Track A" });
    const pps = Number(end.style.left.replace("px", "")) / 32; // Track A ends at 32 s in the mix
    fireEvent.pointerDown(end, { button: 0, pointerId: 1, clientX: 500 });
    fireEvent.pointerMove(end, { pointerId: 1, clientX: 500 + 3.1 * pps });
    fireEvent.pointerUp(end, { pointerId: 1 });
    expect(end.getAttribute("aria-valuenow")).toBe("36.25"); // +3.1 s snapped to the bar at +4 s
    const edge = screen.getByRole("slider", { name: "Transition into Track B" });
    fireEvent.pointerDown(edge, { button: 0, pointerId: 2, clientX: 300 });
    fireEvent.pointerMove(edge, { pointerId: 2, clientX: 300 - 2.2 * pps });
    fireEvent.pointerUp(edge, { pointerId: 2 });
    expect(edge.getAttribute("aria-valuetext")).toMatch(/^crossfade, 20 beats/); // 16 + 4.4 beats → a bar more
  });

  it("asks in the studio's dialog before it resets or discards edits", async () => {
    const user = userEvent.setup();
    renderEditor();
    const end = screen.getByRole("slider", { name: "Out point of Track A" });
    end.focus();
    await user.keyboard("{ArrowRight}");
    await user.click(screen.getByRole("button", { name: "Reset" }));
    const dialog = screen.getByRole("dialog", { name: "Undo every change?" });
    await user.click(within(dialog).getByRole("button", { name: "Reset" }));
    expect(screen.getByRole("slider", { name: "Out point of Track A" }).getAttribute("aria-valuenow")).toBe("32.25");

    screen.getByRole("slider", { name: "Out point of Track A" }).focus();
    await user.keyboard("{ArrowRight}{Escape}");
    const discard = screen.getByRole("dialog", { name: "Discard your changes?" });
    await user.click(within(discard).getByRole("button", { name: "Keep editing" }));
    expect(onCancel).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    await user.click(screen.getByRole("button", { name: "Discard changes" }));
    expect(onCancel).toHaveBeenCalledOnce();
  });

  it("opens a segment's details from the arrangement, where its form fields are", async () => {
    const user = userEvent.setup();
    renderEditor();
    const details = screen.getByTestId("timeline-details");
    expect(details.hasAttribute("open")).toBe(false);
    await user.click(screen.getByRole("button", { name: "Details of Track B" }));
    expect(details.hasAttribute("open")).toBe(true);
    expect(document.activeElement).toBe(screen.getByRole("button", { name: /Reorder Track B/ }));
    expect(screen.getByLabelText<HTMLInputElement>("Start of Track B").value).toBe("8.25");
  });
});
