/** Songs from outside the library: `GET /sources/search` and `POST /tracks/import`. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api";
import type { Run, Track } from "@/lib/types";

import type { ImportAnswer, SourceSearchAnswer } from "../types";
import { trackKeys } from "./tracks";

export const SEARCH_LIMIT = 8;

export function searchSources(q: string, signal?: AbortSignal): Promise<SourceSearchAnswer> {
  return api.get<SourceSearchAnswer>("/sources/search", { q: q.trim(), limit: SEARCH_LIMIT }, signal);
}

export async function importTrack(url: string): Promise<ImportAnswer> {
  const response = await api.send("/tracks/import", { method: "POST", json: { url: url.trim() } });
  const body = (await response.json()) as { track: Track; run: Run | null };
  return { track: body.track, run: body.run ?? null, status: response.status };
}

/** Candidates for a submitted query (nothing is asked while the query is empty). */
export function useSourceSearch(q: string) {
  return useQuery({
    queryKey: ["sources", "search", q.trim()],
    queryFn: ({ signal }) => searchSources(q, signal),
    enabled: q.trim() !== "",
    staleTime: 5 * 60 * 1000,
    retry: false,
  });
}

export function useImportTrack() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: importTrack,
    onSettled: () => queryClient.invalidateQueries({ queryKey: trackKeys.all }),
  });
}
