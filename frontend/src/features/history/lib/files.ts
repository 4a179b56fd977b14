/** A job's files: labels, order, which can be played, download links, and signed-url churn. */
import type { FileObject, Job } from "@/lib/types";

const AUDIO_FORMATS = new Set(["wav", "mp3", "flac", "ogg", "oga", "m4a", "aac", "opus", "webm"]);
const ROLE_ORDER = ["mix_mp3", "mix", "track", "stem", "cues", "qa", "original"];
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
export function fileRoleLabel(file: Pick<FileObject, "name" | "role" | "format">, jobType?: string): string {
  const format = (file.format || "").toUpperCase();
  const suffix = format ? ` (${format})` : "";
  switch (file.role) {
    case "mix":
    case "mix_mp3":
      return `${jobType === "generate" ? "Track" : "Mix"}${suffix}`;
    case "track":
      return `Track${suffix}`;
    case "stem": {
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

/** The signed url with `download=1` (the server then answers with an attachment). */
export function downloadHref(url: string): string {
  const hashAt = url.indexOf("#");
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const hash = hashAt >= 0 ? url.slice(hashAt) : "";
  if (/[?&]download=1(&|$)/.test(base)) return url;
  const joiner = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&";
  return `${base}${joiner}download=1${hash}`;
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
  const path = job.output_url.split(/[?#]/)[0] ?? "";
  return isAudioFile({ name: path, format: "" }) ? job.output_url : null;
}

export function totalBytes(files: readonly Pick<FileObject, "size_bytes">[]): number {
  return files.reduce((sum, file) => sum + (Number.isFinite(file.size_bytes) ? file.size_bytes : 0), 0);
}

/** A url without its query and fragment: the same file whatever token it carries. */
export function filePath(url: string): string {
  return url.split(/[?#]/)[0] ?? url;
}

/**
 * The source an <audio> element should use when a refetch brings a freshly signed url: a new
 * file always wins; for the same file, keep what is playing (a new src would restart it) unless
 * it never started or failed (an expired token).
 */
export function nextAudioSource(
  current: string | null,
  incoming: string | null,
  media: { started: boolean; failed: boolean },
): string | null {
  if (!current || !incoming || current === incoming) return incoming;
  if (filePath(current) !== filePath(incoming)) return incoming;
  return media.started && !media.failed ? current : incoming;
}
