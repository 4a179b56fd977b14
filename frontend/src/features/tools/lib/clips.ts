/** The trim-and-join form's rows: times as people type them, checked before anything is sent. */
import type { ClipRequest } from "../types";

export interface ClipRow {
  key: number;
  url: string;
  start: string;
  end: string;
}

export const MAX_CLIPS = 20;
const CLOCK = /^(?:(\d{1,2}):)?(\d{1,3}):(\d{2}(?:\.\d+)?)$|^(\d+(?:\.\d+)?)$/;

/** "mm:ss", "h:mm:ss" or plain seconds → seconds; null when unreadable (as the server reads it). */
export function clockSeconds(text: string): number | null {
  const match = CLOCK.exec(text.trim());
  if (!match) return null;
  const [, hours, minutes, seconds, plain] = match;
  if (plain !== undefined) return Number(plain);
  if (Number(seconds) >= 60) return null;
  return Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
}

/** What is wrong with each row (by key), or an empty map when the form can be sent. */
export function clipProblems(rows: ClipRow[]): Map<number, string> {
  const problems = new Map<number, string>();
  for (const row of rows) {
    const start = clockSeconds(row.start);
    const end = clockSeconds(row.end);
    if (!/^https?:\/\/\S+$/i.test(row.url.trim())) problems.set(row.key, "Paste an http(s) link.");
    else if (start === null || end === null) problems.set(row.key, "Times are mm:ss (or h:mm:ss).");
    else if (end <= start) problems.set(row.key, "The end must come after the start.");
  }
  return problems;
}

export function toRequest(rows: ClipRow[]): ClipRequest[] {
  return rows.map((row) => ({ url: row.url.trim(), start: row.start.trim(), end: row.end.trim() }));
}

/** The file name a result url ends in (what the download is called). */
export function fileName(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  return decodeURIComponent(path.split("/").pop() ?? "") || "download";
}
