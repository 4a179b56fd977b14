import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";

import { useConfirm } from "@/components/ConfirmDialog";
import { ErrorNotice } from "@/components/ErrorNotice";
import { RunProgress } from "@/components/RunProgress";
import { AudioPlayer } from "@/components/AudioPlayer";
import { useRun } from "@/hooks/use-run";
import { formatDate } from "@/lib/format";
import type { Job } from "@/lib/types";

import { useDeleteJob } from "../api/history";
import { playableUrl } from "../lib/files";
import { deleteConfirmation, elapsed, statusBadge, summarizeJob, typeLabel } from "../lib/jobs";
import { JobFiles } from "./JobFiles";

interface Props {
  job: Job;
  onDeleted: (job: Job) => void;
}

/** One job: what it was, how it went, its player and files, and delete. */
export function JobCard({ job, onDeleted }: Props) {
  const queryClient = useQueryClient();
  const remove = useDeleteJob();
  const processing = job.status === "processing";
  // A processing job follows its run live; when the run ends, the list is read again.
  const run = useRun(processing ? job.run_id : null, () => {
    void queryClient.invalidateQueries({ queryKey: ["history"] });
  });
  const runActive = processing && run !== null && (run.status === "queued" || run.status === "running");

  const summary = summarizeJob(job);
  const status = statusBadge(job);
  const audio = job.status === "success" ? playableUrl(job) : null;
  const took = elapsed(job.created_at, job.completed_at);
  const titleId = `job-${job.id}-title`;

  const { confirm, dialog } = useConfirm();
  const confirmDelete = async () => {
    const sure = await confirm({
      title: `Delete ${typeLabel(job.type).toLowerCase()}?`,
      message: deleteConfirmation(job),
      confirmLabel: "Delete",
      tone: "danger",
    });
    if (sure) remove.mutate(job.id, { onSuccess: () => onDeleted(job) });
  };

  return (
    <li className="card hist-job" aria-labelledby={titleId} data-job-status={job.status} data-job-type={job.type}>
      {dialog}
      <div className="hist-job-head">
        <div className="badges">
          <span className="badge hist-type">{typeLabel(job.type)}</span>
          <span className={`badge ${status.tone}`}>{status.label}</span>
        </div>
        <button
          type="button"
          className="button danger small"
          onClick={confirmDelete}
          disabled={remove.isPending || runActive}
          title={runActive ? "Cancel the run before deleting it" : undefined}
          aria-label={`Delete ${typeLabel(job.type).toLowerCase()}: ${summary.title}`}
        >
          {remove.isPending ? "Deleting…" : "Delete"}
        </button>
      </div>

      <div className="hist-job-summary">
        <h3 id={titleId} className="hist-job-title">
          {summary.title}
        </h3>
        {summary.detail && <p className="muted hist-job-detail">{summary.detail}</p>}
        {job.thread_id && (
          <p className="hist-job-origin">
            <Link to={`/studio/${job.thread_id}`} data-version-id={job.version_id ?? undefined}>
              Open the chat{job.version_id ? " of this version" : ""}
            </Link>
          </p>
        )}
        <p className="muted hist-job-times">
          <span>
            Started <time dateTime={job.created_at}>{formatDate(job.created_at)}</time>
          </span>
          {job.completed_at && (
            <span>
              {" · "}
              {job.status === "failed" ? (job.cancelled ? "Cancelled" : "Stopped") : "Finished"}{" "}
              <time dateTime={job.completed_at}>{formatDate(job.completed_at)}</time>
              {took && ` (${took})`}
            </span>
          )}
        </p>
      </div>

      {processing &&
        (run ? (
          <RunProgress run={run} compact />
        ) : (
          <p className="muted">{job.run_id ? "Connecting to the run…" : "Processing…"}</p>
        ))}

      {audio && (
        <AudioPlayer
          className="hist-audio"
          src={audio}
          title={summary.title}
          onExpired={() => void queryClient.invalidateQueries({ queryKey: ["history"] })}
        />
      )}

      {job.status === "failed" &&
        (job.cancelled ? (
          <p className="muted hist-job-error">{job.error_message ?? "You cancelled it."}</p>
        ) : (
          <p className="error-text hist-job-error">{job.error_message ?? "This job failed without a reason."}</p>
        ))}

      <JobFiles files={job.outputs} jobType={job.type} />

      <ErrorNotice error={remove.error} onRetry={confirmDelete} />
    </li>
  );
}
