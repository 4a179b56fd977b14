/** Types of the studio (chats feature) that no other feature needs. */
import type {
  Id,
  Message,
  MixPlan,
  PlanChanges,
  QaCheck,
  Run,
  Segment,
  Thread,
  TimelineAttachment,
  TimelineResolution,
} from "@/lib/types";

/** The body of POST /mix-chats/<id>/messages (exactly one mode, DESIGN §4). */
export type MessageBody =
  | {
      content?: string;
      attachments?: TimelineAttachment[];
      timeline_resolution?: TimelineResolution;
      draft_id?: Id;
    }
  | {
      planning_response: {
        draft_id: Id;
        answers: {
          question_id: string;
          selected_option_id: string | null;
          selected_option_ids?: string[];
          other_text: string | null;
        }[];
      };
    }
  | { planning_action: { draft_id: Id; action: "approve_plan" | "revise_plan"; revision_prompt?: string } };

/** What a post answers: 202 `{user_message, assistant_message_placeholder, run, poll_hint_ms}`. */
export interface PostedTurn {
  user_message: Message | null;
  assistant_message_placeholder: Message | null;
  run: Run;
  poll_hint_ms?: number;
}

/**
 * `POST …/versions/<vid>/render`: a new render run, or — when nothing changed — the version's
 * existing result, or the render of it already under way (README: Re-render).
 */
export type RerenderAnswer =
  | ({ outcome: "started" } & PostedTurn)
  | { outcome: "existing_result"; run: null; version: unknown }
  | { outcome: "in_progress"; run: Run; version: unknown };

export interface CreatedThread extends Partial<PostedTurn> {
  thread: Thread;
}

/** A draft as GET …/plan-drafts/<id> answers (a superset of the shared Draft). */
export interface DraftSummary {
  id: Id;
  status: string;
  plan: MixPlan | null;
  violations: string[];
  warnings: string[];
  /** What changed since the plan it was made from; null for a first plan. */
  changes?: PlanChanges | null;
}

/** What the timeline editor is opened on. */
export type EditorTarget =
  | { kind: "draft"; draftId: Id; plan: MixPlan }
  /** `mixAudioUrl`: the version's rendered mix, which the editor's arrangement can play. */
  | { kind: "version"; versionId: Id; plan: MixPlan; mixAudioUrl: string | null };

/** The composer's revise mode: words become a `revise_plan` of this draft. */
export interface RevisionTarget {
  draftId: Id;
  title: string;
}

export interface QaBadge {
  name: string;
  label: string;
  value: string;
  passed: boolean;
  detail: string;
}

export interface QaSummary {
  passed: boolean;
  checks: QaCheck[];
  measured: Record<string, unknown>;
  attempts: number;
}

export interface DownloadLink {
  name: string;
  role: string;
  label: string;
  href: string;
  sizeBytes: number;
}

export type { Segment };
