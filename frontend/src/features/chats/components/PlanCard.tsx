import { ErrorNotice } from "@/components/ErrorNotice";
import { formatClock, formatNumber, tempoText } from "@/lib/format";
import type { Message, MixPlan, PlanningDraftReadyContent } from "@/lib/types";

import { useDraft, usePostMessage } from "../hooks/use-chat";
import { compatibilityView, draftStatus, timelineBlocks } from "../lib/planning";
import { useChat } from "./chat-context";
import { PlanSegments } from "./PlanSegments";

type DraftContent = PlanningDraftReadyContent & { notes?: string[] };

function trackColors(trackIds: string[]): Map<string, number> {
  const colors = new Map<string, number>();
  for (const id of trackIds) if (!colors.has(id)) colors.set(id, colors.size % 6);
  return colors;
}

/** A planned mix, ready to approve: target, provisional timeline, transitions, what blocks it. */
export function PlanCard({ message, content }: { message: Message; content: DraftContent }) {
  const { threadId, thread, revise, openEditor, focusComposer } = useChat();
  const approve = usePostMessage(threadId);
  const live = useDraft(threadId, content.draft_id);
  const draft = content.draft;
  const plan: MixPlan | null = live.data?.plan ?? draft?.plan ?? null;
  const proposal = content.proposal ?? {
    title: plan?.title ?? "Plan",
    summary: plan?.summary ?? "",
    target_duration_seconds: 0,
    provisional_timeline: [],
  };
  const isActive = thread?.active_planning_draft_id === content.draft_id;
  const status = live.data?.status ?? (isActive ? thread?.active_planning_status : null) ?? draft?.status ?? null;
  const violations = live.data?.violations ?? content.violations ?? [];
  const warnings = live.data?.warnings ?? draft?.warnings ?? [];
  const changes = live.data?.changes ?? content.changes ?? draft?.changes ?? null;
  const notes = content.notes ?? draft?.notes ?? [];
  const actionable = isActive && status === "draft_ready";
  const shownStatus = !isActive && status === "draft_ready" ? draftStatus("superseded") : draftStatus(status);
  const target = plan?.target ?? (proposal as { target?: MixPlan["target"] }).target;
  const timeline = Array.isArray(proposal.provisional_timeline) ? proposal.provisional_timeline : [];
  const blocks = timelineBlocks(timeline);
  const colors = trackColors(timeline.map((entry) => entry.track_id));
  const compat = (Array.isArray(draft?.compatibility) ? draft.compatibility : []).map((entry) =>
    compatibilityView(entry as Record<string, unknown>),
  );
  const compatFrom = new Map(compat.map((view) => [view.from, view]));
  const rationale = proposal.rationale ?? plan?.rationale;
  const asked = target?.duration_s ?? null;
  const length = blocks.at(-1)?.entry.end_seconds ?? (proposal.target_duration_seconds || asked || 0);
  const title = proposal.title || plan?.title || "Plan";

  const doApprove = () => approve.mutate({ body: { planning_action: { draft_id: content.draft_id, action: "approve_plan" } } });

  return (
    <article className="card plan-card" data-testid="plan-card" aria-label={`Plan: ${title}`}>
      {message.content_text && <p className="msg-text">{message.content_text}</p>}
      <header className="card-head">
        <h3>{title}</h3>
        <span className={`badge ${shownStatus.tone}`}>{shownStatus.text}</span>
      </header>
      {proposal.summary && !message.content_text?.includes(proposal.summary) && (
        <p className="plan-summary">{proposal.summary}</p>
      )}

      <dl className="facts">
        <div>
          <dt>Tempo</dt>
          <dd>{plan ? tempoText(plan) : target ? `${formatNumber(target.bpm, 0)} BPM` : "–"}</dd>
        </div>
        <div>
          <dt>Key</dt>
          <dd>{target?.key ?? "Each track's own"}</dd>
        </div>
        <div>
          <dt>Length</dt>
          <dd>
            {formatClock(length)}
            {asked && Math.abs(asked - length) > 2 ? <span className="muted"> (asked {formatClock(asked)})</span> : null}
          </dd>
        </div>
        <div>
          <dt>Loudness</dt>
          <dd>{target ? `${formatNumber(target.lufs, 0)} LUFS` : "–"}</dd>
        </div>
        {target?.true_peak_db !== undefined && (
          <div>
            <dt>Ceiling</dt>
            <dd>{formatNumber(target.true_peak_db, 1, "dBTP")}</dd>
          </div>
        )}
      </dl>

      {blocks.length > 0 && (
        <div className="plan-timeline">
          <div
            className="plan-bar"
            role="img"
            aria-label={`Timeline of ${timeline.length} segments, ${formatClock(blocks.at(-1)?.entry.end_seconds)} long`}
          >
            {blocks.map((block) => (
              <span
                key={`${block.entry.segment_id}-${block.entry.segment_index}`}
                className={`plan-bar-block lane-${block.lane} track-color-${colors.get(block.entry.track_id) ?? 0}`}
                style={{ left: `${block.leftPercent}%`, width: `${block.widthPercent}%` }}
                title={`${block.entry.song} · ${block.entry.label} · ${formatClock(block.entry.start_seconds)}–${formatClock(block.entry.end_seconds)}`}
              />
            ))}
          </div>
          <PlanSegments timeline={timeline} plan={plan} changes={changes} colors={colors} compatFrom={compatFrom} />
        </div>
      )}

      {rationale && (
        <details className="plan-rationale">
          <summary>Why this plan</summary>
          <p>{rationale}</p>
          {notes.length > 0 && (
            <ul>
              {notes.map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
        </details>
      )}

      {warnings.length > 0 && (
        <ul className="plan-warnings" aria-label="Warnings">
          {warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      {violations.length > 0 && (
        <div className="plan-violations" role="note">
          <strong>Approval is blocked until these are fixed:</strong>
          <ul>
            {violations.map((violation) => (
              <li key={violation}>{violation}</li>
            ))}
          </ul>
        </div>
      )}

      {approve.error ? <ErrorNotice error={approve.error} /> : null}
      {isActive && (status === "approved" || status === "executed") ? (
        <p className="muted small-text">
          {status === "approved" ? "Approved: the mix is being rendered." : "Approved and rendered: the mix is below."}
        </p>
      ) : isActive ? (
        <div className="card-actions">
          <button
            type="button"
            className="button primary"
            onClick={doApprove}
            disabled={!actionable || violations.length > 0 || approve.isPending || approve.isSuccess}
          >
            {approve.isPending ? "Approving…" : "Approve"}
          </button>
          <button
            type="button"
            className="button"
            disabled={!actionable || approve.isPending}
            onClick={() => {
              revise({ draftId: content.draft_id, title });
              focusComposer();
            }}
          >
            Revise
          </button>
          <button
            type="button"
            className="button"
            disabled={!plan || !actionable}
            onClick={() => plan && openEditor({ kind: "draft", draftId: content.draft_id, plan })}
          >
            Edit timeline
          </button>
        </div>
      ) : (
        <p className="muted small-text">A newer plan replaced this one; only the latest plan can be approved or edited.</p>
      )}
    </article>
  );
}
