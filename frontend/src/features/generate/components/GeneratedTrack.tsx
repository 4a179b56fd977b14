import { Link } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import { AudioPlayer } from "@/components/AudioPlayer";
import { formatClock } from "@/lib/format";

import { useJob, useTrack } from "../api/generate";
import type { GenerateResult } from "../types";
import { OutputFiles } from "./OutputFiles";

/** The finished track: a player, its place in the library, and the job's files. */
export function GeneratedTrack({ result }: { result: GenerateResult }) {
  const track = useTrack(result.track_id);
  const job = useJob(result.job_id);

  return (
    <section className="card gen-result" aria-labelledby="gen-result-title" data-testid="generation-result">
      <div className="gen-result-head">
        <h2 id="gen-result-title">{track.data?.title ?? "Your track"}</h2>
        <div className="badges">
          {track.data?.duration_s != null && <span className="badge">{formatClock(track.data.duration_s)}</span>}
          {result.qa_passed === true && <span className="badge good">QA passed</span>}
          {result.qa_passed === false && <span className="badge warn">QA flagged issues</span>}
          {typeof result.similarity === "number" && (
            <span className="badge">Tonal match to reference {Math.round(result.similarity * 100)}%</span>
          )}
        </div>
      </div>

      {track.isPending && <p className="muted">Loading the track…</p>}
      {track.isError && <ErrorNotice error={track.error} onRetry={() => void track.refetch()} />}
      {track.data && (
        <>
          <AudioPlayer
            className="gen-audio"
            src={track.data.audio_url}
            title={track.data.title}
            duration={track.data.duration_s}
            onExpired={() => void track.refetch()}
          />
          <p>
            <Link to={`/library/${result.track_id}`}>Open in the library</Link>
          </p>
        </>
      )}

      {job.isPending && <p className="muted">Loading the files…</p>}
      {job.isError && <ErrorNotice error={job.error} onRetry={() => void job.refetch()} />}
      {job.data && <OutputFiles files={job.data.outputs} />}
    </section>
  );
}
