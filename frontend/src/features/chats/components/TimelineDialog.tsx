import { useQueries, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type ComponentType } from "react";

import { ErrorNotice } from "@/components/ErrorNotice";
import type { Id, Segment, TimelineAttachment, TimelineEditorAction, TimelineEditorProps, Track } from "@/lib/types";

import { chatKeys, getTrack, startEditRun } from "../api/chats";
import { applyPosted } from "../hooks/use-chat";
import type { EditorTarget } from "../types";

interface TimelineDialogProps {
  threadId: Id;
  target: EditorTarget;
  TimelineEditor: ComponentType<TimelineEditorProps>;
  onAttach: (attachment: TimelineAttachment) => void;
  onClose: () => void;
}

/** The timeline editor in a modal dialog, with the plan's tracks loaded and the studio's actions. */
/** The plan's tracks by id, the first failed lookup, and whether any is still loading. */
function tracksById(results: UseQueryResult<Track>[]) {
  const tracks: Record<Id, Track> = {};
  for (const result of results) if (result.data) tracks[result.data.id] = result.data;
  return {
    tracks,
    failed: results.find((result) => result.error),
    loading: results.some((result) => result.isPending),
  };
}

export function TimelineDialog({ threadId, target, TimelineEditor, onAttach, onClose }: TimelineDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const trackIds = useMemo(() => [...new Set(target.plan.segments.map((segment) => segment.track_id))], [target.plan]);
  const { tracks, failed, loading } = useQueries({
    queries: trackIds.map((id) => ({ queryKey: chatKeys.track(id), queryFn: () => getTrack(id), staleTime: 60_000 })),
    combine: tracksById,
  });

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const actions = useMemo<TimelineEditorAction[]>(() => {
    const attach: TimelineEditorAction = {
      label: "Attach to message",
      primary: target.kind === "draft",
      onSubmit: (segments: Segment[]) => {
        onAttach(
          target.kind === "draft"
            ? { type: "timeline_snapshot", draft_id: target.draftId, segments }
            : { type: "timeline_snapshot", source_version_id: target.versionId, segments },
        );
      },
    };
    if (target.kind === "draft") return [attach];
    const save: TimelineEditorAction = {
      label: "Save as new draft",
      primary: true,
      onSubmit: async (segments: Segment[]) => {
        setError(null);
        try {
          const posted = await startEditRun(threadId, target.versionId, segments);
          applyPosted(queryClient, threadId, posted);
          onClose();
        } catch (caught) {
          setError(caught);
        }
      },
    };
    return [attach, save];
  }, [target, threadId, queryClient, onAttach, onClose]);

  const title = target.kind === "draft" ? "Edit the draft's timeline" : "Edit the mix's timeline";

  return (
    <dialog
      ref={dialog}
      className="timeline-dialog"
      aria-labelledby="timeline-dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <div className="timeline-dialog-head">
        <h2 id="timeline-dialog-title">{title}</h2>
        <button type="button" className="button ghost small" onClick={onClose} aria-label="Close the timeline editor">
          ×
        </button>
      </div>
      <p className="muted small-text">{target.plan.title}</p>
      {error ? <ErrorNotice error={error} /> : null}
      {failed ? (
        <ErrorNotice error={failed.error} onRetry={() => void failed.refetch()} />
      ) : loading ? (
        <p className="muted" aria-busy="true">
          Loading the tracks of this plan…
        </p>
      ) : (
        <TimelineEditor
          plan={target.plan}
          tracks={tracks}
          actions={actions}
          onCancel={onClose}
          mixAudioUrl={target.kind === "version" ? target.mixAudioUrl : null}
        />
      )}
    </dialog>
  );
}
