"""Loudness metering against EBU Tech 3341/3342 cases, pyloudnorm and scipy's resampler.

The EBU cases are built from their published definitions (1 kHz stereo sines at given dBFS
peak levels; a sine at −X dBFS on both channels reads −X LUFS). Tech 3341 cases 7–8 and
Tech 3342 cases 5–6 are excerpts of real programmes, distributed only as files: not built here.
Test audio stays under 60 s per signal, so Tech 3341 #3, #4 and #5 (80, 100 and 60.1 s) are
time-scaled by ½: each segment keeps its level and its share of the programme, and only the
few 400 ms blocks straddling a step grow in share (they read within 0.03 LU of the full-length
signals). Tech 3342 #4 (5 × 20 s) cannot be shortened that way: its 3 s windows do not scale, and
at ½ the windows ramping out of the gated −50 dBFS parts reach the 10th percentile (17.1 LU
instead of 15), so it is left out; at full length it reads 15.0 LU.
"""

from __future__ import annotations

import math
import warnings
from typing import cast

import numpy as np
import pyloudnorm
import pytest
import scipy.signal
from numpy.testing import assert_allclose

from intellimix.audio.errors import AudioError, EmptyAudio, TooManyChannels
from intellimix.audio.loudness import (
    integrated_loudness,
    loudness_range,
    measure_loudness,
    momentary_loudness,
    sample_peak_db,
    short_term_loudness,
    true_peak_db,
)
from tests.audio.loudness_signals import music_like, sine, tone_sequence

RATES = (44100, 48000)
EBU_LOUDNESS_TOL_LU = 0.1  # Tech 3341 tolerance on M, S and I
EBU_LRA_TOL_LU = 1.0  # Tech 3342 tolerance on LRA
TRUE_PEAK_OVER_DB, TRUE_PEAK_UNDER_DB = 0.2, 0.4  # Tech 3341 true-peak tolerance
DUAL_MONO_LU = 10.0 * math.log10(2.0)  # BS.1770 sums channel powers
KEYS = {
    "lufs_integrated",
    "loudness_range_lu",
    "true_peak_db",
    "sample_peak_db",
    "crest_db",
    "plr_db",
}

# Tech 3341: (segments of (dBFS, seconds), time scale, expected integrated LUFS).
TECH_3341 = {
    "1": ([(-23.0, 20.0)], 1.0, -23.0),
    "2": ([(-33.0, 20.0)], 1.0, -33.0),
    "3": ([(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)], 0.5, -23.0),
    "4": ([(-72.0, 10.0), (-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0), (-72.0, 10.0)], 0.5, -23.0),
    "5": ([(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)], 0.5, -23.0),
}
# Tech 3342: (segments, time scale, expected LRA).
TECH_3342 = {
    "1": ([(-20.0, 20.0), (-30.0, 20.0)], 1.0, 10.0),
    "2": ([(-20.0, 20.0), (-15.0, 20.0)], 1.0, 5.0),
    "3": ([(-40.0, 20.0), (-20.0, 20.0)], 1.0, 20.0),
}


def _scaled(segments: list[tuple[float, float]], scale: float) -> list[tuple[float, float]]:
    return [(level, seconds * scale) for level, seconds in segments]


def _num(value: float | None) -> float:
    """The value, which the test expects to be defined."""
    assert value is not None
    return value


def _assert_true_peak(measured: float, expected: float) -> None:
    assert expected - TRUE_PEAK_UNDER_DB <= measured <= expected + TRUE_PEAK_OVER_DB, measured


# --- EBU Tech 3341: integrated, momentary, short-term -------------------------------------


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("case", sorted(TECH_3341))
def test_tech3341_integrated(case: str, sample_rate: int) -> None:
    segments, scale, expected = TECH_3341[case]
    x = tone_sequence(_scaled(segments, scale), sample_rate)
    assert_allclose(_num(integrated_loudness(x, sample_rate)), expected, atol=EBU_LOUDNESS_TOL_LU)


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("level", [-23.0, -33.0])
def test_tech3341_steady_tone_momentary_and_short_term(level: float, sample_rate: int) -> None:
    """Cases 1–2 also fix M and S: every window of a steady tone reads its level."""
    x = tone_sequence([(level, 20.0)], sample_rate)
    momentary = momentary_loudness(x, sample_rate)
    short_term = short_term_loudness(x, sample_rate)
    assert momentary.size == 197 and short_term.size == 171  # complete windows at 10 Hz
    assert_allclose(momentary, level, atol=EBU_LOUDNESS_TOL_LU)
    assert_allclose(short_term, level, atol=EBU_LOUDNESS_TOL_LU)


