import { formatDate } from "@/lib/format";
import type {
  AnalysisReportContent,
  ClarificationContent,
  ErrorContent,
  FeedbackAnswerContent,
  FeedbackReportContent,
  Message,
  MixProposalContent,
  PlanningDraftReadyContent,
  PlanningQuestionsContent,
} from "@/lib/types";

import { isPlaceholder, kindOf, userMessageNotes } from "../lib/messages";
import { AnalysisCard } from "./AnalysisCard";
import { ErrorCard } from "./ErrorCard";
import { FeedbackAnswerCard, FeedbackReportCard } from "./FeedbackCard";
import { MixCard } from "./MixCard";
import { GenerationCard, GenericCard, SongImportCard, SuggestionsCard } from "./OtherCards";
import { PendingReply } from "./PendingReply";
import { PlanCard } from "./PlanCard";
import { ClarificationCard, QuestionsCard } from "./QuestionsCard";

function UserMessage({ message }: { message: Message }) {
  const notes = userMessageNotes(message);
  return (
    <article className="msg msg-user" aria-label="You">
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      {notes.length > 0 && (
        <ul className="msg-notes">
          {notes.map((note) => (
            <li key={note} className="badge">
              {note}
            </li>
          ))}
        </ul>
      )}
      <time className="msg-time" dateTime={message.created_at}>
        {formatDate(message.created_at)}
      </time>
    </article>
  );
}

function AssistantBody({ message }: { message: Message }) {
  const content = message.content_json;
  switch (kindOf(message)) {
    case "planning_questions":
      return <QuestionsCard message={message} content={content as PlanningQuestionsContent} />;
    case "planning_draft_ready":
      return <PlanCard message={message} content={content as PlanningDraftReadyContent} />;
    case "clarification_question":
      return <ClarificationCard message={message} content={content as ClarificationContent} />;
    case "mix_proposal":
      return <MixCard message={message} content={content as MixProposalContent} />;
    case "error":
      return <ErrorCard message={message} content={content as Partial<ErrorContent>} />;
    case "suggestions":
      return <SuggestionsCard message={message} />;
    case "analysis_report":
      return <AnalysisCard message={message} content={content as Partial<AnalysisReportContent>} />;
    case "feedback_report":
      return <FeedbackReportCard content={content as Partial<FeedbackReportContent>} />;
    case "feedback_answer":
      return <FeedbackAnswerCard message={message} content={content as Partial<FeedbackAnswerContent>} />;
    case "generation_started":
      return <GenerationCard message={message} />;
    case "song_import":
      return <SongImportCard message={message} />;
    default:
      if (message.status === "failed") {
        return <ErrorCard message={message} content={{ message: message.content_text ?? undefined, retryable: true }} />;
      }
      return <GenericCard message={message} />;
  }
}

/** One chat message, rendered by what it is. */
export function MessageItem({ message }: { message: Message }) {
  if (message.role === "user") return <UserMessage message={message} />;
  if (isPlaceholder(message)) return <PendingReply message={message} />;
  return (
    <div className="msg msg-assistant">
      <AssistantBody message={message} />
    </div>
  );
}
