/** Feedback answers in the chat (`feedback_report`, `feedback_answer`) as the studio shows them. */
import type { FeedbackAnswerContent, FeedbackFindingSummary, FeedbackReportContent, FileObject } from "@/lib/types";

/** Either feedback message's fields (a follow-up's answer has no findings of its own). */
export type FeedbackContent = Partial<Omit<FeedbackReportContent, "kind">> & Partial<Omit<FeedbackAnswerContent, "kind">>;

export interface FeedbackView {
  feedbackId: string | null;
  trackId: string | null;
  trackTitle: string;
  /** "Master feedback against Night Drive", "Mix feedback against the Techno target". */
  heading: string;
  overallScore: number | null;
  findings: FeedbackFindingSummary[];
  /** How many findings the report has in all (the card shows the top few). */
  findingCount: number;
  improvement: FeedbackReportContent["improvement"];
  pdfUrl: string | null;
  /** The corrected master's MP3, for a fix's report. */
  masterUrl: string | null;
  viewHref: string | null;
}

const SEVERITIES = new Set(["high", "medium", "low"]);

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

function findingsOf(value: unknown): FeedbackFindingSummary[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (f): f is FeedbackFindingSummary => !!f && typeof f === "object" && typeof (f as FeedbackFindingSummary).title === "string",
    )
    .map((f) => ({
      ...f,
      severity: SEVERITIES.has(f.severity) ? f.severity : "low",
      fixes: Array.isArray(f.fixes) ? f.fixes.filter((fix) => typeof fix === "string") : [],
    }));
}

/** Where the Feedback view shows this report (charts, all findings, A/B of a fix). */
export function feedbackViewHref(trackId: string, feedbackId: string | null): string {
  const base = `/library/${encodeURIComponent(trackId)}/feedback`;
  return feedbackId ? `${base}?report=${encodeURIComponent(feedbackId)}` : base;
}

/** The message's fields, each present and typed even when the stored content lacks it. */
export function readFeedback(content: FeedbackContent | null | undefined): FeedbackView {
  const trackId = text(content?.track_id);
  const feedbackId = text(content?.feedback_id);
  const kind = content?.type === "mix" ? "Mix" : "Master";
  const against = text(content?.reference_title) ?? (text(content?.genre) ? `the ${content?.genre} target` : null);
  const files: FileObject[] = Array.isArray(content?.files) ? content.files : [];
  const findings = findingsOf(content?.findings);
  return {
    feedbackId,
    trackId,
    trackTitle: text(content?.track_title) ?? "this track",
    heading: content?.fixed_from ? "Corrected master" : `${kind} feedback${against ? ` against ${against}` : ""}`,
    overallScore: typeof content?.overall_score === "number" ? content.overall_score : null,
    findings,
    findingCount: typeof content?.finding_count === "number" ? content.finding_count : findings.length,
    improvement: content?.improvement ?? null,
    pdfUrl: text(content?.pdf_url),
    masterUrl: files.find((file) => file.role === "mix_mp3")?.url ?? null,
    viewHref: trackId ? feedbackViewHref(trackId, feedbackId) : null,
  };
}

/** A badge tone for a 0–100 score. */
export function scoreTone(score: number): "good" | "warn" | "bad" {
  if (score >= 80) return "good";
  return score >= 55 ? "warn" : "bad";
}

export function severityTone(severity: FeedbackFindingSummary["severity"]): "bad" | "warn" | "" {
  if (severity === "high") return "bad";
  return severity === "medium" ? "warn" : "";
}
