"""Loudness and peak metering per ITU-R BS.1770-4 and EBU R128 (Tech 3341, Tech 3342)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pyloudnorm
import scipy.signal
from numpy.lib.stride_tricks import sliding_window_view

from intellimix.audio.errors import AudioError, EmptyAudio, TooManyChannels

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0  # BS.1770-4 integrated loudness
LRA_RELATIVE_GATE_LU = -20.0  # EBU Tech 3342
LRA_PERCENTILES = (10.0, 95.0)
MOMENTARY_WINDOW_S = 0.4
SHORT_TERM_WINDOW_S = 3.0
BLOCK_HOP_S = 0.1  # 75 % overlap of the 400 ms gating block; 10 Hz short-term for LRA

TRUE_PEAK_OVERSAMPLE = 4  # BS.1770-4 Annex 2 at 48 kHz

# BS.1770-4 channel weights in the order L, R, C, Ls, Rs. The engine downmixes anything wider
# to stereo before analysis, so mono and stereo are what matter; six or more channels (where an
# LFE channel's place is ambiguous) are refused. A 1-D signal is one channel: the same signal
# as dual-mono stereo reads 3.01 LU louder, because BS.1770 sums the channels' powers.
_CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)
# BS.1770's constant that makes a 997 Hz sine read its RMS level after K-weighting.
_LUFS_OFFSET = -0.691
# Rows of interpolated points computed per matrix product: big enough to amortise the call,
# small enough (a few hundred kB) to stay in cache.
_TRUE_PEAK_ROWS = 4096
_TRUE_PEAK_BLOCK = 8  # input samples per row of the polyphase product (fastest measured)
_FILTER_BLOCK = 1 << 18  # frames K-weighted at a time (2 MB of float64)


class LoudnessMeasurement(TypedDict):
    """The loudness fields of a track's analysis (DESIGN §6), JSON-ready."""

    lufs_integrated: float | None
    loudness_range_lu: float | None
    true_peak_db: float | None
    sample_peak_db: float | None
    crest_db: float | None
    plr_db: float | None


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float | None:
    """Gated integrated loudness in LUFS (BS.1770-4), None when every block is gated out."""
    x = _as_channels(samples)
    _check_rate(sample_rate)
    if _peak(x) == 0.0:
        return None
    blocks = _window_powers(
        _cumulative_power(x, sample_rate),
        sample_rate,
        window_s=MOMENTARY_WINDOW_S,
        hop_s=BLOCK_HOP_S,
    )
    return _gated_loudness(blocks)


def momentary_loudness(
    samples: np.ndarray, sample_rate: int, *, hop_s: float = BLOCK_HOP_S
) -> np.ndarray:
    """Ungated 400 ms loudness in LUFS every `hop_s` (−inf for digital silence)."""
    return short_term_loudness(samples, sample_rate, window_s=MOMENTARY_WINDOW_S, hop_s=hop_s)


def short_term_loudness(
    samples: np.ndarray,
    sample_rate: int,
    *,
    window_s: float = SHORT_TERM_WINDOW_S,
    hop_s: float = BLOCK_HOP_S,
) -> np.ndarray:
    """Ungated LUFS of each whole window [k·hop_s, k·hop_s + window_s); −inf where silent."""
    x = _as_channels(samples)
    _check_rate(sample_rate)
    _check_positive(window_s=window_s, hop_s=hop_s)
    powers = _window_powers(
        _cumulative_power(x, sample_rate), sample_rate, window_s=window_s, hop_s=hop_s
    )
    return _power_to_lufs(powers)


def loudness_range(samples: np.ndarray, sample_rate: int) -> float | None:
    """Loudness range in LU (EBU Tech 3342), None when no short-term window survives gating."""
    x = _as_channels(samples)
    _check_rate(sample_rate)
    if _peak(x) == 0.0:
        return None
    short_term = _window_powers(
        _cumulative_power(x, sample_rate),
        sample_rate,
        window_s=SHORT_TERM_WINDOW_S,
        hop_s=BLOCK_HOP_S,
    )
    return _loudness_range(short_term)


