"""Mastering (DESIGN §6): EQ, glue compression and true-peak limiting to a loudness target.

`master(mix, sample_rate, target_lufs=-14, ceiling_db=-1)` reads top to bottom:

1. EQ: a 20 Hz subsonic high-pass (DC and rumble only cost limiter headroom), a 19 kHz
   low-pass (see AIR_LOWPASS_HZ) and, when a reference track is given, a linear-phase FIR
   that moves the mix's average tonal balance towards the reference's, in the spirit of
   Matchering: the difference of their mean 1/3-octave band levels, smoothed across bands,
   clamped to ±`max_match_db` and level-neutral.
2. Glue: pedalboard's Compressor at 2:1 with a 30 ms attack, threshold 3 dB above the mix's
   integrated loudness, stereo-linked (see `_glue`).
3. Loudness and limiting: a gain and a look-ahead brickwall limiter working on the 4×
   oversampled (true-peak) envelope, searched together until the integrated loudness is
   within LUFS_AIM_LU of the target with the true peak at most `ceiling_db − margin`; then
   measured on the real output with `loudness`, and searched again if the meter disagrees.

The margin is for lossy delivery: a 320 kbps MP3 of a limited master decodes with peaks above
the master's, the more so the denser the limiting. Measured on synthetic drums and music at
44.1/48 kHz (after the 19 kHz low-pass), the overshoot was typically 0.1–0.4 dB at a PLR
(ceiling − LUFS) of 13 dB and 0.3–0.7 dB at 8–10 dB, with outliers to 0.9 dB on sparse,
hard-limited drums. `ceiling_margin_db=None` picks `auto_margin_db`: 0.5 dB at a PLR of 13 dB
or more, 0.1 dB more per dB less, at most 1.2 dB. No fixed margin covers every track, so QA
measures the decoded MP3 and `qa.suggest_correction` asks for more when one needs it.

Why not pedalboard's Limiter (JUCE's dsp::Limiter): it works on sample peaks and adds make-up
gain, so its threshold is no output ceiling. Fed drums 11 dB over full scale, its output sat
at 0 dBFS sample peak with inter-sample peaks of +3.6 dBTP (threshold −1 dB) and +5.4 dBTP
(threshold −6 dB); a sine at fs/4 with −3 dBFS samples came out under −1 dBFS sample peak but
over −1 dBTP.

Spectral similarity (`spectral_similarity`, 0..1) compares tonal balance, not level: each
signal's mean 1/3-octave band levels (25 Hz–16 kHz in dB, from 3 Hz Welch bins pooled over
the channels; empty bands floored 60 dB under the loudest), its mean removed; then the cosine
of the two vectors each extended by one constant component of SIMILARITY_SCALE_DB (s) per
band, (a·b/N + s²) / √((a·a/N + s²)(b·b/N + s²)), clipped at 0. The constant keeps flat (pink)
spectra defined and sets the scale: shapes d dB RMS apart, each with a spread of σ dB RMS,
score 1 − d² / (2(s² + σ²)). Measured: two pink noises 0.999, pink against white 0.58,
noises tilted −1 and +1 dB/octave 0.62; 0.85 means within about 4–5 dB RMS of the
reference's shape for music-like spreads.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pedalboard
import scipy.fft
import scipy.ndimage
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

from intellimix.audio import loudness
from intellimix.audio.errors import AudioError, EmptyAudio, TooManyChannels

# The limiter and the loudness search reuse the meter's own building blocks (package-
# internal): the limiter sees exactly the inter-sample points `true_peak_db` measures, and
# each search step re-weights one K-weighted pass instead of filtering the whole mix again.
from intellimix.audio.loudness import (
    _cumulative_power,
    _gated_loudness,
    _interpolation_matrix,
    _oversample_factor,
    _window_powers,
)

MIN_SECONDS = 0.4  # one BS.1770 gating block: anything shorter has no integrated loudness
SUBSONIC_HZ = 20.0
# A 320 kbps MP3 encoder low-passes near 20 kHz; cutting first, before the limiter, leaves it
# little to change around the peaks. On synthetic drums limited to −1 dBTP at 44.1 kHz the
# decoded MP3's overshoot fell from up to 1.6 dB to at most 0.4 dB.
AIR_LOWPASS_HZ = 19_000.0

# 1/3-octave bands (IEC 61260 base-ten centres 25 Hz … 16 kHz): the top band's upper edge
# (17.8 kHz) stays under the Nyquist frequency of 44.1 kHz audio.
BAND_CENTRES_HZ = tuple(1000.0 * 10.0 ** (k / 10.0) for k in range(-16, 13))
BAND_HALF_WIDTH = 10.0 ** (1.0 / 20.0)  # band edges at centre ÷/× 10^(1/20)
SPECTRUM_RESOLUTION_HZ = 3.0  # bins fine enough that the 25 Hz band (5.8 Hz wide) holds two
SIMILARITY_FLOOR_DB = -60.0  # an empty band counts as this far under the loudest one
SIMILARITY_SCALE_DB = 6.0

MATCH_SMOOTHING = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0  # binomial, ≈ ±1 band
MATCH_FIR_SECONDS = 0.17  # 8161 taps at 48 kHz: ≈ 12 Hz resolution for the lowest bands

GLUE_ATTACK_MS = 30.0  # slow enough that drum transients pass: glue, not peak control
GLUE_RELEASE_MS = 200.0

LOOKAHEAD_S = 0.002  # each of the two smoothing boxes; the gain ramps down over 4 ms
RELEASE_S = 0.12  # time constant of the attenuation's exponential recovery
LIMITER_SAFETY_DB = 0.01  # the limiter aims this far under its ceiling (float rounding)
LUFS_AIM_LU = 0.1  # the search stops this close to the target (the promise is ±0.5)
MAX_SEARCH_STEPS = 16
MAX_VERIFY_ROUNDS = 4
ENVELOPE_ROWS = 4096  # rows per polyphase product: a few hundred kB, stays in cache

AUTO_MARGIN_DB = (0.5, 1.2)  # auto_margin_db's range
AUTO_MARGIN_PLR_DB = 13.0  # PLR from which the smallest margin is enough
AUTO_MARGIN_PER_DB = 0.1


class MasterReport(TypedDict):
    """What `master` did and measured; JSON-ready (None where undefined)."""

    silent: bool  # nothing to measure (silence, under the −70 LUFS gate): no gain applied
    target_reached: bool  # LUFS within ±0.5 of the target and true peak under the ceiling
    target_lufs: float
    ceiling_db: float
    ceiling_margin_db: float  # the margin used (the automatic one when none was given)
    lufs_before: float | None
    lufs_after: float | None
    true_peak_before: float | None
    true_peak_after: float | None
    gain_db: float  # before the limiter
    glue_reduction_max_db: float
    limiter_reduction_max_db: float
    iterations: int  # limiter passes, over every search and verification round
    reference_similarity_before: float | None  # mix vs reference (with a reference only)
    reference_similarity_after: float | None  # master vs reference
    reference_eq_db: dict[str, float] | None  # band centre (Hz, as text) → correction (dB)


@dataclass(frozen=True)
class MasterResult:
    """The mastered audio and what was done to it."""

    samples: np.ndarray  # (channels, frames) float32, same shape and rate as the mix
    report: MasterReport


def master(
    mix: np.ndarray,
    sample_rate: int,
    *,
    target_lufs: float = -14.0,
    ceiling_db: float = -1.0,
    ceiling_margin_db: float | None = None,
    reference: np.ndarray | None = None,
    reference_rate: int | None = None,
    reference_levels_db: np.ndarray | None = None,
    mono_below_hz: float | None = None,
    glue_ratio: float = 2.0,
    glue_threshold_lu: float = 3.0,
    max_match_db: float = 9.0,
    max_gain_db: float = 40.0,
) -> MasterResult:
    """EQ, glue-compress, and bring a mix to `target_lufs` under a true-peak ceiling.

    `reference_levels_db` (1/3-octave levels at BAND_CENTRES_HZ, any offset) stands in for a
    reference signal when the balance to match is a measured curve (a genre target);
    `mono_below_hz` makes everything under that frequency mono (see `mono_bass`).
    """
    x = _checked_signal(mix, "mix")
    _check_rate(sample_rate)
    _check_knobs(target_lufs=target_lufs, ceiling_db=ceiling_db)
    margin = (
        auto_margin_db(target_lufs, ceiling_db) if ceiling_margin_db is None else ceiling_margin_db
    )
    _check_knobs(
        ceiling_margin_db=margin,
        glue_ratio=glue_ratio,
        glue_threshold_lu=glue_threshold_lu,
        max_match_db=max_match_db,
        max_gain_db=max_gain_db,
    )
    if x.shape[1] < MIN_SECONDS * sample_rate:
        raise EmptyAudio(f"Mastering needs at least {MIN_SECONDS:g} s of audio.")
    ref_rate = sample_rate if reference_rate is None else reference_rate
    _check_rate(ref_rate)
    ref_levels = None
    if reference_levels_db is not None:
        ref_levels = np.asarray(reference_levels_db, dtype=np.float64)
        if ref_levels.shape != (len(BAND_CENTRES_HZ),) or not np.isfinite(ref_levels).any():
            raise AudioError(
                "reference_levels_db must hold one level per band.", code="INVALID_PARAMETER"
            )
    elif reference is not None:
        ref_levels = band_levels_db(_checked_signal(reference, "reference"), ref_rate)
        if not np.isfinite(ref_levels).any():
            raise AudioError("The reference track is silent.", code="SILENT_REFERENCE")

    lufs_before = loudness.integrated_loudness(x, sample_rate)
    report = MasterReport(
        silent=lufs_before is None,
        target_reached=False,
        target_lufs=float(target_lufs),
        ceiling_db=float(ceiling_db),
        ceiling_margin_db=round(float(margin), 2),
        lufs_before=_round(lufs_before),
        lufs_after=None,
        true_peak_before=_round(loudness.true_peak_db(x, sample_rate)),
        true_peak_after=None,
        gain_db=0.0,
        glue_reduction_max_db=0.0,
        limiter_reduction_max_db=0.0,
        iterations=0,
        reference_similarity_before=None,
        reference_similarity_after=None,
        reference_eq_db=None,
    )
    if lufs_before is None:
        # Silence, or sound under the −70 LUFS gate: loudness is undefined, so no gain. The
        # limiter still holds the ceiling, in case a lone click sits in the quiet.
        out, reduction = limit_true_peak(x, sample_rate, ceiling_db=ceiling_db - margin)
        report.update(
            {
                "lufs_after": _round(loudness.integrated_loudness(out, sample_rate)),
                "true_peak_after": _round(loudness.true_peak_db(out, sample_rate)),
                "limiter_reduction_max_db": reduction,
                "iterations": 1,
            }
        )
        return MasterResult(out, report)

    y = _band_limit(x, sample_rate)
    if mono_below_hz is not None:
        _check_knobs(mono_below_hz=mono_below_hz)
        y = mono_bass(y, sample_rate, below_hz=mono_below_hz)
    if ref_levels is not None:
        mix_levels = band_levels_db(x, sample_rate)
        eq_db = _match_db(mix_levels, ref_levels, max_db=max_match_db)
        y = _apply_band_curve(y, sample_rate, eq_db)
        report.update(
            {
                "reference_similarity_before": _similarity(mix_levels, ref_levels),
                "reference_eq_db": {
                    f"{hz:.0f}": round(float(db), 2) + 0.0
                    for hz, db in zip(BAND_CENTRES_HZ, eq_db, strict=True)
                    if math.isfinite(db)
                },
            }
        )
    y, glue_db = _glue(
        y, sample_rate, threshold_db=lufs_before + glue_threshold_lu, ratio=glue_ratio
    )
    fit = _fit_loudness(
        y,
        sample_rate,
        target_lufs=target_lufs,
        limit_db=ceiling_db - margin,
        max_gain_db=max_gain_db,
    )
    report.update(
        {
            "target_reached": fit.reached,
            "lufs_after": _round(fit.lufs),
            "true_peak_after": _round(fit.true_peak),
            "gain_db": _round(fit.gain_db) or 0.0,
            "glue_reduction_max_db": _round(glue_db) or 0.0,
            "limiter_reduction_max_db": _round(fit.reduction_db) or 0.0,
            "iterations": fit.iterations,
        }
    )
    if ref_levels is not None:
        after = band_levels_db(fit.samples, sample_rate)
        report["reference_similarity_after"] = _similarity(after, ref_levels)
    return MasterResult(fit.samples, report)


def auto_margin_db(target_lufs: float, ceiling_db: float) -> float:
    """The MP3 safety margin for a target: more as the peak-to-loudness ratio shrinks."""
    plr = ceiling_db - target_lufs
    low, high = AUTO_MARGIN_DB
    return float(np.clip(low + AUTO_MARGIN_PER_DB * (AUTO_MARGIN_PLR_DB - plr), low, high))


# --- EQ -----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _band_limit_sos(sample_rate: int) -> np.ndarray:
    """Second-order sections of the subsonic high-pass and (where it fits) the air low-pass."""
    sections = [scipy.signal.butter(2, SUBSONIC_HZ, btype="highpass", fs=sample_rate, output="sos")]
    if sample_rate * 0.45 > AIR_LOWPASS_HZ:
        sections.append(scipy.signal.butter(8, AIR_LOWPASS_HZ, fs=sample_rate, output="sos"))
    return np.concatenate(sections).astype(np.float32)


def _band_limit(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Remove DC and rumble under SUBSONIC_HZ, and content over AIR_LOWPASS_HZ."""
    # float32 sections keep the output float32: no second copy of the mix.
    return scipy.signal.sosfilt(_band_limit_sos(sample_rate), x, axis=-1).astype(
        np.float32, copy=False
    )


