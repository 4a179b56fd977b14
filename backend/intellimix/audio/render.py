"""Mix rendering (DESIGN §5–6): a MixPlan and decoded tracks → a pre-master stereo mix and stems.

`render_mix` runs the stages below in order. Each one is a small pure function over all segments:

1. cut — snap each segment's source cut points to the track's beat grid (within 60 ms), then
   phase-lock every hand-over: the incoming segment's source span moves (by at most half a
   bar) so that its downbeats — its beats when either track has no bars — land on the
   outgoing segment's in the output, whatever the plan's cut seconds say; then derive the
   output timeline from the locked plan.
2. stretch — Rubber Band (R2 via pedalboard, in two bands: see `rubber_band`) takes only the
   segment's source span plus a little pre- and post-roll to the target tempo and pitch.
3. loudness — every segment to the same integrated loudness, then the plan's `gain_db` on top.
4. eq / effects — three-band EQ and reverb/echo sends.
5. transitions — gain curves, crossover splits and filter sweeps on each segment's own signal.
6. place — each segment stays its own array at its exact output frame on its track's lane
   (`lanes.Lanes`: no full-length array per stem); the mix adds every piece into one array.

Because every transition acts on one segment's own signal, the stems sum to the mix exactly.
Each stage replaces a segment's array as it goes, so the render holds about one mix's worth
of segments, plus the mix, whatever the number of tracks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pedalboard
import scipy.fft
import scipy.ndimage
import scipy.signal

from intellimix.audio.errors import MixPlanError
from intellimix.audio.lanes import Lanes, Piece
from intellimix.audio.loudness import integrated_loudness
from intellimix.audio.progress import Progress, silent
from intellimix.audio.stopwatch import Stopwatch
from intellimix.audio.tempo import HandOver, TimeMap, hand_over, stretch_ratio, timed_segments

# Where the timeline used to be derived; its users still import these from here.
from intellimix.audio.tempo import derive_timeline as derive_timeline
from intellimix.audio.tempo import transition_seconds as transition_seconds

TRANSITION_TYPES = ("cut", "crossfade", "bass_swap", "filter_sweep", "echo_out")
SNAP_TOLERANCE_S = 0.060  # cut points this close to a beat are meant to be on it
PAD_S = 0.5  # source material kept either side of a segment: filter warm-up, declick overlap
STRETCH_GUARD = 1024  # extra source frames, so the pre-roll survives Rubber Band's rounding
CUT_OVERSHOOT_S = 0.05  # a cut this far past the track's end is rounding, not an error
# Where the tempo changes through an overlap, the lock is found in steps (at most 4, to 0.2 ms).
LOCK_STEPS, LOCK_PRECISION_S = 4, 0.0002
DECLICK_S = 0.005
MATCH_LUFS = -18.0  # pre-master level: headroom for overlaps and EQ boosts in 24-bit stems
MAX_MATCH_GAIN_DB = 24.0  # a nearly silent segment is not dragged up to full level
STRETCH_WORKERS = 2  # Rubber Band releases the GIL; two segments at once on two cores
STRETCH_SPLIT_HZ = 400.0  # Rubber Band's bands (see rubber_band)
LOW_BAND_DECIMATION = 8  # the band under 400 Hz is stretched at 6 kHz
# A changing speed is held over blocks of this many input frames: Rubber Band takes a new
# speed at most every 1024 frames, and the low band's 1024 are 8192 at the full rate.
RATE_BLOCK = 1024 * LOW_BAND_DECIMATION
ENVELOPE_DEADBAND = 1.4  # the low band within ±3 dB of its source's envelope is left alone
MAX_ATTACK_BOOST = 2.0  # a flattened attack is lifted by at most 6 dB
ENVELOPE_SMOOTH_S, GAIN_SMOOTH_S = 0.002, 0.003

# Three-band EQ in the style of a DJ mixer channel.
LOW_SHELF_HZ, MID_PEAK_HZ, HIGH_SHELF_HZ = 150.0, 1000.0, 6000.0
EQ_Q = 0.7071
# Effects are sends: the dry signal stays as loudness-matched, the wet return is added.
REVERB_SEND, REVERB_ROOM = 0.5, 0.6
ECHO_SEND, ECHO_FEEDBACK = 0.5, 0.35
ECHO_DELAY_BEATS = 0.75  # a dotted eighth: the classic tempo-synced echo

CROSSOVER_HZ = 150.0  # bass_swap hands over kick and bass below this
BASS_SWAP_RAMP_BEATS = 0.125  # the low band swaps over a 32nd note ending on the swap beat
SWEEP_LOW_HZ, SWEEP_HIGH_HZ = 20.0, 20_000.0
SWEEP_ORDER = 4  # 24 dB/octave Butterworth magnitudes
SWEEP_N_FFT, SWEEP_HOP = 2048, 512
ECHO_OUT_FEEDBACK, ECHO_OUT_LEVEL = 0.5, 0.5
ECHO_OUT_TAIL_BEATS = 6.0  # ten repeats at feedback 0.5: the tail is under −50 dB when it ends
ECHO_OUT_TAIL_FADE_BEATS = 2.0


@dataclass(frozen=True)
class TrackAudio:
    """A decoded track at the render rate and its analysis (bpm, beats, downbeats in seconds)."""

    samples: np.ndarray  # (2, frames) float32; mono (frames,) or (1, frames) is duplicated
    sample_rate: int
    analysis: Mapping[str, Any]


@dataclass(frozen=True)
class RenderResult:
    """The pre-master mix, one stem per track (same length and alignment), and where things are."""

    mix: np.ndarray  # (2, frames) float32
    stems: Lanes  # track_id -> its segments at their offsets; the lanes sum to `mix`
    timeline: list[dict[str, Any]]  # derive_timeline's entries plus the snapped source cuts
    sample_rate: int
    cues: list[dict[str, Any]]  # {segment_id, track_id, start_s, label}

    @property
    def duration_s(self) -> float:
        """Length of the mix in seconds."""
        return self.mix.shape[1] / self.sample_rate


@dataclass(frozen=True)
class _Slot:
    """One segment on the output, in samples: its body is [start, end)."""

    segment: Mapping[str, Any]
    track_id: str
    time_map: TimeMap  # source ↔ output seconds (its `stretch` is the body's)
    bpm: float  # the segment's own tempo
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm


@dataclass(frozen=True)
class _Transition:
    """The hand-over into a segment: overlap [start, end) in output samples (empty for cut)."""

    kind: str
    start: int
    end: int
    beats: float
    tempo: HandOver  # the tempo curve through the overlap

    @property
    def end_beat_s(self) -> float:
        """A beat at the overlap's end: the tempo the outgoing segment's echo rings at."""
        return 60.0 / (self.tempo.to_bpm if self.tempo.locked else self.tempo.from_bpm)


# --- the renderer --------------------------------------------------------------------------


def render_mix(
    plan: Mapping[str, Any],
    tracks: Mapping[str, TrackAudio],
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    match_lufs: float = MATCH_LUFS,
    workers: int = STRETCH_WORKERS,
    nudges: Mapping[str, float] | None = None,
) -> RenderResult:
    """Render a MixPlan's segments, transitions and stems to a pre-master stereo mix.

    `nudges` (segment id → seconds on the output) move incoming segments on top of the phase
    lock: the correction a re-render applies after QA measured a misaligned transition.
    """
    report = progress or silent
    clock = Stopwatch(timings)
    sample_rate = _check_plan(plan, tracks)
    pad = round(PAD_S * sample_rate)

    report("cut", 2, "Snapping cut points to the beat grid")
    with clock("cut"):
        segments = [snap_cuts(s, tracks[s["track_id"]].analysis) for s in plan["segments"]]
        bpms = {track_id: track.analysis.get("bpm") for track_id, track in tracks.items()}
        segments = phase_lock(
            {**plan, "segments": segments},
            {track_id: track.analysis for track_id, track in tracks.items()},
            durations={t: np.shape(a.samples)[-1] / a.sample_rate for t, a in tracks.items()},
            nudges=nudges or {},
        )
        locked = {**plan, "segments": segments}
        timed = timed_segments(locked, bpms)
        timeline = [entry for entry, _ in timed]
        slots = _slots(segments, timed, sample_rate)
        transitions = _transitions(locked, slots)
        _check_fit(slots, transitions, tracks)

    report("stretch", 5, "Matching tempo and key")
    with clock("stretch"):
        bodies = _stretch_all(slots, tracks, pad=pad, workers=workers, report=report)

    # Every stage below replaces bodies[index] in place: a list built beside the old one would
    # hold every segment twice (two mixes' worth of audio) until it was complete.
    report("loudness", 60, "Matching loudness")
    with clock("loudness"):
        for index, slot in enumerate(slots):
            bodies[index] = match_loudness(
                bodies[index],
                sample_rate,
                pad=pad,
                target_lufs=match_lufs,
                gain_db=float(slot.segment.get("gain_db") or 0.0),
            )

    report("eq_effects", 70, "Applying EQ and effects")
    with clock("eq_effects"):
        for index, slot in enumerate(slots):
            bodies[index] = apply_effects(
                apply_eq(bodies[index], sample_rate, **_eq_gains(slot.segment)),
                sample_rate,
                beat_s=slot.beat_s,
                **_effect_amounts(slot.segment),
            )

    report("transitions", 80, "Shaping transitions")
    with clock("transitions"):
        for index, slot in enumerate(slots):
            bodies[index] = shape_transitions(
                bodies[index],
                offset=slot.start - pad,
                body_span=(slot.start, slot.end),
                incoming=transitions[index],
                outgoing=transitions[index + 1] if index + 1 < len(slots) else None,
                sample_rate=sample_rate,
            )

    report("place", 92, "Placing segments on the timeline")
    with clock("place"):
        stems = Lanes(
            [
                Piece(slot.track_id, slot.start - pad, body)
                for slot, body in zip(slots, bodies, strict=True)
            ],
            length=slots[-1].end,
        )
        mix = stems.mix()

    report("done", 100, "Mix rendered")
    return RenderResult(
        mix=mix,
        stems=stems,
        timeline=[
            {**entry, "source_start_s": s["source_start_s"], "source_end_s": s["source_end_s"]}
            for entry, s in zip(timeline, segments, strict=True)
        ],
        sample_rate=sample_rate,
        cues=[
            {
                "segment_id": entry["segment_id"],
                "track_id": entry["track_id"],
                "start_s": entry["start_s"],
                "bpm": entry["bpm"],
                "label": s.get("label") or entry["track_id"],
            }
            for entry, s in zip(timeline, segments, strict=True)
        ],
    )


# --- 1. cut --------------------------------------------------------------------------------


def snap_to_grid(
    time_s: float, grid: Sequence[float], *, tolerance_s: float = SNAP_TOLERANCE_S
) -> float:
    """The nearest grid time when it is within tolerance_s, else time_s unchanged."""
    if len(grid) == 0:
        return float(time_s)
    points = np.sort(np.asarray(grid, dtype=np.float64))
    index = int(np.searchsorted(points, time_s))
    neighbours = points[max(index - 1, 0) : index + 1]
    nearest = float(neighbours[np.argmin(np.abs(neighbours - time_s))])
    return nearest if abs(nearest - time_s) <= tolerance_s else float(time_s)


def snap_cuts(
    segment: Mapping[str, Any],
    analysis: Mapping[str, Any],
    *,
    tolerance_s: float = SNAP_TOLERANCE_S,
) -> dict[str, Any]:
    """The segment with its source cut points moved onto the nearest beat or downbeat."""
    grid = [*(analysis.get("beats") or []), *(analysis.get("downbeats") or [])]
    return {
        **segment,
        "source_start_s": snap_to_grid(segment["source_start_s"], grid, tolerance_s=tolerance_s),
        "source_end_s": snap_to_grid(segment["source_end_s"], grid, tolerance_s=tolerance_s),
    }


def _grid(analysis: Mapping[str, Any], *, bars: bool, beat_map: str | None = None) -> np.ndarray:
    """A track's downbeats (or beats), as the hand-over aligns on them.

    Counted at half time, two of the track's bars make one of the mix's: its grid is every
    other downbeat from the first, where its phrases start, so its bar 1 meets the mix's one.
    """
    key = "downbeats" if bars else "beats"
    grid = np.asarray(sorted(analysis.get(key) or []), dtype=np.float64)
    return grid[::2] if bars and beat_map == "half_time" else grid


def phase_offset(
    outgoing: Mapping[str, Any] | TimeMap,
    outgoing_analysis: Mapping[str, Any],
    incoming: Mapping[str, Any] | TimeMap,
    incoming_analysis: Mapping[str, Any],
    *,
    reference_s: float,
    beat_maps: tuple[str | None, str | None] = (None, None),
) -> float:
    """Seconds (output) to move the incoming segment so its grid meets the outgoing one's.

    `outgoing` and `incoming` are the segments' time maps, or timeline entries of one steady
    tempo with `source_start_s` (the segment's), `start_s` and `stretch`. Downbeats are matched
    when both tracks have bars (every other one for a side counted at half time: `beat_maps`,
    outgoing then incoming), else beats; the incoming grid point nearest `reference_s` (the
    overlap's middle) goes to the outgoing grid point nearest it. 0.0 when either track has no
    grid.
    """
    bars = (
        len(_grid(outgoing_analysis, bars=True)) > 1
        and len(_grid(incoming_analysis, bars=True)) > 1
    )
    theirs = _grid(outgoing_analysis, bars=bars, beat_map=beat_maps[0])
    ours = _grid(incoming_analysis, bars=bars, beat_map=beat_maps[1])
    if theirs.size < 2 or ours.size < 2:
        return 0.0

    # The outgoing grid runs on past the track's last beat at its own spacing (a cut at the end).
    spacing = float(np.median(np.diff(theirs)))
    extended = np.concatenate([theirs, theirs[-1] + spacing * np.arange(1, 64)])
    out_times, in_times = _map(outgoing).to_output(extended), _map(incoming).to_output(ours)
    mine = in_times[int(np.argmin(np.abs(in_times - reference_s)))]
    target = out_times[int(np.argmin(np.abs(out_times - mine)))]
    return float(target - mine)


def _map(placed: Mapping[str, Any] | TimeMap) -> TimeMap:
    if isinstance(placed, TimeMap):
        return placed
    return TimeMap(placed["start_s"], placed["source_start_s"], placed["stretch"])


def phase_lock(
    plan: Mapping[str, Any],
    analyses: Mapping[str, Mapping[str, Any]],
    *,
    durations: Mapping[str, float],
    nudges: Mapping[str, float],
) -> list[dict[str, Any]]:
    """The plan's segments with every incoming source span moved onto the outgoing grid."""
    bpms = {track_id: analysis.get("bpm") for track_id, analysis in analyses.items()}
    locked: list[dict[str, Any]] = [dict(plan["segments"][0])]
    for segment in plan["segments"][1:]:
        analysis = analyses[segment["track_id"]]
        grid = _grid(
            analysis,
            bars=len(_grid(analysis, bars=True)) > 1,
            beat_map=segment.get("beat_map"),
        )
        unit = float(np.median(np.diff(grid))) if grid.size > 1 else 0.0
        nudge = float(nudges.get(segment["id"], 0.0))
        moved = dict(segment)
        for _ in range(LOCK_STEPS):
            (_, before), (entry, after) = timed_segments(
                {**plan, "segments": [*locked, moved]}, bpms
            )[-2:]
            # Locked: matched at the overlap's middle; not locked (an echo-out between two
            # tempi): the incoming beats continue the outgoing grid from the overlap's end.
            matched = entry.get("tempo_in", {}).get("locked", True)
            reference = entry["start_s"] + entry["transition_in_s"] / (2 if matched else 1)
            # What is left to move: onto the grid, and then by the nudge.
            shift = (
                phase_offset(
                    before,
                    analyses[locked[-1]["track_id"]],
                    after,
                    analyses[segment["track_id"]],
                    reference_s=reference,
                    beat_maps=(locked[-1].get("beat_map"), segment.get("beat_map")),
                )
                + nudge
            )
            # Moving the source moves the grid by the rate where they meet: exact at one
            # steady rate; where the tempo changes, the next step takes up what is left.
            rate = float(after.rate_at(reference)) if after.varies else after.stretch
            moved = _moved(moved, shift * rate, unit, durations[segment["track_id"]])
            if not after.varies or abs(shift) < LOCK_PRECISION_S:
                break
        locked.append(moved)
    return locked


def _moved(
    segment: Mapping[str, Any], source_shift: float, unit: float, duration: float
) -> dict[str, Any]:
    """The segment played `source_shift` seconds of source earlier (its span kept).

    Where the track has no room for that, one grid unit (a bar) the other way lands on the
    grid as well; with room for neither the plan's cut stays.
    """
    for shift in (source_shift, source_shift - unit, source_shift + unit):
        start = segment["source_start_s"] - shift
        end = segment["source_end_s"] - shift
        if start >= 0.0 and end <= duration + CUT_OVERSHOOT_S:
            return {**segment, "source_start_s": start, "source_end_s": end}
    return dict(segment)


def _slots(
    segments: Sequence[Mapping[str, Any]],
    timed: Sequence[tuple[Mapping[str, Any], TimeMap]],
    sample_rate: int,
) -> list[_Slot]:
    # Start and end are rounded independently, so neighbours agree on every shared boundary.
    return [
        _Slot(
            segment=segment,
            track_id=entry["track_id"],
            time_map=time_map,
            bpm=entry["bpm"],
            start=round(entry["start_s"] * sample_rate),
            end=round(entry["end_s"] * sample_rate),
        )
        for segment, (entry, time_map) in zip(segments, timed, strict=True)
    ]


def _transitions(plan: Mapping[str, Any], slots: Sequence[_Slot]) -> list[_Transition | None]:
    """The hand-over into each segment (None for the first), in output samples."""
    segments = plan["segments"]
    result: list[_Transition | None] = [None]
    for index in range(1, len(slots)):
        spec = segments[index].get("transition_in") or {"type": "cut", "beats": 0}
        kind = spec["type"]
        if kind not in TRANSITION_TYPES:
            raise MixPlanError(f"Unknown transition type {kind!r}.", code="UNKNOWN_TRANSITION")
        start, end = slots[index].start, slots[index - 1].end
        if end <= start:
            kind = "cut"  # a hand-over with no overlap (0 beats) is a cut, whatever its name
        tempo = hand_over(spec, slots[index - 1].bpm, slots[index].bpm)
        result.append(
            _Transition(
                kind=kind, start=start, end=max(end, start), beats=spec["beats"], tempo=tempo
            )
        )
    return result


# --- 2. stretch ----------------------------------------------------------------------------


def stretch_segment(
    samples: np.ndarray,
    sample_rate: int,
    *,
    source_start_s: float,
    length: int,
    ratio: float,
    semitones: float,
    pad: int,
) -> np.ndarray:
    """`length` output frames from source_start_s, sped up by `ratio`, shifted, `pad` each side."""
    start = round(source_start_s * sample_rate)
    if ratio == 1.0 and semitones == 0:
        return _window(samples, start - pad, length + 2 * pad)
    # Only the segment's span (and its pre/post-roll) is stretched: far cheaper than the track.
    source_pad = math.ceil(pad * ratio) + STRETCH_GUARD
    chunk = _window(samples, start - source_pad, math.ceil(length * ratio) + 2 * source_pad)
    stretched = rubber_band(chunk, sample_rate, ratio=ratio, semitones=semitones)
    # Frame k of the chunk lands on frame k / ratio of the output (measured within 2 ms).
    return _window(stretched, round(source_pad / ratio) - pad, length + 2 * pad)


def stretch_varying(
    samples: np.ndarray,
    sample_rate: int,
    *,
    time_map: TimeMap,
    start: int,
    length: int,
    semitones: float,
    pad: int,
) -> np.ndarray:
    """Output frames [start − pad, start + length + pad) of a segment whose rate changes.

    One Rubber Band pass over the span, its speed changing every RATE_BLOCK input frames, so
    phases run on through every change. Each block's rate is the time map's exact average over
    it, so the stretched source meets the map at every block edge (under 0.1 ms between them
    on a 16-beat ramp).
    """
    lo = math.floor(float(time_map.to_source((start - pad) / sample_rate)) * sample_rate)
    hi = math.ceil(float(time_map.to_source((start + length + pad) / sample_rate)) * sample_rate)
    first = lo - STRETCH_GUARD
    chunk = _window(samples, first, hi - lo + 2 * STRETCH_GUARD)
    edges = np.append(np.arange(0, chunk.shape[1], RATE_BLOCK), chunk.shape[1])
    # Output seconds of every block edge, then each block's rate: its source over its output.
    edge_out = np.asarray(time_map.to_output((first + edges) / sample_rate), dtype=np.float64)
    block_rates = np.diff(edges) / (np.diff(edge_out) * sample_rate)
    rates = np.repeat(block_rates, np.diff(edges))
    stretched = rubber_band(chunk, sample_rate, ratio=rates, semitones=semitones)
    # Where chunk frame k lands: the output frames of the frames before it, summed.
    landed = np.concatenate([[0.0], np.cumsum(1.0 / rates)])
    body = time_map.to_source((start - pad) / sample_rate) * sample_rate - first
    return _window(
        stretched, round(float(np.interp(body, np.arange(landed.size), landed))), length + 2 * pad
    )


def rubber_band(
    samples: np.ndarray,
    sample_rate: int,
    *,
    ratio: float | np.ndarray,
    semitones: float = 0.0,
) -> np.ndarray:
    """Time-stretch and pitch-shift with Rubber Band R2, in two bands split at 400 Hz.

    `ratio` is one speed, or a speed per input frame that changes at most every RATE_BLOCK
    frames on the block grid, so both bands change speed at the same moments.
    """
    # Measured on pedalboard 0.9 (Rubber Band 3): R2's crisp and mixed modes reset phases at
    # every drum hit in the bins under 150 Hz, so a sustained bass follows the input's phase —
    # it comes out detuned by the stretch ratio and ignores pitch shifts. Smooth mode keeps it in
    # tune but smears attacks. R3 keeps pitch but is 3× slower and drifts off the beat grid
    # (~70 ms over a minute). So: the band under 400 Hz goes through smooth mode at an eighth of
    # the rate (cheap), its envelope restored; the rest through mixed mode, which leaves
    # 150 Hz–1 kHz unreset (coherent with the low band across the crossover) and resets above.
    low_rate = sample_rate / LOW_BAND_DECIMATION
    low = scipy.signal.sosfiltfilt(
        _split_sos(low_rate),
        scipy.signal.resample_poly(samples, 1, LOW_BAND_DECIMATION, axis=-1),
        axis=-1,
    ).astype(np.float32)
    high = samples - _upsampled(low, samples.shape[1])  # exact complement: low + high == input
    low_ratio = _decimated(ratio, low.shape[1]) if isinstance(ratio, np.ndarray) else ratio
    stretched_low = _time_stretch(
        low, low_rate, ratio=low_ratio, semitones=semitones, mode="smooth"
    )
    stretched_low = restore_envelope(stretched_low, low, low_rate, ratio=low_ratio)
    stretched_high = _time_stretch(
        high, sample_rate, ratio=ratio, semitones=semitones, mode="mixed"
    )
    return stretched_high + _upsampled(stretched_low, stretched_high.shape[1])


def _decimated(ratio: np.ndarray, length: int) -> np.ndarray:
    """A per-frame speed at an eighth of the rate (its blocks stay whole: 1024 frames each)."""
    low = ratio[::LOW_BAND_DECIMATION][:length]
    return np.pad(low, (0, length - low.size), mode="edge")


def _time_stretch(
    samples: np.ndarray,
    sample_rate: float,
    *,
    ratio: float | np.ndarray,
    semitones: float,
    mode: str,
) -> np.ndarray:
    """One Rubber Band R2 pass in the given transient mode."""
    return pedalboard.time_stretch(
        samples,
        float(sample_rate),
        stretch_factor=ratio.astype(np.float64) if isinstance(ratio, np.ndarray) else ratio,
        pitch_shift_in_semitones=float(semitones),
        high_quality=False,
        transient_mode=mode,
        preserve_formants=False,  # a DJ key shift moves the whole mix, timbre included
    )


def restore_envelope(
    stretched: np.ndarray, source: np.ndarray, sample_rate: float, *, ratio: float | np.ndarray
) -> np.ndarray:
    """Pull a stretched signal's envelope back to its source's: no pre-echo, sharp attacks."""
    # Without phase resets a kick's energy leaks up to half an FFT window ahead of it and its
    # attack flattens. The source's envelope, moved onto the output's time axis, says how loud
    # each moment should be; within ±3 dB nothing is touched, so sustained notes stay as they are.
    before = _envelope(source, sample_rate)
    after = _envelope(stretched, sample_rate)
    if isinstance(ratio, np.ndarray):
        # Input frame k lands on the output frames of the frames before it, summed.
        landed = np.concatenate([[0.0], np.cumsum(1.0 / ratio)])[: before.size]
        expected = np.interp(np.arange(after.size), landed, before)
    else:
        expected = np.interp(np.arange(after.size) * ratio, np.arange(before.size), before)
    excess = expected / np.maximum(after, 1e-9)
    gain = np.where(
        excess < 1 / ENVELOPE_DEADBAND,
        excess * ENVELOPE_DEADBAND,
        np.where(
            excess > ENVELOPE_DEADBAND,
            np.minimum(MAX_ATTACK_BOOST, excess / ENVELOPE_DEADBAND),
            1.0,
        ),
    )
    width = max(1, round(GAIN_SMOOTH_S * sample_rate))
    gain = scipy.ndimage.uniform_filter1d(gain, width, mode="nearest")
    return (stretched * gain.astype(np.float32)).astype(np.float32)


def _envelope(x: np.ndarray, sample_rate: float) -> np.ndarray:
    """Amplitude envelope (analytic signal, loudest channel), smoothed over a couple of ms."""
    n = x.shape[-1]
    analytic = scipy.signal.hilbert(x, N=scipy.fft.next_fast_len(n), axis=-1)[..., :n]
    magnitude = np.abs(analytic).max(axis=0)
    width = max(1, round(ENVELOPE_SMOOTH_S * sample_rate))
    return scipy.ndimage.uniform_filter1d(magnitude, width, mode="nearest")


@lru_cache(maxsize=8)
def _split_sos(sample_rate: float) -> np.ndarray:
    # 4th order run forwards and backwards: zero phase, −48 dB/octave, so the mixed-mode band
    # holds almost nothing under 150 Hz where mixed mode resets phases.
    return scipy.signal.butter(4, STRETCH_SPLIT_HZ, btype="lowpass", fs=sample_rate, output="sos")


def _upsampled(low: np.ndarray, length: int) -> np.ndarray:
    """A decimated low band back at the full rate, `length` frames (resample_poly adds no delay)."""
    full = scipy.signal.resample_poly(low, LOW_BAND_DECIMATION, 1, axis=-1)
    return _window(full, 0, length)


def _stretch_all(
    slots: Sequence[_Slot],
    tracks: Mapping[str, TrackAudio],
    *,
    pad: int,
    workers: int,
    report: Progress,
) -> list[np.ndarray]:
    """Every segment's stretched body with its pre/post-roll, `workers` segments at a time."""

    def one(slot: _Slot) -> np.ndarray:
        track = tracks[slot.track_id]
        if slot.time_map.varies:
            return stretch_varying(
                _stereo(track.samples),
                track.sample_rate,
                time_map=slot.time_map,
                start=slot.start,
                length=slot.length,
                semitones=float(slot.segment.get("pitch_semitones") or 0.0),
                pad=pad,
            )
        return stretch_segment(
            _stereo(track.samples),
            track.sample_rate,
            source_start_s=slot.segment["source_start_s"],
            length=slot.length,
            ratio=slot.time_map.stretch,
            semitones=float(slot.segment.get("pitch_semitones") or 0.0),
            pad=pad,
        )

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(one, slot) for slot in slots]
        bodies = []
        for done, future in enumerate(futures, start=1):
            bodies.append(future.result())
            report(
                "stretch", 5 + 55 * done / len(futures), f"Stretched segment {done}/{len(futures)}"
            )
    return bodies


# --- 3. loudness -----------------------------------------------------------------------------


def match_loudness(
    body: np.ndarray,
    sample_rate: int,
    *,
    pad: int,
    target_lufs: float = MATCH_LUFS,
    gain_db: float = 0.0,
) -> np.ndarray:
    """Scale a padded segment so its body reads target_lufs, then add the plan's gain_db."""
    lufs = integrated_loudness(body[:, pad : body.shape[1] - pad], sample_rate)
    match_db = (
        0.0
        if lufs is None
        else float(np.clip(target_lufs - lufs, -MAX_MATCH_GAIN_DB, MAX_MATCH_GAIN_DB))
    )
    return (body * np.float32(10.0 ** ((match_db + gain_db) / 20.0))).astype(np.float32)


# --- 4. EQ and effects -----------------------------------------------------------------------


def apply_eq(
    samples: np.ndarray,
    sample_rate: int,
    *,
    low_db: float = 0.0,
    mid_db: float = 0.0,
    high_db: float = 0.0,
) -> np.ndarray:
    """DJ-mixer EQ: low shelf at 150 Hz, mid peak at 1 kHz, high shelf at 6 kHz."""
    bands: list[pedalboard.Plugin] = []
    if low_db:
        bands.append(pedalboard.LowShelfFilter(LOW_SHELF_HZ, float(low_db), EQ_Q))
    if mid_db:
        bands.append(pedalboard.PeakFilter(MID_PEAK_HZ, float(mid_db), EQ_Q))
    if high_db:
        bands.append(pedalboard.HighShelfFilter(HIGH_SHELF_HZ, float(high_db), EQ_Q))
    if not bands:
        return samples
    return pedalboard.Pedalboard(bands)(samples, float(sample_rate))


def apply_effects(
    samples: np.ndarray,
    sample_rate: int,
    *,
    beat_s: float,
    reverb: float = 0.0,
    echo: float = 0.0,
) -> np.ndarray:
    """Reverb and tempo-synced echo as sends (0..1) added to the untouched dry signal."""
    out = samples
    if reverb > 0:
        wet = pedalboard.Reverb(room_size=REVERB_ROOM, wet_level=1.0, dry_level=0.0)(
            samples, float(sample_rate)
        )
        out = out + np.float32(reverb * REVERB_SEND) * wet
    if echo > 0:
        delay = pedalboard.Delay(
            delay_seconds=ECHO_DELAY_BEATS * beat_s, feedback=ECHO_FEEDBACK, mix=1.0
        )
        out = out + np.float32(echo * ECHO_SEND) * delay(samples, float(sample_rate))
    return out.astype(np.float32, copy=False)


def _eq_gains(segment: Mapping[str, Any]) -> dict[str, float]:
    eq = segment.get("eq") or {}
    return {key: float(eq.get(key) or 0.0) for key in ("low_db", "mid_db", "high_db")}


def _effect_amounts(segment: Mapping[str, Any]) -> dict[str, float]:
    effects = segment.get("effects") or {}
    return {key: float(np.clip(effects.get(key) or 0.0, 0.0, 1.0)) for key in ("reverb", "echo")}


# --- 5. transitions --------------------------------------------------------------------------


def shape_transitions(
    samples: np.ndarray,
    *,
    offset: int,
    body_span: tuple[int, int],
    incoming: _Transition | None,
    outgoing: _Transition | None,
    sample_rate: int,
) -> np.ndarray:
    """Fade one segment in and out by its transitions; `offset` is the output frame of sample 0."""
    y = samples
    if outgoing is not None and outgoing.kind == "echo_out":
        # The echo tail rings on past the segment's end, over the incoming one.
        tail_end = outgoing.end + round(ECHO_OUT_TAIL_BEATS * outgoing.end_beat_s * sample_rate)
        y = np.pad(y, ((0, 0), (0, max(0, tail_end - offset - y.shape[1]))))
    dry = y
    # Sweeps first, gains after: the gains then leave exact silence outside the segment.
    if incoming is not None and incoming.kind == "filter_sweep":
        y = _sweep(
            y,
            start=incoming.start - offset,
            stop=incoming.end - offset,
            sample_rate=sample_rate,
            opening=True,
        )
    if outgoing is not None and outgoing.kind == "filter_sweep":
        y = _sweep(
            y,
            start=outgoing.start - offset,
            stop=outgoing.end - offset,
            sample_rate=sample_rate,
            opening=False,
        )

    n = y.shape[1]
    g_low, g_high = np.ones(n, np.float32), np.ones(n, np.float32)
    declick = round(DECLICK_S * sample_rate)
    start, end = body_span[0] - offset, body_span[1] - offset
    _fade_side(g_low, g_high, incoming, edge=start, offset=offset, declick=declick, rising=True)
    _fade_side(g_low, g_high, outgoing, edge=end, offset=offset, declick=declick, rising=False)
    out = _band_gains(y, g_low, g_high, sample_rate)

    if outgoing is not None and outgoing.kind == "echo_out":
        out += _echo_tail(dry, outgoing, offset=offset, sample_rate=sample_rate)
    return out


def _fade_side(
    g_low: np.ndarray,
    g_high: np.ndarray,
    transition: _Transition | None,
    *,
    edge: int,
    offset: int,
    declick: int,
    rising: bool,
) -> None:
    """Write one side's gain curves (low and high band) into g_low and g_high, in place."""
    if transition is None or transition.kind == "cut":
        # A few-ms declick inside the segment's own body: the source may have nothing beyond
        # it (a cut at a track's first frame), and a 5 ms dip is inaudible where a step clicks.
        span = (edge, edge + declick) if rising else (edge - declick, edge)
        for g in (g_low, g_high):
            _fade(g, *span, rising=rising)
        return
    start, end = transition.start - offset, transition.end - offset
    if transition.kind in ("crossfade", "echo_out"):
        for g in (g_low, g_high):
            _fade(g, start, end, rising=rising)
    elif transition.kind == "bass_swap":
        swap, ramp = _swap_point(transition)
        _fade(g_high, start, end, rising=rising)
        _fade(g_low, swap - offset - ramp, swap - offset, rising=rising)
    else:  # filter_sweep: the sweep masks hand over; the gains only silence outside the overlap
        span = (start, start + declick) if rising else (end - declick, end)
        for g in (g_low, g_high):
            _fade(g, *span, rising=rising)


def _fade(gain: np.ndarray, start: int, stop: int, *, rising: bool) -> None:
    """Multiply by an equal-power ramp over [start, stop) and silence the side beyond it."""
    n = gain.size
    span = max(stop - start, 1)
    lo, hi = min(max(start, 0), n), min(max(stop, 0), n)
    if hi > lo:
        # Sampled at frame centres, so a rising and a falling ramp sum to exactly unit power.
        phase = 0.5 * np.pi * (np.arange(lo, hi) - start + 0.5) / span
        gain[lo:hi] *= (np.sin(phase) if rising else np.cos(phase)).astype(np.float32)
    if rising:
        gain[:lo] = 0.0
    else:
        gain[hi:] = 0.0


def _swap_point(transition: _Transition) -> tuple[int, int]:
    """bass_swap's hand-over frame (the middle beat) and the length of its ramp, in frames."""
    beat = (transition.end - transition.start) / transition.beats
    # On a beat, so the incoming kick lands whole and the outgoing one is already gone.
    middle = math.floor(transition.beats / 2) if transition.beats >= 2 else transition.beats / 2
    tempo = transition.tempo
    if not tempo.steady:
        # Beats are uneven on a ramp: the middle beat is where the tempo curve has counted it.
        frames_per_s = (transition.end - transition.start) / tempo.seconds
        at = tempo.seconds_at_beat(middle)
        beat = 60.0 / tempo.bpm_at(at) * frames_per_s
        return transition.start + round(at * frames_per_s), max(
            1, round(BASS_SWAP_RAMP_BEATS * beat)
        )
    return transition.start + round(middle * beat), max(1, round(BASS_SWAP_RAMP_BEATS * beat))


def _band_gains(
    y: np.ndarray, g_low: np.ndarray, g_high: np.ndarray, sample_rate: int
) -> np.ndarray:
    """Apply separate gains below and above the crossover: g_low·low + g_high·high."""
    out = y * g_high
    differs = np.flatnonzero(g_low != g_high)
    if differs.size:
        # low + high == y exactly (high is y − low), so only frames where the gains differ need
        # the split; the margin keeps filtfilt's edge transients out of them.
        margin = sample_rate // 4
        lo, hi = max(differs[0] - margin, 0), min(differs[-1] + 1 + margin, y.shape[1])
        low = scipy.signal.sosfiltfilt(_crossover_sos(sample_rate), y[:, lo:hi], axis=-1)
        out[:, lo:hi] += ((g_low[lo:hi] - g_high[lo:hi]) * low).astype(np.float32)
    return out


@lru_cache(maxsize=8)
def _crossover_sos(sample_rate: int) -> np.ndarray:
    # A 2nd-order Butterworth run forwards and backwards: a zero-phase Linkwitz-Riley (LR4)
    # magnitude, whose complement y − low is the matching LR4 high-pass, with no phase error.
    return scipy.signal.butter(2, CROSSOVER_HZ, btype="lowpass", fs=sample_rate, output="sos")


def _sweep(y: np.ndarray, *, start: int, stop: int, sample_rate: int, opening: bool) -> np.ndarray:
    """Low-pass opening (incoming) or high-pass rising (outgoing) over [start, stop)."""
    lo, hi = max(start - SWEEP_N_FFT, 0), min(stop + SWEEP_N_FFT, y.shape[1])
    if hi <= lo:
        return y
    # A time-varying mask in the STFT: overlap-add glides between frames, so the moving filter
    # never zips or clicks, and frames whose mask is 1 reconstruct the input exactly.
    stft = {
        "fs": sample_rate,
        "window": "hann",
        "nperseg": SWEEP_N_FFT,
        "noverlap": SWEEP_N_FFT - SWEEP_HOP,
    }
    freqs, _times, spectrum = scipy.signal.stft(y[:, lo:hi], **stft)
    centres = lo + SWEEP_HOP * np.arange(spectrum.shape[-1])
    u = np.clip((centres - start) / max(stop - start, 1), 0.0, 1.0)
    cutoff = SWEEP_LOW_HZ * (SWEEP_HIGH_HZ / SWEEP_LOW_HZ) ** u
    ratio = (freqs[:, None] / cutoff) ** SWEEP_ORDER
    lowpass = 1.0 / np.sqrt(1.0 + ratio**2)
    # Butterworth low- and high-pass at the same cutoff are power-complementary: incoming and
    # outgoing sum to constant power at every frequency throughout the sweep.
    if opening:
        mask = np.where(centres >= stop, 1.0, lowpass)
    else:
        mask = np.where(centres < start, 1.0, ratio * lowpass)
    _times, filtered = scipy.signal.istft(spectrum * mask.astype(np.float32), **stft)
    out = y.copy()
    out[:, lo:hi] = filtered[:, : hi - lo]
    return out


def _echo_tail(
    dry: np.ndarray, transition: _Transition, *, offset: int, sample_rate: int
) -> np.ndarray:
    """echo_out's wet part: the overlap's last quarter through a tempo-synced feedback delay."""
    beat_s = transition.end_beat_s
    start, end = transition.start - offset, transition.end - offset
    n = dry.shape[1]
    tail_end = min(end + round(ECHO_OUT_TAIL_BEATS * beat_s * sample_rate), n)
    beat = round(beat_s * sample_rate)
    # The echo catches the overlap's last quarter (at least a beat) at full level, before the
    # dry part has faded: what a DJ does by hitting echo on the last bar and pulling the fader.
    capture = end - max(beat, (end - start) // 4)
    send = np.ones(n, np.float32)
    _fade(send, capture - beat // 8, capture, rising=True)
    _fade(send, end - round(DECLICK_S * sample_rate), end, rising=False)
    lo = max(capture - beat // 8, 0)
    delay = pedalboard.Delay(
        delay_seconds=ECHO_DELAY_BEATS * beat_s, feedback=ECHO_OUT_FEEDBACK, mix=1.0
    )
    wet = np.zeros_like(dry)
    wet[:, lo:tail_end] = delay(dry[:, lo:tail_end] * send[lo:tail_end], float(sample_rate))
    fade = np.ones(n, np.float32)
    _fade(
        fade,
        tail_end - round(ECHO_OUT_TAIL_FADE_BEATS * beat_s * sample_rate),
        tail_end,
        rising=False,
    )
    return (ECHO_OUT_LEVEL * wet * fade).astype(np.float32)


# --- checks and helpers ----------------------------------------------------------------------


def _check_plan(plan: Mapping[str, Any], tracks: Mapping[str, TrackAudio]) -> int:
    """The render rate; refuses plans without segments, with missing tracks or bad tempi."""
    sample_rate, target_bpm = plan["target"]["sample_rate"], plan["target"]["bpm"]
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate < 8000:
        raise MixPlanError(f"Cannot render at {sample_rate!r} Hz.", code="BAD_SAMPLE_RATE")
    stretch_ratio(target_bpm, target_bpm)  # refuses a target that is not a positive BPM
    if not plan["segments"]:
        raise MixPlanError("The plan has no segments.", code="EMPTY_PLAN")
    for segment in plan["segments"]:
        track = tracks.get(segment["track_id"])
        if track is None:
            raise MixPlanError(
                f"Segment {segment['id']} uses an unknown track.", code="UNKNOWN_TRACK"
            )
        if segment.get("bpm") is not None:
            stretch_ratio(segment["bpm"], segment["bpm"])  # refuses a tempo that is not a BPM
        if track.sample_rate != sample_rate:
            raise MixPlanError(
                f"Track {segment['track_id']} is at {track.sample_rate} Hz; the mix renders at "
                f"{sample_rate} Hz.",
                code="SAMPLE_RATE_MISMATCH",
            )
    return sample_rate


def _check_fit(
    slots: Sequence[_Slot],
    transitions: Sequence[_Transition | None],
    tracks: Mapping[str, TrackAudio],
) -> None:
    """Refuse cut points outside their track and transitions longer than their segments."""
    for index, slot in enumerate(slots):
        track = tracks[slot.track_id]
        duration = np.shape(track.samples)[-1] / track.sample_rate
        start, end = slot.segment["source_start_s"], slot.segment["source_end_s"]
        if not (0.0 <= start < end <= duration + CUT_OVERSHOOT_S):
            raise MixPlanError(
                f"Segment {slot.segment['id']} cuts {start:.2f}–{end:.2f} s from a "
                f"{duration:.2f} s track.",
                code="CUT_OUTSIDE_TRACK",
            )
        into, out_of = (
            transitions[index],
            transitions[index + 1] if index + 1 < len(slots) else None,
        )
        overlap = sum(t.end - t.start for t in (into, out_of) if t is not None)
        if overlap > slot.length:
            raise MixPlanError(
                f"The transitions of segment {slot.segment['id']} are longer than the segment.",
                code="TRANSITION_TOO_LONG",
            )


def _stereo(samples: np.ndarray) -> np.ndarray:
    """(2, frames) float32; a mono track plays on both sides."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        x = x[np.newaxis]
    if x.ndim != 2 or x.shape[0] not in (1, 2):
        raise MixPlanError(
            f"Track audio must be shaped (2, frames), got {x.shape}.", code="INVALID_SAMPLES"
        )
    return np.repeat(x, 2, axis=0) if x.shape[0] == 1 else x


def _window(samples: np.ndarray, start: int, length: int) -> np.ndarray:
    """Frames [start, start + length) as a new float32 array, silent where outside the input."""
    out = np.zeros((samples.shape[0], length), dtype=np.float32)
    lo, hi = max(start, 0), min(start + length, samples.shape[1])
    if hi > lo:
        out[:, lo - start : hi - start] = samples[:, lo:hi]
    return out
