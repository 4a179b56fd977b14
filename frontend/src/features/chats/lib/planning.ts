/** Plans and planning questions as the studio shows and answers them. */
import type { PlanningQuestion, ProposalTimelineEntry } from "@/lib/types";

export interface AnswerDraft {
  optionId?: string | null;
  other?: string;
}

export interface AnswerOut {
  question_id: string;
  selected_option_id: string | null;
  other_text: string | null;
}

/** Questions still without an answer (no option chosen and no words written). */
export function unanswered(questions: readonly PlanningQuestion[], answers: Record<string, AnswerDraft>): PlanningQuestion[] {
  return questions.filter((question) => {
    const answer = answers[question.question_id];
    return !answer?.optionId && !(question.allow_other && answer?.other?.trim());
  });
}

/** The `answers` of a planning_response: each answered question, option and/or words. */
export function buildAnswers(questions: readonly PlanningQuestion[], answers: Record<string, AnswerDraft>): AnswerOut[] {
  const out: AnswerOut[] = [];
  for (const question of questions) {
    const answer = answers[question.question_id];
    const option = answer?.optionId && question.options.some((o) => o.id === answer.optionId) ? answer.optionId : null;
    const other = question.allow_other ? answer?.other?.trim() || null : null;
    if (option || other) out.push({ question_id: question.question_id, selected_option_id: option, other_text: other });
  }
  return out;
}

export interface CompatibilityView {
  from: string;
  to: string;
  tone: "good" | "warn" | "bad";
  score: number | null;
  text: string;
}

const RELATION_TEXT: Record<string, string> = {
  same: "same key",
  relative: "relative key",
  dominant: "dominant (+1 Camelot)",
  subdominant: "subdominant (−1 Camelot)",
  diagonal: "diagonal key move",
  parallel: "parallel key",
  clash: "key clash",
};

const COMPATIBLE_RELATIONS = new Set(["same", "relative", "dominant", "subdominant"]);

/** A key relation (tonal.key_relation's name) in words; null: a key is unknown. */
export function keyRelationText(relation: string | null | undefined): string {
  return relation ? (RELATION_TEXT[relation] ?? relation.replace(/_/g, " ")) : "key unknown";
}

/** Whether a key relation mixes without a pitch shift. */
export function isCompatibleRelation(relation: string | null | undefined): boolean {
  return !!relation && COMPATIBLE_RELATIONS.has(relation);
}

/** The badge tone of a compatibility score (0..1): good from 0.75, warn from 0.5; a key clash is bad. */
export function compatibilityTone(score: number | null, relation: string | null | undefined): CompatibilityView["tone"] {
  let tone: CompatibilityView["tone"] = "warn";
  if (score !== null) tone = score >= 0.75 ? "good" : score >= 0.5 ? "warn" : "bad";
  if (relation === "clash") tone = "bad";
  return tone;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * One transition's compatibility (planner compose.compatibility: `{from_segment, to_segment,
 * key_relation, semitone_shift, tempo_ratio, score}`) as a badge.
 */
export function compatibilityView(entry: Record<string, unknown>): CompatibilityView {
  const score = num(entry.score);
  const relation = typeof entry.key_relation === "string" ? entry.key_relation : null;
  const ratio = num(entry.tempo_ratio);
  const shift = num(entry.semitone_shift);
  const parts: string[] = [];
  parts.push(keyRelationText(relation));
  if (relation && !isCompatibleRelation(relation) && shift) parts.push(`${shift > 0 ? "+" : ""}${shift} st would fit`);
  if (ratio !== null) parts.push(`tempo ×${ratio.toFixed(2)}`);
  if (score !== null) parts.push(`${Math.round(score * 100)}%`);
  return {
    from: typeof entry.from_segment === "string" ? entry.from_segment : "",
    to: typeof entry.to_segment === "string" ? entry.to_segment : "",
    tone: compatibilityTone(score, relation),
    score,
    text: parts.join(" · "),
  };
}

export interface TimelineBlock {
  entry: ProposalTimelineEntry;
  leftPercent: number;
  widthPercent: number;
  /** Overlapping neighbours (transitions) alternate between two lanes. */
  lane: 0 | 1;
}

/** Blocks of a provisional timeline on a 0–100 % bar. */
export function timelineBlocks(entries: readonly ProposalTimelineEntry[]): TimelineBlock[] {
  const total = Math.max(0, ...entries.map((entry) => entry.end_seconds));
  if (total <= 0) return [];
  return entries.map((entry, index) => {
    const start = Math.max(0, Math.min(entry.start_seconds, total));
    const end = Math.max(start, Math.min(entry.end_seconds, total));
    return {
      entry,
      leftPercent: (start / total) * 100,
      widthPercent: Math.max(0.5, ((end - start) / total) * 100),
      lane: (index % 2) as 0 | 1,
    };
  });
}

const DRAFT_STATUS: Record<string, { text: string; tone: "good" | "warn" | "bad" | "" }> = {
  collecting: { text: "Waiting for answers", tone: "warn" },
  draft_ready: { text: "Ready to approve", tone: "good" },
  approved: { text: "Approved, rendering", tone: "good" },
  executed: { text: "Rendered", tone: "good" },
  superseded: { text: "Superseded", tone: "" },
  cancelled: { text: "Cancelled", tone: "bad" },
};

export function draftStatus(status: string | null | undefined): { text: string; tone: "good" | "warn" | "bad" | "" } {
  if (!status) return { text: "Draft", tone: "" };
  return DRAFT_STATUS[status] ?? { text: status.replace(/_/g, " "), tone: "" };
}
