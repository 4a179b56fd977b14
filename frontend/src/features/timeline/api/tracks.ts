/** The timeline editor's reads: a track's waveform peaks and a fresh signed audio url. */
import { useQuery, type QueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api";
import type { Id, Peaks, Track } from "@/lib/types";

export const peaksQueryKey = (trackId: Id) => ["tracks", trackId, "peaks"] as const;

/** GET /tracks/<id>/peaks — stable once a track is analysed, so cached for the session. */
export function useTrackPeaks(trackId: Id, enabled = true) {
  return useQuery({
    queryKey: peaksQueryKey(trackId),
    queryFn: ({ signal }) => api.get<Peaks>(`/tracks/${encodeURIComponent(trackId)}/peaks`, undefined, signal),
    enabled,
    staleTime: Infinity,
    retry: 1,
  });
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
