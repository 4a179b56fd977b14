// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { Track } from "@/lib/types";
import { renderWithApp } from "@/test/render";

import { LibraryPage } from "./LibraryPage";

function track(overrides: Partial<Track> = {}): Track {
  return {
    id: "t1",
    title: "Night Drive",
    artist: "Nova",
    source: "upload",
    original_filename: "night.wav",
    genre: "House",
    duration_s: 200,
    sample_rate: 48000,
    channels: 2,
    status: "ready",
    analysis: {
      bpm: 124,
      bpm_confidence: 0.9,
      key: "A minor",
      key_confidence: 0.8,
      camelot: "8A",
      uncertain: { tempo: false, key: false },
    },
    audio_url: "/api/v1/tracks/t1/audio?token=a",
    created_at: "2026-12-01T10:00:00+00:00",
    updated_at: "2026-12-01T10:00:00+00:00",
    ...overrides,
  };
}

const TRACKS = [
  track(),
  track({
    id: "t2",
    title: "Sunrise",
    artist: null,
    genre: "Techno",
    audio_url: "/api/v1/tracks/t2/audio?token=b",
    analysis: {
      bpm: 131.6,
      bpm_confidence: 0.32,
      key: "C major",
      key_confidence: 0.3,
      camelot: "8B",
      uncertain: { tempo: true, key: true },
    },
  }),
];

interface Call {
  method: string;
  path: string;
  params: URLSearchParams;
}

let calls: Call[] = [];

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

beforeEach(() => {
  calls = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://studio.test");
      calls.push({ method: init?.method ?? "GET", path: url.pathname, params: url.searchParams });
      if (url.pathname === "/api/v1/tracks/genres")
        return json({
          items: [
            { genre: "House", count: 1 },
            { genre: "Techno", count: 1 },
          ],
        });
      if (url.pathname === "/api/v1/tracks/t1" && init?.method === "DELETE") return new Response(null, { status: 204 });
      if (url.pathname === "/api/v1/tracks/t1") return json({ track: TRACKS[0] });
      if (url.pathname === "/api/v1/tracks")
        return json({ items: TRACKS, page: 1, limit: 20, total: 2, pages: 1, has_more: false });
      return json({ error: { code: "NOT_FOUND", message: "No such route." } }, 404);
    }),
  );
  vi.spyOn(HTMLMediaElement.prototype, "play").mockImplementation(function (this: HTMLMediaElement) {
    this.dispatchEvent(new Event("play"));
    return Promise.resolve();
  });
  vi.spyOn(HTMLMediaElement.prototype, "pause").mockImplementation(() => undefined);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const listCalls = () => calls.filter((call) => call.method === "GET" && call.path === "/api/v1/tracks");
const lastList = () => listCalls().at(-1)?.params;

async function openLibrary(route = "/library") {
  renderWithApp(<LibraryPage />, { route });
  return screen.findByTestId("track-list");
}