@pytest.mark.parametrize("sample_rate", RATES)
def test_tech3341_case6_five_channels(sample_rate: int) -> None:
    """L, R at −28 dBFS, C at −24, Ls, Rs at −30 (weighted 1.41) → −23 LUFS."""
    levels = (-28.0, -28.0, -24.0, -30.0, -30.0)
    x = np.vstack([tone_sequence([(level, 20.0)], sample_rate, channels=1) for level in levels])
    assert_allclose(_num(integrated_loudness(x, sample_rate)), -23.0, atol=EBU_LOUDNESS_TOL_LU)


@pytest.mark.parametrize("sample_rate", RATES)
def test_tech3341_case9_short_term_of_bursts(sample_rate: int) -> None:
    """1.34 s at −20 dBFS then 1.66 s at −30, five times: every full 3 s window reads −23."""
    x = tone_sequence([(-20.0, 1.34), (-30.0, 1.66)] * 5, sample_rate)
    short_term = short_term_loudness(x, sample_rate)
    assert_allclose(short_term, -23.0, atol=EBU_LOUDNESS_TOL_LU)


# --- EBU Tech 3342: loudness range --------------------------------------------------------


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("case", sorted(TECH_3342))
def test_tech3342_loudness_range(case: str, sample_rate: int) -> None:
    segments, scale, expected = TECH_3342[case]
    x = tone_sequence(_scaled(segments, scale), sample_rate)
    assert_allclose(_num(loudness_range(x, sample_rate)), expected, atol=EBU_LRA_TOL_LU)
    assert_allclose(
        _num(measure_loudness(x, sample_rate)["loudness_range_lu"]), expected, atol=EBU_LRA_TOL_LU
    )


# --- gating against pyloudnorm ------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("seed", range(4))
def test_integrated_matches_pyloudnorm(seed: int, channels: int, sample_rate: int) -> None:
    """Our one-pass gating equals pyloudnorm's meter (same ITU filter) within 0.01 LU.

    Lengths are whole 100 ms hops: pyloudnorm rounds its block count and may add a partial
    400 ms block at the end, weighted as if it were complete; BS.1770 gates complete blocks only.
    """
    x = music_like(8.0 + 6.0 * seed, sample_rate, seed=seed, channels=channels)
    meter = pyloudnorm.Meter(sample_rate, filter_class="DeMan")
    expected = meter.integrated_loudness(x.T.astype(np.float64))
    assert_allclose(_num(integrated_loudness(x, sample_rate)), expected, atol=0.01)


@pytest.mark.parametrize("sample_rate", RATES)
def test_partial_last_block_is_not_gated(sample_rate: int) -> None:
    """A tail shorter than a hop changes nothing: only complete 400 ms blocks count."""
    x = music_like(12.47, sample_rate, seed=7)
    complete = x[:, : round(12.4 * sample_rate)]
    assert_allclose(
        _num(integrated_loudness(x, sample_rate)),
        _num(integrated_loudness(complete, sample_rate)),
        atol=1e-9,
    )


# --- true peak and sample peak ------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize(
    ("amplitude", "phase_deg"), [(0.5, 0.0), (0.5, 45.0), (0.5, 60.0), (0.5, 67.5), (1.41, 45.0)]
)
def test_tech3341_true_peak_of_quarter_rate_tone(
    amplitude: float, phase_deg: float, sample_rate: int
) -> None:
    """Cases 15–19: a fs/4 sine whose samples miss its crests by `phase_deg`."""
    x = sine(sample_rate, freq=sample_rate / 4, amplitude=amplitude, phase_deg=phase_deg)
    _assert_true_peak(true_peak_db(x, sample_rate), 20.0 * math.log10(amplitude))


