/**
 * Transition preview in the browser: the outgoing segment's last seconds, the transition, and
 * the incoming segment's first seconds, played from the tracks' own audio at the mix's tempo.
 *
 * Two <audio> elements (HTTP Range streaming: nothing is downloaded or decoded whole) feed a
 * Web Audio graph through MediaElementAudioSourceNodes. Each plays at playbackRate = stretch
 * with its pitch kept, as the render's time-stretch does. The shapes follow the renderer
 * (backend/intellimix/audio/render.py, `shape_transitions`):
 * - cut: the outgoing stops and the incoming starts at the boundary (5 ms declick);
 * - crossfade: equal-power fades over the overlap;
 * - bass_swap: the highs cross-fade over the overlap while the lows (< 150 Hz) swap on the
 *   middle beat, in a 32nd-note ramp;
 * - filter_sweep: a 24 dB/oct high-pass rises 20 Hz → 20 kHz on the outgoing while a low-pass
 *   opens 20 Hz → 20 kHz on the incoming;
 * - echo_out: an equal-power crossfade plus a dotted-eighth feedback echo of the overlap's last
 *   quarter, ringing six beats past the outgoing segment's end.
 * It is an approximation — no per-segment loudness matching, EQ, effects or pitch shift, and
 * the two elements start on timers, so they can be a few milliseconds apart.
 *
 * The window arithmetic and curves are pure and unit-tested; the graph needs a browser.
 */
import type { Segment, TimelineEntry, TransitionType } from "@/lib/types";

export const PREVIEW_LEAD_S = 4;
export const PREVIEW_TAIL_S = 4;
export const DECLICK_S = 0.005;
export const CROSSOVER_HZ = 150;
export const BASS_SWAP_RAMP_BEATS = 0.125;
export const SWEEP_LOW_HZ = 20;
export const SWEEP_HIGH_HZ = 20_000;
export const ECHO_DELAY_BEATS = 0.75;
export const ECHO_FEEDBACK = 0.5;
export const ECHO_LEVEL = 0.5;
export const ECHO_TAIL_BEATS = 6;
export const ECHO_TAIL_FADE_BEATS = 2;
/** A 4th-order Butterworth as two biquads. */
const BUTTERWORTH_Q = [0.5412, 1.3066] as const;
const CURVE_POINTS = 256;
const LOAD_TIMEOUT_MS = 20_000;
/** The graph starts this long after the outgoing element is told to play (its t0). */
export const PREVIEW_START_DELAY_MS = 50;

export interface PreviewSide {
  /** Source seconds the element plays from and to. */
  fromS: number;
  toS: number;
  /** playbackRate: target BPM / track BPM (1 without a stretch). */
  rate: number;
  /** When it starts and stops, in seconds from the start of the preview. */
  startAt: number;
  endAt: number;
  /** The segment's gain_db as a linear factor. */
  gain: number;
}

export interface PreviewWindow {
  /** The part of the mix played, in output seconds. */
  windowStart: number;
  windowEnd: number;
  /** How long playback lasts (the echo tail may ring past windowEnd - windowStart). */
  duration: number;
  transition: { type: TransitionType; beats: number; startAt: number; length: number };
  beatS: number;
  outgoing: PreviewSide;
  incoming: PreviewSide;
}

/**
 * What to play to preview the transition into segment `index` (≥ 1): up to `lead` seconds of
 * the outgoing segment before the transition begins, the transition, then up to `tail` seconds
 * of the incoming one — never reaching outside the two segments.
 */
