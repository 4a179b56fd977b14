import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";

import { useConfirm } from "@/components/ConfirmDialog";
import { ErrorNotice } from "@/components/ErrorNotice";
import { formatClock, tempoText } from "@/lib/format";
import type { Segment, TimelineEditorProps, TransitionType } from "@/lib/types";

import { useMixPlayback } from "../hooks/use-mix-playback";
import { useTransitionPreview } from "../hooks/use-transition-preview";
import { previewWindow } from "../lib/preview";
import {
  clampTransitionBeatsAt,
  DEFAULT_TRANSITION,
  findTimelineProblems,
  retimedTransition,
  maxTransitionBeatsAt,
  moveSegment,
  outputLength,
  overlapSeconds,
  removeSegment,
  safeDeriveTimeline,
  segmentTempo,
  totalDuration,
  trackBpmsOf,
  trackGridOf,
  trimSegment,
  type TransitionFit,
} from "../lib/timeline-math";
import type { TrimEdge } from "../types";
import { ArrangementView } from "./ArrangementView";
import { BoundaryControl } from "./BoundaryControl";
import { SegmentLane, type LaneDragHandlers } from "./SegmentLane";
import "../timeline.css";

function copySegments(segments: readonly Segment[]): Segment[] {
  return segments.map((segment) => structuredClone(segment));
}

type Focus = { segmentId: string; target: "grip" | "up" | "down" } | { segmentId: null; target: "heading" };

/**
 * The timeline editor: the arrangement (every segment on one time axis, cut points and
 * transitions dragged or moved by keys) above the details — a card per segment with its
 * waveform, cut points in seconds, order, and the transition at each boundary. The edited
 * segments go to the caller's actions in MixPlan form. Starts from `plan.segments`; remount it
 * (a `key`) to start over from another plan.
 */