// Each test drives a whole page; the shared machine can be slow to render it.
describe("LibraryPage", { timeout: 30_000 }, () => {
  it("sorts by a column header: ascending first, then descending, announced with aria-sort", async () => {
    const table = await openLibrary();
    expect(lastList()?.get("sort")).toBe("added");
    const bpmHeader = within(table).getByRole("columnheader", { name: /BPM/ });
    expect(bpmHeader.getAttribute("aria-sort")).toBe("none");
    fireEvent.click(within(bpmHeader).getByRole("button", { name: "BPM" }));
    await waitFor(() => expect(lastList()?.get("sort")).toBe("bpm"));
    expect(lastList()?.get("order")).toBe("asc");
    await waitFor(() =>
      expect(within(table).getByRole("columnheader", { name: /BPM/ }).getAttribute("aria-sort")).toBe("ascending"),
    );
    fireEvent.click(within(table).getByRole("button", { name: "BPM" }));
    await waitFor(() => expect(lastList()?.get("order")).toBe("desc"));
    expect(within(table).getByRole("columnheader", { name: /BPM/ }).getAttribute("aria-sort")).toBe("descending");
  });

  it("filters by tempo range, genre and status, and clears them", async () => {
    const user = userEvent.setup();
    await openLibrary();
    await user.type(screen.getByLabelText("Min BPM"), "125");
    await waitFor(() => expect(lastList()?.get("bpm_min")).toBe("125"), { timeout: 3000 });
    // An impossible tempo is flagged at the field and never sent.
    await user.type(screen.getByLabelText("Max BPM"), "9");
    expect(screen.getByLabelText("Max BPM").getAttribute("aria-invalid")).toBe("true");
    await user.clear(screen.getByLabelText("Max BPM"));
    await user.selectOptions(screen.getByLabelText("Genre"), "Techno");
    await waitFor(() => expect(lastList()?.get("genre")).toBe("Techno"));
    await user.selectOptions(screen.getByLabelText("Status"), "ready");
    await waitFor(() => expect(lastList()?.get("status")).toBe("ready"));
    expect(listCalls().some((call) => call.params.get("bpm_max") === "9")).toBe(false);
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    // Back to the list as it opened (answered from the cache): every field empty again.
    await waitFor(() => expect(screen.getByLabelText<HTMLSelectElement>("Genre").value).toBe(""));
    expect(screen.getByLabelText<HTMLSelectElement>("Status").value).toBe("");
    expect(screen.getByLabelText<HTMLInputElement>("Min BPM").value).toBe("");
    expect(screen.queryByRole("button", { name: "Clear filters" })).toBeNull();
  });

  it("narrows to keys that mix with a chosen track and names it", async () => {
    const table = await openLibrary();
    fireEvent.click(within(table).getByRole("button", { name: "Match key: show tracks that mix with Night Drive" }));
    await waitFor(() => expect(lastList()?.get("compatible_with")).toBe("t1"));
    const chip = await screen.findByTestId("key-match");
    await waitFor(() => expect(chip.textContent).toContain("Night Drive (8A)"));
    fireEvent.click(within(chip).getByRole("button", { name: "Clear the key match" }));
    await waitFor(() => expect(screen.queryByTestId("key-match")).toBeNull());
  });

  it("shows an uncertain tempo and key as uncertain, with the reason", async () => {
    const table = await openLibrary();
    const row = within(table).getByText("Sunrise").closest("tr");
    if (!row) throw new Error("no row");
    const tempo = row.querySelector('[data-uncertain="tempo"]');
    expect(tempo?.textContent).toContain("≈132?");
    expect(tempo?.textContent).toContain("only 32%");
    expect(row.querySelector('[data-uncertain="key"]')?.textContent).toContain("≈C major?");
    // A sure reading is stated plainly.
    const sure = within(table).getByText("Night Drive").closest("tr");
    expect(sure?.querySelector("[data-uncertain]")).toBeNull();
    expect(sure?.textContent).toContain("124.0");
    expect(screen.getByText(/marks an uncertain tempo or key/)).toBeTruthy();
  });

  it("deletes only after the in-app dialog says yes", async () => {
    const user = userEvent.setup();
    const table = await openLibrary();
    const confirmSpy = vi.spyOn(globalThis, "confirm");
    await user.click(within(table).getByRole("button", { name: "Delete Night Drive" }));
    const dialog = screen.getByRole("dialog", { name: "Delete this track?" });
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(calls.some((call) => call.method === "DELETE")).toBe(false);
    await user.click(within(table).getByRole("button", { name: "Delete Night Drive" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Delete track" }));
    await waitFor(() => expect(calls.some((call) => call.method === "DELETE" && call.path === "/api/v1/tracks/t1")).toBe(true));
    expect(dialog.isConnected).toBe(false);
    expect(confirmSpy).not.toHaveBeenCalled();
  });

  it("plays a track from the list in the page's player", async () => {
    const table = await openLibrary();
    expect(screen.queryByTestId("now-playing")).toBeNull();
    fireEvent.click(within(table).getByRole("button", { name: "Play Sunrise" }));
    const player = await screen.findByTestId("now-playing");
    expect(player.querySelector("audio")?.getAttribute("src")).toBe("/api/v1/tracks/t2/audio?token=b");
    await waitFor(() =>
      expect(within(table).getByRole("button", { name: "Pause Sunrise" }).getAttribute("aria-pressed")).toBe("true"),
    );
    fireEvent.click(screen.getByRole("button", { name: "Close the player" }));
    expect(screen.queryByTestId("now-playing")).toBeNull();
  });

  it("reads its sort and filters from the URL", async () => {
    await openLibrary("/library?sort=key&order=desc&bpm_max=130&genre=House");
    const params = lastList();
    expect([params?.get("sort"), params?.get("order"), params?.get("bpm_max"), params?.get("genre")]).toEqual([
      "key",
      "desc",
      "130",
      "House",
    ]);
    expect(screen.getByLabelText<HTMLInputElement>("Max BPM").value).toBe("130");
  });
});