export function previewWindow(
  segments: readonly Segment[],
  timeline: readonly TimelineEntry[],
  index: number,
  targetBpm: number,
  { lead = PREVIEW_LEAD_S, tail = PREVIEW_TAIL_S }: { lead?: number; tail?: number } = {},
): PreviewWindow | null {
  const previous = segments[index - 1];
  const next = segments[index];
  const before = timeline[index - 1];
  const here = timeline[index];
  if (index < 1 || !previous || !next || !before || !here || !(targetBpm > 0)) return null;
  const beatS = 60 / targetBpm;
  const overlap = here.transition_in_s;
  const windowStart = Math.max(before.start_s, here.start_s - lead);
  const windowEnd = Math.max(here.start_s, Math.min(here.end_s, here.start_s + overlap + tail));
  const type = next.transition_in?.type ?? "cut";
  const beats = type === "cut" ? 0 : (next.transition_in?.beats ?? 0);
  const transitionStart = here.start_s - windowStart;
  const outgoingEnd = before.end_s - windowStart;
  const echoEnd = type === "echo_out" ? outgoingEnd + ECHO_TAIL_BEATS * beatS : 0;
  return {
    windowStart,
    windowEnd,
    duration: Math.max(windowEnd - windowStart, echoEnd),
    transition: { type, beats, startAt: transitionStart, length: overlap },
    beatS,
    outgoing: {
      fromS: previous.source_start_s + (windowStart - before.start_s) * before.stretch,
      toS: previous.source_end_s,
      rate: before.stretch,
      startAt: 0,
      endAt: outgoingEnd,
      gain: dbToGain(previous.gain_db),
    },
    incoming: {
      fromS: next.source_start_s,
      toS: next.source_start_s + (windowEnd - here.start_s) * here.stretch,
      rate: here.stretch,
      startAt: transitionStart,
      endAt: windowEnd - windowStart,
      gain: dbToGain(next.gain_db),
    },
  };
}

export function dbToGain(db: number | null | undefined): number {
  return Number.isFinite(db) ? 10 ** ((db as number) / 20) : 1;
}

/** An equal-power fade sampled at `points` (≥ 2) evenly spaced times, ends included. */
export function equalPowerCurve(points: number, rising: boolean): Float32Array {
  const n = Math.max(2, Math.floor(points));
  const curve = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    const phase = (Math.PI / 2) * (i / (n - 1));
    curve[i] = rising ? Math.sin(phase) : Math.cos(phase);
  }
  return curve;
}

/** bass_swap's hand-over: on the middle beat (from the transition's start) after a short ramp. */
export function bassSwapTiming(beats: number, lengthS: number): { swapAt: number; ramp: number } {
  if (beats <= 0 || lengthS <= 0) return { swapAt: 0, ramp: DECLICK_S };
  const beat = lengthS / beats;
  const middle = beats >= 2 ? Math.floor(beats / 2) : beats / 2;
  return { swapAt: middle * beat, ramp: Math.max(DECLICK_S, BASS_SWAP_RAMP_BEATS * beat) };
}

/**
 * bass_swap's gain curves over the overlap for one side: `high` for the whole signal and `lowExtra`
 * for its low band, so that signal·high + low·lowExtra = high band·high + low band·low (as the
 * renderer's `_band_gains`).
 */
export function bassSwapCurves(
  beats: number,
  lengthS: number,
  rising: boolean,
  points = CURVE_POINTS,
): { high: Float32Array; lowExtra: Float32Array } {
  const n = Math.max(2, Math.floor(points));
  const { swapAt, ramp } = bassSwapTiming(beats, lengthS);
  const high = new Float32Array(n);
  const lowExtra = new Float32Array(n);
  for (let i = 0; i < n; i += 1) {
    const t = (i / (n - 1)) * lengthS;
    const highPhase = (Math.PI / 2) * (lengthS > 0 ? t / lengthS : 1);
    const lowProgress = Math.min(1, Math.max(0, (t - (swapAt - ramp)) / ramp));
    const lowPhase = (Math.PI / 2) * lowProgress;
    const g_high = rising ? Math.sin(highPhase) : Math.cos(highPhase);
    const g_low = rising ? Math.sin(lowPhase) : Math.cos(lowPhase);
    high[i] = g_high;
    lowExtra[i] = g_low - g_high;
  }
  return { high, lowExtra };
}

/** The sweep's cutoff at progress u ∈ [0, 1]: exponential from 20 Hz to 20 kHz. */
export function sweepCutoff(u: number): number {
  const x = Math.min(1, Math.max(0, u));
  return SWEEP_LOW_HZ * (SWEEP_HIGH_HZ / SWEEP_LOW_HZ) ** x;
}

/** echo_out's send and tail, in seconds from the transition's start. */
export function echoTiming(beatS: number, lengthS: number) {
  const capture = lengthS - Math.max(beatS, lengthS / 4);
  const tailEnd = lengthS + ECHO_TAIL_BEATS * beatS;
  return {
    sendOpen: Math.max(0, capture - beatS / 8),
    capture: Math.max(0, capture),
    delay: ECHO_DELAY_BEATS * beatS,
    tailFadeStart: tailEnd - ECHO_TAIL_FADE_BEATS * beatS,
    tailEnd,
  };
}

