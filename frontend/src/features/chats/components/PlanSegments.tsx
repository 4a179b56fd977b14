import { formatClock } from "@/lib/format";
import type { MixPlan, PlanChanges, ProposalTimelineEntry } from "@/lib/types";

import { changeMarks, transitionText, type CompatibilityView } from "../lib/planning";

export interface PlanSegmentsProps {
  timeline: readonly ProposalTimelineEntry[];
  plan: MixPlan | null;
  /** What changed since the plan this one was made from (null for a first plan). */
  changes: PlanChanges | null | undefined;
  colors: Map<string, number>;
  /** Compatibility of the transition after each segment, by the segment it leaves. */
  compatFrom: Map<string, CompatibilityView>;
}

function ChangedBadge({ visible, said }: { visible: string; said: string }) {
  return (
    <span className="badge changed" data-testid="changed-badge">
      {visible}
      <span className="visually-hidden">{said}</span>
    </span>
  );
}

/** A plan's segments in order, each transition between them (type and length), and what changed. */
export function PlanSegments({ timeline, plan, changes, colors, compatFrom }: PlanSegmentsProps) {
  const marks = changeMarks(changes);
  const segments = new Map((plan?.segments ?? []).map((segment) => [segment.id, segment]));
  return (
    <ol className="plan-segments">
      {timeline.map((entry, index) => {
        const next = timeline[index + 1];
        const leadsIn = next ? segments.get(next.segment_id)?.transition_in : undefined;
        const compat = compatFrom.get(entry.segment_id);
        const changed = marks.segments.get(entry.segment_id);
        const transitionChanged = next ? marks.transitions.get(next.segment_id) : undefined;
        return (
          <li key={`${entry.segment_id}-${entry.segment_index}`} data-changed={changed ? "true" : undefined}>
            <div className="plan-segment">
              <span className={`swatch track-color-${colors.get(entry.track_id) ?? 0}`} aria-hidden="true" />
              <span className="plan-song">{entry.song}</span>
              <span className="muted">{entry.label}</span>
              {changed === "new" ? (
                <ChangedBadge visible="new" said=" in this plan" />
              ) : changed ? (
                <ChangedBadge visible="changed" said={` in this plan: ${changed}`} />
              ) : null}
              <span className="plan-time">
                {formatClock(entry.start_seconds)}–{formatClock(entry.end_seconds)}
              </span>
            </div>
            {next && (
              <div className="plan-transition" data-changed={transitionChanged ? "true" : undefined}>
                <span className="plan-transition-type">
                  ↓ Transition {index + 1}: {leadsIn !== undefined ? transitionText(leadsIn) : "–"}
                </span>
                {transitionChanged && <ChangedBadge visible="changed" said={` in this plan (${transitionChanged})`} />}
                {compat && (
                  <span
                    className={`badge ${compat.tone}`}
                    title="Key relation, tempo ratio and compatibility score of this transition"
                  >
                    {compat.text}
                  </span>
                )}
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
