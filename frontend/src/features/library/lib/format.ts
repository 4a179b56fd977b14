/** How the library shows analysis values. */
import { formatNumber } from "@/lib/format";
import type { TrackAnalysis } from "@/lib/types";

const CAMELOT = /^(1[0-2]|[1-9])([AB])$/i;

/** "A minor" + "8A" → "A minor · 8A"; either alone; "–" when the key is unknown. */
export function formatKey(key: string | null | undefined, camelot?: string | null): string {
  const parts = [key?.trim(), camelot?.trim().toUpperCase()].filter((part): part is string => Boolean(part));
  return parts.length ? parts.join(" · ") : "–";
}

/** The Camelot wheel position as a hue (1 → 0°, 2 → 30°, …), so neighbours look alike; null if unreadable. */
export function camelotHue(camelot: string | null | undefined): number | null {
  const match = CAMELOT.exec(camelot?.trim() ?? "");
  if (!match) return null;
  return ((Number(match[1]) - 1) * 30) % 360;
}

/** "8A (minor)" / "8B (major)" for a Camelot badge's accessible name. */
export function describeCamelot(camelot: string | null | undefined): string {
  const match = CAMELOT.exec(camelot?.trim() ?? "");
  if (!match) return "Camelot unknown";
  const letter = (match[2] ?? "").toUpperCase();
  return `Camelot ${match[1]}${letter} (${letter === "A" ? "minor" : "major"})`;
}

/** 0.834 → "83%"; missing → "". */
export function formatConfidence(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  return `${Math.round(Math.min(1, Math.max(0, value)) * 100)}%`;
}

/** "4/4" as the analysis gives it; a bare beat count (4) as "4/4". */
export function formatMeter(meter: string | number | null | undefined): string {
  if (meter === null || meter === undefined || meter === "") return "–";
  if (typeof meter === "number") return Number.isFinite(meter) ? `${meter}/4` : "–";
  return meter;
}

export function formatBpm(bpm: number | null | undefined): string {
  return formatNumber(bpm, 1);
}

/** −14.23 → "−14.2 LUFS"; a real minus sign reads better in tables. */
export function formatLevel(value: number | null | undefined, unit: string, digits = 1): string {
  const text = formatNumber(value, digits, unit);
  return text.replace(/^-/, "−");
}

/** A 0..1 share as a whole percent: 0.4237 → "42%"; tiny but non-zero shares as "<1%". */
export function formatShare(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value > 0 && value < 0.005) return "<1%";
  return `${Math.round(value * 100)}%`;
}

const STATUS_TEXT: Record<string, string> = {
  pending: "Pending",
  analyzing: "Analysing",
  ready: "Ready",
  failed: "Failed",
};

export function statusText(status: string): string {
  return STATUS_TEXT[status] ?? status;
}

/** The badge tone of a track status: good, warn, bad or plain. */
export function statusTone(status: string): "good" | "warn" | "bad" | "" {
  if (status === "ready") return "good";
  if (status === "failed") return "bad";
  if (status === "pending" || status === "analyzing") return "warn";
  return "";
}

/** A section label as a heading: "drop_2" → "Drop 2". */
export function sectionLabel(label: string): string {
  const text = label.replace(/[_-]+/g, " ").trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : "Section";
}

export type Reading = "tempo" | "key";

/** Whether the analysis marks a reading uncertain (its confidence under the server's bar). */
export function isUncertain(analysis: TrackAnalysis | null | undefined, reading: Reading): boolean {
  return Boolean(analysis?.uncertain?.[reading]) && (reading === "tempo" ? analysis?.bpm : analysis?.key) != null;
}

/** A tempo as a list shows it: "124.0", or "≈124?" when the reading is uncertain (decimals would claim precision). */
export function bpmReading(analysis: TrackAnalysis | null | undefined): string {
  const bpm = analysis?.bpm;
  if (bpm === null || bpm === undefined || !Number.isFinite(bpm)) return "–";
  return isUncertain(analysis, "tempo") ? `≈${Math.round(bpm)}?` : formatBpm(bpm);
}

/** A key as a list shows it: "A minor", or "≈A minor?" when the reading is uncertain. */
export function keyReading(analysis: TrackAnalysis | null | undefined): string {
  const key = analysis?.key?.trim();
  if (!key) return "–";
  return isUncertain(analysis, "key") ? `≈${key}?` : key;
}

/** What a screen reader (and a tooltip) says about an uncertain reading. */
export function uncertainExplanation(analysis: TrackAnalysis | null | undefined, reading: Reading): string {
  const confidence = formatConfidence(reading === "tempo" ? analysis?.bpm_confidence : analysis?.key_confidence);
  const what = reading === "tempo" ? "tempo" : "key";
  return `Uncertain ${what}: the analysis is ${confidence ? `only ${confidence}` : "not"} sure of it; check it by ear.`;
}
