/** Reading a GenerationSpec for people: labels, the arrangement on a clock, the seed. */
import { formatClock } from "@/lib/format";

import type { GenerationSpec } from "../types";

export const BEATS_PER_BAR = 4;

const GENRE_LABELS: Record<string, string> = {
  house: "House",
  techno: "Techno",
  drum_and_bass: "Drum & bass",
  dubstep: "Dubstep",
  hip_hop: "Hip hop",
  lo_fi: "Lo-fi",
  trap: "Trap",
  ambient: "Ambient",
  pop: "Pop",
  synthwave: "Synthwave",
};

/** "drum_and_bass" → "Drum & bass"; an unknown id is made readable. */
export function genreLabel(genre: string): string {
  const known = GENRE_LABELS[genre];
  if (known) return known;
  const words = genre.replace(/_/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "Unknown genre";
}

/** 124 → "124", 124.5 → "124.5", 123.456 → "123.46". */
export function formatBpm(bpm: number): string {
  if (!Number.isFinite(bpm)) return "–";
  return String(Math.round(bpm * 100) / 100);
}

/** Seconds of `bars` bars of 4/4 at `bpm`. */
export function barsToSeconds(bars: number, bpm: number): number {
  return bpm > 0 ? (bars * BEATS_PER_BAR * 60) / bpm : 0;
}

export interface TimedSection {
  index: number;
  label: string;
  bars: number;
  start_s: number;
  end_s: number;
  /** Share of the whole track, 0–1 (for a proportional strip). */
  fraction: number;
}

/** The spec's structure laid out in time: each section's start and end at the spec's tempo. */
export function timedSections(spec: Pick<GenerationSpec, "structure" | "bpm">): TimedSection[] {
  const totalBars = spec.structure.reduce((sum, s) => sum + Math.max(0, s.bars), 0);
  let start = 0;
  return spec.structure.map((section, index) => {
    const length = barsToSeconds(Math.max(0, section.bars), spec.bpm);
    const timed = {
      index,
      label: section.section,
      bars: section.bars,
      start_s: start,
      end_s: start + length,
      fraction: totalBars > 0 ? Math.max(0, section.bars) / totalBars : 0,
    };
    start += length;
    return timed;
  });
}

/** "House · 124 BPM · A minor · 1:02". */
export function specSummary(spec: Partial<GenerationSpec> | null | undefined): string {
  if (!spec) return "";
  const parts: string[] = [];
  if (spec.genre) parts.push(genreLabel(spec.genre));
  if (typeof spec.bpm === "number") parts.push(`${formatBpm(spec.bpm)} BPM`);
  if (spec.key) parts.push(spec.key);
  if (typeof spec.duration_s === "number") parts.push(formatClock(spec.duration_s));
  return parts.join(" · ");
}

/**
 * The seed as text. Seeds derived from the prompt use 63 bits, more than a JavaScript number
 * holds exactly, so such a seed is not shown as a (wrong) number: the same prompt gives it again.
 */
export function seedLabel(seed: number | null | undefined): string {
  if (seed === null || seed === undefined || !Number.isFinite(seed)) return "–";
  return Number.isSafeInteger(seed) ? String(seed) : "from the prompt";
}

/** Energy 0–1 as a percentage, e.g. 0.7 → "70%". */
export function energyPercent(energy: number | null | undefined): string {
  if (energy === null || energy === undefined || !Number.isFinite(energy)) return "–";
  return `${Math.round(Math.min(1, Math.max(0, energy)) * 100)}%`;
}

/** How a section reads in the structure strip: the peaks, the builds, the calm parts. */
export function sectionTone(label: string): "peak" | "build" | "calm" {
  const name = label.toLowerCase();
  if (["drop", "chorus", "hook", "main"].includes(name)) return "peak";
  if (["build", "verse", "bridge"].includes(name)) return "build";
  return "calm";
}
