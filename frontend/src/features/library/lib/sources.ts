/** How the library shows songs found outside it, and the imports started in this tab. */
import type { Run, Track } from "@/lib/types";

import type { ImportAnswer, SourceCandidate } from "../types";

/** 203 → "3:23"; 3723 → "1:02:03"; unknown → "". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "";
  const whole = Math.round(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** "Levitating (Official Audio) — Dua Lipa, 3:23": what a screen reader hears for a result. */
export function describeCandidate(candidate: SourceCandidate): string {
  const duration = formatDuration(candidate.duration_s);
  const by = candidate.artist ? ` — ${candidate.artist}` : "";
  return `${candidate.title}${by}${duration ? `, ${duration}` : ""}`;
}

/** Whether text looks like an http(s) link (the server checks it for real). */
export function isHttpLink(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** One import followed in this tab. */
export interface ImportEntry {
  track: Track;
  run: Run | null;
  /** True when the link was in the library already (nothing downloaded). */
  existing: boolean;
}

/** The newest first; importing the same track again replaces its row instead of adding one. */
export function addImport(entries: ImportEntry[], answer: ImportAnswer): ImportEntry[] {
  const entry: ImportEntry = { track: answer.track, run: answer.run, existing: answer.status === 200 };
  return [entry, ...entries.filter((item) => item.track.id !== answer.track.id)];
}
