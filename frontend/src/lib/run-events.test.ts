import { beforeAll, describe, expect, it } from "vitest";

import { ApiClient, type KeyValueStore } from "./api-client";
import { followRun, parseRunEvent, type RunUpdate } from "./run-events";
import type { Run, RunStatus } from "./types";

beforeAll(() => {
  // fetch-event-source schedules its retries on `window`; Node has the same timers globally.
  // and detaches a visibility listener from `document` when it stops: give it a minimal one.
  (globalThis as { window?: unknown }).window ??= globalThis;
  (globalThis as { document?: unknown }).document ??= {
    hidden: false,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
  };
});

class MemoryStore implements KeyValueStore {
  values = new Map<string, string>();
  getItem = (key: string) => this.values.get(key) ?? null;
  setItem = (key: string, value: string) => void this.values.set(key, value);
  removeItem = (key: string) => void this.values.delete(key);
}

const run = (status: RunStatus, percent: number): Run => ({
  id: "r1",
  kind: "render",
  status,
  thread_id: "t1",
  user_message_id: null,
  assistant_message_id: null,
  progress_stage: "mix",
  progress_percent: percent,
  progress_label: null,
  progress_detail: null,
  attempts: 1,
  error: null,
  result: null,
  created_at: "2026-11-21T10:00:00+00:00",
  started_at: null,
  completed_at: null,
  updated_at: "2026-11-21T10:00:00+00:00",
});

const frame = (seq: number, status: RunStatus, percent: number) =>
  `id: ${seq}\nevent: run_update\ndata: ${JSON.stringify({ run: run(status, percent), terminal: ["completed", "failed", "cancelled"].includes(status) })}\n\n`;

/** An event-stream response that sends its chunks (split anywhere) and then closes. */
function sse(chunks: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      chunks.forEach((chunk) => controller.enqueue(encoder.encode(chunk)));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

interface Seen {
  url: string;
  headers: Record<string, string>;
}

function client(answer: (seen: Seen, index: number) => Response) {
  const calls: Seen[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const seen = { url: String(input), headers: { ...(init?.headers as Record<string, string>) } };
    calls.push(seen);
    return answer(seen, calls.length - 1);
  }) as typeof fetch;
  const api = new ApiClient({ storage: new MemoryStore(), fetch: fetchImpl });
  api.startSession({ user: { id: "u1", name: "Ada", email: "a@b.c" }, access_token: "access-1", refresh_token: "refresh-1" });
  return { api, calls };
}

function follow(api: ApiClient, options: { pollIntervalMs?: number } = {}) {
  const updates: RunUpdate[] = [];
  const ended = new Promise<string>((resolve) => {
    followRun(api, "r1", { onUpdate: (u) => updates.push(u), onEnd: resolve, retryDelayMs: 5, ...options });
  });
  return { updates, ended };
}

describe("parseRunEvent", () => {
  it("reads a run_update", () => {
    const update = parseRunEvent({
      id: "2",
      event: "run_update",
      data: JSON.stringify({ run: run("running", 40), terminal: false }),
      retry: undefined,
    });
    expect(update).toMatchObject({ run: { status: "running", progress_percent: 40 }, terminal: false });
  });

  it.each([
    [{ id: "", event: "ping", data: "{}" }],
    [{ id: "", event: "stream_end", data: '{"reason": "terminal"}' }],
    [{ id: "3", event: "run_update", data: "" }],
    [{ id: "3", event: "run_update", data: '{"something": "else"}' }],
  ])("ignores %j", (message) => {
    expect(parseRunEvent({ ...message, retry: undefined })).toBeNull();
  });

  it("derives terminal from the status when the flag is missing", () => {
    expect(
      parseRunEvent({ id: "9", event: "run_update", data: JSON.stringify({ run: run("failed", 10) }), retry: undefined })
        ?.terminal,
    ).toBe(true);
  });
});

describe("followRun", () => {
  it("streams updates with the bearer token until the run is terminal, ignoring pings", async () => {
    const { api, calls } = client(() =>
      sse([
        frame(1, "queued", 0),
        ": comment\n\nevent: ping\ndata: {}\n\n",
        frame(2, "running", 5),
        frame(3, "running", 6),
        frame(4, "completed", 100).slice(0, 20),
        frame(4, "completed", 100).slice(20),
        'event: stream_end\ndata: {"reason":"terminal"}\n\n',
      ]),
    );
    const { updates, ended } = follow(api);
    await expect(ended).resolves.toBe("terminal");
    expect(updates.map((u) => [u.run.status, u.run.progress_percent, u.terminal])).toEqual([
      ["queued", 0, false],
      ["running", 5, false],
      ["running", 6, false],
      ["completed", 100, true],
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      url: "/api/v1/mix-chat-runs/r1/events",
      headers: { Authorization: "Bearer access-1", accept: "text/event-stream" },
    });
  });

  it("reconnects with Last-Event-ID when the stream ends before the run does", async () => {
    const { api, calls } = client((_, index) =>
      index === 0
        ? sse([frame(1, "queued", 0), frame(2, "running", 30), 'event: stream_end\ndata: {"reason":"max_seconds"}\n\n'])
        : sse([frame(3, "running", 60), frame(4, "completed", 100)]),
    );
    const { updates, ended } = follow(api);
    await expect(ended).resolves.toBe("terminal");
    expect(calls[0]!.headers["last-event-id"]).toBeUndefined();
    expect(calls[1]!.headers["last-event-id"]).toBe("2");
    expect(updates.map((u) => u.run.progress_percent)).toEqual([0, 30, 60, 100]);
  });

  it("refreshes an expired token and reconnects with the new one", async () => {
    const { api, calls } = client((seen) => {
      if (seen.url.endsWith("/auth/refresh")) return json(200, { access_token: "access-2", refresh_token: "refresh-2" });
      if (seen.headers.Authorization !== "Bearer access-2")
        return json(401, { error: { code: "TOKEN_EXPIRED", message: "Expired." } });
      return sse([frame(1, "completed", 100)]);
    });
    const { ended } = follow(api);
    await expect(ended).resolves.toBe("terminal");
    expect(calls.map((c) => c.url)).toEqual([
      "/api/v1/mix-chat-runs/r1/events",
      "/api/v1/auth/refresh",
      "/api/v1/mix-chat-runs/r1/events",
    ]);
  });

  it("falls back to polling the run when the events endpoint cannot stream", async () => {
    let polls = 0;
    const { api, calls } = client((seen) => {
      if (seen.url.endsWith("/events"))
        return new Response("<html>proxy</html>", { status: 200, headers: { "Content-Type": "text/html" } });
      polls += 1;
      return json(200, { run: run(polls < 3 ? "running" : "completed", polls * 30) });
    });
    const { updates, ended } = follow(api, { pollIntervalMs: 5 });
    await expect(ended).resolves.toBe("terminal");
    expect(updates.map((u) => u.run.status)).toEqual(["running", "running", "completed"]);
    expect(calls.filter((c) => c.url === "/api/v1/mix-chat-runs/r1")).toHaveLength(3);
  });

  it("stops when asked and reports it", async () => {
    const { api } = client(() => sse([frame(1, "running", 10)]));
    const reasons: string[] = [];
    const stop = followRun(api, "r1", { onUpdate: () => undefined, onEnd: (reason) => reasons.push(reason), retryDelayMs: 5 });
    stop();
    stop();
    expect(reasons).toEqual(["aborted"]);
  });
});
