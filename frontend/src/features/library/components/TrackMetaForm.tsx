import { useEffect, useRef, useState, type FormEvent, type Ref } from "react";

import { ApiError } from "@/lib/api-client";
import type { Track } from "@/lib/types";

import { useRenameTrack } from "../api/tracks";

/** The track's title, artist and genre, with an edit form (PATCH) that shows field errors. */
export function TrackMetaForm({ track }: { track: Track }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(track.title);
  const [artist, setArtist] = useState(track.artist ?? "");
  const [genre, setGenre] = useState(track.genre ?? "");
  const rename = useRenameTrack(track.id);
  const titleInput = useRef<HTMLInputElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);

  useEffect(() => {
    if (editing) titleInput.current?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  const open = () => {
    setTitle(track.title);
    setArtist(track.artist ?? "");
    setGenre(track.genre ?? "");
    rename.reset();
    setEditing(true);
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const patch: { title?: string; artist?: string; genre?: string } = {};
    if (title.trim() !== track.title) patch.title = title.trim();
    if (artist.trim() !== (track.artist ?? "")) patch.artist = artist.trim();
    if (genre.trim() !== (track.genre ?? "")) patch.genre = genre.trim();
    if (Object.keys(patch).length === 0) {
      setEditing(false);
      return;
    }
    rename.mutate(patch, { onSuccess: () => setEditing(false) });
  };

  if (!editing) {
    return (
      <div className="track-meta">
        <div>
          <h1 className="track-detail-title">{track.title}</h1>
          <p className="muted track-detail-artist">
            {track.artist || "Unknown artist"}
            {track.genre ? ` · ${track.genre}` : ""}
          </p>
        </div>
        <button ref={editButton} type="button" className="button small" onClick={open}>
          Edit details
        </button>
      </div>
    );
  }

  const error = rename.error instanceof ApiError ? rename.error : null;
  const fields = error?.fieldErrors() ?? {};
  const general = rename.error && !fields.title && !fields.artist && !fields.genre;
  return (
    <form
      className="track-meta-form card"
      onSubmit={submit}
      aria-label="Edit track details"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          setEditing(false);
        }
      }}
    >
      <MetaField
        label="Title"
        name="title"
        value={title}
        onChange={setTitle}
        error={fields.title}
        maxLength={300}
        inputRef={titleInput}
        required
      />
      <MetaField label="Artist" name="artist" value={artist} onChange={setArtist} error={fields.artist} maxLength={300} />
      <MetaField label="Genre" name="genre" value={genre} onChange={setGenre} error={fields.genre} maxLength={100} />
      {general && (
        <p className="error-text" role="alert">
          {rename.error instanceof Error ? rename.error.message : "The changes could not be saved."}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={rename.isPending}>
          {rename.isPending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="button ghost" onClick={() => setEditing(false)} disabled={rename.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface MetaFieldProps {
  label: string;
  name: "title" | "artist" | "genre";
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  maxLength: number;
  inputRef?: Ref<HTMLInputElement>;
  required?: boolean;
}

/** One labelled text field of the form, with the server's error for it read out with it. */
function MetaField({ label, name, value, onChange, error, maxLength, inputRef, required }: MetaFieldProps) {
  const errorId = `track-${name}-error`;
  return (
    <label>
      {label}
      <input
        ref={inputRef}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        required={required}
        maxLength={maxLength}
        aria-invalid={Boolean(error)}
        aria-describedby={error ? errorId : undefined}
      />
      {error && (
        <span className="field-error" id={errorId}>
          {error}
        </span>
      )}
    </label>
  );
}
