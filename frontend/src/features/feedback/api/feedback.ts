/** The feedback requests and the TanStack Query hooks around them. */
import { useQuery } from "@tanstack/react-query";

import { api } from "@/lib/api";
import type { Run } from "@/lib/types";

import type { Feedback, FeedbackRequest, Genre, TrackOption } from "../types";

export const feedbackKeys = {
  forTrack: (trackId: string) => ["feedback", "track", trackId] as const,
  detail: (id: string) => ["feedback", "detail", id] as const,
  genres: ["feedback", "genres"] as const,
  track: (trackId: string) => ["feedback", "subject", trackId] as const,
  tracks: ["feedback", "tracks"] as const,
};

export async function requestFeedback(trackId: string, body: FeedbackRequest): Promise<Run> {
  return (await api.post<{ run: Run }>(`/tracks/${trackId}/feedback`, body)).run;
}

export async function requestFix(feedbackId: string): Promise<Run> {
  return (await api.post<{ run: Run }>(`/feedback/${feedbackId}/fix`, {})).run;
}

export function useTrackFeedback(trackId: string) {
  return useQuery({
    queryKey: feedbackKeys.forTrack(trackId),
    queryFn: async ({ signal }) => (await api.get<{ items: Feedback[] }>(`/tracks/${trackId}/feedback`, undefined, signal)).items,
  });
}

export function useFeedback(id: string | null) {
  return useQuery({
    queryKey: feedbackKeys.detail(id ?? ""),
    queryFn: async ({ signal }) => (await api.get<{ feedback: Feedback }>(`/feedback/${id}`, undefined, signal)).feedback,
    enabled: Boolean(id),
  });
}

export function useGenres() {
  return useQuery({
    queryKey: feedbackKeys.genres,
    queryFn: async ({ signal }) => (await api.get<{ genres: Genre[] }>("/feedback/genres", undefined, signal)).genres,
    staleTime: Infinity,
  });
}

/** The track being judged (title, audio url for the A/B player). */
export function useSubjectTrack(trackId: string) {
  return useQuery({
    queryKey: feedbackKeys.track(trackId),
    queryFn: async ({ signal }) => (await api.get<{ track: TrackOption }>(`/tracks/${trackId}`, undefined, signal)).track,
  });
}

/** The person's ready tracks, as reference candidates. */
export function useReferenceCandidates() {
  return useQuery({
    queryKey: feedbackKeys.tracks,
    queryFn: async ({ signal }) =>
      (await api.get<{ items: TrackOption[] }>("/tracks", { limit: 100 }, signal)).items.filter(
        (track) => track.status === "ready",
      ),
  });
}
