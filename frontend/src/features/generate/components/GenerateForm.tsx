import { useId, type FormEvent, type Ref } from "react";

import { ErrorNotice } from "@/components/ErrorNotice";
import { formatBpm } from "../lib/spec";
import {
  EXAMPLE_PROMPTS,
  MAX_DURATION_S,
  MAX_PROMPT_CHARS,
  MIN_DURATION_S,
  type FormErrors,
  type FormField,
  type GenerateFormValues,
} from "../lib/request";
import { useReferenceTracks } from "../api/generate";

interface Props {
  values: GenerateFormValues;
  errors: FormErrors;
  /** An error that belongs to no one field (network, server, or a 422's envelope message). */
  error: unknown;
  pending: boolean;
  onChange: (field: keyof GenerateFormValues, value: string) => void;
  onSubmit: () => void;
  promptRef?: Ref<HTMLTextAreaElement>;
}

/** Prompt, optional length, seed and reference track, and examples to start from. */
export function GenerateForm({ values, errors, error, pending, onChange, onSubmit, promptRef }: Props) {
  const id = useId();
  const tracks = useReferenceTracks();
  const fieldIds = (field: FormField) => ({
    input: `${id}-${field}`,
    error: `${id}-${field}-error`,
    hint: `${id}-${field}-hint`,
  });
  const described = (field: FormField, hint = false) =>
    [hint ? fieldIds(field).hint : null, errors[field] ? fieldIds(field).error : null].filter(Boolean).join(" ") || undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!pending) onSubmit();
  };

  const fieldError = (field: FormField) =>
    errors[field] ? (
      <span className="field-error" id={fieldIds(field).error}>
        {errors[field]}
      </span>
    ) : null;

  return (
    <form className="card gen-form" onSubmit={submit} noValidate aria-label="Generate a track">
      <div className="gen-field">
        <label htmlFor={fieldIds("prompt").input}>Describe the track</label>
        <textarea
          id={fieldIds("prompt").input}
          ref={promptRef}
          rows={4}
          value={values.prompt}
          placeholder="e.g. dark techno in F minor at 132 bpm with pads, 2 minutes"
          aria-invalid={errors.prompt ? true : undefined}
          aria-describedby={described("prompt", true)}
          onChange={(event) => onChange("prompt", event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) {
              event.preventDefault();
              if (!pending) onSubmit();
            }
          }}
        />
        <span className="gen-hint muted" id={fieldIds("prompt").hint}>
          Genre, tempo, key, mood, instruments and length, in your own words.{" "}
          <span className={values.prompt.length > MAX_PROMPT_CHARS ? "error-text" : undefined}>
            {values.prompt.length}/{MAX_PROMPT_CHARS}
          </span>
        </span>
        {fieldError("prompt")}
      </div>

      <div className="gen-examples" role="group" aria-label="Example prompts">
        <span className="muted gen-examples-label">Try:</span>
        {EXAMPLE_PROMPTS.map((example) => (
          <button
            key={example}
            type="button"
            className="chip"
            aria-pressed={values.prompt === example}
            onClick={() => onChange("prompt", example)}
          >
            {example}
          </button>
        ))}
      </div>

      <div className="gen-options">
        <div className="gen-field">
          <label htmlFor={fieldIds("duration").input}>Duration (seconds, optional)</label>
          <input
            id={fieldIds("duration").input}
            type="number"
            inputMode="decimal"
            min={MIN_DURATION_S}
            max={MAX_DURATION_S}
            step={1}
            placeholder="Auto"
            value={values.duration}
            aria-invalid={errors.duration ? true : undefined}
            aria-describedby={described("duration", true)}
            onChange={(event) => onChange("duration", event.target.value)}
          />
          <span className="gen-hint muted" id={fieldIds("duration").hint}>
            {MIN_DURATION_S}–{MAX_DURATION_S} s, fitted to whole phrases
          </span>
          {fieldError("duration")}
        </div>

        <div className="gen-field">
          <label htmlFor={fieldIds("seed").input}>Seed (optional)</label>
          <input
            id={fieldIds("seed").input}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            placeholder="From the prompt"
            value={values.seed}
            aria-invalid={errors.seed ? true : undefined}
            aria-describedby={described("seed", true)}
            onChange={(event) => onChange("seed", event.target.value)}
          />
          <span className="gen-hint muted" id={fieldIds("seed").hint}>
            Same prompt and seed, same track
          </span>
          {fieldError("seed")}
        </div>

        <div className="gen-field">
          <label htmlFor={fieldIds("reference").input}>Reference track (optional)</label>
          <select
            id={fieldIds("reference").input}
            value={values.referenceTrackId}
            aria-invalid={errors.reference ? true : undefined}
            aria-describedby={described("reference", true)}
            onChange={(event) => onChange("referenceTrackId", event.target.value)}
          >
            <option value="">None</option>
            {tracks.isPending && (
              <option value="" disabled>
                Loading tracks…
              </option>
            )}
            {tracks.data?.map((track) => (
              <option key={track.id} value={track.id}>
                {referenceLabel(track.title, track.artist, track.analysis?.bpm, track.analysis?.key)}
              </option>
            ))}
          </select>
          <span className="gen-hint muted" id={fieldIds("reference").hint}>
            {tracks.isError ? (
              <>
                Could not load your tracks.{" "}
                <button type="button" className="button ghost small" onClick={() => void tracks.refetch()}>
                  Retry
                </button>
              </>
            ) : tracks.data && tracks.data.length === 0 ? (
              "No analysed tracks in your library yet"
            ) : (
              "Borrows its tempo, key and sound"
            )}
          </span>
          {fieldError("reference")}
        </div>
      </div>

      <ErrorNotice error={error} />

      <div className="gen-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? "Starting…" : "Generate"}
        </button>
        <span className="muted gen-hint">Ctrl+Enter to generate</span>
      </div>
    </form>
  );
}

function referenceLabel(title: string, artist: string | null, bpm?: number | null, key?: string | null): string {
  const facts = [bpm ? `${formatBpm(Math.round(bpm * 10) / 10)} BPM` : null, key ?? null].filter(Boolean).join(", ");
  return `${title}${artist ? ` — ${artist}` : ""}${facts ? ` (${facts})` : ""}`;
}
