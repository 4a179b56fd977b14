/** The generation feature's server state: requests and their TanStack Query hooks. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api";
import { retryRun } from "@/lib/runs-api";
import type { Job, Page, Track } from "@/lib/types";

import type { GenerateRequest, GenerateResponse } from "../types";

export const generateKeys = {
  recent: (limit: number) => ["history", "list", { type: "generate", page: 1, limit }] as const,
  job: (id: string) => ["history", "job", id] as const,
  track: (id: string) => ["tracks", "detail", id] as const,
  readyTracks: () => ["tracks", "list", { limit: 100, purpose: "reference" }] as const,
};

export function useStartGeneration() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: GenerateRequest) => api.post<GenerateResponse>("/generate-ai", body),
    onSuccess: ({ run }) => {
      // useRun starts from this snapshot instead of an empty state.
      queryClient.setQueryData(["run", run.id], run);
      void queryClient.invalidateQueries({ queryKey: ["history"] });
    },
  });
}

export function useRetryRun() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (runId: string) => retryRun(api, runId),
    onSuccess: (run) => {
      queryClient.setQueryData(["run", run.id], run);
      void queryClient.invalidateQueries({ queryKey: ["history"] });
    },
  });
}

/** Tracks that can be a reference: analysed (ready) ones, up to the first 100. */
export function useReferenceTracks() {
  return useQuery({
    queryKey: generateKeys.readyTracks(),
    queryFn: ({ signal }) => api.get<Page<Track>>("/tracks", { limit: 100 }, signal),
    select: (page) => page.items.filter((track) => track.status === "ready"),
  });
}

export function useTrack(trackId: string | null | undefined) {
  return useQuery({
    queryKey: generateKeys.track(trackId ?? ""),
    queryFn: ({ signal }) => api.get<{ track: Track }>(`/tracks/${trackId}`, undefined, signal).then((r) => r.track),
    enabled: Boolean(trackId),
  });
}

export function useJob(jobId: string | null | undefined) {
  return useQuery({
    queryKey: generateKeys.job(jobId ?? ""),
    queryFn: ({ signal }) => api.get<{ job: Job }>(`/history/${jobId}`, undefined, signal).then((r) => r.job),
    enabled: Boolean(jobId),
  });
}

/** The latest generate jobs: those still processing after a reload, and the last finished. */
export function useRecentGenerations(limit = 5) {
  return useQuery({
    queryKey: generateKeys.recent(limit),
    queryFn: ({ signal }) => api.get<Page<Job>>("/history", { type: "generate", page: 1, limit }, signal),
  });
}