export function TimelineEditor({ plan, tracks, actions, onCancel, mixAudioUrl }: TimelineEditorProps) {
  const [segments, setSegments] = useState<Segment[]>(() => copySegments(plan.segments));
  const [announcement, setAnnouncement] = useState("");
  const [pending, setPending] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [drag, setDrag] = useState<{ from: number; to: number; pointerId: number } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const lanes = useRef(new Map<string, HTMLElement>());
  const pendingFocus = useRef<Focus | null>(null);
  const preview = useTransitionPreview();
  const mix = useMixPlayback(mixAudioUrl);
  const { confirm, dialog } = useConfirm();
  const [detailsOpen, setDetailsOpen] = useState(false);
  const [reveal, setReveal] = useState<{ segmentId: string } | null>(null);

  const targetBpm = plan.target.bpm;
  const bpms = useMemo(() => trackBpmsOf(tracks), [tracks]);
  const edited = useMemo(() => ({ ...plan, segments }), [plan, segments]);
  const timeline = useMemo(() => safeDeriveTimeline(edited, bpms), [edited, bpms]);
  const problems = useMemo(() => findTimelineProblems(edited, tracks), [edited, tracks]);
  const dirty = useMemo(() => JSON.stringify(segments) !== JSON.stringify(plan.segments), [segments, plan.segments]);
  const total = timeline ? totalDuration(timeline) : null;
  const invalid = problems.length > 0;

  const fit = useMemo<TransitionFit>(
    () => ({
      targetBpm,
      lengthOf: (segment) => {
        try {
          return outputLength(segment, targetBpm, bpms[segment.track_id] ?? null);
        } catch {
          return segment.source_end_s - segment.source_start_s;
        }
      },
      // Exact on a tempo journey too: each boundary at its own tempi, as the backend counts it.
      maxBeatsAt: (next, index) => maxTransitionBeatsAt({ target: plan.target, segments: [...next] }, index, bpms),
    }),
    [targetBpm, plan.target, bpms],
  );
  const maxBeats = useMemo(() => segments.map((_, index) => maxTransitionBeatsAt(edited, index, bpms)), [segments, edited, bpms]);
  const titleOf = useCallback(
    (segment: Segment) => tracks[segment.track_id]?.title || segment.label || "Unknown track",
    [tracks],
  );

  useEffect(() => heading.current?.focus(), []);

  // A preview plays the timeline as it was when it started: any edit ends it.
  const stopPreview = preview.stop;
  useEffect(() => stopPreview(), [segments, stopPreview]);

  // Keep the keyboard where it was after a lane moves or goes away.
  useEffect(() => {
    const focus = pendingFocus.current;
    pendingFocus.current = null;
    if (!focus) return;
    const lane = focus.segmentId ? lanes.current.get(focus.segmentId) : undefined;
    const wanted = lane?.querySelector<HTMLButtonElement>(`[data-focus="${focus.target}"]:not(:disabled)`);
    (wanted ?? lane?.querySelector<HTMLButtonElement>('[data-focus="grip"]') ?? heading.current)?.focus();
  }, [segments]);

  // The arrangement's "details" of a segment: its card, opened, scrolled to and focused.
  useEffect(() => {
    if (!reveal) return;
    const lane = lanes.current.get(reveal.segmentId);
    lane?.scrollIntoView?.({ block: "nearest", behavior: "smooth" });
    lane?.querySelector<HTMLButtonElement>('[data-focus="grip"]')?.focus();
  }, [reveal]);

  const update = (index: number, next: Segment) =>
    setSegments((current) => current.map((segment, i) => (i === index ? next : segment)));

  const trim = (index: number, edge: TrimEdge, seconds: number) =>
    setSegments((current) =>
      current.map((segment, i) =>
        i === index ? trimSegment(segment, edge, seconds, trackGridOf(tracks[segment.track_id])) : segment,
      ),
    );

  const move = (from: number, to: number, target: "grip" | "up" | "down" = "grip") => {
    const segment = segments[from];
    if (!segment || to < 0 || to >= segments.length || from === to) return;
    pendingFocus.current = { segmentId: segment.id, target };
    setSegments(moveSegment(segments, from, to, fit));
    setAnnouncement(`${titleOf(segment)} moved to position ${to + 1} of ${segments.length}.`);
  };

  const remove = async (index: number) => {
    const segment = segments[index];
    if (!segment || segments.length <= 1) return;
    const sure = await confirm({
      title: "Remove this segment?",
      message: `“${titleOf(segment)}” leaves the timeline; Reset brings it back.`,
      confirmLabel: "Remove",
      tone: "danger",
    });
    if (!sure) return;
    const neighbour = segments[index + 1] ?? segments[index - 1];
    pendingFocus.current = neighbour ? { segmentId: neighbour.id, target: "grip" } : { segmentId: null, target: "heading" };
    setSegments(removeSegment(segments, index, fit));
    setAnnouncement(`${titleOf(segment)} removed.`);
  };

  const setTransition = (index: number, type: TransitionType, beats: number) => {
    const previous = segments[index - 1];
    const segment = segments[index];
    if (!previous || !segment) return;
    const wasCut = (segment.transition_in?.type ?? "cut") === "cut";
    const wanted = type !== "cut" && wasCut ? DEFAULT_TRANSITION.beats : beats;
    const clamped = clampTransitionBeatsAt(edited, index, type, wanted, bpms);
    update(index, { ...segment, transition_in: retimedTransition(segment.transition_in, type, clamped) });
  };

  const startPreview = (index: number) => {
    const previous = segments[index - 1];
    const segment = segments[index];
    const outgoing = previous && tracks[previous.track_id];
    const incoming = segment && tracks[segment.track_id];
    // The lead-in and the echo count the outgoing segment's beats.
    const win = timeline && segment ? previewWindow(segments, timeline, index, timeline[index - 1]?.bpm ?? targetBpm) : null;
    if (!segment || !outgoing || !incoming || !win) return;
    preview.start(segment.id, win, outgoing, incoming);
  };

  const canPreviewAt = (index: number) => {
    const previous = segments[index - 1];
    const segment = segments[index];
    return Boolean(timeline && previous && segment && tracks[previous.track_id] && tracks[segment.track_id]);
  };
  const maxBeatsAt = (index: number) => maxBeats[index] ?? 0;
  /** The overlap into segment `index` in seconds, at its tempi (the timeline's when it has one). */
  const overlapAt = (index: number) => {
    const segment = segments[index];
    const previous = segments[index - 1];
    if (!segment || !previous) return 0;
    return (
      timeline?.[index]?.transition_in_s ??
      overlapSeconds(segment.transition_in, segmentTempo(previous, targetBpm), segmentTempo(segment, targetBpm))
    );
  };
  const showDetails = (index: number) => {
    const segment = segments[index];
    if (!segment) return;
    setDetailsOpen(true);
    setReveal({ segmentId: segment.id });
  };

  // --- reorder by dragging a lane's grip (pointer events: mouse, pen and touch alike) ---------
  const dropIndex = (clientY: number, from: number) => {
    let to = 0;
    segments.forEach((segment, i) => {
      if (i === from) return;
      const rect = lanes.current.get(segment.id)?.getBoundingClientRect();
      if (rect && clientY > rect.top + rect.height / 2) to += 1;
    });
    return to;
  };
  // Near the top or bottom of the view, dragging scrolls (the page, or the dialog around us).
  const autoScroll = (from: Element, clientY: number) => {
    const edge = 56;
    const delta = clientY < edge ? -16 : clientY > window.innerHeight - edge ? 16 : 0;
    if (delta === 0) return;
    let scroller: Element | null = from.parentElement;
    while (
      scroller &&
      !(scroller.scrollHeight > scroller.clientHeight && /(auto|scroll)/.test(getComputedStyle(scroller).overflowY))
    ) {
      scroller = scroller.parentElement;
    }
    (scroller ?? document.scrollingElement)?.scrollBy(0, delta);
  };
  const dragHandlers = (index: number): LaneDragHandlers => ({
    onPointerDown: (event) => {
      if (event.button !== 0 || segments.length < 2) return;
      event.preventDefault(); // no text selection while dragging
      event.currentTarget.focus();
      event.currentTarget.setPointerCapture(event.pointerId);
      setDrag({ from: index, to: index, pointerId: event.pointerId });
    },
    onPointerMove: (event) => {
      if (!drag || drag.pointerId !== event.pointerId) return;
      autoScroll(event.currentTarget, event.clientY);
      const to = dropIndex(event.clientY, drag.from);
      if (to !== drag.to) setDrag({ ...drag, to });
    },
    onPointerUp: (event) => {
      if (!drag || drag.pointerId !== event.pointerId) return;
      setDrag(null);
      if (drag.to !== drag.from) move(drag.from, drag.to);
    },
    onPointerCancel: () => setDrag(null),
  });
  const indicatorFor = (index: number): "before" | "after" | null => {
    if (!drag || drag.to === drag.from || index !== drag.to) return null;
    return drag.to > drag.from ? "after" : "before";
  };

  // --- leaving ----------------------------------------------------------------------------
  const cancel = async () => {
    if (pending !== null) return;
    if (dirty) {
      const sure = await confirm({
        title: "Discard your changes?",
        message: "The edits you made to this timeline are lost.",
        confirmLabel: "Discard changes",
        cancelLabel: "Keep editing",
        tone: "danger",
      });
      if (!sure) return;
    }
    preview.stop();
    mix.pause();
    onCancel();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (drag) {
      setDrag(null);
      return;
    }
    event.preventDefault();
    void cancel();
  };
  const submit = async (index: number) => {
    const action = actions[index];
    if (!action || invalid || pending !== null) return;
    preview.stop();
    mix.pause();
    setPending(index);
    setActionError(null);
    try {
      await action.onSubmit(copySegments(segments));
    } catch (error) {
      setActionError(error);
    } finally {
      setPending(null);
    }
  };
  const reset = async () => {
    const sure = await confirm({
      title: "Undo every change?",
      message: "The timeline goes back to how it was when the editor opened.",
      confirmLabel: "Reset",
    });
    if (!sure) return;
    setSegments(copySegments(plan.segments));
    setAnnouncement("Timeline reset.");
  };

  const problemsAt = (index: number) => problems.filter((problem) => problem.index === index).map((p) => p.message);

  return (
    <section
      className={`timeline-editor${drag ? " is-reordering" : ""}`}
      data-testid="timeline-editor"
      aria-labelledby="timeline-editor-heading"
      onKeyDown={onKeyDown}
    >
      <header className="tl-head">
        <h3 id="timeline-editor-heading" ref={heading} tabIndex={-1}>
          Timeline
        </h3>
        <dl className="tl-stats">
          <div>
            <dt>Length</dt>
            <dd data-testid="timeline-total">{formatClock(total)}</dd>
          </div>
          <div>
            <dt>Tempo</dt>
            <dd>{tempoText({ target: { bpm: targetBpm }, segments })}</dd>
          </div>
          <div>
            <dt>Segments</dt>
            <dd>{segments.length}</dd>
          </div>
        </dl>
      </header>

      {timeline && timeline.length > 0 ? (
        <ArrangementView
          segments={segments}
          timeline={timeline}
          tracks={tracks}
          targetBpm={targetBpm}
          titleOf={titleOf}
          maxBeatsAt={maxBeatsAt}
          onSegmentChange={update}
          onTransitionBeats={(index, beats) => {
            const type = segments[index]?.transition_in?.type;
            if (type && type !== "cut") setTransition(index, type, beats);
          }}
          onShowDetails={showDetails}
          announce={setAnnouncement}
          preview={preview.state}
          canPreviewAt={canPreviewAt}
          onPreview={startPreview}
          onStopPreview={preview.stop}
          mix={mix}
          mixOutOfDate={dirty}
        />
      ) : (
        segments.length > 0 && (
          <p className="muted">The arrangement shows once every track of this plan is in your library with its tempo.</p>
        )
      )}

      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>

      {segments.length === 0 ? (
        <p className="empty-state muted">This plan has no segments.</p>
      ) : (
        <details
          className="tl-details"
          open={detailsOpen}
          onToggle={(event) => setDetailsOpen(event.currentTarget.open)}
          data-testid="timeline-details"
        >
          <summary>Segment details: cut points in seconds, order, transitions, remove</summary>
          <ol className="tl-lanes">
            {segments.map((segment, index) => {
              const previous = segments[index - 1];
              const title = titleOf(segment);
              return (
                <li key={segment.id} className="tl-item">
                  {previous && (
                    <BoundaryControl
                      boundaryKey={segment.id}
                      incomingTitle={title}
                      transition={segment.transition_in}
                      maxBeats={maxBeatsAt(index)}
                      seconds={overlapAt(index)}
                      preview={preview.state}
                      canPreview={canPreviewAt(index)}
                      onChange={(type, beats) => setTransition(index, type, beats)}
                      onPreview={() => startPreview(index)}
                      onStop={preview.stop}
                    />
                  )}
                  <SegmentLane
                    segment={segment}
                    index={index}
                    count={segments.length}
                    track={tracks[segment.track_id]}
                    title={title}
                    grid={trackGridOf(tracks[segment.track_id])}
                    entry={timeline?.[index]}
                    targetBpm={targetBpm}
                    problems={problemsAt(index)}
                    dropIndicator={indicatorFor(index)}
                    dragging={drag?.from === index}
                    laneRef={(element) => {
                      if (element) lanes.current.set(segment.id, element);
                      else lanes.current.delete(segment.id);
                    }}
                    drag={dragHandlers(index)}
                    onChange={(next) => update(index, next)}
                    onTrim={(edge, seconds) => trim(index, edge, seconds)}
                    onMove={(to, from) => move(index, to, from)}
                    onRemove={() => void remove(index)}
                  />
                </li>
              );
            })}
          </ol>
        </details>
      )}

      <div className="tl-problems" aria-live="polite" data-testid="timeline-problems">
        {invalid && (
          <>
            <p className="error-text">Fix {problems.length === 1 ? "this" : "these"} before you continue:</p>
            <ul>
              {problems.map((problem, i) => (
                <li key={`${i}-${problem.message}`} className="field-error">
                  {problem.message}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>

      <ErrorNotice error={actionError} />

      {dialog}

      <footer className="tl-actions">
        <button type="button" className="button ghost" onClick={reset} disabled={!dirty || pending !== null}>
          Reset
        </button>
        <span className="tl-actions-spacer" />
        <button type="button" className="button ghost" onClick={cancel} disabled={pending !== null}>
          Cancel
        </button>
        {actions.map((action, index) => (
          <button
            key={action.label}
            type="button"
            className={`button${action.primary ? " primary" : ""}`}
            disabled={invalid || pending !== null}
            aria-busy={pending === index}
            onClick={() => void submit(index)}
          >
            {pending === index ? `${action.label}…` : action.label}
          </button>
        ))}
      </footer>
    </section>
  );
}
