/**
 * The one run-progress transport: Server-Sent Events over fetch (so the access token travels
 * in the Authorization header, never in a URL), resumed with Last-Event-ID after a dropped
 * connection, and a polling fallback when streaming is not possible.
 */
import { fetchEventSource, type EventSourceMessage } from "@microsoft/fetch-event-source";

import type { ApiClient } from "./api-client";
import { getRun } from "./runs-api";
import { TERMINAL_RUN_STATUSES, type Run } from "./types";

export interface RunUpdate {
  run: Run;
  terminal: boolean;
}

export interface FollowOptions {
  onUpdate: (update: RunUpdate) => void;
  /** Called once, when the run is terminal or following it was given up. */
  onEnd?: (reason: "terminal" | "aborted" | "error", error?: unknown) => void;
  pollIntervalMs?: number;
  /** Stream failures in a row before falling back to polling. */
  maxStreamFailures?: number;
  retryDelayMs?: number;
}

const EVENT_STREAM = "text/event-stream";

class StreamUnavailable extends Error {}
class StreamClosed extends Error {}

/** One SSE message as a run update, or null for pings and other events. */
export function parseRunEvent(message: EventSourceMessage): RunUpdate | null {
  if (message.event !== "run_update" || !message.data) return null;
  const body = JSON.parse(message.data) as Partial<RunUpdate>;
  if (!body.run || typeof body.run.status !== "string") return null;
  return { run: body.run, terminal: body.terminal ?? TERMINAL_RUN_STATUSES.has(body.run.status) };
}

/** Follow a run until it is terminal; returns a function that stops following. */
export function followRun(client: ApiClient, runId: string, options: FollowOptions): () => void {
  const controller = new AbortController();
  const pollIntervalMs = options.pollIntervalMs ?? 1500;
  const maxFailures = options.maxStreamFailures ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let ended = false;

  const end = (reason: "terminal" | "aborted" | "error", error?: unknown) => {
    if (ended) return;
    ended = true;
    controller.abort();
    options.onEnd?.(reason, error);
  };
  const deliver = (update: RunUpdate) => {
    if (ended) return;
    options.onUpdate(update);
    if (update.terminal) end("terminal");
  };

  const poll = async () => {
    while (!ended) {
      try {
        const run = await getRun(client, runId, controller.signal);
        deliver({ run, terminal: TERMINAL_RUN_STATUSES.has(run.status) });
      } catch (error) {
        if (controller.signal.aborted) return;
        if ((error as { status?: number }).status === 404) return end("error", error);
      }
      if (!ended) await sleep(pollIntervalMs, controller.signal);
    }
  };

  const stream = async () => {
    let failures = 0;
    let refreshed = false;
    await fetchEventSource(`${client.baseUrl}/mix-chat-runs/${runId}/events`, {
      signal: controller.signal,
      openWhenHidden: true, // keep following while the tab is in the background
      // A fetch that reads the current token on every (re)connection, so a refreshed token is used.
      fetch: (input, init) => client.fetchWithAuth(input, init),
      async onopen(response) {
        if (response.status === 401 && !refreshed) {
          refreshed = true;
          if (await client.refresh()) throw new StreamClosed("token refreshed");
        }
        const type = response.headers.get("content-type") ?? "";
        if (!response.ok || !type.startsWith(EVENT_STREAM)) {
          throw new StreamUnavailable(`events answered ${response.status}`);
        }
        failures = 0;
        refreshed = false;
      },
      onmessage(message) {
        if (message.event === "stream_end") throw new StreamClosed("stream_end");
        const update = parseRunEvent(message);
        if (update) deliver(update);
      },
      onclose() {
        // The server ended the stream (its time limit or a restart) before the run ended:
        // reconnect, and Last-Event-ID replays what was missed.
        if (!ended) throw new StreamClosed("closed");
      },
      onerror(error) {
        if (ended) throw error;
        if (error instanceof StreamUnavailable) throw error;
        if (!(error instanceof StreamClosed)) failures += 1;
        if (failures >= maxFailures) throw new StreamUnavailable("stream keeps failing");
        return retryDelayMs;
      },
    });
  };

  stream().catch(() => {
    if (!ended) void poll(); // no stream: the snapshot endpoint has the same run
  });
  return () => end("aborted");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
