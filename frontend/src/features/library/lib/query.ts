/**
 * The library list's search, order and filters as they live in the page's URL (so back and
 * forward and a shared link restore them) and as `GET /tracks` takes them.
 */

export const SORT_KEYS = ["title", "artist", "bpm", "key", "duration", "added", "status"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortOrder = "asc" | "desc";

export const TRACK_STATUSES = ["ready", "analyzing", "pending", "failed"] as const;
export type TrackStatusFilter = (typeof TRACK_STATUSES)[number];

export interface LibraryQuery {
  q: string;
  page: number;
  sort: SortKey;
  order: SortOrder;
  bpmMin: number | null;
  bpmMax: number | null;
  /** A track id: only keys that mix with its key. */
  compatibleWith: string | null;
  genre: string | null;
  status: TrackStatusFilter | null;
}

/** Newest first, as the library has always opened. */
export const DEFAULT_QUERY: LibraryQuery = {
  q: "",
  page: 1,
  sort: "added",
  order: "desc",
  bpmMin: null,
  bpmMax: null,
  compatibleWith: null,
  genre: null,
  status: null,
};

/** The order a column sorts in when first chosen: newest first for dates, A→Z and slow→fast otherwise. */
export function defaultOrder(sort: SortKey): SortOrder {
  return sort === "added" ? "desc" : "asc";
}

const BPM_LIMITS = [20, 400] as const;

function readBpm(raw: string | null): number | null {
  if (raw === null || raw.trim() === "") return null;
  const value = Number(raw);
  return Number.isFinite(value) && value >= BPM_LIMITS[0] && value <= BPM_LIMITS[1] ? value : null;
}

function oneOf<T extends string>(raw: string | null, allowed: readonly T[]): T | null {
  return raw !== null && (allowed as readonly string[]).includes(raw) ? (raw as T) : null;
}

/** The query a URL asks for; anything unreadable falls back to the default (never a 422 from a typo in a link). */
export function readQuery(params: URLSearchParams): LibraryQuery {
  const sort = oneOf(params.get("sort"), SORT_KEYS) ?? DEFAULT_QUERY.sort;
  let bpmMin = readBpm(params.get("bpm_min"));
  let bpmMax = readBpm(params.get("bpm_max"));
  if (bpmMin !== null && bpmMax !== null && bpmMin > bpmMax) [bpmMin, bpmMax] = [bpmMax, bpmMin];
  return {
    q: params.get("q") ?? "",
    page: Math.max(1, Math.floor(Number(params.get("page"))) || 1),
    sort,
    order: oneOf(params.get("order"), ["asc", "desc"] as const) ?? defaultOrder(sort),
    bpmMin,
    bpmMax,
    compatibleWith: params.get("compatible_with")?.trim() || null,
    genre: params.get("genre")?.trim() || null,
    status: oneOf(params.get("status"), TRACK_STATUSES),
  };
}

/** The URL's parameters for a query: defaults are left out, so the plain library stays `/library`. */
export function writeQuery(query: LibraryQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q.trim()) params.set("q", query.q);
  if (query.sort !== DEFAULT_QUERY.sort) params.set("sort", query.sort);
  if (query.order !== defaultOrder(query.sort)) params.set("order", query.order);
  if (query.bpmMin !== null) params.set("bpm_min", String(query.bpmMin));
  if (query.bpmMax !== null) params.set("bpm_max", String(query.bpmMax));
  if (query.compatibleWith) params.set("compatible_with", query.compatibleWith);
  if (query.genre) params.set("genre", query.genre);
  if (query.status) params.set("status", query.status);
  if (query.page > 1) params.set("page", String(query.page));
  return params;
}

/** The next query after a header click: the same column flips its order, a new one starts at its default. */
export function toggleSort(query: LibraryQuery, sort: SortKey): LibraryQuery {
  const order = query.sort === sort ? (query.order === "asc" ? "desc" : "asc") : defaultOrder(sort);
  return { ...query, sort, order, page: 1 };
}

/** Whether anything narrows the list (a search or a filter), so "no tracks" means "none match". */
export function isFiltered(query: LibraryQuery): boolean {
  return Boolean(
    query.q.trim() || query.bpmMin !== null || query.bpmMax !== null || query.compatibleWith || query.genre || query.status,
  );
}

/** The same order, without search or filters. */
export function clearFilters(query: LibraryQuery): LibraryQuery {
  return { ...DEFAULT_QUERY, sort: query.sort, order: query.order };
}

/** `GET /tracks` parameters for a page of `limit` tracks. */
export function apiParams(query: LibraryQuery, limit: number): Record<string, string | number | null> {
  return {
    q: query.q.trim(),
    page: query.page,
    limit,
    sort: query.sort,
    order: query.order,
    bpm_min: query.bpmMin,
    bpm_max: query.bpmMax,
    compatible_with: query.compatibleWith,
    genre: query.genre,
    status: query.status,
  };
}
