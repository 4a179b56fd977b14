import { useEffect, useEffectEvent, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { ErrorNotice } from "@/components/ErrorNotice";
import type { Track } from "@/lib/types";

import { useAddDemoTracks, useDeleteTrack, useTrackList } from "../api/tracks";
import { useLibraryActivity } from "../hooks/use-library-activity";
import { demoEntries } from "../lib/activity";
import { ActivityPanel } from "./ActivityPanel";
import { ImportPanel } from "./ImportPanel";
import { TrackList } from "./TrackList";
import { UploadDropzone } from "./UploadDropzone";
import "../library.css";

const PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 300;

/** The library: search, upload, demo tracks and the list of tracks. */
export function LibraryPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const page = Math.max(1, Math.floor(Number(params.get("page"))) || 1);
  const [search, setSearch] = useState(q);
  const pushed = useRef(q);
  const activity = useLibraryActivity();
  const list = useTrackList({ q, page, limit: PAGE_SIZE });
  const demo = useAddDemoTracks();
  const remove = useDeleteTrack();
  const [notice, setNotice] = useState<string | null>(null);

  // The URL is the truth (back and forward restore a search); typing updates it after a pause.
  useEffect(() => {
    if (q !== pushed.current) {
      pushed.current = q;
      setSearch(q);
    }
  }, [q]);
  useEffect(() => {
    if (search === pushed.current) return undefined;
    const timer = setTimeout(() => {
      pushed.current = search;
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          if (search.trim()) next.set("q", search);
          else next.delete("q");
          next.delete("page");
          return next;
        },
        { replace: true },
      );
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search, setParams]);

  const goToPage = (target: number) =>
    setParams((previous) => {
      const next = new URLSearchParams(previous);
      if (target > 1) next.set("page", String(target));
      else next.delete("page");
      return next;
    });

  // Deleting the last track of the last page leaves an empty page: step back.
  const pages = list.data?.pages;
  const stepBack = useEffectEvent((target: number) => goToPage(target));
  useEffect(() => {
    if (pages !== undefined && page > Math.max(1, pages)) stepBack(Math.max(1, pages));
  }, [pages, page]);

  const addDemo = () => {
    setNotice(null);
    demo.mutate(undefined, {
      onSuccess: (answer) => {
        if (answer.runs.length === 0 || answer.status === 200) {
          setNotice("The demo tracks are already in your library.");
          return;
        }
        activity.demoStarted(demoEntries(answer.tracks, answer.runs));
        setNotice(
          `Adding ${answer.runs.length} demo ${answer.runs.length === 1 ? "track" : "tracks"}: they are generated and analysed in the background.`,
        );
      },
    });
  };

  const deleteTrack = (track: Track) => {
    if (!globalThis.confirm(`Delete “${track.title}”? Its audio and analysis are removed for good.`)) return;
    remove.mutate(track.id, {
      onSuccess: () => setNotice(`Deleted “${track.title}”.`),
    });
  };

  const demoButton = (
    <button type="button" className="button" onClick={addDemo} disabled={demo.isPending}>
      {demo.isPending ? "Adding demo tracks…" : "Add demo tracks"}
    </button>
  );

  const data = list.data;
  const searching = q.trim() !== "";
  return (
    <section className="page library-page" data-testid="library-page">
      <div className="page-head">
        <h1>Library</h1>
        <div className="library-tools">
          <label className="library-search">
            <span className="visually-hidden">Search tracks</span>
            <input
              type="search"
              value={search}
              placeholder="Search title or artist"
              onChange={(event) => setSearch(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Escape" && search) {
                  event.preventDefault();
                  setSearch("");
                }
              }}
            />
          </label>
          {demoButton}
        </div>
      </div>

      <UploadDropzone onFiles={activity.addFiles} />
      <ImportPanel />
      <ErrorNotice error={demo.error} onRetry={addDemo} />
      <ActivityPanel activity={activity} notice={notice} />
      <ErrorNotice error={remove.error} />

      {list.isPending ? (
        <p className="muted library-loading" aria-busy="true">
          Loading your library…
        </p>
      ) : list.isError && !data ? (
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
      ) : data && data.total === 0 && !searching ? (
        <div className="empty-state card library-empty" data-testid="track-list-empty">
          <h2>Your library is empty</h2>
          <p className="muted">
            Drop audio or video files above, or start with the demo set: five short tracks in different tempos and keys.
          </p>
          {demoButton}
        </div>
      ) : data && data.items.length === 0 && searching ? (
        <div className="empty-state card">
          <h2>No tracks match “{q}”</h2>
          <p className="muted">Search looks at titles and artists.</p>
          <button type="button" className="button" onClick={() => setSearch("")}>
            Clear search
          </button>
        </div>
      ) : data ? (
        <>
          {list.isError && <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />}
          <TrackList
            data={data}
            onPage={goToPage}
            onDelete={deleteTrack}
            deletingId={remove.isPending ? (remove.variables ?? null) : null}
            fetching={list.isFetching}
          />
        </>
      ) : null}
    </section>
  );
}
