import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import { RunProgress } from "@/components/RunProgress";
import { AudioPlayer } from "@/components/AudioPlayer";
import { useRun } from "@/hooks/use-run";
import { formatDate } from "@/lib/format";
import type { Job } from "@/lib/types";

import { useRecentGenerations } from "../api/generate";
import { jobInput, splitRecentJobs } from "../lib/outputs";
import { specSummary } from "../lib/spec";

const RECENT = 5;

/** Generations still running (also after a reload) and the last few finished ones. */
export function RecentGenerations({ shownRunIds }: { shownRunIds: ReadonlySet<string> }) {
  const recent = useRecentGenerations(RECENT);

  if (recent.isPending)
    return (
      <p className="muted" aria-busy="true">
        Loading recent generations…
      </p>
    );
  if (recent.isError) return <ErrorNotice error={recent.error} onRetry={() => void recent.refetch()} />;

  const { inFlight, finished } = splitRecentJobs(recent.data.items, shownRunIds);
  if (inFlight.length === 0 && finished.length === 0) return null;

  return (
    <div className="gen-recent">
      {inFlight.length > 0 && (
        <section aria-labelledby="gen-inflight-title" data-testid="generations-in-progress">
          <h2 id="gen-inflight-title">In progress</h2>
          <ul className="gen-job-list">
            {inFlight.map((job) => (
              <InFlightGeneration key={job.id} job={job} />
            ))}
          </ul>
        </section>
      )}
      {finished.length > 0 && (
        <section aria-labelledby="gen-recent-title" data-testid="recent-generations">
          <div className="gen-view-head">
            <h2 id="gen-recent-title">Recent generations</h2>
            <Link to="/history?type=generate">All in History</Link>
          </div>
          <ul className="gen-job-list">
            {finished.map((job) => (
              <FinishedGeneration key={job.id} job={job} />
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function JobHeading({ job }: { job: Job }) {
  const { prompt, spec } = jobInput(job);
  return (
    <div className="gen-job-head">
      <p className="gen-job-prompt">{prompt ?? "Generated track"}</p>
      <p className="muted gen-job-meta">{[specSummary(spec), formatDate(job.created_at)].filter(Boolean).join(" · ")}</p>
    </div>
  );
}

function InFlightGeneration({ job }: { job: Job }) {
  const queryClient = useQueryClient();
  const run = useRun(job.run_id, () => {
    void queryClient.invalidateQueries({ queryKey: ["history"] });
    void queryClient.invalidateQueries({ queryKey: ["tracks"] });
  });
  return (
    <li className="card gen-job">
      <JobHeading job={job} />
      {run ? <RunProgress run={run} compact /> : <p className="muted">Processing…</p>}
    </li>
  );
}

function FinishedGeneration({ job }: { job: Job }) {
  const queryClient = useQueryClient();
  const { prompt } = jobInput(job);
  return (
    <li className="card gen-job">
      <div className="gen-job-row">
        <JobHeading job={job} />
        <span className={`badge ${job.status === "success" ? "good" : "bad"}`}>
          {job.status === "success" ? "Done" : "Failed"}
        </span>
      </div>
      {job.status === "success" && job.output_url && (
        <AudioPlayer
          className="gen-audio"
          src={job.output_url}
          title={prompt ?? "the generated track"}
          onExpired={() => void queryClient.invalidateQueries({ queryKey: ["history"] })}
        />
      )}
      {job.status === "failed" && job.error_message && <p className="error-text">{job.error_message}</p>}
    </li>
  );
}
