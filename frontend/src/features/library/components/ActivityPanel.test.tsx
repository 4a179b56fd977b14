// @vitest-environment jsdom
import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { renderWithApp } from "@/test/render";

import type { LibraryActivity } from "../hooks/use-library-activity";
import { activityReducer, initialActivity, type ActivityAction } from "../lib/activity";
import { ActivityPanel } from "./ActivityPanel";

function activityWith(actions: ActivityAction[]): LibraryActivity {
  return {
    state: actions.reduce(activityReducer, initialActivity),
    addFiles: vi.fn(),
    dismiss: vi.fn(),
    retry: vi.fn(),
    keepDuplicate: vi.fn(),
    clearFinished: vi.fn(),
    runEnded: vi.fn(),
    demoStarted: vi.fn(),
  };
}

describe("ActivityPanel", () => {
  it("offers the track already holding an uploaded file, or a second copy", () => {
    const activity = activityWith([
      { type: "add", files: [{ id: "u1", name: "night drive (1).wav", size: 2048 }] },
      { type: "start", id: "u1" },
      { type: "duplicate", id: "u1", track: { id: "t1", title: "Night Drive" } },
    ]);
    renderWithApp(<ActivityPanel activity={activity} notice={null} />);
    const row = screen.getByRole("listitem", { name: "Upload night drive (1).wav" });
    expect(row.getAttribute("data-phase")).toBe("duplicate");
    const offer = within(row).getByTestId("duplicate-offer");
    expect(offer.textContent).toContain("already in your library as “Night Drive”");
    expect(within(offer).getByRole("link", { name: "Open “Night Drive”" }).getAttribute("href")).toBe("/library/t1");
    fireEvent.click(within(offer).getByRole("button", { name: "Keep a second copy of night drive (1).wav" }));
    expect(activity.keepDuplicate).toHaveBeenCalledWith("u1");
    // The live region says so too, and the row counts as finished.
    expect(screen.getByRole("status").textContent).toContain("1 already in the library");
    expect(screen.getByRole("button", { name: "Clear finished" })).toBeTruthy();
  });

  it("shows no offer for an upload that was stored", () => {
    const activity = activityWith([
      { type: "add", files: [{ id: "u1", name: "a.wav", size: 10 }] },
      { type: "start", id: "u1" },
    ]);
    renderWithApp(<ActivityPanel activity={activity} notice={null} />);
    expect(screen.queryByTestId("duplicate-offer")).toBeNull();
  });
});
