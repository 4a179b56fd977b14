/** What an upload's failure says to the person, per status the API answers (DESIGN §4). */
import { ApiError } from "@/lib/api-client";

export function uploadErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 413) return "Too large: this file is over the server's upload limit.";
    if (error.status === 415) return `Unsupported file: ${error.message || "it is not audio or video we can decode."}`;
    if (error.code === "TRACK_TOO_LONG") return error.message || "This track is longer than the library accepts.";
    if (error.status === 0) {
      return "The upload could not reach the server (the connection dropped — a file over the upload limit can also cause this).";
    }
    if (error.status === 401) return "Your session has ended; sign in again to upload.";
    return error.message || `The upload failed (${error.status}).`;
  }
  return error instanceof Error && error.message ? error.message : "The upload failed.";
}

/** Whether sending the same file again may work: network trouble and server errors, not a refusal of the file. */
export function isRetryableUploadError(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}
