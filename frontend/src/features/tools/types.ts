/** Answers of the utility routes (the IntelliMix web client's trimmer and downloader). */
import type { Run } from "@/lib/types";

export interface ClipRequest {
  url: string;
  start: string;
  end: string;
}

export interface MixAnswer {
  merged_file_path: string;
  message: string;
  job_id: string;
  run: Run;
}

export interface DownloadAnswer {
  filepath: string;
  message: string;
  job_id: string;
  run: Run;
}

export type DownloadKind = "audio" | "video";
export type DownloadFormat = "mp3" | "wav" | "m4a" | "mp4" | "mp4-audio";
