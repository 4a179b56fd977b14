import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";

import { useRun } from "@/hooks/use-run";
import { api } from "@/lib/api";
import { getRun } from "@/lib/runs-api";
import type { Message } from "@/lib/types";

import { chatKeys } from "../api/chats";
import { trackHref } from "../lib/analysis";
import { summarizeContent } from "../lib/messages";
import { generatedTrackId, isActiveRun } from "../lib/runs";
import { RunBox } from "./PendingReply";

interface Suggestion {
  track_id: string;
  title: string;
  artist?: string | null;
  score?: number;
  reasons?: string[];
}

/** Library tracks the planner suggests, ranked. */
export function SuggestionsCard({ message }: { message: Message }) {
  const content = (message.content_json ?? {}) as { suggestions?: Suggestion[] };
  const suggestions = Array.isArray(content.suggestions) ? content.suggestions : [];
  const intro = (message.content_text ?? "").split("\n")[0];
  return (
    <article className="card" aria-label="Suggestions">
      {intro && <p className="msg-text">{intro}</p>}
      <ol className="suggestions">
        {suggestions.map((suggestion) => (
          <li key={suggestion.track_id}>
            <strong>{suggestion.title}</strong>
            {suggestion.artist ? <span className="muted"> — {suggestion.artist}</span> : null}
            {typeof suggestion.score === "number" && <span className="badge">{Math.round(suggestion.score * 100)}%</span>}
            {suggestion.reasons?.length ? <p className="muted small-text">{suggestion.reasons.join("; ")}</p> : null}
          </li>
        ))}
      </ol>
    </article>
  );
}

/** A track being generated on request: its run's progress, then a pointer to the library. */
export function GenerationCard({ message }: { message: Message }) {
  const content = (message.content_json ?? {}) as { run_id?: string; prompt?: string };
  const runId = content.run_id ?? null;
  const queryClient = useQueryClient();
  const snapshot = useQuery({
    queryKey: chatKeys.run(runId ?? "none"),
    queryFn: () => getRun(api, runId ?? ""),
    enabled: !!runId,
    staleTime: 60_000,
  });
  const follow = snapshot.data && isActiveRun(snapshot.data) ? runId : null;
  const live = useRun(follow, () => void queryClient.invalidateQueries({ queryKey: chatKeys.libraryCount() })) ?? snapshot.data;
  const trackId = generatedTrackId(live);
  return (
    <article className="card" aria-label="Generation">
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      {content.prompt && <p className="muted small-text">Prompt: {content.prompt}</p>}
      {live && isActiveRun(live) && <RunBox run={live} />}
      {live?.status === "completed" && (
        <p>
          Ready:{" "}
          <Link to={trackId ? trackHref(trackId) : "/library"}>{trackId ? "open the new track" : "open your library"}</Link>
        </p>
      )}
      {live?.status === "failed" && <p className="error-text">{live.error?.message ?? "The generation failed."}</p>}
      {live?.status === "cancelled" && <p className="muted small-text">The generation was cancelled.</p>}
    </article>
  );
}

/** Any other assistant message: its words, and a readable summary of what it carries. */
export function GenericCard({ message }: { message: Message }) {
  const rows = summarizeContent(message.content_json);
  const kind = message.content_json?.kind;
  const titled = kind && kind !== "chat" ? kind.replace(/_/g, " ") : null;
  return (
    <article className="msg-assistant-text" aria-label={titled ?? "Assistant"}>
      {titled && rows.length > 0 && <h3 className="generic-kind">{titled}</h3>}
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      {rows.length > 0 && (
        <dl className="summary-rows">
          {rows.map((row) => (
            <div key={row.label}>
              <dt>{row.label}</dt>
              <dd>{row.value}</dd>
            </div>
          ))}
        </dl>
      )}
    </article>
  );
}

interface ImportedSong {
  name?: string;
  title?: string;
  url?: string;
}

/** Songs being imported for the plan: the import run's progress; the plan goes on after it. */
export function SongImportCard({ message }: { message: Message }) {
  const content = (message.content_json ?? {}) as { run_id?: string; songs?: ImportedSong[] };
  const runId = content.run_id ?? null;
  const songs = Array.isArray(content.songs) ? content.songs : [];
  const queryClient = useQueryClient();
  const snapshot = useQuery({
    queryKey: chatKeys.run(runId ?? "none"),
    queryFn: () => getRun(api, runId ?? ""),
    enabled: !!runId,
    staleTime: 60_000,
  });
  const follow = snapshot.data && isActiveRun(snapshot.data) ? runId : null;
  // When the import ends a plan run starts in this chat: show its reply as it comes.
  const live =
    useRun(follow, () => {
      void queryClient.invalidateQueries({ queryKey: chatKeys.messages(message.thread_id) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.activeRuns(message.thread_id) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.libraryCount() });
    }) ?? snapshot.data;
  // The run completes even when a song could not be imported; its result says which.
  const failed = live?.result?.failed;
  const failures = Array.isArray(failed) ? failed.filter((f): f is string => typeof f === "string") : [];
  return (
    <article className="card" aria-label="Song import">
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      {songs.length > 0 && (
        <ul className="suggestions">
          {songs.map((song) => (
            <li key={song.url ?? song.title}>
              <strong>{song.title ?? song.name}</strong>
              {song.name && song.name === song.url ? (
                <span className="muted"> — from the link you pasted</span>
              ) : song.name && song.title && song.name !== song.title ? (
                <span className="muted"> — for “{song.name}”</span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {live && isActiveRun(live) && <RunBox run={live} />}
      {live?.status === "completed" && failures.length === 0 && (
        <p className="muted small-text">Imported into your library; the plan goes on below.</p>
      )}
      {live?.status === "completed" &&
        failures.map((failure) => (
          <p key={failure} className="error-text">
            {failure}; the plan goes on without it.
          </p>
        ))}
      {live?.status === "failed" && <p className="error-text">{live.error?.message ?? "The import failed."}</p>}
      {live?.status === "cancelled" && <p className="muted small-text">The import was cancelled; the plan goes on without it.</p>}
    </article>
  );
}
