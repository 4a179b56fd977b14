/** The generate form → a request body, checked before it is sent; server errors → form fields. */
import type { GenerateRequest } from "../types";

export const MAX_PROMPT_CHARS = 2000;
export const MIN_DURATION_S = 15;
export const MAX_DURATION_S = 600;

export interface GenerateFormValues {
  prompt: string;
  duration: string;
  seed: string;
  referenceTrackId: string;
}

export type FormField = "prompt" | "duration" | "seed" | "reference";
export type FormErrors = Partial<Record<FormField, string>>;

export const EMPTY_FORM: GenerateFormValues = { prompt: "", duration: "", seed: "", referenceTrackId: "" };

export type BuildResult = { ok: true; body: GenerateRequest } | { ok: false; errors: FormErrors };

/** The body to post, or what to fix first. Out-of-range durations are the server's to clamp. */
export function buildGenerateRequest(values: GenerateFormValues): BuildResult {
  const errors: FormErrors = {};
  const body: GenerateRequest = { prompt: values.prompt.trim() };

  if (!body.prompt) errors.prompt = "Describe the track to generate.";
  else if (body.prompt.length > MAX_PROMPT_CHARS)
    errors.prompt = `The prompt is ${body.prompt.length} characters; keep it under ${MAX_PROMPT_CHARS}.`;

  const duration = values.duration.trim();
  if (duration) {
    const seconds = Number(duration);
    if (!Number.isFinite(seconds) || seconds <= 0) errors.duration = "Enter a length in seconds, e.g. 30.";
    else body.duration_s = seconds;
  }

  const seed = values.seed.trim();
  if (seed) {
    const value = Number(seed);
    if (!/^\d+$/.test(seed) || !Number.isSafeInteger(value))
      errors.seed = `The seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}.`;
    else body.seed = value;
  }

  if (values.referenceTrackId) body.reference_track_id = values.referenceTrackId;

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, body };
}

/** The server's field names (a 422's details.fields) → the form's fields. */
const SERVER_FIELDS: Record<string, FormField> = {
  prompt: "prompt",
  key: "prompt", // a key written in the prompt, e.g. "H major"
  bpm: "prompt",
  duration_s: "duration",
  seed: "seed",
  reference: "reference",
  reference_track_id: "reference",
};

export function formErrorsFromServer(fields: Record<string, string>): FormErrors {
  const errors: FormErrors = {};
  for (const [field, message] of Object.entries(fields)) {
    const target = SERVER_FIELDS[field] ?? "prompt";
    errors[target] = errors[target] ? `${errors[target]} ${message}` : message;
  }
  return errors;
}

export const EXAMPLE_PROMPTS: readonly string[] = [
  "a four-on-the-floor house beat at 124 BPM in A minor with a dubstep-style bass",
  "dreamy lo-fi hip hop in Eb major, 90 seconds",
  "drum and bass at 174 in D minor",
  "dark techno in F minor at 132 bpm with pads, 2 minutes",
  "nostalgic synthwave with arps and a lead synth",
];
