import { describe, expect, it } from "vitest";

import { DEFAULT_QUERY, apiParams, clearFilters, isFiltered, readQuery, toggleSort, writeQuery } from "./query";

const read = (search: string) => readQuery(new URLSearchParams(search));

describe("library query in the URL", () => {
  it("opens newest first with nothing filtered, and writes nothing for that", () => {
    expect(read("")).toEqual(DEFAULT_QUERY);
    expect(writeQuery(DEFAULT_QUERY).toString()).toBe("");
    expect(isFiltered(DEFAULT_QUERY)).toBe(false);
  });

  it("reads every filter and writes it back the same", () => {
    const search = "q=night&sort=bpm&order=desc&bpm_min=120&bpm_max=128.5&compatible_with=t1&genre=House&status=ready&page=2";
    const query = read(search);
    expect(query).toEqual({
      q: "night",
      page: 2,
      sort: "bpm",
      order: "desc",
      bpmMin: 120,
      bpmMax: 128.5,
      compatibleWith: "t1",
      genre: "House",
      status: "ready",
    });
    expect(readQuery(writeQuery(query))).toEqual(query);
    expect(isFiltered(query)).toBe(true);
  });

  it("falls back to defaults for what a link got wrong, and swaps a reversed tempo range", () => {
    expect(read("sort=energy&order=up&status=done&bpm_min=fast&bpm_max=9000&page=-3")).toEqual(DEFAULT_QUERY);
    expect(read("bpm_min=130&bpm_max=120")).toMatchObject({ bpmMin: 120, bpmMax: 130 });
    expect(read("sort=title")).toMatchObject({ sort: "title", order: "asc" });
  });

  it("flips a column's order on a second click and starts a new column at its default", () => {
    const byBpm = toggleSort({ ...DEFAULT_QUERY, page: 3 }, "bpm");
    expect(byBpm).toMatchObject({ sort: "bpm", order: "asc", page: 1 });
    expect(toggleSort(byBpm, "bpm").order).toBe("desc");
    expect(toggleSort(byBpm, "added").order).toBe("desc"); // newest first
    expect(writeQuery(toggleSort(byBpm, "bpm")).toString()).toBe("sort=bpm&order=desc");
  });

  it("clears search and filters but keeps the order", () => {
    const query = read("q=x&sort=key&bpm_min=100&genre=Techno");
    expect(clearFilters(query)).toEqual({ ...DEFAULT_QUERY, sort: "key", order: "asc" });
  });

  it("asks the API with its own parameter names", () => {
    expect(apiParams(read("q=%20ab%20&bpm_max=130&compatible_with=t2"), 20)).toEqual({
      q: "ab",
      page: 1,
      limit: 20,
      sort: "added",
      order: "desc",
      bpm_min: null,
      bpm_max: 130,
      compatible_with: "t2",
      genre: null,
      status: null,
    });
  });
});
