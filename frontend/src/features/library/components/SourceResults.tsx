import type { SourceCandidate } from "../types";
import { describeCandidate, formatDuration } from "../lib/sources";

interface Props {
  items: SourceCandidate[];
  /** The url being imported right now (its button is disabled). */
  importing: string | null;
  onImport: (candidate: SourceCandidate) => void;
}

/** Songs found by a search: thumbnail, title, channel, duration and an Import button each. */
export function SourceResults({ items, importing, onImport }: Props) {
  if (items.length === 0) {
    return <p className="muted source-results-empty">No songs found. Try other words, or paste a link.</p>;
  }
  return (
    <ul className="source-results" aria-label="Songs found">
      {items.map((candidate) => (
        <li key={candidate.url} className="source-result">
          {candidate.thumbnail_url ? (
            <img className="source-thumb" src={candidate.thumbnail_url} alt="" loading="lazy" width={96} height={54} />
          ) : (
            <span className="source-thumb source-thumb-empty" aria-hidden="true" />
          )}
          <div className="source-text">
            <span className="source-title">{candidate.title}</span>
            <span className="muted">{[candidate.artist, formatDuration(candidate.duration_s)].filter(Boolean).join(" · ")}</span>
          </div>
          <button
            type="button"
            className="button small"
            onClick={() => onImport(candidate)}
            disabled={importing === candidate.url}
            aria-label={`Import ${describeCandidate(candidate)}`}
          >
            {importing === candidate.url ? "Importing…" : "Import"}
          </button>
        </li>
      ))}
    </ul>
  );
}
