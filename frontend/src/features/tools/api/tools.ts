/** The utility routes: they answer when their run has ended (the request waits). */
import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api";

import type { ClipRequest, DownloadAnswer, DownloadFormat, DownloadKind, MixAnswer } from "../types";

export function joinClips(clips: ClipRequest[]): Promise<MixAnswer> {
  return api.post<MixAnswer>("/process-array", { urls: clips });
}

export function download(kind: DownloadKind, url: string, format: DownloadFormat): Promise<DownloadAnswer> {
  return api.post<DownloadAnswer>(kind === "video" ? "/download-video" : "/download-audio", { url, format });
}

/** Results land in History (and joined songs in the library): both are refreshed after. */
function useRefreshAfter() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["history"] });
    void queryClient.invalidateQueries({ queryKey: ["tracks"] });
  };
}

export function useJoinClips() {
  const refresh = useRefreshAfter();
  return useMutation({ mutationFn: joinClips, onSettled: refresh });
}

export function useDownload() {
  const refresh = useRefreshAfter();
  return useMutation({
    mutationFn: (request: { kind: DownloadKind; url: string; format: DownloadFormat }) =>
      download(request.kind, request.url, request.format),
    onSettled: refresh,
  });
}
