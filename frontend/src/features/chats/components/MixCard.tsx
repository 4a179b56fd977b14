import { useMutation, useQueryClient } from "@tanstack/react-query";

import { ErrorNotice } from "@/components/ErrorNotice";
import { AudioPlayer } from "@/components/AudioPlayer";
import { formatBytes, formatClock, tempoText } from "@/lib/format";
import type { FileObject, Message, MixPlan, MixProposalContent } from "@/lib/types";

import { chatKeys, rerenderVersion } from "../api/chats";
import { applyPosted, applyRun } from "../hooks/use-chat";
import { downloadLinks, playableUrl } from "../lib/files";
import { qaBadges, readQa } from "../lib/qa";
import { useChat } from "./chat-context";

/** A rendered version: player, QA, downloads, and what to do next with it. */
export function MixCard({ message, content }: { message: Message; content: MixProposalContent }) {
  const { threadId, openEditor } = useChat();
  const queryClient = useQueryClient();
  const version = content.version ?? ({} as Partial<MixProposalContent["version"]>);
  const versionId = content.version_id ?? version.id;
  const plan = (version.plan ?? null) as MixPlan | null;
  const files: FileObject[] = Array.isArray(version.files) ? version.files : [];
  const titles: Record<string, string> = {};
  for (const track of content.tracks ?? []) titles[track.id] = track.artist ? `${track.title} — ${track.artist}` : track.title;
  const links = downloadLinks(files, titles);
  const source = playableUrl(content.final_output, files);
  const qa = readQa(version.qa);
  const badges = qaBadges(version.qa);
  const title = content.proposal?.title || plan?.title || "Your mix";
  const rationale = content.proposal?.mixing_rationale;

  const rerender = useMutation({
    mutationFn: (force: boolean) => rerenderVersion(threadId, versionId ?? "", force),
    onSuccess: (answer) => {
      if (answer.outcome === "started") applyPosted(queryClient, threadId, answer);
      else if (answer.outcome === "in_progress") applyRun(queryClient, threadId, answer.run);
    },
  });
  const answered = rerender.data?.outcome;

  return (
    <article className="card mix-card" data-testid="mix-card" aria-label={`Mix: ${title}`}>
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      <header className="card-head">
        <h3>{title}</h3>
        {qa && (
          <span className={`badge ${qa.passed ? "good" : "warn"}`}>
            {qa.passed ? "QA passed" : "QA flagged"}
            {qa.attempts > 1 ? ` · ${qa.attempts} masters` : ""}
          </span>
        )}
      </header>
      {plan && (
        <p className="muted small-text">
          {tempoText(plan)}
          {plan.target.key ? ` · ${plan.target.key}` : ""} · {plan.segments.length} segment
          {plan.segments.length === 1 ? "" : "s"}
          {content.tracks?.length ? ` · ${content.tracks.map((t) => t.title).join(", ")}` : ""}
        </p>
      )}
      {source ? (
        <AudioPlayer
          className="mix-player"
          src={source}
          title={title}
          onExpired={() => void queryClient.invalidateQueries({ queryKey: chatKeys.messages(threadId) })}
        />
      ) : (
        <p className="muted">The audio files of this version are no longer available.</p>
      )}
      {badges.length > 0 && (
        <ul className="badges qa-badges" aria-label="Quality checks">
          {badges.map((badge) => (
            <li key={badge.name} className={`badge ${badge.passed ? "good" : "bad"}`} title={badge.detail}>
              <span aria-hidden="true">{badge.passed ? "✓" : "✗"}</span>
              {badge.label}: {badge.value}
              <span className="visually-hidden">{badge.passed ? "(passed)" : "(failed)"}</span>
            </li>
          ))}
        </ul>
      )}
      {rationale && (
        <details className="plan-rationale">
          <summary>How it was mixed</summary>
          <p>{rationale}</p>
        </details>
      )}
      {links.length > 0 && (
        <div className="downloads" role="group" aria-label="Downloads">
          {links.map((link) => (
            <a
              key={link.name}
              className="button small"
              href={link.href}
              download={link.name}
              title={`${link.name}, ${formatBytes(link.sizeBytes)}`}
            >
              ⤓ {link.label}
            </a>
          ))}
        </div>
      )}
      {rerender.error ? <ErrorNotice error={rerender.error} /> : null}
      {answered === "existing_result" && (
        <p className="rerender-note" role="status">
          Nothing changed since this version was rendered, so its mix above is the result. Edit the timeline or ask for a change
          to make a new version — or{" "}
          <button type="button" className="button small" disabled={rerender.isPending} onClick={() => rerender.mutate(true)}>
            Render again anyway
          </button>
        </p>
      )}
      {answered === "in_progress" && (
        <p className="rerender-note" role="status">
          This version is already rendering; its progress is below.
        </p>
      )}
      <div className="card-actions">
        <button
          type="button"
          className="button"
          disabled={!plan || !versionId}
          onClick={() => plan && versionId && openEditor({ kind: "version", versionId, plan, mixAudioUrl: source })}
        >
          Edit timeline
        </button>
        <button
          type="button"
          className="button"
          disabled={!versionId || rerender.isPending}
          onClick={() => rerender.mutate(false)}
        >
          {rerender.isPending ? "Starting…" : "Re-render"}
        </button>
        {plan?.target.duration_s ? <span className="muted small-text">Target {formatClock(plan.target.duration_s)}</span> : null}
      </div>
    </article>
  );
}
