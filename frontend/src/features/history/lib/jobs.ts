/** Jobs for people: what each one was, its status, its filters and pages. */
import { formatClock } from "@/lib/format";
import type { Job } from "@/lib/types";

import type { JobSummary, JobTypeFilter, Tone } from "../types";

export const TYPE_FILTERS: readonly { value: JobTypeFilter; label: string }[] = [
  { value: "", label: "All" },
  { value: "render", label: "Renders" },
  { value: "generate", label: "Generations" },
];

export const PAGE_SIZE = 10;

const TYPE_LABELS: Record<string, string> = {
  render: "Render",
  generate: "Generation",
  analyze_track: "Analysis",
  plan: "Plan",
};

export function typeLabel(type: string): string {
  const known = TYPE_LABELS[type];
  if (known) return known;
  const words = type.replace(/_/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : "Job";
}

/** A job's status for people: a run they cancelled reads as cancelled (neutral), not failed. */
export function statusBadge(job: Pick<Job, "status" | "cancelled">): { label: string; tone: Tone } {
  if (job.status === "failed" && job.cancelled) return { label: "Cancelled", tone: "" };
  const status: string = job.status;
  switch (status) {
    case "processing":
      return { label: "Processing", tone: "warn" };
    case "success":
      return { label: "Done", tone: "good" };
    case "failed":
      return { label: "Failed", tone: "bad" };
    default:
      return { label: status || "Unknown", tone: "" };
  }
}

/** A `?type=` value as a known filter; anything else means all. */
export function parseTypeFilter(raw: string | null): JobTypeFilter {
  return TYPE_FILTERS.some((filter) => filter.value === raw) ? (raw as JobTypeFilter) : "";
}

/** A `?page=` value as a page number from 1. */
export function parsePage(raw: string | null): number {
  if (!raw || !/^\d+$/.test(raw)) return 1;
  return Math.max(1, Math.min(Number(raw), 1_000_000));
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() ? value.trim() : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function bpmText(bpm: number | null): string | null {
  return bpm === null ? null : `${Math.round(bpm * 100) / 100} BPM`;
}

const GENRE_LABELS: Record<string, string> = {
  drum_and_bass: "Drum & bass",
  hip_hop: "Hip hop",
  lo_fi: "Lo-fi",
};

function genreText(genre: string | null): string | null {
  if (!genre) return null;
  const label = GENRE_LABELS[genre] ?? genre.replace(/_/g, " ");
  return label[0]!.toUpperCase() + label.slice(1);
}

/**
 * What a job was made from, from its input_payload: a generate job stores `{prompt, spec}`, a
 * render job `{plan}` (a MixPlan). Unknown shapes still get a title.
 */
export function summarizeJob(job: Pick<Job, "type" | "input_payload">): JobSummary {
  const input = record(job.input_payload) ?? {};
  if (job.type === "generate") {
    const spec = record(input.spec) ?? {};
    const duration = num(spec.duration_s);
    const detail = [
      genreText(text(spec.genre)),
      bpmText(num(spec.bpm)),
      text(spec.key),
      duration === null ? null : formatClock(duration),
    ];
    return { title: text(input.prompt) ?? "Generated track", detail: detail.filter(Boolean).join(" · ") };
  }
  if (job.type === "render") {
    const plan = record(input.plan) ?? {};
    const target = record(plan.target) ?? {};
    const segments = Array.isArray(plan.segments) ? plan.segments : [];
    const tracks = new Set(segments.map((segment) => record(segment)?.track_id).filter((id) => typeof id === "string"));
    const duration = num(target.duration_s);
    const detail = [
      segments.length ? `${segments.length} segment${segments.length === 1 ? "" : "s"}` : null,
      tracks.size ? `${tracks.size} track${tracks.size === 1 ? "" : "s"}` : null,
      bpmText(num(target.bpm)),
      text(target.key),
      duration === null ? null : formatClock(duration),
    ];
    return { title: text(plan.title) ?? "Mix render", detail: detail.filter(Boolean).join(" · ") };
  }
  return { title: text(input.title) ?? text(input.prompt) ?? typeLabel(job.type), detail: "" };
}

/** How long a finished job took, e.g. "42 s" or "3:05"; null while it runs. */
export function elapsed(createdAt: string | null, completedAt: string | null): string | null {
  if (!createdAt || !completedAt) return null;
  const seconds = (Date.parse(completedAt) - Date.parse(createdAt)) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return null;
  return seconds < 60 ? `${Math.max(1, Math.round(seconds))} s` : formatClock(seconds);
}

/** The words of the delete confirmation; a generated track stays in the library. */
export function deleteConfirmation(job: Pick<Job, "type" | "status">): string {
  const what = job.type === "generate" ? "this generation" : job.type === "render" ? "this render" : "this job";
  const parts = [`Delete ${what} and its files? This cannot be undone.`];
  if (job.type === "generate") parts.push("The track stays in your library.");
  if (job.status === "processing") parts.push("It is still processing.");
  return parts.join(" ");
}
