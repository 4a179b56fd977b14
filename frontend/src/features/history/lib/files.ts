/** A job's files: labels, order, which can be played, download links. */
import { filePath } from "@/lib/file-urls";
import type { FileObject, Job } from "@/lib/types";

const AUDIO_FORMATS = new Set(["wav", "mp3", "flac", "ogg", "oga", "m4a", "aac", "opus", "webm"]);
const ROLE_ORDER = ["mix_mp3", "mix", "track", "bundle", "cue_sheet", "tracklist", "stem", "cues", "qa", "original"];
/** The backend's choice of a job's main file (history/serializers.py MAIN_ROLES). */
const MAIN_ROLES = ["mix_mp3", "mix", "track"];

export function isAudioFile(file: Pick<FileObject, "format" | "name">): boolean {
  const format = (file.format || file.name.split(".").pop() || "").toLowerCase();
  return AUDIO_FORMATS.has(format);
}

function rank(role: string): number {
  const at = ROLE_ORDER.indexOf(role);
  return at < 0 ? ROLE_ORDER.length : at;
}

/** Main audio first (MP3, WAV), then stems, cue sheet, QA; by name within a role. */
export function sortFiles(files: readonly FileObject[]): FileObject[] {
  return [...files].sort((a, b) => rank(a.role) - rank(b.role) || a.name.localeCompare(b.name, undefined, { numeric: true }));
}

/**
 * A label per role: "Mix (MP3)", "Stem: drums", "Cue sheet (JSON)", "QA report (JSON)"; a
 * generation's main audio is its "Track" and its cue sheet the spec.
 */
export function fileRoleLabel(file: Pick<FileObject, "name" | "role" | "format" | "download_name">, jobType?: string): string {
  const format = (file.format || "").toUpperCase();
  const suffix = format ? ` (${format})` : "";
  switch (file.role) {
    case "bundle":
      return "Everything (ZIP)";
    case "cue_sheet":
      return "Cue sheet (CUE)";
    case "tracklist":
      return "Tracklist (TXT)";
    case "mix":
    case "mix_mp3":
      return `${jobType === "generate" ? "Track" : "Mix"}${suffix}`;
    case "track":
      return `Track${suffix}`;
    case "stem": {
      // A render's stem is named by its track: "01 - Night Drive.wav".
      if (file.download_name) return `Stem: ${file.download_name.replace(/\.[^.]+$/, "")}`;
      const part = file.name.replace(/^stem_/, "").replace(/\.[^.]+$/, "");
      // Render stems are named by track id (a uuid): shorten it; generated ones by part.
      const readable = /^[0-9a-f-]{20,}$/i.test(part) ? `track ${part.slice(0, 8)}` : part.replace(/_/g, " ");
      return `Stem: ${readable.toLowerCase() === "fx" ? "FX" : readable}`;
    }
    case "cues":
      return `${jobType === "generate" ? "Spec & arrangement" : "Cue sheet"}${suffix}`;
    case "qa":
      return `QA report${suffix}`;
    case "original":
      return `Original${suffix}`;
    default:
      return file.name;
  }
}

/** The job's main file: the one `output_url` points at, else the first by main role. */
export function mainFile(job: Pick<Job, "outputs" | "output_url">): FileObject | null {
  const byUrl = job.output_url ? job.outputs.find((file) => file.url === job.output_url) : undefined;
  if (byUrl) return byUrl;
  for (const role of MAIN_ROLES) {
    const file = job.outputs.find((candidate) => candidate.role === role);
    if (file) return file;
  }
  return null;
}

/** What the job's player plays: the main output's url, when it is audio. */
export function playableUrl(job: Pick<Job, "outputs" | "output_url">): string | null {
  const main = mainFile(job);
  if (main) return isAudioFile(main) ? (main.url ?? job.output_url) : null;
  if (!job.output_url) return null;
  return isAudioFile({ name: filePath(job.output_url), format: "" }) ? job.output_url : null;
}

export function totalBytes(files: readonly Pick<FileObject, "size_bytes">[]): number {
  return files.reduce((sum, file) => sum + (Number.isFinite(file.size_bytes) ? file.size_bytes : 0), 0);
}
