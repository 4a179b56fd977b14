/** When the library keeps asking the server: while any track's analysis is still to finish. */

export const LIST_POLL_MS = 2500;
export const DETAIL_POLL_MS = 2000;
/** A track unsettled and untouched this long is probably stuck: ask far less often. */
export const STALE_AFTER_MS = 10 * 60 * 1000;
export const STALE_POLL_MS = 30_000;

type Polled = { status: string; updated_at?: string | null };

const SETTLED = new Set(["ready", "failed"]);

export function isSettled(status: string | null | undefined): boolean {
  return status !== null && status !== undefined && SETTLED.has(status);
}

/** True while some listed track is pending or analysing. */
export function shouldPoll(tracks: readonly { status: string }[] | null | undefined): boolean {
  return (tracks ?? []).some((track) => !isSettled(track.status));
}

/**
 * refetchInterval for a query: `ms` while a track is being worked on, a slow poll when every
 * unsettled track has not changed for STALE_AFTER_MS (a lost run), false when all are settled.
 */
export function pollInterval(
  tracks: readonly Polled[] | null | undefined,
  ms = LIST_POLL_MS,
  now: number = Date.now(),
): number | false {
  const unsettled = (tracks ?? []).filter((track) => !isSettled(track.status));
  if (unsettled.length === 0) return false;
  const moving = unsettled.some((track) => {
    const updated = track.updated_at ? Date.parse(track.updated_at) : Number.NaN;
    return !Number.isFinite(updated) || now - updated < STALE_AFTER_MS;
  });
  return moving ? ms : Math.max(ms, STALE_POLL_MS);
}
