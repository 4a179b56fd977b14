import { Link } from "react-router";

import { useRunActivity } from "@/hooks/use-run-activity";
import type { Run, RunKind } from "@/lib/types";

const KIND_TEXT: Record<RunKind, string> = {
  render: "Rendering",
  generate: "Generating",
  plan: "Planning",
  analyze_track: "Analysing",
  import_track: "Importing",
  audio_mix: "Mixing",
  audio_download: "Downloading",
  video_download: "Downloading",
  feedback: "Listening",
  feedback_fix: "Fixing",
};

/** Where a run's result is seen: its chat, else the page of its kind. */
function runHref(run: Run): string {
  if (run.thread_id) return `/studio/${run.thread_id}`;
  if (run.kind === "generate") return "/generate";
  if (run.kind === "analyze_track") return "/library";
  return "/history";
}

function endedText(run: Run): { text: string; tone: "good" | "bad" | "neutral" } {
  const what = run.kind === "generate" ? "generation" : "render";
  if (run.status === "completed") return { text: `Your ${what} is ready.`, tone: "good" };
  if (run.status === "cancelled") return { text: `The ${what} was cancelled.`, tone: "neutral" };
  return { text: `The ${what} did not finish: ${run.error?.message ?? "it failed"}.`, tone: "bad" };
}

/** Renders and generations end where people may not be looking: those are announced. */
const ANNOUNCED: ReadonlySet<RunKind> = new Set(["render", "generate"]);

/**
 * The shell's run indicator: a badge with what is working right now (any chat, any page) and a
 * notice when a render or a generation ends.
 */
export function RunIndicator() {
  const { active, ended, dismiss } = useRunActivity(true);
  const newest = active[0];
  const notices = ended.filter((run) => ANNOUNCED.has(run.kind));
  const label = active.length === 1 && newest ? KIND_TEXT[newest.kind] : active.length > 1 ? `${active.length} runs working` : "";
  return (
    <>
      {newest && (
        <Link
          className="run-indicator"
          to={runHref(newest)}
          data-testid="run-indicator"
          aria-label={`${label}${active.length === 1 ? " — open it" : " — open the newest"}`}
        >
          <span className="spinner" aria-hidden="true" />
          <span className="run-indicator-text">{label}</span>
          <span className="run-indicator-count" aria-hidden="true">
            {active.length}
          </span>
        </Link>
      )}
      <div className="run-notices" role="status" aria-live="polite">
        {notices.map((run) => {
          const { text, tone } = endedText(run);
          return (
            <div key={run.id} className={`run-notice ${tone}`} data-testid="run-notice">
              <span>{text}</span>
              <Link to={runHref(run)} className="button small" onClick={() => dismiss(run.id)}>
                Open
              </Link>
              <button type="button" className="pill-remove" aria-label="Dismiss" onClick={() => dismiss(run.id)}>
                ×
              </button>
            </div>
          );
        })}
      </div>
    </>
  );
}
