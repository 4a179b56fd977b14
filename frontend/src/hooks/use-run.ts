/** Live state of one run through the shared transport; the query cache keeps the last snapshot. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useEffectEvent, useState } from "react";

import { api } from "@/lib/api";
import { followRun } from "@/lib/run-events";
import type { Run } from "@/lib/types";

export function useRun(runId: string | null | undefined, onTerminal?: (run: Run) => void): Run | null {
  const queryClient = useQueryClient();
  const [latest, setLatest] = useState<Run | null>(null);
  // onTerminal is a callback of the caller's render; following restarts only for a new run.
  const reportTerminal = useEffectEvent((snapshot: Run) => onTerminal?.(snapshot));

  useEffect(() => {
    if (!runId) return undefined;
    return followRun(api, runId, {
      onUpdate: ({ run: snapshot, terminal }) => {
        queryClient.setQueryData(["run", runId], snapshot);
        setLatest(snapshot);
        if (terminal) reportTerminal(snapshot);
      },
    });
  }, [runId, queryClient]);

  if (!runId) return null;
  // Until this run's first update arrives: the last snapshot anyone cached for it.
  return latest?.id === runId ? latest : (queryClient.getQueryData<Run>(["run", runId]) ?? null);
}
