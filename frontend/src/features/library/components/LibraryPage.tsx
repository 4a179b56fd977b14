import { useEffect, useEffectEvent, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { AudioPlayer } from "@/components/AudioPlayer";
import { useConfirm } from "@/components/ConfirmDialog";
import { ErrorNotice } from "@/components/ErrorNotice";
import type { Track } from "@/lib/types";

import { useAddDemoTracks, useDeleteTrack, useGenres, useTrack, useTrackList } from "../api/tracks";
import { useLibraryActivity } from "../hooks/use-library-activity";
import { demoEntries } from "../lib/activity";
import { clearFilters, isFiltered, readQuery, toggleSort, writeQuery, type LibraryQuery } from "../lib/query";
import { ActivityPanel } from "./ActivityPanel";
import { ImportPanel } from "./ImportPanel";
import { LibraryFilters } from "./LibraryFilters";
import { TrackTable } from "./TrackTable";
import { UploadDropzone } from "./UploadDropzone";
import "../library.css";

const PAGE_SIZE = 20;
const SEARCH_DEBOUNCE_MS = 300;

/** The library: search, sort and filter, upload, demo tracks, play from the list. */
export function LibraryPage() {
  const [params, setParams] = useSearchParams();
  const query = readQuery(params);
  const { q, page } = query;
  const [search, setSearch] = useState(q);
  const pushed = useRef(q);
  const activity = useLibraryActivity();
  const list = useTrackList({ query, limit: PAGE_SIZE });
  const genres = useGenres();
  const reference = useTrack(query.compatibleWith ?? "", query.compatibleWith !== null);
  const demo = useAddDemoTracks();
  const remove = useDeleteTrack();
  const { confirm, dialog } = useConfirm();
  const [notice, setNotice] = useState<string | null>(null);
  const [nowPlaying, setNowPlaying] = useState<{ track: Track; playing: boolean } | null>(null);
  const player = useRef<HTMLAudioElement>(null);

  /** A new query in the URL; anything but a page change starts again at page 1. */
  const update = (patch: Partial<LibraryQuery>, { replace = false } = {}) =>
    setParams((previous) => writeQuery({ ...readQuery(previous), page: 1, ...patch }), { replace });

  // The URL is the truth (back and forward restore a search); typing updates it after a pause.
  useEffect(() => {
    if (q !== pushed.current) {
      pushed.current = q;
      setSearch(q);
    }
  }, [q]);
  const pushSearch = useEffectEvent((text: string) => update({ q: text }, { replace: true }));
  useEffect(() => {
    if (search === pushed.current) return undefined;
    const timer = setTimeout(() => {
      pushed.current = search;
      pushSearch(search);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]);

  const goToPage = (target: number) => update({ page: Math.max(1, target) });

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

  const deleteTrack = async (track: Track) => {
    const sure = await confirm({
      title: "Delete this track?",
      message: `“${track.title}” is deleted with its audio and analysis, for good.`,
      confirmLabel: "Delete track",
      tone: "danger",
    });
    if (!sure) return;
    remove.mutate(track.id, {
      onSuccess: () => {
        setNotice(`Deleted “${track.title}”.`);
        if (nowPlaying?.track.id === track.id) setNowPlaying(null);
      },
    });
  };

  const play = (track: Track) => {
    const audio = player.current;
    if (nowPlaying?.track.id === track.id && audio) {
      if (audio.paused) void audio.play().catch(() => undefined);
      else audio.pause();
      return;
    }
    setNowPlaying({ track, playing: false });
  };

  const demoButton = (
    <button type="button" className="button" onClick={addDemo} disabled={demo.isPending}>
      {demo.isPending ? "Adding demo tracks…" : "Add demo tracks"}
    </button>
  );

  const data = list.data;
  const filtered = isFiltered(query);
  // The playing track as the list has it now (a fresher signed url), else as it was chosen.
  const playingTrack = nowPlaying ? (data?.items.find((track) => track.id === nowPlaying.track.id) ?? nowPlaying.track) : null;
  return (
    <section className="page library-page" data-testid="library-page">
      {dialog}
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

      {(filtered || (data && data.total > 0)) && (
        <LibraryFilters
          query={query}
          onChange={(patch) => update(patch)}
          onClear={() => {
            setSearch("");
            pushed.current = "";
            setParams(writeQuery(clearFilters(query)));
          }}
          genres={genres.data ?? []}
          reference={reference.data ?? null}
          filtered={filtered}
        />
      )}
      {reference.isError && <ErrorNotice error={reference.error} />}

      {list.isPending ? (
        <p className="muted library-loading" aria-busy="true">
          Loading your library…
        </p>
      ) : list.isError && !data ? (
        <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />
      ) : data && data.total === 0 && !filtered ? (
        <div className="empty-state card library-empty" data-testid="track-list-empty">
          <h2>Your library is empty</h2>
          <p className="muted">
            Drop audio or video files above, or start with the demo set: five short tracks in different tempos and keys.
          </p>
          {demoButton}
        </div>
      ) : data && data.items.length === 0 && filtered ? (
        <div className="empty-state card" data-testid="track-list-no-match">
          <h2>No tracks match{q.trim() ? ` “${q}”` : " these filters"}</h2>
          <p className="muted">Search looks at titles and artists; the filters narrow by tempo, key, genre and status.</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              setSearch("");
              pushed.current = "";
              setParams(writeQuery(clearFilters(query)));
            }}
          >
            Clear search and filters
          </button>
        </div>
      ) : data ? (
        <>
          {list.isError && <ErrorNotice error={list.error} onRetry={() => void list.refetch()} />}
          <TrackTable
            data={data}
            query={query}
            onSort={(key) => setParams(writeQuery(toggleSort(query, key)))}
            onPage={goToPage}
            onPlay={play}
            onCompatible={(track) => update({ compatibleWith: track.id })}
            onDelete={deleteTrack}
            nowPlaying={nowPlaying ? { id: nowPlaying.track.id, playing: nowPlaying.playing } : null}
            deletingId={remove.isPending ? (remove.variables ?? null) : null}
            fetching={list.isFetching}
          />
        </>
      ) : null}

      {playingTrack && (
        <div className="now-playing card" data-testid="now-playing" aria-label="Now playing" role="region">
          <div className="now-playing-title">
            <strong>{playingTrack.title}</strong>
            <span className="muted">{playingTrack.artist || "Unknown artist"}</span>
          </div>
          <AudioPlayer
            key={playingTrack.id}
            ref={player}
            src={playingTrack.audio_url}
            title={playingTrack.title}
            duration={playingTrack.duration_s}
            autoPlay
            onExpired={() => void list.refetch()}
            onPlayingChange={(playing) => setNowPlaying((current) => (current ? { ...current, playing } : current))}
          />
          <button type="button" className="pill-remove" onClick={() => setNowPlaying(null)} aria-label="Close the player">
            ×
          </button>
        </div>
      )}
    </section>
  );
}
