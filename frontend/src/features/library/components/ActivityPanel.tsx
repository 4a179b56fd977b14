import { Link } from "react-router";

import { RunProgress } from "@/components/RunProgress";
import { formatBytes } from "@/lib/format";

import type { LibraryActivity } from "../hooks/use-library-activity";
import { useTrackedRun } from "../hooks/use-tracked-run";
import { describeSummary, followedRunIds, isRunEnded, summarizeUploads, type DemoEntry, type UploadItem } from "../lib/activity";

/** Progress of the uploads and demo analyses started in this tab. */
export function ActivityPanel({ activity, notice }: { activity: LibraryActivity; notice: string | null }) {
  const { state } = activity;
  const followed = followedRunIds(state);
  const summary = summarizeUploads(state.uploads);
  const finished =
    summary.ready + summary.failed + summary.duplicate > 0 || state.demo.some((entry) => isRunEnded(state, entry.run.id));
  const empty = state.uploads.length === 0 && state.demo.length === 0;

  return (
    <>
      <p className="visually-hidden" aria-live="polite" role="status">
        {[notice, describeSummary(summary)].filter(Boolean).join(". ")}
      </p>
      {notice && <p className="library-notice muted">{notice}</p>}
      {!empty && (
        <section className="card library-activity" aria-labelledby="library-activity-title" data-testid="library-activity">
          <div className="library-activity-head">
            <h2 id="library-activity-title">In progress</h2>
            {finished && (
              <button type="button" className="button ghost small" onClick={activity.clearFinished}>
                Clear finished
              </button>
            )}
          </div>
          {state.demo.length > 0 && (
            <ul className="activity-list" aria-label="Demo tracks being added">
              {state.demo.map((entry) => (
                <DemoRow
                  key={entry.run.id}
                  entry={entry}
                  live={followed.has(entry.run.id)}
                  ended={isRunEnded(state, entry.run.id)}
                  onEnd={activity.runEnded}
                />
              ))}
            </ul>
          )}
          {state.uploads.length > 0 && (
            <ul className="activity-list" aria-label="Uploads">
              {state.uploads.map((item) => (
                <UploadRow
                  key={item.id}
                  item={item}
                  live={item.runId !== null && followed.has(item.runId)}
                  ended={item.runId !== null && isRunEnded(state, item.runId)}
                  onEnd={activity.runEnded}
                  onDismiss={() => activity.dismiss(item.id)}
                  onRetry={() => activity.retry(item.id)}
                  onKeep={() => activity.keepDuplicate(item.id)}
                />
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}

interface RowRunProps {
  live: boolean;
  ended: boolean;
  onEnd: Parameters<typeof useTrackedRun>[3];
}

function DemoRow({ entry, live, ended, onEnd }: { entry: DemoEntry } & RowRunProps) {
  const run = useTrackedRun(entry.run, live, ended, onEnd);
  return (
    <li className="activity-row" aria-label={`Demo track ${entry.title}`}>
      <div className="activity-row-head">
        <span className="activity-name">{entry.title}</span>
        <span className="muted">demo</span>
      </div>
      <RunProgress run={run} compact />
    </li>
  );
}

function AnalysisProgress({
  item,
  live,
  ended,
  onEnd,
}: { item: UploadItem & { run: NonNullable<UploadItem["run"]> } } & RowRunProps) {
  const run = useTrackedRun(item.run, live, ended, onEnd);
  return <RunProgress run={run} compact />;
}

function UploadRow({
  item,
  onDismiss,
  onRetry,
  onKeep,
  ...runProps
}: { item: UploadItem; onDismiss: () => void; onRetry: () => void; onKeep: () => void } & RowRunProps) {
  const percent = Math.round(item.progress * 100);
  return (
    <li className={`activity-row upload-${item.phase}`} aria-label={`Upload ${item.name}`} data-phase={item.phase}>
      <div className="activity-row-head">
        <span className="activity-name" title={item.name}>
          {item.name}
        </span>
        <span className="muted">{formatBytes(item.size)}</span>
        <UploadPhaseBadge phase={item.phase} />
        {item.phase === "ready" && item.trackId && (
          <Link className="button ghost small" to={`/library/${item.trackId}`}>
            Open
          </Link>
        )}
        {item.phase === "failed" && item.retryable && (
          <button type="button" className="button small" onClick={onRetry} aria-label={`Retry ${item.name}`}>
            Retry
          </button>
        )}
        {item.phase !== "uploading" && (
          <button type="button" className="button ghost small" onClick={onDismiss} aria-label={`Dismiss ${item.name}`}>
            ✕
          </button>
        )}
      </div>
      {(item.phase === "queued" || item.phase === "uploading") && (
        <div className="upload-progress">
          <div
            className="progress-bar"
            role="progressbar"
            aria-label={`Uploading ${item.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={item.phase === "queued" ? "Waiting to upload" : `${percent}% uploaded`}
          >
            <div className="progress-fill" style={{ width: `${percent}%` }} />
          </div>
          <span className="upload-percent">{item.phase === "queued" ? "Waiting" : `${percent}%`}</span>
        </div>
      )}
      {item.phase === "analyzing" && item.run && <AnalysisProgress item={{ ...item, run: item.run }} {...runProps} />}
      {item.phase === "failed" && item.error && <p className="error-text upload-error">{item.error}</p>}
      {item.phase === "duplicate" && item.duplicateOf && (
        <div className="duplicate-offer" data-testid="duplicate-offer">
          <p className="upload-error">
            This file is already in your library as <strong>“{item.duplicateOf.title}”</strong>. Use that track, or keep a second
            copy.
          </p>
          <div className="form-actions">
            <Link className="button primary small" to={`/library/${item.duplicateOf.id}`}>
              Open “{item.duplicateOf.title}”
            </Link>
            <button type="button" className="button small" onClick={onKeep} aria-label={`Keep a second copy of ${item.name}`}>
              Keep a second copy
            </button>
          </div>
        </div>
      )}
    </li>
  );
}

const PHASE_TEXT: Record<UploadItem["phase"], [string, string]> = {
  queued: ["Queued", ""],
  uploading: ["Uploading", "warn"],
  analyzing: ["Analysing", "warn"],
  ready: ["Ready", "good"],
  failed: ["Failed", "bad"],
  duplicate: ["Already in your library", "warn"],
};

function UploadPhaseBadge({ phase }: { phase: UploadItem["phase"] }) {
  const [text, tone] = PHASE_TEXT[phase];
  return <span className={`badge ${tone}`}>{text}</span>;
}
