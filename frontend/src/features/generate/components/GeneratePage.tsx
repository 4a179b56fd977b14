import { useMemo, useRef, useState } from "react";

import { ApiError } from "@/lib/api-client";

import { useStartGeneration } from "../api/generate";
import { buildGenerateRequest, EMPTY_FORM, formErrorsFromServer, type FormErrors, type GenerateFormValues } from "../lib/request";
import type { CurrentGeneration } from "../types";
import { GenerateForm } from "./GenerateForm";
import { GenerationView } from "./GenerationView";
import { RecentGenerations } from "./RecentGenerations";
import "../generate.css";

const FIELD_OF: Record<keyof GenerateFormValues, keyof FormErrors> = {
  prompt: "prompt",
  duration: "duration",
  seed: "seed",
  referenceTrackId: "reference",
};

/** Prompt → spec → track: the generate view. */
export function GeneratePage() {
  const [values, setValues] = useState<GenerateFormValues>(EMPTY_FORM);
  const [errors, setErrors] = useState<FormErrors>({});
  const [current, setCurrent] = useState<CurrentGeneration | null>(null);
  const promptRef = useRef<HTMLTextAreaElement>(null);
  const start = useStartGeneration();

  const shownRunIds = useMemo(() => new Set(current ? [current.runId] : []), [current]);

  const change = (field: keyof GenerateFormValues, value: string) => {
    setValues((previous) => ({ ...previous, [field]: value }));
    setErrors((previous) => ({ ...previous, [FIELD_OF[field]]: undefined }));
    if (start.error) start.reset();
  };

  const submit = () => {
    const built = buildGenerateRequest(values);
    if (!built.ok) {
      setErrors(built.errors);
      if (built.errors.prompt) promptRef.current?.focus();
      return;
    }
    setErrors({});
    start.mutate(built.body, {
      onSuccess: ({ run, spec }) => setCurrent({ runId: run.id, request: built.body, spec }),
      onError: (error) => {
        if (!(error instanceof ApiError)) return;
        const fields = formErrorsFromServer(error.fieldErrors());
        if (built.body.reference_track_id && (error.status === 404 || error.status === 409)) {
          fields.reference = error.message;
        }
        setErrors(fields);
        if (fields.prompt) promptRef.current?.focus();
      },
    });
  };

  // A 422's message is usually the field's own message: show it once, under the field.
  const shownInFields = Object.values(errors).some(
    (message) => message && start.error?.message && message.includes(start.error.message),
  );
  const formError = shownInFields ? null : start.error;

  const another = () => {
    setCurrent(null);
    start.reset();
    // The form comes back with the last prompt, ready to tweak.
    requestAnimationFrame(() => promptRef.current?.focus());
  };

  return (
    <div className="page gen-page" data-testid="generate-page">
      <header className="page-head">
        <div>
          <h1>Generate</h1>
          <p className="muted gen-lede">
            Describe a track in words. IntelliMix reads it as a spec — genre, tempo, key, structure — and synthesises a mastered
            track with stems.
          </p>
        </div>
      </header>

      {current ? (
        <GenerationView current={current} onRestarted={setCurrent} onAnother={another} />
      ) : (
        <GenerateForm
          values={values}
          errors={errors}
          error={formError}
          pending={start.isPending}
          onChange={change}
          onSubmit={submit}
          promptRef={promptRef}
        />
      )}

      <RecentGenerations shownRunIds={shownRunIds} />
    </div>
  );
}