def true_peak_db(
    samples: np.ndarray, sample_rate: int, *, oversample: int = TRUE_PEAK_OVERSAMPLE
) -> float:
    """Highest true peak over all channels in dBTP (−inf for digital silence)."""
    x = _as_channels(samples)
    _check_rate(sample_rate)
    if isinstance(oversample, bool) or not isinstance(oversample, int) or not 1 <= oversample <= 16:
        raise AudioError("oversample must be an integer from 1 to 16.", code="INVALID_PARAMETER")
    return _amplitude_db(_true_peak(x, _oversample_factor(sample_rate, oversample)))


def sample_peak_db(samples: np.ndarray) -> float:
    """Highest absolute sample value over all channels in dBFS (−inf for digital silence)."""
    return _amplitude_db(_peak(_as_channels(samples)))


def measure_loudness(samples: np.ndarray, sample_rate: int) -> LoudnessMeasurement:
    """All loudness fields of an analysis from one K-weighted pass; None where undefined."""
    x = _as_channels(samples)
    _check_rate(sample_rate)
    peak = _peak(x)
    if peak == 0.0:
        # Digital silence: nothing is defined, and skipping the filters avoids log(0) entirely.
        return _rounded(None, None, None, None, None, None)
    return _measurement(x, sample_rate, _cumulative_power(x, sample_rate), peak)


@dataclass(frozen=True)
class LoudnessProfile:
    """`measure_loudness` plus loudness over time, from the same K-weighted pass."""

    measurement: LoudnessMeasurement
    short_term_lufs: np.ndarray  # 3 s windows every hop_s (−inf where silent)
    short_term_max_lufs: float | None  # over 3 s windows every BLOCK_HOP_S
    momentary_max_lufs: float | None  # over 400 ms blocks every BLOCK_HOP_S


def loudness_profile(samples: np.ndarray, sample_rate: int, *, hop_s: float) -> LoudnessProfile:
    """The analysis's loudness fields and the short-term loudness every `hop_s`, one pass."""
    x = _as_channels(samples)
    _check_rate(sample_rate)
    _check_positive(hop_s=hop_s)
    peak = _peak(x)
    if peak == 0.0:
        silent = np.full(
            len(
                _window_powers(
                    np.zeros(x.shape[1] + 1), sample_rate, window_s=SHORT_TERM_WINDOW_S, hop_s=hop_s
                )
            ),
            -np.inf,
        )
        return LoudnessProfile(_rounded(None, None, None, None, None, None), silent, None, None)
    cumulative = _cumulative_power(x, sample_rate)

    def loudest(window_s: float) -> float | None:
        powers = _window_powers(cumulative, sample_rate, window_s=window_s, hop_s=BLOCK_HOP_S)
        return _round(float(_power_to_lufs(powers.max()))) if powers.size else None

    return LoudnessProfile(
        measurement=_measurement(x, sample_rate, cumulative, peak),
        short_term_lufs=_power_to_lufs(
            _window_powers(cumulative, sample_rate, window_s=SHORT_TERM_WINDOW_S, hop_s=hop_s)
        ),
        short_term_max_lufs=loudest(SHORT_TERM_WINDOW_S),
        momentary_max_lufs=loudest(MOMENTARY_WINDOW_S),
    )