def band_levels_db(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean power per 1/3-octave band (BAND_CENTRES_HZ) in dB; NaN for bands past Nyquist."""
    x = _checked_signal(samples, "samples")
    _check_rate(sample_rate)
    size = min(1 << math.ceil(math.log2(sample_rate / SPECTRUM_RESOLUTION_HZ)), x.shape[1])
    # Welch's average of Hann-windowed periodograms without overlap (a long track still
    # averages hundreds), pooled over the channels: a mid (L+R) spectrum would lose
    # out-of-phase content. Scaled so the bins sum to the mean square.
    segments = x[:, : x.shape[1] // size * size].reshape(-1, size)
    window = np.hanning(size + 1)[:-1].astype(np.float32)  # periodic Hann
    spectrum = np.abs(scipy.fft.rfft(segments * window, axis=-1)) ** 2
    power = spectrum.mean(axis=0) * 2.0 / (size * float(window @ window))
    freqs = np.fft.rfftfreq(size, 1.0 / sample_rate)
    cumulative = np.concatenate([[0.0], np.cumsum(power, dtype=np.float64)])
    centres = np.asarray(BAND_CENTRES_HZ)
    lo = np.searchsorted(freqs, centres / BAND_HALF_WIDTH)
    hi = np.searchsorted(freqs, centres * BAND_HALF_WIDTH)
    with np.errstate(divide="ignore"):
        levels = 10.0 * np.log10(np.maximum(cumulative[hi] - cumulative[lo], 0.0))
    levels[centres * BAND_HALF_WIDTH > sample_rate / 2] = np.nan
    return levels


def spectral_similarity(
    a: np.ndarray, b: np.ndarray, rate: int, *, rate_b: int | None = None
) -> float:
    """How alike a's and b's tonal balances are, 0..1 (definition in the module docstring)."""
    return _similarity(
        band_levels_db(a, rate), band_levels_db(b, rate if rate_b is None else rate_b)
    )


def _similarity(levels_a: np.ndarray, levels_b: np.ndarray) -> float:
    usable = ~(np.isnan(levels_a) | np.isnan(levels_b))  # under both Nyquist frequencies
    if not (np.isfinite(levels_a[usable]).any() and np.isfinite(levels_b[usable]).any()):
        return 0.0  # silence has no tonal balance to share
    shapes = []
    for levels in (levels_a[usable], levels_b[usable]):
        # Empty bands sit at the floor, not at −inf; the mean goes, so the level does not count.
        floored = np.maximum(levels, np.max(levels) + SIMILARITY_FLOOR_DB)
        shapes.append(floored - floored.mean())
    # Cosine of the shapes, each extended by a constant SIMILARITY_SCALE_DB per band: the
    # constant keeps flat spectra (pink noise) defined and sets the scale.
    scale = SIMILARITY_SCALE_DB**2
    a, b = shapes
    cosine = (float(np.mean(a * b)) + scale) / math.sqrt(
        (float(np.mean(a * a)) + scale) * (float(np.mean(b * b)) + scale)
    )
    return round(max(0.0, cosine), 4)


def _relative(levels: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Band levels relative to the total power of the usable bands (−inf throughout if silent)."""
    total = float(np.sum(10.0 ** (levels[usable] / 10.0)))
    return levels - (10.0 * math.log10(total) if total > 0 else math.inf)


def match_curve_db(
    mix: np.ndarray,
    sample_rate: int,
    reference: np.ndarray,
    reference_rate: int,
    *,
    max_db: float = 9.0,
) -> np.ndarray:
    """Per-band EQ in dB (BAND_CENTRES_HZ; NaN past a Nyquist) towards the reference's balance."""
    return _match_db(
        band_levels_db(mix, sample_rate), band_levels_db(reference, reference_rate), max_db=max_db
    )


def _match_db(mix_levels: np.ndarray, ref_levels: np.ndarray, *, max_db: float) -> np.ndarray:
    usable = ~(np.isnan(mix_levels) | np.isnan(ref_levels))
    # Floored: an empty band reads 60 dB under the total instead of −inf, and the clamp
    # bounds how far whatever noise it holds is lifted.
    mix_rel = np.maximum(_relative(mix_levels, usable)[usable], SIMILARITY_FLOOR_DB)
    ref_rel = np.maximum(_relative(ref_levels, usable)[usable], SIMILARITY_FLOOR_DB)
    diff = np.clip(_smooth_bands(ref_rel - mix_rel), -max_db, max_db)
    # Level-neutral: the EQ changes the balance, not the mix's power (which would only move
    # the glue compressor's working point; the loudness stage sets the level anyway).
    power = 10.0 ** (mix_rel / 10.0)
    offset = 10.0 * math.log10(float(np.sum(power * 10.0 ** (diff / 10.0)) / np.sum(power)))
    curve = np.full(usable.size, np.nan)
    curve[usable] = np.clip(diff - offset, -max_db, max_db)
    return curve


def _smooth_bands(values: np.ndarray) -> np.ndarray:
    """Binomial smoothing across neighbouring bands, edges held (no pull towards zero)."""
    reach = MATCH_SMOOTHING.size // 2
    return np.convolve(np.pad(values, reach, mode="edge"), MATCH_SMOOTHING, mode="valid")


def _fir_taps(sample_rate: int, curve_db: np.ndarray) -> np.ndarray:
    """Linear-phase FIR (firwin2) through the band points, flat beyond the outer bands."""
    usable = np.isfinite(curve_db)
    centres, gains_db = np.asarray(BAND_CENTRES_HZ)[usable], curve_db[usable]
    numtaps = 2 * round(MATCH_FIR_SECONDS * sample_rate / 2) + 1
    freqs = np.r_[0.0, centres, sample_rate / 2]
    gains = 10.0 ** (np.r_[gains_db[0], gains_db, gains_db[-1]] / 20.0)
    return scipy.signal.firwin2(numtaps, freqs, gains, fs=sample_rate, window="hann").astype(
        np.float32
    )


def _apply_band_curve(x: np.ndarray, sample_rate: int, curve_db: np.ndarray) -> np.ndarray:
    """Filter with the curve's linear-phase FIR, its delay removed."""
    taps = _fir_taps(sample_rate, curve_db)
    delay = (taps.size - 1) // 2
    filtered = scipy.signal.oaconvolve(x, taps[np.newaxis, :], mode="full", axes=-1)
    return np.ascontiguousarray(filtered[:, delay : delay + x.shape[1]], dtype=np.float32)


def mono_bass(x: np.ndarray, sample_rate: int, *, below_hz: float) -> np.ndarray:
    """One mono low band under `below_hz` on both channels, its polarity taken from the mix.

    The band is split off with a zero-phase low-pass (so `x − low` is its exact complement and
    nothing above moves). Summed as L + R it would cancel a bass whose channels are out of
    phase — the fault this fixes — so the channels are summed with the sign of their
    correlation: an inverted channel is turned back instead of cancelling the other.
    """
    if x.shape[0] < 2:
        return x
    sos = scipy.signal.butter(2, below_hz, btype="lowpass", fs=sample_rate, output="sos")
    low = scipy.signal.sosfiltfilt(sos, x, axis=-1)
    sign = 1.0 if float(np.dot(low[0], low[1])) >= 0.0 else -1.0
    mono = (low[0] + sign * low[1]) / 2.0
    return (x - low + mono).astype(np.float32)


def match_levels_db(
    mix_levels_db: np.ndarray, target_levels_db: np.ndarray, *, max_db: float = 9.0
) -> np.ndarray:
    """The level-neutral per-band EQ (dB) `master` applies to move one balance to another."""
    return _match_db(
        np.asarray(mix_levels_db, np.float64),
        np.asarray(target_levels_db, np.float64),
        max_db=max_db,
    )


# --- glue compression ---------------------------------------------------------------------


def _glue(
    x: np.ndarray, sample_rate: int, *, threshold_db: float, ratio: float
) -> tuple[np.ndarray, float]:
    """Stereo-linked 2:1 bus compression; returns the signal and its deepest reduction (dB)."""
    if ratio <= 1.0:
        return x, 0.0
    compressor = pedalboard.Compressor(
        threshold_db=threshold_db, ratio=ratio, attack_ms=GLUE_ATTACK_MS, release_ms=GLUE_RELEASE_MS
    )
    # pedalboard compresses each channel on its own envelope, which would move the stereo
    # image. Fed the channels' peak as one signal, it computes the linked gain instead:
    # output / input is exactly that gain wherever the key is non-zero, and where it is zero
    # every channel is zero, so any gain will do there.
    # Channel by channel and in place: an hour's mix is 1.4 GB, and abs(x) of all of it, a
    # quotient and a where() beside it would each be another half or whole copy.
    key = np.abs(x[:1])
    for channel in x[1:]:
        np.maximum(key[0], np.abs(channel), out=key[0])
    gain = compressor(key, sample_rate)
    np.divide(gain, key, out=gain, where=key > 0)
    gain[key == 0] = 1.0
    del key
    reduction = -20.0 * math.log10(max(float(gain.min()), 1e-12))
    return x * gain, max(0.0, reduction)


# --- true-peak limiting and the loudness search -------------------------------------------
#
# The limiter's gain is computed on a control grid of `block` frames (≈ 3 kHz; the block
# divides BS.1770's 100 ms hop, so the loudness model's windows fall exactly on its edges):
# each block's envelope is the loudest true-peak point inside it, and the per-frame gain is a
# line between block edges that never rises above either neighbouring block's. The search
# therefore costs a few array passes over ~3000 values per second instead of 48000.


@dataclass(frozen=True)
class _Envelope:
    """Per control block, the loudest channel's highest true-peak point (dB)."""

    peaks_db: np.ndarray
    block: int  # frames per control block
    frames: int
    control_rate: int  # blocks per second


def _block_size(sample_rate: int) -> int:
    """The largest block ≤ 16 frames dividing the 100 ms loudness hop (1 when none does)."""
    hop = loudness.BLOCK_HOP_S * sample_rate
    if abs(hop - round(hop)) > 1e-9:
        return 1
    return max(d for d in range(1, 17) if round(hop) % d == 0)


def _true_peak_envelope(x: np.ndarray, sample_rate: int) -> _Envelope:
    """The control-block envelope of the 4× interpolated signal, as `true_peak_db` reads it."""
    block = _block_size(sample_rate)
    frames = x.shape[1]
    blocks = -(-frames // block)
    peak = np.zeros(blocks * block, dtype=np.float32)
    np.abs(x).max(axis=0, out=peak[:frames])
    factor = _oversample_factor(sample_rate, loudness.TRUE_PEAK_OVERSAMPLE)
    if factor > 1:
        matrix, first, last = _interpolation_matrix(factor)
        row = matrix.shape[1] // (factor - 1)  # input frames per row of the polyphase product
        rows = -(-frames // row)
        for channel in x:
            padded = np.zeros(rows * row + last - first, dtype=np.float32)
            padded[-first : -first + frames] = channel
            view = sliding_window_view(padded, matrix.shape[0])[::row]
            for start in range(0, rows, ENVELOPE_ROWS):
                between = np.ascontiguousarray(view[start : start + ENVELOPE_ROWS]) @ matrix
                # Points between frame n and n+1 sit together; fold them with elementwise
                # maxima (a reduction over an axis of 3 is many times slower).
                points = np.abs(between).reshape(-1, factor - 1)
                loudest = points[:, 0]
                for phase in range(1, factor - 1):
                    np.maximum(loudest, points[:, phase], out=loudest)
                lo = start * row
                hi = min(lo + loudest.size, frames)
                np.maximum(peak[lo:hi], loudest[: hi - lo], out=peak[lo:hi])
    with np.errstate(divide="ignore"):
        peaks_db = 20.0 * np.log10(peak.reshape(blocks, block).max(axis=1).astype(np.float64))
    return _Envelope(peaks_db, block, frames, round(sample_rate / block))


def true_peak_blocks_db(samples: np.ndarray, sample_rate: int, *, block_s: float) -> np.ndarray:
    """The highest true peak (dBTP) in each `block_s` stretch, from one oversampling pass.

    The limiter's own envelope (the meter's interpolation points), maxed per block; −inf for a
    silent block. Blocks that divide evenly into the control grid are exact.
    """
    x = _checked_signal(samples, "samples")
    _check_rate(sample_rate)
    envelope = _true_peak_envelope(x, sample_rate)
    per = max(1, round(block_s * envelope.control_rate))
    count = -(-envelope.peaks_db.size // per)
    padded = np.full(count * per, -np.inf)
    padded[: envelope.peaks_db.size] = envelope.peaks_db
    return padded.reshape(count, per).max(axis=1)


def _block_attenuation_db(envelope: _Envelope, *, gain_db: float, limit_db: float) -> np.ndarray:
    """Attenuation (dB ≥ 0) per control block keeping gain + envelope − attenuation ≤ limit."""
    box = max(1, round(LOOKAHEAD_S * envelope.control_rate))
    need = np.maximum(envelope.peaks_db + (gain_db - limit_db), 0.0)
    # Look-ahead: each block takes the deepest need of the next 2·box − 1 blocks, so that two
    # trailing box averages of it still meet every block's need (each averaged value covers it).
    held = scipy.ndimage.maximum_filter1d(
        need, size=2 * box - 1, origin=-(box - 1), mode="constant", cval=0.0
    )
    released = _release(held, RELEASE_S * envelope.control_rate)
    return _box_average(_box_average(released, box), box)


def _frame_gains(blocks_db: np.ndarray, envelope: _Envelope, *, gain_db: float) -> np.ndarray:
    """Per-frame linear gain: lines between block edges, each edge the lower neighbour's gain."""
    # An edge takes the deeper attenuation of the two blocks it separates, so every frame of a
    # block gets at least its block's attenuation while the gain moves smoothly (no zipper
    # steps). Interpolating the linear gains keeps that: a mix of two allowed gains is allowed.
    deeper = np.maximum(np.r_[blocks_db[:1], blocks_db], np.r_[blocks_db, blocks_db[-1:]])
    edges = (10.0 ** ((gain_db - deeper) / 20.0)).astype(np.float32)
    ramp = np.arange(envelope.block, dtype=np.float32) / envelope.block
    frames = edges[:-1, np.newaxis] + np.diff(edges)[:, np.newaxis] * ramp
    return frames.ravel()[: envelope.frames]


def _release(attenuation: np.ndarray, time_constant: float) -> np.ndarray:
    """a[n] = max(in[n], a[n−1]·e^(−1/τ)): instant attack, exponential recovery."""
    if not attenuation.any():
        return attenuation
    # In the log domain the recursion is a running maximum of log(in[k]) + k/τ, less n/τ.
    ramp = np.arange(attenuation.size) / time_constant
    with np.errstate(divide="ignore"):
        logs = np.log(attenuation)
    logs += ramp
    np.maximum.accumulate(logs, out=logs)
    logs -= ramp
    return np.exp(logs)


def _box_average(x: np.ndarray, width: int) -> np.ndarray:
    """Mean of the last `width` values; the first value stands in before the start."""
    if width == 1:
        return x
    padded = np.concatenate([np.full(width - 1, x[0]), x])
    cumulative = np.concatenate([[0.0], np.cumsum(padded)])
    return (cumulative[width:] - cumulative[:-width]) / width


def limit_true_peak(
    samples: np.ndarray, sample_rate: int, *, ceiling_db: float, gain_db: float = 0.0
) -> tuple[np.ndarray, float]:
    """Apply a gain, then hold the true peak at or under `ceiling_db`: (audio, max reduction)."""
    x = _checked_signal(samples, "samples")
    _check_rate(sample_rate)
    envelope = _true_peak_envelope(x, sample_rate)
    blocks_db = _block_attenuation_db(
        envelope, gain_db=gain_db, limit_db=ceiling_db - LIMITER_SAFETY_DB
    )
    out = x * _frame_gains(blocks_db, envelope, gain_db=gain_db)
    return out, round(float(blocks_db.max()), 2) + 0.0


class _LoudnessModel:
    """Integrated loudness of y under any per-block gain, from one K-weighting pass."""

    def __init__(self, y: np.ndarray, sample_rate: int, envelope: _Envelope) -> None:
        # The K-weighting filters are linear and short, so for a slowly moving limiter gain
        # K(g·y) ≈ g·K(y): each block's weighted power is re-scaled instead of re-filtered.
        cumulative = _cumulative_power(y, sample_rate)
        edges = np.r_[np.arange(0, envelope.frames, envelope.block), envelope.frames]
        # Mean power per frame of each block (the windows average over blocks, not frames);
        # differences of the running sum can dip a hair below zero.
        self.power = np.maximum(np.diff(cumulative[edges]), 0.0) / envelope.block
        self.control_rate = envelope.control_rate

    def lufs(self, gain_db: np.ndarray | float) -> float | None:
        weighted = self.power * 10.0 ** (np.asarray(gain_db) / 10.0)
        blocks = _window_powers(
            np.concatenate([[0.0], np.cumsum(weighted)]),
            self.control_rate,
            window_s=loudness.MOMENTARY_WINDOW_S,
            hop_s=loudness.BLOCK_HOP_S,
        )
        return _gated_loudness(blocks)


@dataclass(frozen=True)
class _Fit:
    samples: np.ndarray
    gain_db: float
    lufs: float | None
    true_peak: float
    reduction_db: float
    iterations: int
    reached: bool


def _fit_loudness(
    y: np.ndarray, sample_rate: int, *, target_lufs: float, limit_db: float, max_gain_db: float
) -> _Fit:
    """Search the gain whose limited output reads `target_lufs`, then verify on the real output."""
    envelope = _true_peak_envelope(y, sample_rate)
    model = _LoudnessModel(y, sample_rate, envelope)
    # EQ and glue can push a barely audible mix under the gate; start the search at full gain.
    start = model.lufs(0.0) or target_lufs - max_gain_db
    aim, ceiling, steps = target_lufs, limit_db - LIMITER_SAFETY_DB, 0
    for _ in range(MAX_VERIFY_ROUNDS):
        gain, attenuation, used = _search_gain(
            model, envelope, start=start, aim=aim, limit_db=ceiling, max_gain_db=max_gain_db
        )
        steps += used
        out = y * _frame_gains(attenuation, envelope, gain_db=gain)
        lufs = loudness.integrated_loudness(out, sample_rate)
        peak = loudness.true_peak_db(out, sample_rate)
        # The model and the control grid are approximations: correct by what the meter reads.
        over = peak - limit_db
        miss = 0.0 if lufs is None else lufs - target_lufs
        if over <= 0.0 and (abs(miss) <= LUFS_AIM_LU or gain >= max_gain_db):
            break
        if over > 0.0:
            ceiling -= over + LIMITER_SAFETY_DB
        aim -= miss
    return _Fit(
        samples=out,
        gain_db=gain,
        lufs=lufs,
        true_peak=peak,
        reduction_db=float(attenuation.max()),
        iterations=steps,
        reached=lufs is not None and abs(lufs - target_lufs) <= 0.5 and peak <= limit_db,
    )


def _search_gain(
    model: _LoudnessModel,
    envelope: _Envelope,
    *,
    start: float,
    aim: float,
    limit_db: float,
    max_gain_db: float,
) -> tuple[float, np.ndarray, int]:
    """Secant search for the gain whose limited output reads `aim`: (gain, attenuation, steps)."""
    # Limiting only takes level away, so loudness rises with the gain at a slope of at most 1:
    # a gain short of the aim by m needs at least m more, one over it by m at least m less.
    # Those bounds keep every secant step safe.
    gain = min(aim - start, max_gain_db)
    low, high = -math.inf, max_gain_db
    previous: tuple[float, float] | None = None
    for step in range(1, MAX_SEARCH_STEPS + 1):
        attenuation = _block_attenuation_db(envelope, gain_db=gain, limit_db=limit_db)
        lufs = model.lufs(gain - attenuation)
        miss = (-math.inf if lufs is None else lufs) - aim
        if abs(miss) <= LUFS_AIM_LU / 2 or (miss < 0 and gain >= max_gain_db):
            break
        if step == MAX_SEARCH_STEPS:
            break  # keep the gain the attenuation was computed for
        if not math.isfinite(miss):
            low, guess = max_gain_db, max_gain_db  # gated out entirely: only more gain helps
        elif miss < 0:
            low = max(low, gain - miss)
            guess = gain - miss
        else:
            high = min(high, gain - miss)
            guess = gain - miss
        if previous is not None and math.isfinite(miss) and previous[1] != miss:
            guess = gain - miss * (gain - previous[0]) / (miss - previous[1])
        previous = (gain, miss)
        gain = float(np.clip(guess, low, max(low, high)))
    return gain, attenuation, step


# --- checks -------------------------------------------------------------------------------


def _round(value: float | None) -> float | None:
    """A finite value rounded to 0.01; None for None or ±inf."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2) + 0.0


def _checked_signal(samples: np.ndarray, name: str) -> np.ndarray:
    """A finite float32 (channels, frames) array with one or two channels."""
    if not isinstance(samples, np.ndarray) or not np.issubdtype(samples.dtype, np.floating):
        raise AudioError(
            f"The {name} must be a floating-point numpy array.", code="INVALID_SAMPLES"
        )
    if samples.ndim != 2:
        raise AudioError(f"The {name} must be shaped (channels, frames).", code="INVALID_SAMPLES")
    if samples.shape[0] > 2:
        raise TooManyChannels(f"Mastering takes mono or stereo, got {samples.shape[0]} channels.")
    if samples.shape[0] == 0 or samples.shape[1] == 0:
        raise EmptyAudio(f"The {name} has no samples.")
    if not np.isfinite(samples).all():
        raise AudioError(f"The {name} contains NaN or infinite samples.", code="INVALID_SAMPLES")
    return np.ascontiguousarray(samples, dtype=np.float32)


def _check_rate(sample_rate: int) -> None:
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, int | np.integer)
        or sample_rate < 8000
    ):
        raise AudioError(
            "The sample rate must be a whole number of Hz, at least 8000.",
            code="INVALID_SAMPLE_RATE",
        )


# (low, high) accepted for each knob: beyond these a request is a mistake, not a style.
_KNOB_RANGES = {
    "target_lufs": (-40.0, -3.0),
    "ceiling_db": (-12.0, 0.0),
    "ceiling_margin_db": (0.0, 6.0),
    "glue_ratio": (1.0, 10.0),
    "glue_threshold_lu": (-20.0, 20.0),
    "max_match_db": (0.0, 24.0),
    "max_gain_db": (0.0, 60.0),
    "mono_below_hz": (20.0, 300.0),
}


def _check_knobs(**knobs: float) -> None:
    for name, value in knobs.items():
        low, high = _KNOB_RANGES[name]
        if isinstance(value, bool) or not (
            isinstance(value, int | float) and math.isfinite(value) and low <= value <= high
        ):
            raise AudioError(
                f"{name} must be a number from {low:g} to {high:g}.", code="INVALID_PARAMETER"
            )
