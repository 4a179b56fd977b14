import { useEffect, useEffectEvent, useId, useRef, useState } from "react";

import type { Track } from "@/lib/types";

import { statusText } from "../lib/format";
import { TRACK_STATUSES, type LibraryQuery } from "../lib/query";
import type { GenreCount } from "../types";

const COMMIT_AFTER_MS = 400;
const BPM_MIN = 20;
const BPM_MAX = 400;

interface LibraryFiltersProps {
  query: LibraryQuery;
  onChange: (patch: Partial<LibraryQuery>) => void;
  onClear: () => void;
  genres: GenreCount[];
  /** The track whose key the list matches, once loaded. */
  reference: Track | null;
  filtered: boolean;
}

/** Tempo range, genre, status and the key match, each applied as it is set. */
export function LibraryFilters({ query, onChange, onClear, genres, reference, filtered }: LibraryFiltersProps) {
  const genreId = useId();
  const statusId = useId();
  // Spellings that differ only in case are one genre to the filter.
  const options = [...new Map(genres.map((entry) => [entry.genre.toLowerCase(), entry.genre])).values()];
  if (query.genre && !options.some((genre) => genre.toLowerCase() === query.genre?.toLowerCase())) options.push(query.genre);

  return (
    <div className="library-filters" role="group" aria-label="Filters" data-testid="library-filters">
      <BpmInput label="Min BPM" value={query.bpmMin} onCommit={(bpmMin) => onChange({ bpmMin })} />
      <BpmInput label="Max BPM" value={query.bpmMax} onCommit={(bpmMax) => onChange({ bpmMax })} />
      <label htmlFor={genreId} className="filter-field">
        Genre
        <select id={genreId} value={query.genre ?? ""} onChange={(event) => onChange({ genre: event.target.value || null })}>
          <option value="">Any genre</option>
          {options.map((genre) => (
            <option key={genre} value={genre}>
              {genre}
            </option>
          ))}
        </select>
      </label>
      <label htmlFor={statusId} className="filter-field">
        Status
        <select
          id={statusId}
          value={query.status ?? ""}
          onChange={(event) => {
            const status = TRACK_STATUSES.find((value) => value === event.target.value) ?? null;
            onChange({ status });
          }}
        >
          <option value="">Any status</option>
          {TRACK_STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusText(status)}
            </option>
          ))}
        </select>
      </label>
      {query.compatibleWith && (
        <span className="filter-chip" data-testid="key-match">
          <span>
            Keys that mix with <strong>{reference?.title ?? "the chosen track"}</strong>
            {reference?.analysis?.camelot ? ` (${reference.analysis.camelot})` : ""}
          </span>
          <button
            type="button"
            className="pill-remove"
            onClick={() => onChange({ compatibleWith: null })}
            aria-label="Clear the key match"
          >
            ×
          </button>
        </span>
      )}
      {filtered && (
        <button type="button" className="button ghost small" onClick={onClear}>
          Clear filters
        </button>
      )}
    </div>
  );
}

/** A tempo bound, applied a moment after typing stops; out-of-range values are flagged, not sent. */
function BpmInput({ label, value, onCommit }: { label: string; value: number | null; onCommit: (value: number | null) => void }) {
  const id = useId();
  const hintId = useId();
  const [draft, setDraft] = useState(value === null ? "" : String(value));
  const committed = useRef(value);
  const commit = useEffectEvent((next: number | null) => onCommit(next));

  // The URL is the truth: back, forward and "Clear filters" set the field.
  useEffect(() => {
    if (value !== committed.current) {
      committed.current = value;
      setDraft(value === null ? "" : String(value));
    }
  }, [value]);

  const parsed = draft.trim() === "" ? null : Number(draft);
  const invalid = parsed !== null && (!Number.isFinite(parsed) || parsed < BPM_MIN || parsed > BPM_MAX);
  useEffect(() => {
    if (invalid || parsed === committed.current) return undefined;
    const timer = setTimeout(() => {
      committed.current = parsed;
      commit(parsed);
    }, COMMIT_AFTER_MS);
    return () => clearTimeout(timer);
  }, [parsed, invalid]);

  return (
    <div className="filter-field filter-bpm">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={BPM_MIN}
        max={BPM_MAX}
        step="any"
        value={draft}
        placeholder="Any"
        aria-invalid={invalid}
        aria-describedby={invalid ? hintId : undefined}
        onChange={(event) => setDraft(event.target.value)}
      />
      {invalid && (
        <span id={hintId} className="field-error">
          {BPM_MIN}–{BPM_MAX}
        </span>
      )}
    </div>
  );
}
