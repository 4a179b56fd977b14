import { useState, type FormEvent } from "react";

import { AudioPlayer } from "@/components/AudioPlayer";
import { ErrorNotice } from "@/components/ErrorNotice";
import { downloadHref } from "@/lib/file-urls";

import { useDownload, useJoinClips } from "../api/tools";
import { MAX_CLIPS, clipProblems, fileName, toRequest, type ClipRow } from "../lib/clips";
import type { DownloadFormat, DownloadKind } from "../types";
import "../tools.css";

/** Trim-and-join clips from links, and download a link's audio or video. */
export function ToolsPage() {
  return (
    <section className="page tools-page" data-testid="tools-page">
      <div className="page-head">
        <h1>Tools</h1>
      </div>
      <TrimAndJoin />
      <Downloader />
    </section>
  );
}

let nextKey = 1;
const newRow = (): ClipRow => ({ key: nextKey++, url: "", start: "00:00", end: "00:30" });

function TrimAndJoin() {
  const [rows, setRows] = useState<ClipRow[]>(() => [newRow(), newRow()]);
  const [shown, setShown] = useState<Map<number, string>>(new Map());
  const join = useJoinClips();

  const update = (key: number, patch: Partial<ClipRow>) =>
    setRows((previous) => previous.map((row) => (row.key === key ? { ...row, ...patch } : row)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems = clipProblems(rows);
    setShown(problems);
    if (problems.size === 0) join.mutate(toRequest(rows));
  };

  return (
    <section className="card tools-card" aria-labelledby="trim-title">
      <h2 id="trim-title">Trim and join</h2>
      <p className="muted">
        Clips from links (YouTube or audio/video files), trimmed on the beat and joined with short crossfades. Their songs are
        added to your library.
      </p>
      <form onSubmit={submit} className="clip-form">
        <ol className="clip-rows">
          {rows.map((row, index) => (
            <li key={row.key} className="clip-row">
              <label className="clip-url">
                <span>Clip {index + 1} link</span>
                <input
                  type="url"
                  value={row.url}
                  onChange={(event) => update(row.key, { url: event.target.value })}
                  aria-invalid={shown.has(row.key) ? true : undefined}
                  aria-describedby={shown.has(row.key) ? `clip-problem-${row.key}` : undefined}
                />
              </label>
              <label className="clip-time">
                <span>Start</span>
                <input value={row.start} onChange={(event) => update(row.key, { start: event.target.value })} />
              </label>
              <label className="clip-time">
                <span>End</span>
                <input value={row.end} onChange={(event) => update(row.key, { end: event.target.value })} />
              </label>
              <button
                type="button"
                className="button ghost small"
                onClick={() => setRows((previous) => previous.filter((item) => item.key !== row.key))}
                disabled={rows.length <= 1}
                aria-label={`Remove clip ${index + 1}`}
              >
                Remove
              </button>
              {shown.has(row.key) && (
                <p id={`clip-problem-${row.key}`} className="error-text clip-problem">
                  {shown.get(row.key)}
                </p>
              )}
            </li>
          ))}
        </ol>
        <div className="tools-actions">
          <button
            type="button"
            className="button ghost"
            onClick={() => setRows((previous) => [...previous, newRow()])}
            disabled={rows.length >= MAX_CLIPS}
          >
            Add clip
          </button>
          <button type="submit" className="button primary" disabled={join.isPending}>
            {join.isPending ? "Joining… (downloading, trimming, mastering)" : "Join clips"}
          </button>
        </div>
      </form>
      <ErrorNotice error={join.error} />
      {join.data && <Result url={join.data.merged_file_path} message={join.data.message} audio />}
    </section>
  );
}

const FORMATS: Record<DownloadKind, { value: DownloadFormat; label: string }[]> = {
  video: [
    { value: "mp4", label: "MP4 video" },
    { value: "mp4-audio", label: "Audio only (M4A)" },
  ],
  audio: [
    { value: "mp3", label: "MP3" },
    { value: "m4a", label: "M4A (AAC)" },
    { value: "wav", label: "WAV" },
  ],
};

function Downloader() {
  const [url, setUrl] = useState("");
  const [kind, setKind] = useState<DownloadKind>("audio");
  const [format, setFormat] = useState<DownloadFormat>("mp3");
  const fetchFile = useDownload();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    fetchFile.mutate({ kind, url: url.trim(), format });
  };

  return (
    <section className="card tools-card" aria-labelledby="download-title">
      <h2 id="download-title">Download</h2>
      <form onSubmit={submit} className="download-form">
        <label className="clip-url">
          <span>Link</span>
          <input type="url" required value={url} onChange={(event) => setUrl(event.target.value)} />
        </label>
        <label>
          <span>What</span>
          <select
            value={kind}
            onChange={(event) => {
              const next = event.target.value as DownloadKind;
              setKind(next);
              setFormat(FORMATS[next][0]!.value);
            }}
          >
            <option value="audio">Audio</option>
            <option value="video">Video</option>
          </select>
        </label>
        <label>
          <span>Format</span>
          <select value={format} onChange={(event) => setFormat(event.target.value as DownloadFormat)}>
            {FORMATS[kind].map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button primary" disabled={fetchFile.isPending || !url.trim()}>
          {fetchFile.isPending ? "Downloading…" : "Download"}
        </button>
      </form>
      <ErrorNotice error={fetchFile.error} />
      {fetchFile.data && (
        <Result
          url={fetchFile.data.filepath}
          message={fetchFile.data.message}
          audio={!fetchFile.data.filepath.split("?")[0]?.endsWith(".mp4")}
        />
      )}
    </section>
  );
}

function Result({ url, message, audio }: { url: string; message: string; audio: boolean }) {
  const name = fileName(url);
  return (
    <div className="tools-result" role="status">
      <p>{message}</p>
      {audio ? (
        <AudioPlayer src={url} title={name} />
      ) : (
        <video controls preload="none" src={url} aria-label={`Play ${name}`} width={320} />
      )}
      <a className="button small" href={downloadHref(url)} download={name}>
        Save {name}
      </a>
    </div>
  );
}
