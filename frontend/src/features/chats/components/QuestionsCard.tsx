import { useState, type FormEvent } from "react";

import { ErrorNotice } from "@/components/ErrorNotice";
import type {
  ClarificationContent,
  Message,
  PlanningQuestion,
  PlanningQuestionsContent,
  TimelineAttachment,
  TimelineResolution,
} from "@/lib/types";

import { usePostMessage } from "../hooks/use-chat";
import { clarificationBody } from "../lib/compose";
import {
  ALL_OPTION_ID,
  allChosen,
  buildAnswers,
  choiceOptions,
  toggleOption,
  unanswered,
  type AnswerDraft,
} from "../lib/planning";
import { useChat } from "./chat-context";

/** The planner's questions: options as chips (checkboxes when several may be chosen), free words
 * when allowed; one post answers all. */
export function QuestionsCard({ message, content }: { message: Message; content: PlanningQuestionsContent }) {
  const { threadId, thread } = useChat();
  const post = usePostMessage(threadId);
  const [answers, setAnswers] = useState<Record<string, AnswerDraft>>({});
  const questions = Array.isArray(content.questions) ? content.questions : [];
  const open = thread?.active_planning_draft_id === content.draft_id && thread?.active_planning_status === "collecting";
  const sent = post.isSuccess;
  const locked = !open || sent || post.isPending;
  const missing = unanswered(questions, answers);

  const set = (questionId: string, change: AnswerDraft) =>
    setAnswers((current) => ({ ...current, [questionId]: { ...current[questionId], ...change } }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const built = buildAnswers(questions, answers);
    if (!built.length || missing.length) return;
    post.mutate({ body: { planning_response: { draft_id: content.draft_id, answers: built } } });
  };

  return (
    <form className="card question-card" data-testid="question-card" onSubmit={submit} aria-label="Planning questions">
      {message.content_text && !questions.some((q) => q.question === message.content_text?.trim()) && (
        <p className="msg-text">{message.content_text}</p>
      )}
      {questions.map((question, index) => {
        const answer = answers[question.question_id];
        const groupId = `${message.id}-q${index}`;
        return (
          <fieldset key={question.question_id} className="question" disabled={locked}>
            <legend id={groupId}>{question.question}</legend>
            {question.multi_select ? (
              <MultiSelect
                question={question}
                groupId={groupId}
                chosen={answer?.optionIds ?? []}
                onChange={(optionIds) => set(question.question_id, { optionIds })}
              />
            ) : (
              <div className="chips" role="group" aria-labelledby={groupId}>
                {question.options.map((option) => (
                  <button
                    key={option.id}
                    type="button"
                    className="chip"
                    aria-pressed={answer?.optionId === option.id}
                    title={option.description}
                    onClick={() => set(question.question_id, { optionId: answer?.optionId === option.id ? null : option.id })}
                  >
                    {option.label}
                  </button>
                ))}
              </div>
            )}
            {question.allow_other && (
              <label className="question-other">
                <span>Other answer</span>
                <input
                  value={answer?.other ?? ""}
                  maxLength={600}
                  placeholder="Or say it in your words"
                  aria-label={`Other answer: ${question.question}`}
                  onChange={(event) => set(question.question_id, { other: event.target.value })}
                />
              </label>
            )}
          </fieldset>
        );
      })}
      {post.error ? <ErrorNotice error={post.error} /> : null}
      <div className="card-actions">
        {open && !sent ? (
          <>
            <button type="submit" className="button primary" disabled={locked || missing.length > 0}>
              {post.isPending ? "Sending…" : "Send answers"}
            </button>
            {missing.length > 0 && (
              <span className="muted small-text">
                {missing.length} question{missing.length === 1 ? "" : "s"} left
              </span>
            )}
          </>
        ) : (
          <span className="badge">{sent ? "Answers sent" : "Answered or no longer open"}</span>
        )}
      </div>
    </form>
  );
}

/** A question that takes several options: a checkbox each, and "All of them" first. */
export function MultiSelect({
  question,
  groupId,
  chosen,
  onChange,
}: {
  question: PlanningQuestion;
  groupId: string;
  chosen: readonly string[];
  onChange: (optionIds: string[]) => void;
}) {
  const all = allChosen(question, chosen);
  return (
    <div className="checks" role="group" aria-labelledby={groupId}>
      <label className="check check-all">
        <input type="checkbox" checked={all} onChange={() => onChange(toggleOption(question, chosen, ALL_OPTION_ID))} />
        <span>All of them</span>
      </label>
      {choiceOptions(question).map((option) => (
        <label key={option.id} className="check" title={option.description}>
          <input
            type="checkbox"
            checked={chosen.includes(option.id)}
            onChange={() => onChange(toggleOption(question, chosen, option.id))}
          />
          <span>{option.label}</span>
          {option.description && <span className="muted small-text">{option.description}</span>}
        </label>
      ))}
    </div>
  );
}

/** A question about an attached timeline; each quick action answers it. */
export function ClarificationCard({
  message,
  content,
}: {
  message: Message;
  content: ClarificationContent & { draft_id?: string; timeline_snapshot?: TimelineAttachment | null };
}) {
  const { threadId, thread } = useChat();
  const post = usePostMessage(threadId);
  const [chosen, setChosen] = useState<string | null>(null);
  const draftId = content.draft_id ?? null;
  const open = !draftId || (thread?.active_planning_draft_id === draftId && thread?.active_planning_status === "collecting");
  const actions = Array.isArray(content.quick_actions) ? content.quick_actions : [];

  const choose = (id: TimelineResolution) => {
    const body = clarificationBody(id, content.timeline_snapshot, draftId);
    if (!body) return;
    setChosen(id);
    post.mutate({ body });
  };

  return (
    <section className="card question-card" data-testid="question-card" aria-label="Question about the attached timeline">
      <p className="msg-text">{content.text || message.content_text}</p>
      <div className="chips" role="group" aria-label="Answers">
        {actions.map((action) => (
          <button
            key={action.id}
            type="button"
            className="chip"
            aria-pressed={chosen === action.id}
            disabled={!open || post.isPending || post.isSuccess}
            title={(action as { description?: string }).description}
            onClick={() => choose(action.id)}
          >
            {action.label}
          </button>
        ))}
      </div>
      {post.error ? <ErrorNotice error={post.error} /> : null}
      {!open && <p className="muted small-text">This question was answered or is no longer open.</p>}
    </section>
  );
}
