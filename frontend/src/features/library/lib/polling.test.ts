import { describe, expect, it } from "vitest";

import { ApiError } from "@/lib/api-client";

import { isSettled, pollInterval, shouldPoll } from "./polling";
import { isRetryableUploadError, uploadErrorMessage } from "./upload-errors";

describe("polling", () => {
  it("keeps polling while a track is pending or analysing", () => {
    expect(shouldPoll([{ status: "ready" }, { status: "pending" }])).toBe(true);
    expect(shouldPoll([{ status: "analyzing" }])).toBe(true);
    expect(shouldPoll([{ status: "ready" }, { status: "failed" }])).toBe(false);
    expect(shouldPoll([])).toBe(false);
    expect(shouldPoll(undefined)).toBe(false);
  });

  it("gives a refetch interval only while needed", () => {
    expect(pollInterval([{ status: "pending" }], 1000)).toBe(1000);
    expect(pollInterval([{ status: "ready" }])).toBe(false);
  });

  it("slows down when the unsettled tracks have not changed for long", () => {
    const now = Date.parse("2024-01-01T12:00:00Z");
    const fresh = { status: "analyzing", updated_at: "2024-01-01T11:59:00Z" };
    const stuck = { status: "pending", updated_at: "2024-01-01T10:00:00Z" };
    expect(pollInterval([stuck], 1000, now)).toBe(30_000);
    expect(pollInterval([stuck, fresh], 1000, now)).toBe(1000);
    expect(pollInterval([{ status: "pending", updated_at: null }], 1000, now)).toBe(1000);
  });

  it("knows settled statuses", () => {
    expect(isSettled("ready")).toBe(true);
    expect(isSettled("failed")).toBe(true);
    expect(isSettled("analyzing")).toBe(false);
    expect(isSettled(undefined)).toBe(false);
  });
});

describe("uploadErrorMessage", () => {
  it("explains each refusal", () => {
    expect(uploadErrorMessage(new ApiError(413, "PAYLOAD_TOO_LARGE", "The request body is too large."))).toMatch(/too large/i);
    expect(uploadErrorMessage(new ApiError(415, "UNDECODABLE_AUDIO", "The file is not audio we can decode."))).toBe(
      "Unsupported file: The file is not audio we can decode.",
    );
    expect(uploadErrorMessage(new ApiError(422, "TRACK_TOO_LONG", "The audio is 40 minutes long; the limit is 30."))).toBe(
      "The audio is 40 minutes long; the limit is 30.",
    );
    expect(uploadErrorMessage(new ApiError(0, "NETWORK_ERROR", "x"))).toMatch(/could not reach the server/);
    expect(uploadErrorMessage(new Error("boom"))).toBe("boom");
    expect(uploadErrorMessage("?")).toBe("The upload failed.");
  });
});

describe("isRetryableUploadError", () => {
  it("retries server and network trouble, not refusals", () => {
    expect(isRetryableUploadError(new ApiError(500, "INTERNAL", "x"))).toBe(true);
    expect(isRetryableUploadError(new ApiError(0, "NETWORK_ERROR", "x"))).toBe(true);
    expect(isRetryableUploadError(new ApiError(415, "UNDECODABLE_AUDIO", "x"))).toBe(false);
    expect(isRetryableUploadError(new ApiError(413, "PAYLOAD_TOO_LARGE", "x"))).toBe(false);
    expect(isRetryableUploadError(new ApiError(422, "TRACK_TOO_LONG", "x"))).toBe(false);
  });
});
