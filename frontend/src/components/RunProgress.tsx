import { useState } from "react";

import { api } from "@/lib/api";
import { cancelRun } from "@/lib/runs-api";
import type { Run } from "@/lib/types";

const STATUS_TEXT: Record<string, string> = {
  queued: "Waiting for a worker…",
  running: "Working…",
  completed: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** Stage, percent bar and cancel for any run. */
export function RunProgress({ run, compact = false }: { run: Run; compact?: boolean }) {
  const [cancelling, setCancelling] = useState(false);
  const percent = Math.max(0, Math.min(100, Math.round(run.progress_percent ?? 0)));
  const active = run.status === "queued" || run.status === "running";
  const label = run.progress_label || STATUS_TEXT[run.status] || run.status;

  const cancel = async () => {
    setCancelling(true);
    try {
      await cancelRun(api, run.id);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <div className={`run-progress run-${run.status}${compact ? " compact" : ""}`} data-run-status={run.status}>
      <div className="run-progress-head">
        <span className="run-progress-label">{label}</span>
        {run.progress_stage && <span className="run-progress-stage">{run.progress_stage}</span>}
        <span className="run-progress-percent">{percent}%</span>
        {active && (
          <button type="button" className="button ghost small" onClick={cancel} disabled={cancelling || run.cancel_requested}>
            {run.cancel_requested ? "Cancelling…" : "Cancel"}
          </button>
        )}
      </div>
      <div
        className="progress-bar"
        role="progressbar"
        aria-label={`${run.kind} progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      {run.progress_detail && !compact && <p className="run-progress-detail">{run.progress_detail}</p>}
      {run.error && run.status !== "cancelled" && <p className="error-text">{run.error.message}</p>}
    </div>
  );
}
