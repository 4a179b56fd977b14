/** A version's QA report (backend audio/qa.py) as badges. */
import type { QaCheck } from "@/lib/types";

import type { QaBadge, QaSummary } from "../types";

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function isCheck(value: unknown): value is QaCheck {
  const check = record(value);
  return !!check && typeof check.name === "string" && typeof check.passed === "boolean";
}

/**
 * The final QA report of a version. A render stores `{passed, attempts: [{attempt, master,
 * qa: {passed, checks, measured}}]}` (one entry per mastering attempt); a bare report
 * `{passed, checks, measured}` is read as well.
 */
export function readQa(qa: unknown): QaSummary | null {
  const report = record(qa);
  if (!report) return null;
  let final = report;
  let attempts = 1;
  if (Array.isArray(report.attempts) && report.attempts.length) {
    attempts = report.attempts.length;
    const last = record(report.attempts[report.attempts.length - 1]);
    final = record(last?.qa) ?? report;
  }
  const checks = Array.isArray(final.checks) ? final.checks.filter(isCheck) : [];
  if (!checks.length && typeof final.passed !== "boolean") return null;
  return {
    passed: typeof final.passed === "boolean" ? final.passed : checks.every((check) => check.passed),
    checks,
    measured: record(final.measured) ?? {},
    attempts,
  };
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function fixed(value: unknown, digits: number, unit: string): string {
  const n = num(value);
  return n === null ? "not measured" : `${n.toFixed(digits)} ${unit}`;
}

const ORDER = ["tempo", "key", "loudness", "true_peak_wav", "true_peak_mp3", "duration", "clipping", "silence", "stems"];

const LABELS: Record<string, string> = {
  tempo: "Tempo",
  key: "Key",
  loudness: "Loudness",
  true_peak_wav: "True peak",
  true_peak_mp3: "MP3 peak",
  duration: "Length",
  clipping: "Clipping",
  silence: "Silence",
  stems: "Stems",
};

function valueOf(check: QaCheck, measured: Record<string, unknown>): string {
  switch (check.name) {
    case "tempo": {
      // A tempo journey's check counts the segments heard at their own tempo (its expected
      // bpm is one per segment), not one BPM.
      const expected = check.expected;
      const perSegment = expected && typeof expected === "object" ? (expected as Record<string, unknown>).bpm : null;
      if (perSegment !== null && typeof perSegment === "object") {
        const total = Object.keys(perSegment).length;
        const heard = num(check.measured);
        return heard === null ? "not measured" : `${heard} of ${total} segments on tempo`;
      }
      return fixed(check.measured ?? measured.bpm, 1, "BPM");
    }
    case "key": {
      const key = check.measured ?? measured.key;
      return typeof key === "string" ? key : "no key heard";
    }
    case "loudness":
      return fixed(check.measured ?? measured.lufs, 1, "LUFS");
    case "true_peak_wav":
    case "true_peak_mp3":
      return fixed(check.measured ?? measured[check.name], 1, "dBTP");
    case "duration": {
      const seconds = num(check.measured ?? measured.duration_s);
      if (seconds === null) return "not measured";
      const whole = Math.round(seconds);
      return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
    }
    case "clipping": {
      const runs = num(check.measured);
      return runs === null ? (check.passed ? "none" : "found") : runs === 0 ? "none" : `${runs} runs`;
    }
    case "silence": {
      const longest = num(check.measured);
      return longest === null ? (check.passed ? "ok" : "gaps") : `longest ${longest.toFixed(1)} s`;
    }
    default:
      return check.passed ? "ok" : "failed";
  }
}

/** Every check as a badge, the musical ones first (tempo, key, loudness, peaks). */
export function qaBadges(qa: unknown): QaBadge[] {
  const summary = readQa(qa);
  if (!summary) return [];
  const rank = (name: string) => {
    const index = ORDER.indexOf(name);
    return index === -1 ? ORDER.length : index;
  };
  return [...summary.checks]
    .sort((a, b) => rank(a.name) - rank(b.name))
    .map((check) => ({
      name: check.name,
      label: LABELS[check.name] ?? check.name.replace(/_/g, " "),
      value: valueOf(check, summary.measured),
      passed: check.passed,
      detail: typeof check.detail === "string" ? check.detail : "",
    }));
}
