/** Live state of one run through the shared transport; the query cache keeps the last snapshot. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { api } from "@/lib/api";
import { followRun } from "@/lib/run-events";
import type { Run } from "@/lib/types";

export function useRun(runId: string | null | undefined, onTerminal?: (run: Run) => void): Run | null {
  const queryClient = useQueryClient();
  const [run, setRun] = useState<Run | null>(() =>
    runId ? (queryClient.getQueryData<Run>(["run", runId]) ?? null) : null,
  );

  useEffect(() => {
    if (!runId) return undefined;
    setRun(queryClient.getQueryData<Run>(["run", runId]) ?? null);
    return followRun(api, runId, {
      onUpdate: ({ run: snapshot, terminal }) => {
        queryClient.setQueryData(["run", runId], snapshot);
        setRun(snapshot);
        if (terminal) onTerminal?.(snapshot);
      },
    });
    // onTerminal is a callback of the caller's render; following restarts only for a new run.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runId, queryClient]);

  return run;
}
