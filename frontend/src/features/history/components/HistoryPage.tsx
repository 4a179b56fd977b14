import { useEffect, useEffectEvent, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import type { Job } from "@/lib/types";

import { useHistory } from "../api/history";
import { PAGE_SIZE, parsePage, parseTypeFilter, TYPE_FILTERS, typeLabel } from "../lib/jobs";
import type { JobTypeFilter } from "../types";
import { JobCard } from "./JobCard";
import "../history.css";

/** Every job runs produced: filter by type, page through, play, download, delete. */
export function HistoryPage() {
  const [params, setParams] = useSearchParams();
  const type = parseTypeFilter(params.get("type"));
  const page = parsePage(params.get("page"));
  const history = useHistory(type, page, PAGE_SIZE);
  const listRef = useRef<HTMLHeadingElement>(null);
  const [announcement, setAnnouncement] = useState("");

  const go = (next: { type?: JobTypeFilter; page?: number }) => {
    const search = new URLSearchParams(params);
    const nextType = next.type ?? type;
    const nextPage = next.page ?? page;
    if (nextType) search.set("type", nextType);
    else search.delete("type");
    if (nextPage > 1) search.set("page", String(nextPage));
    else search.delete("page");
    setParams(search);
  };

  // Past the last page (after deleting its last job): go to the new last page.
  const data = history.data;
  const goToPage = useEffectEvent((target: number) => go({ page: target }));
  useEffect(() => {
    if (data && !history.isPlaceholderData && data.items.length === 0 && data.page > 1 && data.total > 0) {
      goToPage(Math.max(1, data.pages));
    }
  }, [data, history.isPlaceholderData]);

  const deleted = (job: Job) => {
    setAnnouncement(`${typeLabel(job.type)} deleted.`);
    listRef.current?.focus();
  };

  const filterLabel = TYPE_FILTERS.find((filter) => filter.value === type)?.label ?? "All";

  return (
    <div className="page hist-page" data-testid="history-page">
      <header className="page-head">
        <div>
          <h1>History</h1>
          <p className="muted hist-lede">Renders and generations, with their files.</p>
        </div>
        <div className="hist-filters" role="group" aria-label="Filter by type">
          {TYPE_FILTERS.map((filter) => (
            <button
              key={filter.value || "all"}
              type="button"
              className="chip"
              aria-pressed={filter.value === type}
              onClick={() => go({ type: filter.value, page: 1 })}
            >
              {filter.label}
            </button>
          ))}
        </div>
      </header>

      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>

      <section className="hist-list-section" aria-labelledby="hist-list-title" aria-busy={history.isFetching}>
        <h2 id="hist-list-title" className="visually-hidden" ref={listRef} tabIndex={-1}>
          {filterLabel === "All" ? "All jobs" : filterLabel}
        </h2>

        {history.isPending && (
          <p className="muted" aria-busy="true">
            Loading history…
          </p>
        )}
        {history.isError && <ErrorNotice error={history.error} onRetry={() => void history.refetch()} />}

        {data && data.items.length === 0 && data.total === 0 && (
          <div className="empty-state card" data-testid="history-empty">
            <h2>{type ? `No ${filterLabel.toLowerCase()} yet` : "Nothing here yet"}</h2>
            <p className="muted">
              Renders from the <Link to="/studio">studio</Link> and tracks you <Link to="/generate">generate</Link> show up here
              with their files.
            </p>
          </div>
        )}

        {data && data.items.length > 0 && (
          <>
            <ul className={`hist-list${history.isPlaceholderData ? " hist-stale" : ""}`} data-testid="history-list">
              {data.items.map((job) => (
                <JobCard key={job.id} job={job} onDeleted={deleted} />
              ))}
            </ul>
            {data.pages > 1 ? (
              <nav className="hist-pager" aria-label="History pages">
                <button
                  type="button"
                  className="button small"
                  onClick={() => go({ page: page - 1 })}
                  disabled={page <= 1 || history.isFetching}
                >
                  Previous
                </button>
                <span className="muted" aria-live="polite">
                  Page {data.page} of {data.pages} · {data.total} job{data.total === 1 ? "" : "s"}
                </span>
                <button
                  type="button"
                  className="button small"
                  onClick={() => go({ page: page + 1 })}
                  disabled={!data.has_more || history.isFetching}
                >
                  Next
                </button>
              </nav>
            ) : (
              <p className="muted hist-count">
                {data.total} job{data.total === 1 ? "" : "s"}
              </p>
            )}
          </>
        )}
      </section>
    </div>
  );
}