def _measurement(
    x: np.ndarray, sample_rate: int, cumulative: np.ndarray, peak: float
) -> LoudnessMeasurement:
    blocks = _window_powers(cumulative, sample_rate, window_s=MOMENTARY_WINDOW_S, hop_s=BLOCK_HOP_S)
    short_term = _window_powers(
        cumulative, sample_rate, window_s=SHORT_TERM_WINDOW_S, hop_s=BLOCK_HOP_S
    )
    lufs = _gated_loudness(blocks)
    factor = _oversample_factor(sample_rate, TRUE_PEAK_OVERSAMPLE)
    true_peak = _amplitude_db(_true_peak(x, factor, peak=peak))
    sample_peak = _amplitude_db(peak)
    # Crest factor over the whole signal, all channels pooled (a sine reads 3.01 dB).
    crest = sample_peak - _power_db(_mean_square(x))
    plr = None if lufs is None else true_peak - lufs
    return _rounded(lufs, _loudness_range(short_term), true_peak, sample_peak, crest, plr)


def _rounded(
    lufs: float | None,
    lra: float | None,
    true_peak: float | None,
    sample_peak: float | None,
    crest: float | None,
    plr: float | None,
) -> LoudnessMeasurement:
    """The measurement dict with each value rounded (derived values use unrounded inputs)."""
    return LoudnessMeasurement(
        lufs_integrated=_round(lufs),
        loudness_range_lu=_round(lra),
        true_peak_db=_round(true_peak),
        sample_peak_db=_round(sample_peak),
        crest_db=_round(crest),
        plr_db=_round(plr),
    )


def _round(value: float | None) -> float | None:
    """A finite value rounded to 0.01; None for None or ±inf."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 2) + 0.0  # + 0.0 turns −0.0 (JSON "-0.0") into 0.0


# --- input checks -------------------------------------------------------------------------


def _as_channels(samples: np.ndarray) -> np.ndarray:
    """The signal as a finite float (channels, frames) array; a 1-D signal is one channel."""
    if not isinstance(samples, np.ndarray) or not np.issubdtype(samples.dtype, np.floating):
        raise AudioError("Samples must be a floating-point numpy array.", code="INVALID_SAMPLES")
    if samples.ndim not in (1, 2):
        raise AudioError(
            "Samples must be shaped (frames,) or (channels, frames).", code="INVALID_SAMPLES"
        )
    x = samples.reshape(1, -1) if samples.ndim == 1 else samples
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise EmptyAudio("The audio has no samples.")
    if x.shape[0] > len(_CHANNEL_WEIGHTS):
        raise TooManyChannels(
            f"Loudness is measured on up to {len(_CHANNEL_WEIGHTS)} channels "
            f"(got {x.shape[0]}); samples are shaped (channels, frames)."
        )
    if not math.isfinite(_peak(x)):
        raise AudioError("The audio contains NaN or infinite samples.", code="INVALID_SAMPLES")
    return x


def _check_rate(sample_rate: int) -> None:
    """Refuse sample rates that are not positive integers."""
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, int | np.integer)
        or sample_rate <= 0
    ):
        raise AudioError("The sample rate must be a positive integer.", code="INVALID_SAMPLE_RATE")


def _check_positive(**knobs: float) -> None:
    """Refuse non-positive or non-finite durations."""
    for name, value in knobs.items():
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise AudioError(
                f"{name} must be a positive number of seconds.", code="INVALID_PARAMETER"
            )


# --- K-weighted power and gating ----------------------------------------------------------


# pyloudnorm's default "K-weighting" class uses RBJ cookbook biquads whose passband sits
# ≈0.04 dB low (a 997 Hz sine at −23 dBFS reads −23.04 LUFS); its "DeMan" class reproduces the
# BS.1770-4 coefficients exactly at 48 kHz and re-derives them at other rates. pyloudnorm only
# exposes the stages through `Meter._filters` (pinned < 0.3 in pyproject).
@functools.lru_cache(maxsize=16)
def _k_weighting_sos(sample_rate: int) -> np.ndarray:
    """pyloudnorm's BS.1770-4 K-weighting biquads at this rate, as second-order sections."""
    stages = pyloudnorm.Meter(sample_rate, filter_class="DeMan")._filters.values()
    return np.array([np.concatenate([stage.passband_gain * stage.b, stage.a]) for stage in stages])


