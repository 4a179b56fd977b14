import type { MouseEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { formatClock } from "@/lib/format";
import type { Track } from "@/lib/types";

import { formatBpm, formatLevel, statusText, statusTone } from "../lib/format";
import type { TrackPage } from "../types";
import { CamelotBadge } from "./CamelotBadge";

interface TrackListProps {
  data: TrackPage;
  onPage: (page: number) => void;
  onDelete: (track: Track) => void;
  deletingId: string | null;
  fetching: boolean;
}

/** One page of tracks: open with a click or Enter, delete after a confirmation. */
export function TrackList({ data, onPage, onDelete, deletingId, fetching }: TrackListProps) {
  const navigate = useNavigate();
  const location = useLocation();
  const from = { from: location.search };

  const openRow = (event: MouseEvent<HTMLLIElement>, track: Track) => {
    // Links and buttons inside the row do their own thing.
    if ((event.target as HTMLElement).closest("a, button, input")) return;
    if (globalThis.getSelection?.()?.toString()) return; // selecting text is not a click
    void navigate(`/library/${track.id}`, { state: from });
  };

  return (
    <section className="track-list-wrap" aria-labelledby="track-list-title" aria-busy={fetching}>
      <div className="track-list-head">
        <h2 id="track-list-title">Tracks</h2>
        <span className="muted">
          {data.total} {data.total === 1 ? "track" : "tracks"}
        </span>
      </div>
      <ul className="track-list" data-testid="track-list">
        {data.items.map((track) => {
          const analysis = track.analysis;
          const settled = track.status === "ready" || track.status === "failed";
          return (
            <li key={track.id} className="track-row" data-status={track.status} onClick={(event) => openRow(event, track)}>
              <div className="track-row-main">
                <Link className="track-title" to={`/library/${track.id}`} state={from}>
                  {track.title}
                </Link>
                <span className="track-artist muted">{track.artist || "Unknown artist"}</span>
              </div>
              <dl className="track-row-meta">
                <div>
                  <dt>Duration</dt>
                  <dd>{formatClock(track.duration_s ?? analysis?.duration_s)}</dd>
                </div>
                <div>
                  <dt>BPM</dt>
                  <dd>{formatBpm(analysis?.bpm)}</dd>
                </div>
                <div>
                  <dt>Key</dt>
                  <dd className="track-key">
                    <span>{analysis?.key ?? "–"}</span>
                    <CamelotBadge camelot={analysis?.camelot} />
                  </dd>
                </div>
                <div>
                  <dt>Loudness</dt>
                  <dd>{formatLevel(analysis?.lufs_integrated, "LUFS")}</dd>
                </div>
              </dl>
              <div className="track-row-side">
                {track.status !== "ready" && (
                  <span className={`badge ${statusTone(track.status)}`}>
                    {!settled && <span className="spinner" aria-hidden="true" />}
                    {statusText(track.status)}
                  </span>
                )}
                <button
                  type="button"
                  className="button ghost small danger"
                  onClick={() => onDelete(track)}
                  disabled={deletingId === track.id}
                  aria-label={`Delete ${track.title}`}
                >
                  {deletingId === track.id ? "Deleting…" : "Delete"}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {data.pages > 1 && (
        <nav className="pagination" aria-label="Pagination">
          <button type="button" className="button small" onClick={() => onPage(data.page - 1)} disabled={data.page <= 1}>
            Previous
          </button>
          <span className="muted" aria-current="page">
            Page {data.page} of {data.pages}
          </span>
          <button type="button" className="button small" onClick={() => onPage(data.page + 1)} disabled={!data.has_more}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
