/**
 * A run's latest state: followed live with useRun when it is among the few followed at a time,
 * otherwise polled with short requests (see MAX_FOLLOWED_RUNS). Reports its end once.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useEffectEvent, useRef } from "react";

import { useRun } from "@/hooks/use-run";
import { api } from "@/lib/api";
import { getRun } from "@/lib/runs-api";
import { TERMINAL_RUN_STATUSES, type Run } from "@/lib/types";

const POLL_MS = 4000;

export function useTrackedRun(initial: Run, live: boolean, ended: boolean, onEnd: (run: Run) => void): Run {
  const followed = useRun(live && !ended ? initial.id : null);
  const polled = useQuery({
    queryKey: ["run", initial.id],
    queryFn: ({ signal }) => getRun(api, initial.id, signal),
    enabled: !live && !ended,
    initialData: initial,
    initialDataUpdatedAt: 0,
    refetchInterval: (query) => (query.state.data && TERMINAL_RUN_STATUSES.has(query.state.data.status) ? false : POLL_MS),
  });
  const run = followed ?? polled.data ?? initial;

  const reported = useRef(ended);
  const reportEnd = useEffectEvent(onEnd);
  useEffect(() => {
    if (!reported.current && TERMINAL_RUN_STATUSES.has(run.status)) {
      reported.current = true;
      reportEnd(run);
    }
  }, [run]);

  return run;
}
