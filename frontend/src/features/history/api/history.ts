/** History's server state: the paginated job list and deleting a job. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api } from "@/lib/api";
import type { Job, Page } from "@/lib/types";

import type { JobTypeFilter } from "../types";

export const historyKeys = {
  all: ["history"] as const,
  list: (type: JobTypeFilter, page: number, limit: number) =>
    ["history", "list", { type: type || undefined, page, limit }] as const,
  job: (id: string) => ["history", "job", id] as const,
};

export function useHistory(type: JobTypeFilter, page: number, limit: number) {
  return useQuery({
    queryKey: historyKeys.list(type, page, limit),
    queryFn: ({ signal }) => api.get<Page<Job>>("/history", { type: type || undefined, page, limit }, signal),
    placeholderData: keepPreviousData,
  });
}

export function useDeleteJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (jobId: string) => api.delete(`/history/${jobId}`),
    onSuccess: (_result, jobId) => {
      queryClient.removeQueries({ queryKey: historyKeys.job(jobId) });
      return queryClient.invalidateQueries({ queryKey: historyKeys.all });
    },
  });
}
