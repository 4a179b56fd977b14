/** Answers to questions about library tracks (`analysis_report`) as the studio shows them. */
import { formatClock, formatNumber } from "@/lib/format";
import type { AnalysisReportContent } from "@/lib/types";

import { compatibilityTone, isCompatibleRelation, keyRelationText, type CompatibilityView } from "./planning";

export type AnalysisTrack = AnalysisReportContent["tracks"][number];
export type AnalysisSection = AnalysisTrack["sections"][number];
export type AnalysisFact = AnalysisReportContent["asked"][number];
export type TrackComparison = NonNullable<AnalysisReportContent["compatibility"]>[number];

export interface AnalysisView {
  tracks: AnalysisTrack[];
  asked: AnalysisFact[];
  notFound: string[];
  compatibility: TrackComparison[];
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** The report's lists, each an array even when the message lacks it; "all" when nothing is asked. */
export function readAnalysis(content: Partial<AnalysisReportContent> | null | undefined): AnalysisView {
  const tracks = list<AnalysisTrack>(content?.tracks)
    .filter((track) => track && typeof track.track_id === "string")
    .map((track) => ({ ...track, sections: list<AnalysisSection>(track.sections) }));
  const asked = list<AnalysisFact>(content?.asked);
  return {
    tracks,
    asked: asked.length ? asked : ["all"],
    notFound: list<string>(content?.not_found).filter((name) => typeof name === "string" && name.trim() !== ""),
    compatibility: list<TrackComparison>(content?.compatibility),
  };
}

/** Whether a fact was asked about on its own (with "all" nothing is singled out). */
export function isAsked(asked: readonly AnalysisFact[], fact: Exclude<AnalysisFact, "all">): boolean {
  return asked.includes(fact) && !asked.includes("all");
}

// --- one track --------------------------------------------------------------------------------

export interface FactBadge {
  id: "bpm" | "meter" | "key" | "lufs" | "peak" | "length";
  fact: "bpm" | "meter" | "key" | "loudness" | "length";
  label: string;
  value: string;
  /** False when the analysis did not measure it (the value is "–"). */
  known: boolean;
  /** Asked about: shown first and emphasised. */
  asked: boolean;
}

function finite(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * A track's facts as badges, those asked about first (otherwise tempo, meter, key, loudness,
 * peak, length); the meter only when analysed or asked (older analyses have none).
 */
export function factBadges(track: AnalysisTrack, asked: readonly AnalysisFact[]): FactBadge[] {
  const bpm = finite(track.bpm) && track.bpm > 0;
  const meter = typeof track.meter === "string" && track.meter !== "";
  const key = typeof track.key === "string" && track.key !== "";
  const length = finite(track.duration_s) && track.duration_s > 0;
  const badges: Omit<FactBadge, "asked">[] = [
    { id: "bpm", fact: "bpm", label: "Tempo", value: bpm ? formatNumber(track.bpm, 1, "BPM") : "–", known: bpm },
    ...(meter || asked.includes("meter")
      ? [{ id: "meter", fact: "meter", label: "Meter", value: meter ? String(track.meter) : "–", known: meter } as const]
      : []),
    {
      id: "key",
      fact: "key",
      label: "Key",
      value: key ? (track.camelot ? `${track.key} · ${track.camelot}` : String(track.key)) : "–",
      known: key,
    },
    {
      id: "lufs",
      fact: "loudness",
      label: "Loudness",
      value: formatNumber(track.lufs_integrated, 1, "LUFS"),
      known: finite(track.lufs_integrated),
    },
    {
      id: "peak",
      fact: "loudness",
      label: "True peak",
      value: formatNumber(track.true_peak_db, 1, "dBTP"),
      known: finite(track.true_peak_db),
    },
    { id: "length", fact: "length", label: "Length", value: length ? formatClock(track.duration_s) : "–", known: length },
  ];
  const marked = badges.map((badge) => ({ ...badge, asked: isAsked(asked, badge.fact) }));
  return [...marked.filter((badge) => badge.asked), ...marked.filter((badge) => !badge.asked)];
}

export interface SectionBlock {
  label: string;
  start_s: number;
  end_s: number;
  /** "0:00–0:32" */
  time: string;
  leftPercent: number;
  widthPercent: number;
  /** The same label gets the same colour (0..5) within a track. */
  colorIndex: number;
}

/** A track's sections on a 0–100 % bar as long as the track (or its last section, if longer). */
export function sectionBlocks(sections: readonly AnalysisSection[], durationS: number | null | undefined): SectionBlock[] {
  const usable = sections.filter((section) => finite(section.start_s) && finite(section.end_s));
  const total = Math.max(finite(durationS) ? durationS : 0, ...usable.map((section) => section.end_s));
  if (total <= 0) return [];
  const colors = new Map<string, number>();
  return usable.map((section) => {
    const start = Math.max(0, Math.min(section.start_s, total));
    const end = Math.max(start, Math.min(section.end_s, total));
    const name = section.label.trim().toLowerCase();
    if (!colors.has(name)) colors.set(name, colors.size % 6);
    return {
      label: section.label,
      start_s: section.start_s,
      end_s: section.end_s,
      time: `${formatClock(section.start_s)}–${formatClock(section.end_s)}`,
      leftPercent: (start / total) * 100,
      widthPercent: Math.max(0.5, ((end - start) / total) * 100),
      colorIndex: colors.get(name) ?? 0,
    };
  });
}

// --- tracks against each other ----------------------------------------------------------------

/** What each track is called in a comparison: its title, with the artist when titles repeat. */
export function trackNames(tracks: readonly Pick<AnalysisTrack, "track_id" | "title" | "artist">[]): Map<string, string> {
  const titles = tracks.map((track) => track.title);
  const shared = new Set(titles.filter((title, index) => titles.indexOf(title) !== index));
  return new Map(
    tracks.map((track) => [
      track.track_id,
      shared.has(track.title) && track.artist ? `${track.title} (${track.artist})` : track.title,
    ]),
  );
}

export interface CompatibilityRow {
  key: string;
  fromName: string;
  toName: string;
  /** "relative key, tempo ×1.03 (3% stretch)" */
  details: string;
  /** "fit 86%" */
  scoreText: string;
  tone: CompatibilityView["tone"];
  /** The whole row in words: "A → B: relative key, tempo ×1.03 (3% stretch), fit 86%". */
  text: string;
}

function signed(value: number): string {
  return `${value > 0 ? "+" : ""}${value}`;
}

function tempoText(pair: TrackComparison): string {
  if (!finite(pair.tempo_ratio)) return "tempo unknown";
  const notes: string[] = [];
  if (pair.half_double) notes.push("half/double time");
  if (finite(pair.stretch)) notes.push(pair.stretch < 0.005 ? "no stretch" : `${Math.round(pair.stretch * 100)}% stretch`);
  return `tempo ×${pair.tempo_ratio.toFixed(2)}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

/** How well one track follows the one before it, as a row; its tone is the plan card's. */
export function compatibilityRow(pair: TrackComparison, names: ReadonlyMap<string, string>): CompatibilityRow {
  const fromName = names.get(pair.from_track) ?? pair.from_track;
  const toName = names.get(pair.to_track) ?? pair.to_track;
  const compatible = pair.compatible_keys ?? isCompatibleRelation(pair.key_relation);
  const parts = [keyRelationText(pair.key_relation)];
  if (pair.key_relation && !compatible && finite(pair.semitone_shift) && pair.semitone_shift !== 0) {
    parts.push(`${signed(pair.semitone_shift)} st would fit`);
  }
  parts.push(tempoText(pair));
  const score = finite(pair.score) ? pair.score : null;
  const scoreText = score === null ? "fit unknown" : `fit ${Math.round(score * 100)}%`;
  const details = parts.join(", ");
  return {
    key: `${pair.from_track}>${pair.to_track}`,
    fromName,
    toName,
    details,
    scoreText,
    tone: compatibilityTone(score, pair.key_relation),
    text: `${fromName} → ${toName}: ${details}, ${scoreText}`,
  };
}

/** The names the library has no track for, as a note; null when every name was found. */
export function notFoundText(names: readonly string[]): string | null {
  if (!names.length) return null;
  const quoted = names.map((name) => `“${name}”`);
  const joined = quoted.length > 1 ? `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}` : quoted[0];
  return `Not found in your library: ${joined}.`;
}

/** The card's accessible name: what it is about. */
export function analysisLabel(tracks: readonly Pick<AnalysisTrack, "title">[]): string {
  return tracks.length ? `Track analysis: ${tracks.map((track) => track.title).join(", ")}` : "Track analysis";
}

/** The library page of a track. */
export function trackHref(trackId: string): string {
  return `/library/${encodeURIComponent(trackId)}`;
}