// --- the audio graph (browser only) ----------------------------------------------------------

export interface PreviewSources {
  outgoingUrl: string;
  incomingUrl: string;
}

export interface PreviewCallbacks {
  onPlaying?: () => void;
  onEnded?: () => void;
  onError?: (error: Error) => void;
}

function waitFor(element: HTMLAudioElement, event: "loadedmetadata" | "seeked" | "canplay", signal: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      element.removeEventListener(event, done);
      element.removeEventListener("error", failed);
      signal.removeEventListener("abort", aborted);
      clearTimeout(timer);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const failed = () => {
      cleanup();
      reject(new Error("The audio could not be loaded."));
    };
    const aborted = () => {
      cleanup();
      reject(new DOMException("Stopped", "AbortError"));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error("The audio took too long to load."));
    }, LOAD_TIMEOUT_MS);
    element.addEventListener(event, done);
    element.addEventListener("error", failed);
    signal.addEventListener("abort", aborted);
  });
}

async function prepare(
  url: string,
  side: PreviewSide,
  signal: AbortSignal,
  created: HTMLAudioElement[],
): Promise<HTMLAudioElement> {
  const element = new Audio();
  created.push(element);
  element.preload = "auto";
  element.preservesPitch = true;
  element.src = url;
  if (element.readyState < HTMLMediaElement.HAVE_METADATA) await waitFor(element, "loadedmetadata", signal);
  element.playbackRate = side.rate;
  element.defaultPlaybackRate = side.rate;
  const seeked = waitFor(element, "seeked", signal);
  element.currentTime = side.fromS;
  await seeked;
  if (element.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) await waitFor(element, "canplay", signal);
  return element;
}

function release(element: HTMLAudioElement | undefined) {
  if (!element) return;
  element.pause();
  element.removeAttribute("src");
  element.load();
}

function butterworth(context: AudioContext, type: BiquadFilterType, hz: number): [BiquadFilterNode, BiquadFilterNode] {
  const [first, second] = BUTTERWORTH_Q.map((Q) => new BiquadFilterNode(context, { type, frequency: hz, Q })) as [
    BiquadFilterNode,
    BiquadFilterNode,
  ];
  first.connect(second);
  return [first, second];
}

/** Fade a gain in (or out) over a few ms at `at`, flat elsewhere. */
function step(param: AudioParam, at: number, rising: boolean) {
  param.setValueAtTime(rising ? 0 : 1, Math.max(0, at - DECLICK_S));
  param.linearRampToValueAtTime(rising ? 1 : 0, Math.max(0, at));
}

/**
 * Wire one side: element → (filters) → fade → segment gain → output. Times are the context's.
 * Returns the fade node so the caller can add sends.
 */
function wireSide(
  context: AudioContext,
  source: MediaElementAudioSourceNode,
  side: PreviewSide,
  win: PreviewWindow,
  t0: number,
  output: AudioNode,
  rising: boolean,
) {
  const { type, length } = win.transition;
  const T = t0 + win.transition.startAt;
  const level = new GainNode(context, { gain: side.gain });
  level.connect(output);
  const fade = new GainNode(context, { gain: rising ? 0 : 1 });
  fade.connect(level);
  if (rising) fade.gain.setValueAtTime(0, t0);

  if (type === "cut" || length <= 0) {
    source.connect(fade);
    step(fade.gain, rising ? T + DECLICK_S : T, rising);
  } else if (type === "crossfade" || type === "echo_out") {
    source.connect(fade);
    fade.gain.setValueCurveAtTime(equalPowerCurve(CURVE_POINTS, rising), T, length);
  } else if (type === "bass_swap") {
    const { high, lowExtra } = bassSwapCurves(win.transition.beats, length, rising);
    source.connect(fade);
    fade.gain.setValueCurveAtTime(high, T, length);
    const [lowIn, lowOut] = butterworth(context, "lowpass", CROSSOVER_HZ);
    const lowGain = new GainNode(context, { gain: 0 });
    source.connect(lowIn);
    lowOut.connect(lowGain).connect(level);
    lowGain.gain.setValueAtTime(0, t0);
    lowGain.gain.setValueCurveAtTime(lowExtra, T, length);
  } else {
    // filter_sweep: the outgoing's high-pass rises, the incoming's low-pass opens; at 20 Hz
    // either is all but transparent, so the filters stay in the path the whole time.
    const [first, last] = butterworth(context, rising ? "lowpass" : "highpass", SWEEP_LOW_HZ);
    for (const filter of [first, last]) {
      filter.frequency.setValueAtTime(SWEEP_LOW_HZ, t0);
      filter.frequency.setValueAtTime(SWEEP_LOW_HZ, T);
      filter.frequency.exponentialRampToValueAtTime(SWEEP_HIGH_HZ, T + length);
    }
    source.connect(first);
    last.connect(fade);
    // The gains only silence each side outside the overlap.
    if (rising) step(fade.gain, T + DECLICK_S, true);
    else step(fade.gain, T + length, false);
  }
  return fade;
}

