/** Plans and planning questions as the studio shows and answers them. */
import type { PlanChanges, PlanningQuestion, ProposalTimelineEntry, Transition } from "@/lib/types";

export interface AnswerDraft {
  optionId?: string | null;
  /** The options ticked on a multi-select question. */
  optionIds?: string[];
  other?: string;
}

export interface AnswerOut {
  question_id: string;
  selected_option_id: string | null;
  selected_option_ids?: string[];
  other_text: string | null;
}

/** The planner's own "all" option of a multi-select question, when it offers one. */
export const ALL_OPTION_ID = "all";

/** The options of a multi-select question a person ticks one by one (its "all" option aside). */
export function choiceOptions(question: PlanningQuestion) {
  return question.options.filter((option) => option.id !== ALL_OPTION_ID);
}

/** Whether "All of them" is ticked: every option is. */
export function allChosen(question: PlanningQuestion, chosen: readonly string[] = []): boolean {
  const options = choiceOptions(question);
  return options.length > 0 && options.every((option) => chosen.includes(option.id));
}

/** Ticking or unticking one option; `ALL_OPTION_ID` ticks or unticks every option. */
export function toggleOption(question: PlanningQuestion, chosen: readonly string[] = [], optionId: string): string[] {
  if (optionId === ALL_OPTION_ID) return allChosen(question, chosen) ? [] : choiceOptions(question).map((option) => option.id);
  const next = chosen.includes(optionId) ? chosen.filter((id) => id !== optionId) : [...chosen, optionId];
  // Kept in the question's order, so answers read the way the options were listed.
  return choiceOptions(question)
    .map((option) => option.id)
    .filter((id) => next.includes(id));
}

function chosenOptions(question: PlanningQuestion, answer: AnswerDraft | undefined): string[] {
  if (!question.multi_select) {
    const option = answer?.optionId && question.options.some((o) => o.id === answer.optionId) ? answer.optionId : null;
    return option ? [option] : [];
  }
  const ticked = (answer?.optionIds ?? []).filter((id) => choiceOptions(question).some((o) => o.id === id));
  // Every track ticked is "all of them": sent as the planner's own option when it has one.
  const hasAll = question.options.some((option) => option.id === ALL_OPTION_ID);
  return hasAll && allChosen(question, ticked) ? [ALL_OPTION_ID] : ticked;
}

/** Questions still without an answer (no option chosen and no words written). */
export function unanswered(questions: readonly PlanningQuestion[], answers: Record<string, AnswerDraft>): PlanningQuestion[] {
  return questions.filter((question) => {
    const answer = answers[question.question_id];
    return chosenOptions(question, answer).length === 0 && !(question.allow_other && answer?.other?.trim());
  });
}

/**
 * The `answers` of a planning_response: each answered question, option(s) and/or words. A
 * multi-select question answers with `selected_option_ids`, any other with `selected_option_id`.
 */
export function buildAnswers(questions: readonly PlanningQuestion[], answers: Record<string, AnswerDraft>): AnswerOut[] {
  const out: AnswerOut[] = [];
  for (const question of questions) {
    const answer = answers[question.question_id];
    const chosen = chosenOptions(question, answer);
    const other = question.allow_other ? answer?.other?.trim() || null : null;
    if (!chosen.length && !other) continue;
    if (question.multi_select) {
      out.push({ question_id: question.question_id, selected_option_id: null, selected_option_ids: chosen, other_text: other });
    } else {
      out.push({ question_id: question.question_id, selected_option_id: chosen[0] ?? null, other_text: other });
    }
  }
  return out;
}

const TRANSITION_NAMES: Record<string, string> = {
  cut: "cut",
  crossfade: "crossfade",
  bass_swap: "bass swap",
  filter_sweep: "filter sweep",
  echo_out: "echo out",
};

/** "16-beat filter sweep", or "cut" (the planner's own wording, planner.changes.transition_name). */
export function transitionText(transition: Transition | null | undefined): string {
  if (!transition) return "no transition";
  const name = TRANSITION_NAMES[transition.type] ?? transition.type.replace(/_/g, " ");
  return transition.type === "cut" ? name : `${transition.beats}-beat ${name}`;
}

const ASPECT_WORDS: Record<string, string> = {
  track: "track",
  part: "cut points",
  pitch: "pitch",
  gain: "gain",
  eq: "EQ",
  effects: "effects",
};

export interface ChangeMarks {
  /** Segment id → what changed of it, in words ("new", "pitch and gain"). */
  segments: Map<string, string>;
  /** Segment id → the transition into it changed: what it was. */
  transitions: Map<string, string>;
}

function joinWords(words: string[]): string {
  return words.length < 2 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** What a plan card highlights: changed and added segments, changed transitions (none for a first plan). */
export function changeMarks(changes: PlanChanges | null | undefined): ChangeMarks {
  const marks: ChangeMarks = { segments: new Map(), transitions: new Map() };
  if (!changes || changes.first) return marks;
  for (const added of changes.added ?? []) marks.segments.set(added.segment_id, "new");
  for (const changed of changes.changed ?? []) {
    marks.segments.set(changed.segment_id, joinWords(changed.aspects.map((aspect) => ASPECT_WORDS[aspect] ?? aspect)));
  }
  for (const transition of changes.transitions ?? []) {
    marks.transitions.set(transition.segment_id, transition.old ? `was ${transitionText(transition.old)}` : "new");
  }
  return marks;
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
