import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import { RunProgress } from "@/components/RunProgress";
import { useRun } from "@/hooks/use-run";
import { downloadHref } from "@/lib/file-urls";
import type { Run } from "@/lib/types";

import {
  feedbackKeys,
  requestFeedback,
  requestFix,
  useFeedback,
  useGenres,
  useReferenceCandidates,
  useSubjectTrack,
  useTrackFeedback,
} from "../api/feedback";
import { fixText } from "../lib/ab";
import type { Detail, Feedback, FeedbackType, Finding, Report } from "../types";
import { ABPlayer } from "./ABPlayer";
import { LoudnessChart, SpectrumChart, StereoChart } from "./Charts";
import "../feedback.css";

const AREA_NAMES: Record<string, string> = {
  peaks: "Peaks and clipping",
  loudness: "Loudness",
  dynamics: "Dynamics",
  tonal_balance: "Tonal balance",
  low_end: "Low end",
  harshness: "Harshness",
  stereo: "Stereo image",
  transients: "Transients and punch",
  noise: "Noise floor",
};

/** Mix/master feedback on one track: ask, follow the run, read the report, fix it, compare. */
export function FeedbackPage() {
  const { trackId = "" } = useParams();
  const queryClient = useQueryClient();
  const track = useSubjectTrack(trackId);
  const reports = useTrackFeedback(trackId);
  // A chat's feedback card links to its own report (`?report=`); otherwise the newest shows.
  const [params] = useSearchParams();
  const [chosen, setChosen] = useState<string | null>(params.get("report"));
  const [runId, setRunId] = useState<string | null>(null);
  const [startError, setStartError] = useState<unknown>(null);
  const selected = chosen ?? reports.data?.[0]?.id ?? null;
  const feedback = useFeedback(selected);

  const run = useRun(runId, (finished: Run) => {
    void queryClient.invalidateQueries({ queryKey: feedbackKeys.forTrack(trackId) });
    const id = finished.result?.feedback_id;
    if (finished.status === "completed" && typeof id === "string") setChosen(id);
  });

  const start = async (begin: () => Promise<Run>) => {
    setStartError(null);
    try {
      const started = await begin();
      queryClient.setQueryData(["run", started.id], started);
      setRunId(started.id);
    } catch (error) {
      setStartError(error);
    }
  };

  return (
    <section className="page feedback-page" data-testid="feedback-page">
      <Link className="back-link" to={`/library/${trackId}`}>
        ← Track
      </Link>
      <h1>Feedback{track.data ? `: ${track.data.title}` : ""}</h1>
      <ErrorNotice error={track.error ?? reports.error} />
      <RequestForm onSubmit={(body) => void start(() => requestFeedback(trackId, body))} trackId={trackId} />
      <ErrorNotice error={startError} />
      {run && <RunProgress run={run} />}
      {(reports.data?.length ?? 0) > 1 && (
        <label className="feedback-history">
          Report{" "}
          <select value={selected ?? ""} onChange={(event) => setChosen(event.target.value)}>
            {reports.data?.map((item) => (
              <option key={item.id} value={item.id}>
                {new Date(item.created_at).toLocaleString()} · {item.type}
                {item.parent_id ? " · corrected master" : ""} · {item.overall_score}/100
              </option>
            ))}
          </select>
        </label>
      )}
      {reports.data?.length === 0 && !run && <p className="muted">No feedback yet: ask for a report above.</p>}
      <ErrorNotice error={feedback.error} />
      {feedback.data?.report && (
        <ReportView
          feedback={feedback.data}
          report={feedback.data.report}
          originalUrl={track.data?.audio_url ?? null}
          onFix={() => void start(() => requestFix(feedback.data.id))}
          fixing={Boolean(run && (run.status === "queued" || run.status === "running"))}
        />
      )}
    </section>
  );
}

