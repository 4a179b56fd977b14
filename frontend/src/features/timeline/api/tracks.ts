/** The timeline editor's reads: a track's waveform peaks and a fresh signed audio url. */
import { useQueries, useQuery, type QueryClient, type UseQueryResult } from "@tanstack/react-query";

import { api } from "@/lib/api";
import type { Id, Peaks, Track } from "@/lib/types";

export const peaksQueryKey = (trackId: Id) => ["tracks", trackId, "peaks"] as const;

function peaksQuery(trackId: Id, enabled: boolean) {
  return {
    queryKey: peaksQueryKey(trackId),
    queryFn: ({ signal }: { signal: AbortSignal }) =>
      api.get<Peaks>(`/tracks/${encodeURIComponent(trackId)}/peaks`, undefined, signal),
    enabled,
    staleTime: Infinity,
    retry: 1,
  };
}

/** GET /tracks/<id>/peaks — stable once a track is analysed, so cached for the session. */
export function useTrackPeaks(trackId: Id, enabled = true) {
  return useQuery(peaksQuery(trackId, enabled));
}

function peaksById(results: UseQueryResult<Peaks>[]): Readonly<Record<Id, Peaks>> {
  const byId: Record<Id, Peaks> = {};
  for (const result of results) if (result.data) byId[result.data.track_id] = result.data;
  return byId;
}

/** The waveforms of several tracks, by track id, as they arrive (a missing one is not drawn). */
export function useTracksPeaks(trackIds: readonly Id[]) {
  return useQueries({ queries: trackIds.map((id) => peaksQuery(id, true)), combine: peaksById });
}

/** A signed url's token lasts 15 min (FILE_TOKEN_TTL_SECONDS): read the track again after 5. */
const AUDIO_URL_FRESH_MS = 5 * 60_000;

/**
 * The track's `audio_url`, signed recently enough to stream a preview; falls back to the url
 * the studio gave us when the track cannot be read again.
 */
export async function freshAudioUrl(queryClient: QueryClient, track: Track): Promise<string> {
  try {
    return await queryClient.fetchQuery({
      queryKey: ["timeline", "track-audio-url", track.id],
      queryFn: async () => (await api.get<{ track: Track }>(`/tracks/${encodeURIComponent(track.id)}`)).track.audio_url,
      staleTime: AUDIO_URL_FRESH_MS,
    });
  } catch {
    return track.audio_url;
  }
}
