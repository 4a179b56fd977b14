/** A version's files (by role) as download links. */
import { downloadHref } from "@/lib/file-urls";
import type { FileObject } from "@/lib/types";

import type { DownloadLink } from "../types";

const ROLE_ORDER = ["bundle", "mix", "mix_mp3", "cue_sheet", "tracklist", "stem", "cues", "qa"];

/** What a file is called on its download button; stems are named by their track. */
export function fileLabel(
  file: Pick<FileObject, "name" | "role" | "format" | "download_name" | "track_id">,
  trackTitles: Record<string, string> = {},
): string {
  switch (file.role) {
    case "bundle":
      return "ZIP (everything)";
    case "mix":
      return "WAV";
    case "mix_mp3":
      return "MP3";
    case "cue_sheet":
      return "Cue sheet (.cue)";
    case "tracklist":
      return "Tracklist";
    case "stem": {
      const trackId = file.track_id ?? file.name.replace(/^stem_/, "").replace(/\.[a-z0-9]+$/i, "");
      const named = file.download_name?.replace(/\.[a-z0-9]+$/i, "");
      return `Stem: ${named ?? trackTitles[trackId] ?? trackId}`;
    }
    case "cues":
      return "Cues (JSON)";
    case "qa":
      return "QA report";
    default:
      return file.name;
  }
}

/** Download links for the files that have a url, mix first, then stems, cues and QA. */
export function downloadLinks(files: readonly FileObject[], trackTitles: Record<string, string> = {}): DownloadLink[] {
  const rank = (role: string) => {
    const index = ROLE_ORDER.indexOf(role);
    return index === -1 ? ROLE_ORDER.length : index;
  };
  return files
    .filter((file): file is FileObject & { url: string } => typeof file.url === "string" && file.url.length > 0)
    .map((file, index) => ({ file, index }))
    .sort((a, b) => rank(a.file.role) - rank(b.file.role) || a.index - b.index)
    .map(({ file }) => ({
      name: file.download_name ?? file.name,
      role: file.role,
      label: fileLabel(file, trackTitles),
      href: downloadHref(file.url),
      sizeBytes: file.size_bytes,
    }));
}

/** The url the player should play: the MP3, else the WAV. */
export function playableUrl(
  final: { mp3_url?: string | null; wav_url?: string | null } | null | undefined,
  files: readonly FileObject[] = [],
): string | null {
  const byRole = (role: string) => files.find((file) => file.role === role)?.url ?? null;
  return final?.mp3_url || final?.wav_url || byRole("mix_mp3") || byRole("mix") || null;
}