/**
 * Load both tracks at the right places, then play the preview. Returns `stop`, which also
 * cancels a preview that is still loading. Call it synchronously from a click: browsers let an
 * AudioContext start only inside a gesture (the sources may be a promise for that reason).
 */
export function startTransitionPreview(
  win: PreviewWindow,
  sources: PreviewSources | Promise<PreviewSources>,
  callbacks: PreviewCallbacks = {},
): () => void {
  const controller = new AbortController();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const context = new AudioContext({ latencyHint: "interactive" });
  void context.resume();
  const elements: HTMLAudioElement[] = [];
  let finished = false;

  const stop = () => {
    if (finished) return;
    finished = true;
    controller.abort();
    timers.forEach(clearTimeout);
    elements.forEach(release);
    void context.close().catch(() => undefined);
  };

  const run = async () => {
    // The context is made above, inside the click; the urls may still be on their way.
    const urls = await sources;
    if (controller.signal.aborted) throw new DOMException("Stopped", "AbortError");
    const [outgoing, incoming] = await Promise.all([
      prepare(urls.outgoingUrl, win.outgoing, controller.signal, elements),
      prepare(urls.incomingUrl, win.incoming, controller.signal, elements),
    ]);
    if (controller.signal.aborted) throw new DOMException("Stopped", "AbortError");
    await context.resume();

    const master = new GainNode(context, { gain: 0.9 });
    master.connect(context.destination);
    const t0 = context.currentTime + PREVIEW_START_DELAY_MS / 1000;
    const outSource = new MediaElementAudioSourceNode(context, { mediaElement: outgoing });
    const inSource = new MediaElementAudioSourceNode(context, { mediaElement: incoming });
    wireSide(context, outSource, win.outgoing, win, t0, master, false);
    wireSide(context, inSource, win.incoming, win, t0, master, true);

    if (win.transition.type === "echo_out" && win.transition.length > 0) {
      const T = t0 + win.transition.startAt;
      const echo = echoTiming(win.beatS, win.transition.length);
      const send = new GainNode(context, { gain: 0 });
      const delay = new DelayNode(context, { delayTime: echo.delay, maxDelayTime: Math.max(1, echo.delay * 2) });
      const feedback = new GainNode(context, { gain: ECHO_FEEDBACK });
      const wet = new GainNode(context, { gain: ECHO_LEVEL * win.outgoing.gain });
      outSource.connect(send).connect(delay).connect(wet).connect(master);
      delay.connect(feedback).connect(delay);
      send.gain.setValueAtTime(0, T + echo.sendOpen);
      send.gain.linearRampToValueAtTime(1, T + echo.capture);
      step(send.gain, T + win.transition.length, false);
      wet.gain.setValueAtTime(ECHO_LEVEL * win.outgoing.gain, T + echo.tailFadeStart);
      wet.gain.linearRampToValueAtTime(0, T + echo.tailEnd);
    }

    const at = (seconds: number, action: () => void) =>
      timers.push(setTimeout(action, Math.max(0, (t0 - context.currentTime + seconds) * 1000)));
    await outgoing.play();
    at(win.incoming.startAt, () => {
      incoming.play().catch((error: unknown) => fail(error));
    });
    at(win.outgoing.endAt + 0.05, () => outgoing.pause());
    at(win.duration + 0.1, () => {
      stop();
      callbacks.onEnded?.();
    });
    callbacks.onPlaying?.();
  };

  const fail = (error: unknown) => {
    if (finished) return;
    stop();
    if (error instanceof DOMException && error.name === "AbortError") return;
    callbacks.onError?.(error instanceof Error ? error : new Error("The preview could not play."));
  };

  run().catch(fail);
  return stop;
}
