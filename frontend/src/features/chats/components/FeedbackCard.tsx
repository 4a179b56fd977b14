import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";

import { AudioPlayer } from "@/components/AudioPlayer";
import type { FeedbackAnswerContent, FeedbackReportContent, Message } from "@/lib/types";

import { chatKeys } from "../api/chats";
import { readFeedback, scoreTone, severityTone, type FeedbackView } from "../lib/feedback";
import { useChat } from "./chat-context";

function Links({ view }: { view: FeedbackView }) {
  if (!view.viewHref && !view.pdfUrl) return null;
  return (
    <div className="card-actions">
      {view.viewHref && (
        <Link className="button small" to={view.viewHref}>
          Open in the Feedback view
        </Link>
      )}
      {view.pdfUrl && (
        <a className="button small ghost" href={view.pdfUrl} target="_blank" rel="noreferrer">
          PDF report
        </a>
      )}
    </div>
  );
}

/** A feedback report in the chat: score, summary, the top findings with their fixes, links. */
export function FeedbackReportCard({ content }: { content: Partial<FeedbackReportContent> }) {
  const { threadId } = useChat();
  const queryClient = useQueryClient();
  const view = readFeedback(content);
  const more = view.findingCount - view.findings.length;
  return (
    <article className="card feedback-card" data-testid="feedback-card" aria-label={`Feedback: ${view.trackTitle}`}>
      <header className="card-head">
        <h3>
          {view.trackTitle} <span className="muted">· {view.heading}</span>
        </h3>
        {view.overallScore !== null && <span className={`badge ${scoreTone(view.overallScore)}`}>{view.overallScore}/100</span>}
      </header>
      {content.summary && <p className="msg-text">{content.summary}</p>}
      {view.improvement && (
        <p className="feedback-improvement">
          Overall {view.improvement.overall.before} → <strong>{view.improvement.overall.after}</strong>/100
          {view.improvement.loudness.before !== null && view.improvement.loudness.after !== null
            ? ` · loudness ${view.improvement.loudness.before} → ${view.improvement.loudness.after} LUFS`
            : ""}
          {view.improvement.resolved.length > 0 ? ` · resolved: ${view.improvement.resolved.join("; ")}` : ""}
        </p>
      )}
      {view.masterUrl && (
        <AudioPlayer
          src={view.masterUrl}
          title={`the corrected master of ${view.trackTitle}`}
          onExpired={() => void queryClient.invalidateQueries({ queryKey: chatKeys.messages(threadId) })}
        />
      )}
      {view.findings.length > 0 ? (
        <ol className="feedback-findings" aria-label="Top findings">
          {view.findings.map((finding) => (
            <li key={`${finding.area}-${finding.title}`}>
              <span className={`badge ${severityTone(finding.severity)}`}>{finding.severity}</span>{" "}
              <strong>{finding.title}</strong>
              {finding.fixes.length > 0 && <p className="small-text">Fix: {finding.fixes.join("; ")}</p>}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No findings: every area is within its target.</p>
      )}
      {more > 0 && (
        <p className="muted small-text">
          {more} more finding{more === 1 ? "" : "s"} in the full report.
        </p>
      )}
      <p className="muted small-text">Ask “why…?”, “what should I fix first?” or “fix it”.</p>
      <Links view={view} />
    </article>
  );
}

/** A follow-up answered from a report: the answer, and where the whole report is. */
export function FeedbackAnswerCard({ message, content }: { message: Message; content: Partial<FeedbackAnswerContent> }) {
  const view = readFeedback(content);
  return (
    <article className="card feedback-card" aria-label={`Feedback answer: ${view.trackTitle}`}>
      <p className="muted small-text">From the latest report on {view.trackTitle}</p>
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      <Links view={view} />
    </article>
  );
}
