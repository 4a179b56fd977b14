/** The /tracks requests and the TanStack Query hooks around them. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api";
import type { Run, Track } from "@/lib/types";

import { DETAIL_POLL_MS, pollInterval } from "../lib/polling";
import { apiParams } from "../lib/query";
import type { DemoAnswer, GenreCount, PeaksAnswer, TrackAnswer, TrackListParams, TrackPage, UploadAnswer } from "../types";

export const trackKeys = {
  all: ["tracks"] as const,
  list: (params: TrackListParams) => ["tracks", "list", params] as const,
  detail: (id: string) => ["tracks", "detail", id] as const,
  peaks: (id: string) => ["tracks", "peaks", id] as const,
  genres: ["tracks", "genres"] as const,
};

export function listTracks(params: TrackListParams, signal?: AbortSignal): Promise<TrackPage> {
  return api.get<TrackPage>("/tracks", apiParams(params.query, params.limit), signal);
}

export async function listGenres(signal?: AbortSignal): Promise<GenreCount[]> {
  return (await api.get<{ items: GenreCount[] }>("/tracks/genres", undefined, signal)).items;
}

export async function getTrack(id: string, signal?: AbortSignal): Promise<Track> {
  return (await api.get<TrackAnswer>(`/tracks/${id}`, undefined, signal)).track;
}

export function getPeaks(id: string, signal?: AbortSignal): Promise<PeaksAnswer> {
  return api.get<PeaksAnswer>(`/tracks/${id}/peaks`, undefined, signal);
}

/** Upload a file; the library answers with the track it already has for the same file unless `keepDuplicate`. */
export function uploadTrack(file: File, onProgress?: (fraction: number) => void, keepDuplicate = false): Promise<UploadAnswer> {
  const form = new FormData();
  form.append("file", file, file.name);
  if (keepDuplicate) form.append("keep_duplicate", "true");
  return api.upload<UploadAnswer>("/tracks", form, onProgress);
}

export async function addDemoTracks(): Promise<DemoAnswer> {
  const response = await api.send("/tracks/demo", { method: "POST" });
  const body = (await response.json()) as { tracks: Track[]; runs: Run[] };
  return { tracks: body.tracks ?? [], runs: body.runs ?? [], status: response.status };
}

export async function renameTrack(id: string, patch: { title?: string; artist?: string; genre?: string }): Promise<Track> {
  return (await api.patch<TrackAnswer>(`/tracks/${id}`, patch)).track;
}

export function deleteTrack(id: string): Promise<void> {
  return api.delete(`/tracks/${id}`);
}

// --- hooks ---------------------------------------------------------------------------------

/** A page of the library; polls while any listed track is still being analysed. */
export function useTrackList(params: TrackListParams) {
  return useQuery({
    queryKey: trackKeys.list(params),
    queryFn: ({ signal }) => listTracks(params, signal),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => pollInterval(query.state.data?.items),
  });
}

/** The genres in the library, for the genre filter. */
export function useGenres() {
  return useQuery({ queryKey: trackKeys.genres, queryFn: ({ signal }) => listGenres(signal) });
}

export function useTrack(id: string, enabled = true) {
  return useQuery({
    queryKey: trackKeys.detail(id),
    queryFn: ({ signal }) => getTrack(id, signal),
    enabled,
    refetchInterval: (query) => {
      const track = query.state.data;
      return track ? pollInterval([track], DETAIL_POLL_MS) : false;
    },
  });
}

export function usePeaks(id: string, ready: boolean) {
  return useQuery({
    queryKey: trackKeys.peaks(id),
    queryFn: ({ signal }) => getPeaks(id, signal),
    enabled: ready,
    staleTime: Number.POSITIVE_INFINITY, // a track's waveform never changes
  });
}

export function useAddDemoTracks() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: addDemoTracks,
    onSettled: () => queryClient.invalidateQueries({ queryKey: trackKeys.all }),
  });
}

export function useRenameTrack(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: { title?: string; artist?: string; genre?: string }) => renameTrack(id, patch),
    onSuccess: (track) => {
      queryClient.setQueryData(trackKeys.detail(id), track);
      void queryClient.invalidateQueries({ queryKey: ["tracks", "list"] });
      void queryClient.invalidateQueries({ queryKey: trackKeys.genres });
    },
  });
}

export function useDeleteTrack() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => deleteTrack(id),
    onSuccess: (_answer, id) => {
      // Gone from every cached page at once; the refetch below brings the next track up.
      queryClient.setQueriesData<TrackPage>({ queryKey: ["tracks", "list"] }, (page) =>
        page && page.items.some((track) => track.id === id)
          ? { ...page, items: page.items.filter((track) => track.id !== id), total: Math.max(0, page.total - 1) }
          : page,
      );
      // Only what no page shows any more: the track's own page is still mounted while it
      // navigates away, and a removed query it still observes is fetched again (a 404).
      queryClient.removeQueries({ queryKey: trackKeys.detail(id), type: "inactive" });
      queryClient.removeQueries({ queryKey: trackKeys.peaks(id), type: "inactive" });
      void queryClient.invalidateQueries({ queryKey: ["tracks", "list"] });
    },
  });
}