@pytest.mark.parametrize("sample_rate", RATES)
def test_true_peak_straddled_crest(sample_rate: int) -> None:
    """At 45° every sample of a fs/4 sine sits at amplitude/√2: 3.01 dB below the true peak."""
    x = sine(sample_rate, freq=sample_rate / 4, amplitude=1.0, phase_deg=45.0)
    _assert_true_peak(true_peak_db(x, sample_rate), 0.0)
    assert_allclose(sample_peak_db(x), -DUAL_MONO_LU, atol=1e-4)
    result = measure_loudness(x, sample_rate)
    assert_allclose(_num(result["true_peak_db"]), 0.0, atol=TRUE_PEAK_UNDER_DB)
    assert result["sample_peak_db"] == -3.01


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("ratio", [997.0 / 48000, 0.2137, 0.4123])
def test_true_peak_full_scale_sine(ratio: float, sample_rate: int) -> None:
    """A full-scale sine at a non-integer ratio to the rate: 0 dBTP, never below its samples."""
    x = sine(sample_rate, freq=ratio * sample_rate, amplitude=1.0, duration_s=2.0)
    measured = true_peak_db(x, sample_rate)
    _assert_true_peak(measured, 0.0)
    assert measured >= sample_peak_db(x)


@pytest.mark.parametrize("sample_rate", RATES)
def test_true_peak_worst_case_grid_and_finer_oversampling(sample_rate: int) -> None:
    """At 0.4·fs the 4× grid straddles every crest by π/10: BS.1770's 4× under-reads by
    1 − cos(π/10) (0.43 dB) there, and 8× lands on the crests."""
    x = sine(sample_rate, freq=0.4 * sample_rate, amplitude=1.0, duration_s=2.0)
    assert_allclose(
        true_peak_db(x, sample_rate), 20.0 * math.log10(math.cos(math.pi / 10)), atol=0.05
    )
    _assert_true_peak(true_peak_db(x, sample_rate, oversample=8), 0.0)
    assert true_peak_db(x, sample_rate, oversample=1) == sample_peak_db(x)


@pytest.mark.parametrize("sample_rate", [88200, 96000, 192000])
def test_true_peak_high_rates_still_oversample(sample_rate: int) -> None:
    x = sine(sample_rate, freq=sample_rate / 4, amplitude=0.5, phase_deg=45.0)
    _assert_true_peak(true_peak_db(x, sample_rate), 20.0 * math.log10(0.5))


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("seed", range(3))
def test_true_peak_matches_resample_poly(seed: int, sample_rate: int) -> None:
    """Same FIR as scipy's 4× resample_poly; only its 1.0006 gain on the samples differs."""
    x = music_like(5.0, sample_rate, seed=seed)
    expected = 20.0 * math.log10(np.abs(scipy.signal.resample_poly(x, 4, 1, axis=-1)).max())
    assert_allclose(true_peak_db(x, sample_rate), expected, atol=0.01)


def test_true_peak_is_max_over_channels() -> None:
    quiet = sine(48000, freq=997.0, amplitude=0.25, channels=1)
    loud = sine(48000, freq=997.0, amplitude=0.5, channels=1)
    assert_allclose(
        true_peak_db(np.vstack([quiet, loud]), 48000), 20.0 * math.log10(0.5), atol=0.05
    )
    assert_allclose(sample_peak_db(np.vstack([loud, quiet])), 20.0 * math.log10(0.5), atol=0.05)


# --- channel handling ---------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", RATES)
def test_dual_mono_reads_3_01_lu_louder_than_mono(sample_rate: int) -> None:
    mono = music_like(12.0, sample_rate, seed=3, channels=1)[0]
    dual = np.vstack([mono, mono])
    assert_allclose(
        _num(integrated_loudness(dual, sample_rate)),
        _num(integrated_loudness(mono, sample_rate)) + DUAL_MONO_LU,
        atol=1e-6,
    )
    assert_allclose(
        short_term_loudness(dual, sample_rate),
        short_term_loudness(mono, sample_rate) + DUAL_MONO_LU,
        atol=1e-6,
    )
    assert_allclose(
        _num(loudness_range(dual, sample_rate)), _num(loudness_range(mono, sample_rate)), atol=1e-6
    )
    assert true_peak_db(dual, sample_rate) == true_peak_db(mono, sample_rate)


