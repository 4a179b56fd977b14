import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import { RunProgress } from "@/components/RunProgress";
import type { Run } from "@/lib/types";

import { useImportTrack, useSourceSearch } from "../api/sources";
import { useTrackedRun } from "../hooks/use-tracked-run";
import { addImport, isHttpLink, type ImportEntry } from "../lib/sources";
import type { SourceCandidate } from "../types";
import { SourceResults } from "./SourceResults";

/** "Import from link" and song search, with the progress of each import started here. */
export function ImportPanel() {
  const [link, setLink] = useState("");
  const [linkProblem, setLinkProblem] = useState<string | null>(null);
  const [query, setQuery] = useState("");
  const [submitted, setSubmitted] = useState("");
  const [entries, setEntries] = useState<ImportEntry[]>([]);
  const [ended, setEnded] = useState<ReadonlySet<string>>(new Set());
  const search = useSourceSearch(submitted);
  const importing = useImportTrack();

  const start = (url: string, onDone?: () => void) => {
    importing.mutate(url, {
      onSuccess: (answer) => {
        setEntries((previous) => addImport(previous, answer));
        onDone?.();
      },
    });
  };

  const submitLink = (event: FormEvent) => {
    event.preventDefault();
    if (!isHttpLink(link)) {
      setLinkProblem("Paste an http(s) link: a YouTube video or an audio or video file.");
      return;
    }
    setLinkProblem(null);
    start(link, () => setLink(""));
  };

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(query.trim());
  };

  const runEnded = (run: Run) => setEnded((previous) => new Set(previous).add(run.id));

  return (
    <section className="card import-panel" aria-labelledby="import-title">
      <h2 id="import-title">Add songs from outside</h2>
      <form className="import-form" onSubmit={submitLink}>
        <label className="import-field">
          <span>Import from link</span>
          <input
            type="url"
            inputMode="url"
            value={link}
            placeholder="https://www.youtube.com/watch?v=… or a link to an audio file"
            onChange={(event) => setLink(event.target.value)}
            aria-invalid={linkProblem ? true : undefined}
            aria-describedby={linkProblem ? "import-link-problem" : undefined}
          />
        </label>
        <button type="submit" className="button" disabled={importing.isPending || !link.trim()}>
          {importing.isPending && importing.variables === link ? "Importing…" : "Import"}
        </button>
      </form>
      {linkProblem && (
        <p id="import-link-problem" className="error-text">
          {linkProblem}
        </p>
      )}
      <form className="import-form" onSubmit={submitSearch} role="search">
        <label className="import-field">
          <span>Find a song</span>
          <input
            type="search"
            value={query}
            placeholder="Song and artist, e.g. Levitating Dua Lipa"
            onChange={(event) => setQuery(event.target.value)}
          />
        </label>
        <button type="submit" className="button" disabled={!query.trim() || search.isFetching}>
          {search.isFetching ? "Searching…" : "Search"}
        </button>
      </form>
      <ErrorNotice error={importing.error} />
      {search.isError && <ErrorNotice error={search.error} onRetry={() => void search.refetch()} />}
      {search.data && (
        <SourceResults
          items={search.data.items}
          importing={importing.isPending ? (importing.variables ?? null) : null}
          onImport={(candidate: SourceCandidate) => start(candidate.url)}
        />
      )}
      {entries.length > 0 && (
        <ul className="activity-list" aria-label="Imports">
          {entries.map((entry) => (
            <ImportRow
              key={entry.track.id}
              entry={entry}
              ended={entry.run !== null && ended.has(entry.run.id)}
              onEnd={runEnded}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function ImportRow({ entry, ended, onEnd }: { entry: ImportEntry; ended: boolean; onEnd: (run: Run) => void }) {
  return (
    <li className="activity-row" aria-label={`Import ${entry.track.title}`}>
      <div className="activity-row-head">
        <Link className="activity-name" to={`/library/${entry.track.id}`}>
          {entry.track.title}
        </Link>
        <span className="muted">{entry.existing ? "already in your library" : "import"}</span>
      </div>
      {entry.run && !entry.existing && <ImportProgress run={entry.run} ended={ended} onEnd={onEnd} />}
    </li>
  );
}

function ImportProgress({ run, ended, onEnd }: { run: Run; ended: boolean; onEnd: (run: Run) => void }) {
  const current = useTrackedRun(run, true, ended, onEnd);
  return <RunProgress run={current} compact />;
}