function RequestForm({
  onSubmit,
  trackId,
}: {
  onSubmit: (body: { type: FeedbackType; genre: string | null; reference_track_id: string | null; detail: Detail }) => void;
  trackId: string;
}) {
  const genres = useGenres();
  const candidates = useReferenceCandidates();
  const [type, setType] = useState<FeedbackType>("master");
  const [genre, setGenre] = useState("");
  const [reference, setReference] = useState("");
  const [detail, setDetail] = useState<Detail>("detailed");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit({ type, genre: genre || null, reference_track_id: reference || null, detail });
  };
  return (
    <form className="card feedback-form" onSubmit={submit} aria-label="Ask for feedback">
      <label>
        Type
        <select value={type} onChange={(event) => setType(event.target.value as FeedbackType)}>
          <option value="master">Master</option>
          <option value="mix">Mix</option>
        </select>
      </label>
      <label>
        Genre target
        <select value={genre} onChange={(event) => setGenre(event.target.value)}>
          <option value="">None (all-genre average)</option>
          {genres.data?.map((g) => (
            <option key={g.id} value={g.id} title={g.source}>
              {g.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reference track
        <select value={reference} onChange={(event) => setReference(event.target.value)}>
          <option value="">None</option>
          {candidates.data
            ?.filter((t) => t.id !== trackId)
            .map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
        </select>
      </label>
      <label>
        Detail
        <select value={detail} onChange={(event) => setDetail(event.target.value as Detail)}>
          <option value="detailed">Detailed</option>
          <option value="brief">Brief (top 3)</option>
        </select>
      </label>
      <button type="submit" className="button primary">
        Get feedback
      </button>
    </form>
  );
}

interface ReportProps {
  feedback: Feedback;
  report: Report;
  originalUrl: string | null;
  onFix: () => void;
  fixing: boolean;
}

function ReportView({ feedback, report, originalUrl, onFix, fixing }: ReportProps) {
  const master = feedback.files.find((file) => file.name === "master.mp3");
  const fixable = report.findings.some((finding) => finding.remaster_fixable);
  return (
    <article className="feedback-report" data-testid="feedback-report">
      <header className="card">
        <p className="feedback-summary">{report.summary}</p>
        <p className="muted">
          {report.compared_with ? `Tonal balance compared with ${report.compared_with.label}.` : ""} Overall{" "}
          <strong>{report.overall_score}/100</strong>.
        </p>
        <div className="feedback-actions">
          <a className="button" href={downloadHref(feedback.pdf_url)} data-testid="feedback-pdf">
            Download PDF
          </a>
          {!feedback.parent_id && (
            <button type="button" className="button primary" onClick={onFix} disabled={fixing || !fixable}>
              Fix it (corrected master)
            </button>
          )}
        </div>
      </header>
      {report.improvement && (
        <section className="card" aria-label="What improved">
          <h2>What the corrected master improved</h2>
          <ul className="improvement-list">
            {Object.entries(report.improvement.areas)
              .filter(([, s]) => s.before !== s.after)
              .map(([area, s]) => (
                <li key={area}>
                  {AREA_NAMES[area] ?? area}: {s.before} → {s.after}
                </li>
              ))}
          </ul>
          {report.improvement.remaining.length > 0 && (
            <p className="muted">Still there (no re-master can undo it): {report.improvement.remaining.join("; ")}</p>
          )}
        </section>
      )}
      {master?.url && originalUrl && (
        <ABPlayer
          originalUrl={originalUrl}
          fixedUrl={master.url}
          originalLufs={report.improvement?.loudness.before ?? null}
          fixedLufs={report.improvement?.loudness.after ?? null}
        />
      )}
      <section className="card" aria-label="Scores">
        <h2>Scores</h2>
        <ul className="score-list">
          {Object.entries(report.scores).map(([area, score]) => (
            <li key={area}>
              <span>{AREA_NAMES[area] ?? area}</span>
              <meter
                min={0}
                max={100}
                low={50}
                high={80}
                optimum={100}
                value={score}
                aria-label={`${AREA_NAMES[area] ?? area} score`}
              />
              <span>{score}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-label="Findings">
        <h2>Findings</h2>
        {report.findings.length === 0 ? <p>No findings.</p> : <Findings findings={report.findings} />}
        {report.finding_count > report.findings.length && (
          <p className="muted">{report.finding_count - report.findings.length} more in a detailed report.</p>
        )}
      </section>
      <section className="card feedback-charts" aria-label="Charts">
        <SpectrumChart report={report} />
        <LoudnessChart report={report} />
        <StereoChart report={report} />
      </section>
    </article>
  );
}

function Findings({ findings }: { findings: Finding[] }) {
  return (
    <ol className="finding-list">
      {findings.map((finding) => (
        <li key={`${finding.rule}-${finding.title}`} className={`finding severity-${finding.severity}`}>
          <h3>
            <span className="badge">{finding.severity}</span> {finding.title}
          </h3>
          <p>{finding.explanation}</p>
          <p className="finding-fix">
            <strong>Fix:</strong> {finding.fixes.map(fixText).join("; ")}
          </p>
        </li>
      ))}
    </ol>
  );
}