def test_one_dimensional_input_is_one_channel() -> None:
    mono = music_like(6.0, 44100, seed=4, channels=1)
    assert measure_loudness(mono[0], 44100) == measure_loudness(mono, 44100)


@pytest.mark.parametrize("sample_rate", RATES)
def test_float64_input_measures_like_float32(sample_rate: int) -> None:
    x = music_like(6.0, sample_rate, seed=5)
    assert measure_loudness(x.astype(np.float64), sample_rate) == measure_loudness(x, sample_rate)


# --- measure_loudness ---------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("channels", [1, 2])
def test_measure_loudness_of_a_sine(channels: int, sample_rate: int) -> None:
    """−23 dBFS peak 997 Hz sine: crest 3.01 dB, PLR = true peak − LUFS."""
    x = tone_sequence([(-23.0, 10.0)], sample_rate, freq=997.0, channels=channels)
    result = measure_loudness(x, sample_rate)
    assert set(result) == KEYS
    expected_lufs = -23.0 - (DUAL_MONO_LU if channels == 1 else 0.0)
    lufs, true_peak = _num(result["lufs_integrated"]), _num(result["true_peak_db"])
    assert_allclose(lufs, expected_lufs, atol=0.02)
    assert_allclose(_num(result["crest_db"]), DUAL_MONO_LU, atol=0.01)
    assert_allclose(_num(result["sample_peak_db"]), -23.0, atol=0.01)
    assert_allclose(_num(result["plr_db"]), true_peak - lufs, atol=0.011)
    assert_allclose(_num(result["loudness_range_lu"]), 0.0, atol=0.01)


@pytest.mark.parametrize("sample_rate", RATES)
def test_measure_loudness_agrees_with_the_single_measures(sample_rate: int) -> None:
    x = music_like(20.0, sample_rate, seed=6)
    result = measure_loudness(x, sample_rate)
    assert set(result) == KEYS
    values = {key: _num(value) for key, value in cast(dict[str, float | None], result).items()}
    for value in values.values():
        assert isinstance(value, float) and value == round(value, 2)
    lufs = _num(integrated_loudness(x, sample_rate))
    true_peak = true_peak_db(x, sample_rate)
    rms_db = 10.0 * math.log10(np.mean(np.square(x, dtype=np.float64)))
    assert_allclose(values["lufs_integrated"], lufs, atol=0.005)
    assert_allclose(values["loudness_range_lu"], _num(loudness_range(x, sample_rate)), atol=0.005)
    assert_allclose(values["true_peak_db"], true_peak, atol=0.005)
    assert_allclose(values["sample_peak_db"], sample_peak_db(x), atol=0.005)
    assert_allclose(values["crest_db"], sample_peak_db(x) - rms_db, atol=0.005)
    assert_allclose(values["plr_db"], true_peak - lufs, atol=0.005)
    assert values["true_peak_db"] >= values["sample_peak_db"]


