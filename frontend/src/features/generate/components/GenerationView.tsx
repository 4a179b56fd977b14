import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { ErrorNotice } from "@/components/ErrorNotice";
import { RunProgress } from "@/components/RunProgress";
import { useRun } from "@/hooks/use-run";

import { useRetryRun, useStartGeneration } from "../api/generate";
import { generateResult } from "../lib/outputs";
import type { CurrentGeneration } from "../types";
import { GeneratedTrack } from "./GeneratedTrack";
import { SpecCard } from "./SpecCard";

const STATUS_ANNOUNCEMENTS: Record<string, string> = {
  queued: "Generation queued.",
  running: "Generating…",
  completed: "Your track is ready.",
  failed: "The generation failed.",
  cancelled: "The generation was cancelled.",
};

interface Props {
  current: CurrentGeneration;
  /** A retry or a repeat started a new run for the same spec. */
  onRestarted: (next: CurrentGeneration) => void;
  onAnother: () => void;
}

/** One generation: its spec, its run's live progress, then the track or what went wrong. */
export function GenerationView({ current, onRestarted, onAnother }: Props) {
  const queryClient = useQueryClient();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const run = useRun(current.runId, () => {
    void queryClient.invalidateQueries({ queryKey: ["history"] });
    void queryClient.invalidateQueries({ queryKey: ["tracks"] });
  });
  const retry = useRetryRun();
  const repeat = useStartGeneration();

  useEffect(() => {
    headingRef.current?.focus();
  }, [current.runId]);

  const status = run?.status ?? "queued";
  const result = status === "completed" ? generateResult(run) : null;
  const active = status === "queued" || status === "running";

  const tryAgain = () => {
    if (status === "failed") {
      retry.mutate(current.runId, {
        onSuccess: (next) => onRestarted({ ...current, runId: next.id }),
      });
    } else {
      // A cancelled run cannot be retried: start the same request again.
      repeat.mutate(current.request, {
        onSuccess: ({ run: next, spec }) => onRestarted({ ...current, runId: next.id, spec }),
      });
    }
  };
  const restarting = retry.isPending || repeat.isPending;

  return (
    <div className="gen-view" data-testid="generation-view" data-run-status={status}>
      <div className="gen-view-head">
        <h2 ref={headingRef} tabIndex={-1}>
          {active ? "Generating your track" : status === "completed" ? "Your generation" : "Generation stopped"}
        </h2>
        <button type="button" className={`button${active ? " ghost" : " primary"}`} onClick={onAnother}>
          Generate another
        </button>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {STATUS_ANNOUNCEMENTS[status] ?? ""}
      </p>

      <div className="gen-view-grid">
        <div className="gen-view-main">
          <section className="card gen-progress" aria-label="Generation progress">
            {run ? <RunProgress run={run} /> : <p className="muted">Connecting to the run…</p>}
            {active && (
              <p className="muted gen-hint">
                You can leave this page: the generation keeps going and shows up under “In progress” and in History.
              </p>
            )}
          </section>

          {status === "completed" &&
            (result ? <GeneratedTrack result={result} /> : <p className="error-text">The run finished without a track.</p>)}

          {(status === "failed" || status === "cancelled") && (
            <div className="gen-failure">
              <ErrorNotice
                error={
                  new Error(
                    status === "cancelled"
                      ? "The generation was cancelled."
                      : `The generation failed${run?.error ? "" : " without a reason"}. Try again?`,
                  )
                }
                onRetry={restarting ? undefined : tryAgain}
              />
              {restarting && <p className="muted">Starting again…</p>}
              <ErrorNotice error={retry.error ?? repeat.error} />
            </div>
          )}
        </div>
        <SpecCard spec={current.spec} prompt={current.request.prompt} />
      </div>
    </div>
  );
}
