import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { createPortal } from "react-dom";

export interface ConfirmOptions {
  title: string;
  message: ReactNode;
  /** The confirming button's text, e.g. "Delete". */
  confirmLabel: string;
  cancelLabel?: string;
  /** "danger" colours the confirming button for something that cannot be undone. */
  tone?: "danger" | "default";
}

interface ConfirmDialogProps extends ConfirmOptions {
  onConfirm: () => void;
  onCancel: () => void;
  /** Where it renders: document.body, or the modal <dialog> it was asked from (the rest of the page is inert). */
  container?: Element;
}

const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal question in the studio's theme instead of the browser's confirm(): role="dialog",
 * focus starts on Cancel (the safe answer) and stays inside, Escape or a click outside cancels,
 * and focus goes back to what opened it.
 */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  cancelLabel = "Cancel",
  tone = "default",
  onConfirm,
  onCancel,
  container = document.body,
}: ConfirmDialogProps) {
  const titleId = useId();
  const messageId = useId();
  const box = useRef<HTMLDivElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    cancel.current?.focus();
    return () => opener?.focus();
  }, []);

  const keys = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
      return;
    }
    if (event.key !== "Tab" || !box.current) return;
    const focusable = [...box.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return createPortal(
    <div
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onCancel();
      }}
    >
      <div
        ref={box}
        className="dialog card"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={messageId}
        onKeyDown={keys}
      >
        <h2 id={titleId}>{title}</h2>
        <div id={messageId} className="dialog-message">
          {message}
        </div>
        <div className="dialog-actions">
          <button ref={cancel} type="button" className="button" onClick={onCancel}>
            {cancelLabel}
          </button>
          <button type="button" className={`button ${tone === "danger" ? "danger-solid" : "primary"}`} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>,
    container,
  );
}

/**
 * `const { confirm, dialog } = useConfirm()`: `await confirm({...})` is true when the person
 * confirms; render `dialog` once where the component renders.
 */
export function useConfirm() {
  const [asked, setAsked] = useState<(ConfirmOptions & { resolve: (answer: boolean) => void; container: Element }) | null>(null);

  const confirm = useCallback(
    (options: ConfirmOptions) =>
      new Promise<boolean>((resolve) => {
        // Asked from inside a modal <dialog> (the timeline editor), the question must render
        // inside it: everything outside a modal dialog is inert.
        const container = document.activeElement?.closest("dialog[open]") ?? document.body;
        setAsked({ ...options, resolve, container });
      }),
    [],
  );

  const answer = (value: boolean) => {
    asked?.resolve(value);
    setAsked(null);
  };

  const dialog = asked ? <ConfirmDialog {...asked} onConfirm={() => answer(true)} onCancel={() => answer(false)} /> : null;
  return { confirm, dialog };
}
