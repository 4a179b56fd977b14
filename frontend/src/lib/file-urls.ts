/** Signed file urls: they change token on every read, download as attachments on request, and an
 * <audio> element should keep the one it is playing. */

/** The same signed url, asking the server for `Content-Disposition: attachment`. */
export function downloadHref(url: string): string {
  const hashAt = url.indexOf("#");
  const base = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const hash = hashAt >= 0 ? url.slice(hashAt) : "";
  if (/[?&]download=1(&|$)/.test(base)) return url;
  const joiner = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&";
  return `${base}${joiner}download=1${hash}`;
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
