import { useRef, type CSSProperties, type KeyboardEvent, type PointerEvent as ReactPointerEvent } from "react";

import type { SnapUnit } from "../lib/arrangement";

interface EdgeHandleProps {
  className: string;
  style: CSSProperties;
  /** The accessible name: what this edge is ("End of Night Runner"). */
  label: string;
  /** Its position in time (seconds), for assistive technology; right is later. */
  valueNow: number;
  valueMin: number;
  valueMax: number;
  valueText: string;
  /** The id of the text that says how the keys move it. */
  describedBy: string;
  testId: string;
  pixelsPerSecond: number;
  /**
   * A key moved it: −1 earlier / +1 later by one `unit` — a beat with the arrows, a bar with
   * Shift, a phrase with Page Down / Page Up.
   */
  onStep: (direction: -1 | 1, unit: SnapUnit) => void;
  onDragStart: () => void;
  /** Mix seconds the pointer moved since the press (negative: earlier). */
  onDrag: (deltaSeconds: number) => void;
  onDragEnd: () => void;
}

const AUTO_SCROLL_EDGE_PX = 24;
const AUTO_SCROLL_STEP_PX = 16;

const KEYS: Record<string, { direction: -1 | 1; unit: SnapUnit } | undefined> = {
  ArrowLeft: { direction: -1, unit: "beat" },
  ArrowDown: { direction: -1, unit: "beat" },
  ArrowRight: { direction: 1, unit: "beat" },
  ArrowUp: { direction: 1, unit: "beat" },
  PageDown: { direction: -1, unit: "phrase" },
  PageUp: { direction: 1, unit: "phrase" },
};

/**
 * A draggable edge in the arrangement (a cut point, a transition's start): a focusable slider
 * whose value is its place in time, moved by pointer (mouse, pen, touch) or keys. Dragging near
 * the sides of the scrolling view (its `data-drag-scroller` ancestor) scrolls it.
 */
export function EdgeHandle({
  className,
  style,
  label,
  valueNow,
  valueMin,
  valueMax,
  valueText,
  describedBy,
  testId,
  pixelsPerSecond,
  onStep,
  onDragStart,
  onDrag,
  onDragEnd,
}: EdgeHandleProps) {
  const press = useRef<{ pointerId: number; x: number; scroller: Element | null; scrolled: number } | null>(null);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const move = KEYS[event.key];
    if (!move) return;
    event.preventDefault();
    const unit = move.unit === "beat" && event.shiftKey ? "bar" : move.unit;
    onStep(move.direction, unit);
    // Zoomed in, a step can carry the edge out of view: keep it in sight once it has moved.
    const handle = event.currentTarget;
    requestAnimationFrame(() => handle.scrollIntoView?.({ block: "nearest", inline: "nearest" }));
  };

  const end = () => {
    if (!press.current) return;
    press.current = null;
    onDragEnd();
  };

  return (
    <div
      role="slider"
      tabIndex={0}
      className={className}
      style={style}
      aria-label={label}
      aria-valuenow={Math.round(valueNow * 1000) / 1000}
      aria-valuemin={Math.round(valueMin * 1000) / 1000}
      aria-valuemax={Math.round(valueMax * 1000) / 1000}
      aria-valuetext={valueText}
      aria-orientation="horizontal"
      aria-describedby={describedBy}
      data-testid={testId}
      onKeyDown={onKeyDown}
      onPointerDown={(event: ReactPointerEvent<HTMLDivElement>) => {
        if (event.button !== 0) return;
        event.preventDefault(); // no text selection, and keep the focus here
        event.currentTarget.focus();
        event.currentTarget.setPointerCapture(event.pointerId);
        const scroller = event.currentTarget.closest("[data-drag-scroller]");
        press.current = { pointerId: event.pointerId, x: event.clientX, scroller, scrolled: scroller?.scrollLeft ?? 0 };
        onDragStart();
      }}
      onPointerMove={(event) => {
        const pressed = press.current;
        if (!pressed || pressed.pointerId !== event.pointerId || !(pixelsPerSecond > 0)) return;
        const { scroller } = pressed;
        if (scroller) {
          // Near either side of the view the content scrolls under the pointer, which counts
          // towards the drag.
          const rect = scroller.getBoundingClientRect();
          if (event.clientX < rect.left + AUTO_SCROLL_EDGE_PX) scroller.scrollLeft -= AUTO_SCROLL_STEP_PX;
          else if (event.clientX > rect.right - AUTO_SCROLL_EDGE_PX) scroller.scrollLeft += AUTO_SCROLL_STEP_PX;
        }
        const scrolled = (scroller?.scrollLeft ?? 0) - pressed.scrolled;
        onDrag((event.clientX - pressed.x + scrolled) / pixelsPerSecond);
      }}
      onPointerUp={end}
      onPointerCancel={end}
      onLostPointerCapture={end}
    />
  );
}
