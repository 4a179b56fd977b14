/**
 * What is running for the signed-in user, across every chat: polled while the page is visible,
 * with the runs that ended since the last look (their final snapshot), so the shell can say so.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";

import { api } from "@/lib/api";
import { getRun, listActiveRuns } from "@/lib/runs-api";
import type { Id, Run } from "@/lib/types";

const POLL_MS = 3000;

export interface RunActivity {
  active: Run[];
  /** Runs that were active and have ended, oldest first, until dismissed. */
  ended: Run[];
  dismiss: (id: Id) => void;
}

export function useRunActivity(enabled: boolean): RunActivity {
  const query = useQuery({
    queryKey: ["runs", "active"],
    queryFn: ({ signal }) => listActiveRuns(api, signal),
    enabled,
    refetchInterval: POLL_MS,
    staleTime: 0,
  });
  const [ended, setEnded] = useState<Run[]>([]);
  const seen = useRef<Map<Id, Run> | null>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const active = query.data;
  useEffect(() => {
    if (!active) return;
    const now = new Map(active.map((run) => [run.id, run]));
    // The first answer is the baseline: runs that ended before this page opened are old news.
    const gone = seen.current ? [...seen.current.keys()].filter((id) => !now.has(id)) : [];
    seen.current = now;
    if (gone.length === 0) return;
    // Not aborted when the next poll lands: an ending must be reported even then.
    void Promise.all(gone.map((id) => getRun(api, id).catch(() => null))).then((runs) => {
      const finished = runs.filter((run): run is Run => run !== null);
      if (mounted.current && finished.length) setEnded((list) => [...list, ...finished]);
    });
  }, [active]);

  return {
    active: active ?? [],
    ended,
    dismiss: (id) => setEnded((list) => list.filter((run) => run.id !== id)),
  };
}