def test_silence_is_none_without_warnings() -> None:
    x = np.zeros((2, 5 * 48000), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert measure_loudness(x, 48000) == dict.fromkeys(KEYS)
        assert integrated_loudness(x, 48000) is None
        assert loudness_range(x, 48000) is None
        assert true_peak_db(x, 48000) == -math.inf
        assert sample_peak_db(x) == -math.inf
        short_term = short_term_loudness(x, 48000)
    assert short_term.size == 21 and np.all(short_term == -math.inf)


def test_signal_below_the_absolute_gate_has_peaks_but_no_loudness() -> None:
    x = tone_sequence([(-85.0, 5.0)], 48000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = measure_loudness(x, 48000)
    assert result["lufs_integrated"] is None and result["plr_db"] is None
    assert result["loudness_range_lu"] is None
    assert_allclose(_num(result["sample_peak_db"]), -85.0, atol=0.01)
    assert_allclose(_num(result["crest_db"]), DUAL_MONO_LU, atol=0.01)


def test_signals_shorter_than_a_window() -> None:
    """Under 400 ms no gating block exists; under 3 s no short-term window (so no LRA)."""
    blip = tone_sequence([(-20.0, 0.3)], 48000)
    assert integrated_loudness(blip, 48000) is None
    assert measure_loudness(blip, 48000)["true_peak_db"] is not None
    clip = tone_sequence([(-20.0, 2.0)], 48000)
    assert_allclose(_num(integrated_loudness(clip, 48000)), -20.0, atol=0.1)
    assert loudness_range(clip, 48000) is None
    assert short_term_loudness(clip, 48000).size == 0


def test_window_and_hop_knobs() -> None:
    x = tone_sequence([(-20.0, 2.0), (-30.0, 2.0)], 48000)
    assert_allclose(
        short_term_loudness(x, 48000, window_s=0.4, hop_s=0.1),
        momentary_loudness(x, 48000),
        atol=1e-12,
    )
    one_second = short_term_loudness(x, 48000, window_s=1.0, hop_s=0.5)
    assert one_second.size == 7
    assert_allclose(one_second[[0, 2]], -20.0, atol=0.05)
    assert_allclose(one_second[[4, 6]], -30.0, atol=0.05)


# --- invalid input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("samples", "code"),
    [
        (np.zeros((2, 0), dtype=np.float32), "EMPTY_AUDIO"),
        (np.zeros((0, 100), dtype=np.float32), "EMPTY_AUDIO"),
        (np.zeros((6, 48000), dtype=np.float32), "TOO_MANY_CHANNELS"),
        (np.zeros((48000, 2), dtype=np.float32), "TOO_MANY_CHANNELS"),  # (frames, channels)
        (np.zeros((1, 2, 100), dtype=np.float32), "INVALID_SAMPLES"),
        (np.zeros((2, 100), dtype=np.int16), "INVALID_SAMPLES"),
        (np.array([[0.0, np.nan, 0.0]]), "INVALID_SAMPLES"),
        (np.array([0.0, np.inf]), "INVALID_SAMPLES"),
        ([0.0, 0.5], "INVALID_SAMPLES"),
    ],
)
def test_invalid_samples_are_refused(samples: np.ndarray, code: str) -> None:
    with pytest.raises(AudioError) as caught:
        measure_loudness(samples, 48000)
    assert caught.value.code == code


def test_refusals_use_the_audio_error_classes() -> None:
    with pytest.raises(EmptyAudio):
        integrated_loudness(np.zeros(0, dtype=np.float32), 48000)
    with pytest.raises(TooManyChannels):
        true_peak_db(np.zeros((8, 10), dtype=np.float32), 48000)


@pytest.mark.parametrize("sample_rate", [0, -44100, 44100.0, True])
def test_invalid_sample_rate_is_refused(sample_rate: object) -> None:
    with pytest.raises(AudioError) as caught:
        measure_loudness(np.zeros((2, 100), dtype=np.float32), sample_rate)  # type: ignore[arg-type]
    assert caught.value.code == "INVALID_SAMPLE_RATE"


@pytest.mark.parametrize("knobs", [{"window_s": 0.0}, {"hop_s": -0.1}, {"hop_s": math.nan}])
def test_invalid_windows_are_refused(knobs: dict[str, float]) -> None:
    with pytest.raises(AudioError) as caught:
        short_term_loudness(np.zeros((2, 48000), dtype=np.float32), 48000, **knobs)
    assert caught.value.code == "INVALID_PARAMETER"


@pytest.mark.parametrize("oversample", [0, 2.5, True])
def test_invalid_oversampling_is_refused(oversample: object) -> None:
    with pytest.raises(AudioError) as caught:
        true_peak_db(np.zeros((2, 100), dtype=np.float32), 48000, oversample=oversample)  # type: ignore[arg-type]
    assert caught.value.code == "INVALID_PARAMETER"
