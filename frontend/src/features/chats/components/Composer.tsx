import { useImperativeHandle, useRef, useState, type FormEvent, type KeyboardEvent, type Ref } from "react";

import { ErrorNotice } from "@/components/ErrorNotice";
import type { TimelineAttachment } from "@/lib/types";

import type { RevisionTarget } from "../types";

export interface ComposerHandle {
  focus: () => void;
  setText: (text: string) => void;
}

interface ComposerProps {
  /** Resolves when the message is posted (the words are cleared then); rejects to keep them. */
  onSend: (text: string) => Promise<void>;
  pending: boolean;
  error?: unknown;
  attachment?: TimelineAttachment | null;
  onRemoveAttachment?: () => void;
  revision?: RevisionTarget | null;
  onCancelRevision?: () => void;
  placeholder?: string;
  ref?: Ref<ComposerHandle>;
}

function attachmentText(attachment: TimelineAttachment): string {
  const count = attachment.segments.length;
  const from = attachment.source_version_id ? "rendered version" : "draft";
  return `Attached timeline: ${count} segment${count === 1 ? "" : "s"} from the ${from}`;
}

/** The message box: Enter sends, Shift+Enter is a new line. */
export function Composer({
  onSend,
  pending,
  error,
  attachment,
  onRemoveAttachment,
  revision,
  onCancelRevision,
  placeholder,
  ref,
}: ComposerProps) {
  const [text, setText] = useState("");
  const area = useRef<HTMLTextAreaElement>(null);

  useImperativeHandle(ref, () => ({
    focus: () => area.current?.focus(),
    setText: (value: string) => {
      setText(value);
      requestAnimationFrame(() => {
        area.current?.focus();
        area.current?.setSelectionRange(value.length, value.length);
      });
    },
  }));

  const canSend = !pending && (text.trim().length > 0 || !!attachment);

  const send = async () => {
    if (!canSend) return;
    try {
      await onSend(text);
      setText("");
    } catch {
      // the error is shown below; the words stay so nothing is lost
    } finally {
      requestAnimationFrame(() => area.current?.focus());
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };

  const keyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form className="composer" data-testid="composer" onSubmit={submit} aria-busy={pending}>
      {(attachment || revision) && (
        <div className="composer-pills">
          {revision && (
            <span className="composer-pill">
              Revising “{revision.title}”
              <button type="button" className="pill-remove" aria-label="Stop revising" onClick={onCancelRevision}>
                ×
              </button>
            </span>
          )}
          {attachment && (
            <span className="composer-pill" data-testid="attachment-pill">
              {attachmentText(attachment)}
              <button type="button" className="pill-remove" aria-label="Remove attached timeline" onClick={onRemoveAttachment}>
                ×
              </button>
            </span>
          )}
        </div>
      )}
      {error ? <ErrorNotice error={error} /> : null}
      <div className="composer-row">
        <label className="composer-field">
          <span className="visually-hidden">Message</span>
          <textarea
            ref={area}
            name="message"
            rows={2}
            maxLength={4000}
            value={text}
            disabled={pending}
            placeholder={
              placeholder ??
              (revision
                ? "What should change in this plan?"
                : attachment
                  ? "Say what to do with the timeline (optional)"
                  : "Describe the mix you want…")
            }
            onChange={(event) => setText(event.target.value)}
            onKeyDown={keyDown}
          />
        </label>
        <button type="submit" className="button primary" disabled={!canSend}>
          {pending ? "Sending…" : "Send"}
        </button>
      </div>
      <p className="composer-hint muted">Enter sends · Shift+Enter for a new line</p>
    </form>
  );
}
