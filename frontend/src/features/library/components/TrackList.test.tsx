// @vitest-environment jsdom
import { fireEvent, screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import type { Track } from "@/lib/types";
import { renderWithApp } from "@/test/render";

import { TrackList } from "./TrackList";

function track(overrides: Partial<Track> = {}): Track {
  return {
    id: "t1",
    title: "Night Drive",
    artist: "Nova",
    source: "upload",
    original_filename: "night.wav",
    duration_s: 200,
    sample_rate: 48000,
    channels: 2,
    status: "ready",
    analysis: null,
    created_at: "2026-12-01T10:00:00+00:00",
    ...overrides,
  } as Track;
}

describe("TrackList", () => {
  it("lists each track with a labelled delete button that reports which track", () => {
    const onDelete = vi.fn();
    const items = [track(), track({ id: "t2", title: "Sunrise", status: "analyzing" })];
    renderWithApp(
      <TrackList
        data={{ items, page: 1, limit: 20, total: 2, pages: 1, has_more: false }}
        onPage={vi.fn()}
        onDelete={onDelete}
        deletingId={null}
        fetching={false}
      />,
    );
    const list = screen.getByTestId("track-list");
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    fireEvent.click(screen.getByRole("button", { name: "Delete Sunrise" }));
    expect(onDelete).toHaveBeenCalledWith(expect.objectContaining({ id: "t2" }));
  });
});