def _cumulative_power(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Running sum of the channel-weighted K-weighted power, with a leading zero."""
    # Any window's mean power is a difference of two entries, so the 400 ms gating blocks and
    # the 3 s short-term windows all come from this one filtering pass.
    sos = _k_weighting_sos(sample_rate)
    cumulative = np.zeros(x.shape[1] + 1)
    # One channel and _FILTER_BLOCK frames at a time, the filter's state carried from block to
    # block (the same numbers as one pass): the float64 working set is the running sum alone,
    # not two or three signal-length arrays (an hour's mix is 1.4 GB per float64 array).
    for weight, channel in zip(_CHANNEL_WEIGHTS, x, strict=False):
        state = np.zeros((sos.shape[0], 2))
        for start in range(0, channel.size, _FILTER_BLOCK):
            weighted, state = scipy.signal.sosfilt(
                sos, channel[start : start + _FILTER_BLOCK], zi=state
            )
            np.square(weighted, out=weighted)
            if weight != 1.0:
                weighted *= weight
            cumulative[1 + start : 1 + start + weighted.size] += weighted
    return np.cumsum(cumulative, out=cumulative)


def _window_powers(
    cumulative: np.ndarray, sample_rate: int, *, window_s: float, hop_s: float
) -> np.ndarray:
    """Mean weighted power of each complete window [k·hop, k·hop + window)."""
    frames = cumulative.size - 1
    width = max(1, round(window_s * sample_rate))
    hop = hop_s * sample_rate
    if frames < width:
        return np.zeros(0)
    # The epsilon keeps a window ending exactly at the last frame despite float error in hop.
    starts = np.rint(np.arange(int((frames - width) / hop + 1e-9) + 1) * hop).astype(np.int64)
    starts = starts[starts + width <= frames]
    # Differences of a running sum can dip a hair below zero after long loud passages.
    return np.maximum(cumulative[starts + width] - cumulative[starts], 0.0) / width


def _gated_loudness(blocks: np.ndarray) -> float | None:
    """BS.1770-4 two-stage gating over 400 ms block powers; None if nothing passes."""
    loudness = _power_to_lufs(blocks)
    above_absolute = blocks[loudness > ABSOLUTE_GATE_LUFS]
    if above_absolute.size == 0:
        return None
    relative_gate = _power_to_lufs(np.mean(above_absolute)) + RELATIVE_GATE_LU
    kept = blocks[(loudness > ABSOLUTE_GATE_LUFS) & (loudness > relative_gate)]
    return float(_power_to_lufs(np.mean(kept))) if kept.size else None


def _loudness_range(short_term: np.ndarray) -> float | None:
    """EBU Tech 3342 LRA over 3 s window powers; None if no window survives gating."""
    loudness = _power_to_lufs(short_term)
    absolute = short_term[loudness >= ABSOLUTE_GATE_LUFS]
    if absolute.size == 0:
        return None
    relative_gate = _power_to_lufs(np.mean(absolute)) + LRA_RELATIVE_GATE_LU
    kept = loudness[loudness >= max(relative_gate, ABSOLUTE_GATE_LUFS)]
    low, high = np.percentile(kept, LRA_PERCENTILES)
    return float(high - low)


def _power_to_lufs(power: np.ndarray | float) -> np.ndarray:
    """K-weighted mean power to LUFS, −inf for zero power (without a divide warning)."""
    power = np.asarray(power, dtype=np.float64)
    positive = power > 0
    lufs = np.full(power.shape, -np.inf)
    lufs[positive] = _LUFS_OFFSET + 10.0 * np.log10(power[positive])
    return lufs


# --- peaks ---------------------------------------------------------------------------------


def _peak(x: np.ndarray) -> float:
    """Largest absolute sample (NaN if any sample is NaN)."""
    return float(max(x.max(), -x.min()))


def _mean_square(x: np.ndarray) -> float:
    """Mean square over all samples of all channels, accumulated in float64."""
    return float(np.einsum("cn,cn->", x, x, dtype=np.float64)) / x.size


def _oversample_factor(sample_rate: int, oversample: int) -> int:
    """`oversample`× below 88.2 kHz, half that (at least 2×) from 88.2 kHz up; 1× when asked.

    Fixed per band of rates, never derived from the rate: a factor computed as
    48 kHz / rate grew without bound for absurd rates (1 Hz gave 192,000×). High rates need
    less for the same grid, but not none, or a fs/4 tone sampled ±45° off its crests would
    read 3 dB low.
    """
    if oversample == 1:
        return 1
    return max(2, oversample // 2) if sample_rate >= 88_200 else oversample


# The FIR is exactly the one scipy.signal.resample_poly designs for `factor`× upsampling
# (Kaiser β = 5, 10 zero crossings per side), and the tests hold the result to resample_poly's.
# resample_poly itself is not called: its upfirdn loop takes ≈0.7 s on three minutes of stereo,
# over the whole analysis budget, while the same taps as one BLAS product per block take
# ≈0.08 s. Row m of the input view holds samples [m·B + first, (m+1)·B + last); its product
# holds, for each of those B samples n, the values at n + p/factor for p = 1 … factor−1.
@functools.lru_cache(maxsize=8)
def _interpolation_matrix(factor: int) -> tuple[np.ndarray, int, int]:
    """Block-Toeplitz matrix of the points between samples, with its reach (first, last)."""
    half = 10 * factor
    fir = scipy.signal.firwin(2 * half + 1, 1.0 / factor, window=("kaiser", 5.0)) * factor
    # Output n + p/factor = Σ_o fir[half + p − factor·o] · x[n + o], for taps inside the FIR.
    taps = [
        (p, o)
        for p in range(1, factor)
        for o in range(-half, half + 1)
        if 0 <= half + p - factor * o <= 2 * half
    ]
    first = min(o for _, o in taps)
    last = max(o for _, o in taps)
    phases = np.zeros((last - first + 1, factor - 1))
    for p, o in taps:
        phases[o - first, p - 1] = fir[half + p - factor * o]
    block = _TRUE_PEAK_BLOCK
    matrix = np.zeros((block + last - first, block * (factor - 1)), dtype=np.float32)
    for i in range(block):
        matrix[i : i + last - first + 1, i * (factor - 1) : (i + 1) * (factor - 1)] = phases
    matrix.flags.writeable = False  # shared by every caller through the cache
    return matrix, first, last


def _true_peak(x: np.ndarray, factor: int, *, peak: float | None = None) -> float:
    """Largest absolute value of the `factor`× band-limited interpolation of any channel."""
    peak = _peak(x) if peak is None else peak
    if factor == 1 or peak == 0.0:
        return peak
    matrix, first, last = _interpolation_matrix(factor)
    block = _TRUE_PEAK_BLOCK
    rows = -(-x.shape[1] // block)
    width = matrix.shape[0]
    best = peak  # the samples themselves are points of the oversampled signal
    for channel in x:
        # Zeros outside the signal, as resample_poly assumes, so onsets can overshoot.
        padded = np.zeros(rows * block + last - first, dtype=np.float32)
        padded[-first : -first + channel.size] = channel
        view = sliding_window_view(padded, width)[::block]
        for start in range(0, rows, _TRUE_PEAK_ROWS):
            between = np.ascontiguousarray(view[start : start + _TRUE_PEAK_ROWS]) @ matrix
            best = max(best, float(between.max()), float(-between.min()))
    return best


def _amplitude_db(amplitude: float) -> float:
    """Linear amplitude to dB, −inf for zero."""
    return 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf


def _power_db(power: float) -> float:
    """Linear power to dB, −inf for zero."""
    return 10.0 * math.log10(power) if power > 0 else -math.inf
