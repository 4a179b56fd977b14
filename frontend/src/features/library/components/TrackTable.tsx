import type { MouseEvent } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { formatClock } from "@/lib/format";
import type { Track } from "@/lib/types";

import { bpmReading, isUncertain, keyReading, statusText, statusTone, uncertainExplanation, type Reading } from "../lib/format";
import type { LibraryQuery, SortKey } from "../lib/query";
import type { TrackPage } from "../types";
import { CamelotBadge } from "./CamelotBadge";

interface TrackTableProps {
  data: TrackPage;
  query: LibraryQuery;
  onSort: (key: SortKey) => void;
  onPage: (page: number) => void;
  onPlay: (track: Track) => void;
  onCompatible: (track: Track) => void;
  onDelete: (track: Track) => void;
  /** The track in the player and whether it is playing now. */
  nowPlaying: { id: string; playing: boolean } | null;
  deletingId: string | null;
  fetching: boolean;
}

const COLUMNS: { key: SortKey; label: string; className?: string }[] = [
  { key: "title", label: "Title", className: "col-title" },
  { key: "artist", label: "Artist", className: "col-artist" },
  { key: "bpm", label: "BPM", className: "col-num" },
  { key: "key", label: "Key", className: "col-key" },
  { key: "duration", label: "Length", className: "col-num" },
  { key: "added", label: "Added", className: "col-added" },
  { key: "status", label: "Status", className: "col-status" },
];

const shortDate = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: "medium" });

/** One page of tracks as a table: sort by any column header, play, find compatible keys, open, delete. */
export function TrackTable(props: TrackTableProps) {
  const { data, query, onSort, onPage, onPlay, onCompatible, onDelete, nowPlaying, deletingId, fetching } = props;
  const navigate = useNavigate();
  const location = useLocation();
  const from = { from: location.search };
  const anyUncertain = data.items.some((track) => isUncertain(track.analysis, "tempo") || isUncertain(track.analysis, "key"));

  const openRow = (event: MouseEvent<HTMLTableRowElement>, track: Track) => {
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
      <div className="track-table-scroll">
        <table className="track-table" data-testid="track-list" aria-labelledby="track-list-title">
          <thead>
            <tr>
              <th scope="col" className="col-play">
                <span className="visually-hidden">Play</span>
              </th>
              {COLUMNS.map((column) => {
                const active = query.sort === column.key;
                return (
                  <th
                    key={column.key}
                    scope="col"
                    className={column.className}
                    aria-sort={active ? (query.order === "asc" ? "ascending" : "descending") : "none"}
                  >
                    <button type="button" className={`sort-button${active ? " active" : ""}`} onClick={() => onSort(column.key)}>
                      {column.label}
                      <span className="sort-arrow" aria-hidden="true">
                        {active ? (query.order === "asc" ? "▲" : "▼") : "↕"}
                      </span>
                    </button>
                  </th>
                );
              })}
              <th scope="col" className="col-actions">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((track) => {
              const analysis = track.analysis;
              const settled = track.status === "ready" || track.status === "failed";
              const current = nowPlaying?.id === track.id;
              const playing = current && nowPlaying.playing;
              return (
                <tr
                  key={track.id}
                  className={`track-row${current ? " current" : ""}`}
                  data-status={track.status}
                  data-track-id={track.id}
                  onClick={(event) => openRow(event, track)}
                >
                  <td className="col-play">
                    <button
                      type="button"
                      className="button ghost small row-play"
                      onClick={() => onPlay(track)}
                      disabled={track.status !== "ready"}
                      aria-label={`${playing ? "Pause" : "Play"} ${track.title}`}
                      aria-pressed={playing}
                    >
                      <span aria-hidden="true">{playing ? "❚❚" : "▶"}</span>
                    </button>
                  </td>
                  <td className="col-title">
                    <Link className="track-title" to={`/library/${track.id}`} state={from}>
                      {track.title}
                    </Link>
                    <span className="track-artist-inline muted">{track.artist || "Unknown artist"}</span>
                  </td>
                  <td className="col-artist">
                    <span className="track-artist">{track.artist || <span className="muted">Unknown</span>}</span>
                  </td>
                  <td className="col-num">
                    <ReadingCell
                      text={bpmReading(analysis)}
                      uncertain={isUncertain(analysis, "tempo")}
                      track={track}
                      reading="tempo"
                    />
                  </td>
                  <td className="col-key">
                    <span className="track-key">
                      <ReadingCell
                        text={keyReading(analysis)}
                        uncertain={isUncertain(analysis, "key")}
                        track={track}
                        reading="key"
                      />
                      <CamelotBadge camelot={analysis?.camelot} />
                    </span>
                  </td>
                  <td className="col-num">{formatClock(track.duration_s ?? analysis?.duration_s)}</td>
                  <td className="col-added">
                    <time dateTime={track.created_at}>{shortDate(track.created_at)}</time>
                  </td>
                  <td className="col-status">
                    <span className={`badge ${statusTone(track.status)}`}>
                      {!settled && <span className="spinner" aria-hidden="true" />}
                      {statusText(track.status)}
                    </span>
                  </td>
                  <td className="col-actions">
                    <span className="row-actions">
                      <button
                        type="button"
                        className="button ghost small"
                        onClick={() => onCompatible(track)}
                        disabled={!analysis?.camelot || track.status !== "ready"}
                        aria-label={`Match key: show tracks that mix with ${track.title}`}
                        title="Show the tracks in keys that mix with this one"
                      >
                        Match key
                      </button>
                      <button
                        type="button"
                        className="button ghost small danger"
                        onClick={() => onDelete(track)}
                        disabled={deletingId === track.id}
                        aria-label={`Delete ${track.title}`}
                      >
                        {deletingId === track.id ? "Deleting…" : "Delete"}
                      </button>
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {anyUncertain && (
        <p className="muted small-text uncertain-legend">
          <span className="uncertain">≈124?</span> marks an uncertain tempo or key: the analysis is less than 50% sure of it.
          Check it by ear.
        </p>
      )}
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

function ReadingCell({ text, uncertain, track, reading }: { text: string; uncertain: boolean; track: Track; reading: Reading }) {
  if (!uncertain) return <span>{text}</span>;
  const explanation = uncertainExplanation(track.analysis, reading);
  return (
    <span className="uncertain" title={explanation} data-uncertain={reading}>
      {text}
      <span className="visually-hidden"> ({explanation})</span>
    </span>
  );
}
