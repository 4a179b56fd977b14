/** A generation's files and results: labels, order, recent jobs. */
import type { FileObject, Job, Run } from "@/lib/types";

import type { GenerateJobInput, GenerateResult } from "../types";

const ROLE_ORDER = ["track", "mix", "mix_mp3", "stem", "cues", "qa", "original"];

function rank(role: string): number {
  const at = ROLE_ORDER.indexOf(role);
  return at < 0 ? ROLE_ORDER.length : at;
}

/** Main audio first, then stems, then the spec and QA; by name within a role. */
export function orderOutputs(files: readonly FileObject[]): FileObject[] {
  return [...files].sort((a, b) => rank(a.role) - rank(b.role) || a.name.localeCompare(b.name));
}

function capitalize(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** track.wav → "Track (WAV)", stem_drums.wav → "Drums stem", spec.json → "Spec & arrangement". */
export function outputLabel(file: Pick<FileObject, "name" | "role" | "format">): string {
  const format = file.format.toUpperCase();
  switch (file.role) {
    case "track":
    case "mix":
      return `Track (${format})`;
    case "mix_mp3":
      return `Track (${format})`;
    case "stem": {
      const name = file.name
        .replace(/^stem_/, "")
        .replace(/\.[^.]+$/, "")
        .replace(/_/g, " ");
      return `${name.toLowerCase() === "fx" ? "FX" : capitalize(name)} stem`;
    }
    case "cues":
      return "Spec & arrangement (JSON)";
    case "qa":
      return "QA report (JSON)";
    default:
      return file.name;
  }
}

/** A run's result as a generation result, when it is one. */
export function generateResult(run: Pick<Run, "result"> | null | undefined): GenerateResult | null {
  const result = run?.result;
  if (!result) return null;
  const { track_id: trackId, job_id: jobId } = result;
  if (typeof trackId !== "string" || typeof jobId !== "string") return null;
  return {
    track_id: trackId,
    job_id: jobId,
    qa_passed: typeof result.qa_passed === "boolean" ? result.qa_passed : undefined,
    similarity: typeof result.similarity === "number" ? result.similarity : null,
  };
}

/** The prompt and spec a generate job was made from (its input_payload), read defensively. */
export function jobInput(job: Pick<Job, "input_payload">): GenerateJobInput {
  const payload = job.input_payload ?? {};
  const prompt = typeof payload.prompt === "string" ? payload.prompt : undefined;
  const spec = payload.spec && typeof payload.spec === "object" ? (payload.spec as GenerateJobInput["spec"]) : undefined;
  return { prompt, spec };
}

/**
 * Recent generate jobs split into those still processing (followed live) and finished ones;
 * the generation the page already shows (by its run) is left out of both.
 */
export function splitRecentJobs(
  jobs: readonly Job[],
  shownRunIds: ReadonlySet<string> = new Set(),
): { inFlight: Job[]; finished: Job[] } {
  const inFlight: Job[] = [];
  const finished: Job[] = [];
  for (const job of jobs) {
    if (job.run_id && shownRunIds.has(job.run_id)) continue;
    if (job.status === "processing") inFlight.push(job);
    else finished.push(job);
  }
  return { inFlight, finished };
}
