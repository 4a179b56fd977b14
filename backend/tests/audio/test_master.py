"""Mastering on generated signals: loudness and true-peak promises, through WAV and MP3 too.

Every loudness and peak is measured with `intellimix.audio.loudness`, the meter QA uses, on the
float output and on the files a render delivers (24-bit WAV, 320 kbps MP3) decoded again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pedalboard
import pytest
from numpy.testing import assert_allclose

from intellimix.audio import io
from intellimix.audio.errors import AudioError, EmptyAudio, TooManyChannels
from intellimix.audio.loudness import integrated_loudness, sample_peak_db, true_peak_db
from intellimix.audio.master import (
    auto_margin_db,
    band_levels_db,
    limit_true_peak,
    master,
    spectral_similarity,
)
from tests.audio.drum_signals import synth_drum_track
from tests.audio.loudness_signals import music_like, sine

RATES = (44100, 48000)
TARGETS = (-14.0, -9.0)
CEILING_DB = -1.0
LUFS_TOL_LU = 0.5  # the promise
REPORT_TOL = 0.01  # the report rounds to 0.01
SECONDS = 10.0


def _at_lufs(x: np.ndarray, rate: int, lufs: float) -> np.ndarray:
    measured = integrated_loudness(x, rate)
    assert measured is not None
    return (x * 10.0 ** ((lufs - measured) / 20.0)).astype(np.float32)


def _quiet(rate: int) -> np.ndarray:
    return _at_lufs(music_like(SECONDS, rate, seed=1), rate, -30.0)


def _hot(rate: int) -> np.ndarray:
    # −8 LUFS of noise-like music peaks above full scale, as an unclipped float mix can.
    return _at_lufs(music_like(SECONDS, rate, seed=2), rate, -8.0)


def _drums(rate: int) -> np.ndarray:
    """House drums, right channel 3 ms late (zeros shifted in, no wrap-around)."""
    mono = synth_drum_track("house", bpm=124.0, duration_s=SECONDS, sample_rate=rate).audio
    late = np.concatenate([np.zeros(round(0.003 * rate)), mono])[: mono.size]
    return _at_lufs(np.stack([mono, late]).astype(np.float32), rate, -20.0)


def _straddling_sine(rate: int) -> np.ndarray:
    """A sine at fs/4 sampled 45° off its crests: its true peak is 3 dB over its samples."""
    return sine(rate, freq=rate / 4, amplitude=0.5, phase_deg=45.0, duration_s=SECONDS)


SIGNALS: dict[str, Callable[[int], np.ndarray]] = {
    "quiet": _quiet,
    "hot": _hot,
    "drums": _drums,
    "sine_fs4_45deg": _straddling_sine,
}


def _tilted_noise(
    rate: int, db_per_octave: float, *, seed: int, seconds: float = 8.0
) -> np.ndarray:
    """Stereo noise whose 1/3-octave levels slope by `db_per_octave` (0 = pink)."""
    n = round(seconds * rate)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal((2, n)), axis=-1)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    freqs[0] = freqs[1]
    shape = freqs**-0.5 * 10.0 ** (db_per_octave * np.log2(freqs / 1000.0) / 20.0)
    x = np.fft.irfft(spectrum * shape, n=n, axis=-1)
    return (0.5 * x / np.abs(x).max()).astype(np.float32)


def _decoded(path: Path) -> np.ndarray:
    return io.decode(path).samples


# --- the promise: loudness and true peak, in the float output and in the delivered files -----


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", SIGNALS)
@pytest.mark.parametrize("rate", RATES)
def test_master_meets_loudness_and_true_peak_in_float_wav_and_mp3(
    rate: int, name: str, target: float, tmp_path: Path
) -> None:
    mix = SIGNALS[name](rate)
    result = master(mix, rate, target_lufs=target, ceiling_db=CEILING_DB)
    out, report = result.samples, result.report

    assert out.shape == mix.shape and out.dtype == np.float32
    assert np.isfinite(out).all()
    lufs = integrated_loudness(out, rate)
    assert lufs is not None
    assert abs(lufs - target) <= LUFS_TOL_LU, lufs
    assert true_peak_db(out, rate) <= CEILING_DB
    assert report["target_reached"] and not report["silent"]
    assert report["lufs_after"] is not None and report["true_peak_after"] is not None
    assert_allclose(report["lufs_after"], lufs, atol=REPORT_TOL)
    assert_allclose(report["true_peak_after"], true_peak_db(out, rate), atol=REPORT_TOL)

    io.encode_wav(tmp_path / "master.wav", out, rate)
    io.encode_mp3(tmp_path / "master.mp3", out, rate)
    wav, mp3 = _decoded(tmp_path / "master.wav"), _decoded(tmp_path / "master.mp3")
    assert true_peak_db(wav, rate) <= CEILING_DB
    assert true_peak_db(mp3, rate) <= CEILING_DB, "the margin did not cover the MP3's overshoot"
    wav_lufs = integrated_loudness(wav, rate)
    assert wav_lufs is not None and abs(wav_lufs - target) <= LUFS_TOL_LU


@pytest.mark.parametrize("rate", RATES)
def test_report_is_json_safe_and_counts_the_work(rate: int) -> None:
    report = master(_drums(rate), rate, target_lufs=-9.0).report
    json.dumps(report, allow_nan=False)
    assert report["lufs_before"] is not None and report["lufs_before"] < -19.0
    assert report["gain_db"] > 10.0
    assert report["limiter_reduction_max_db"] > 0.0
    assert 0.0 < report["glue_reduction_max_db"] < 8.0  # glue, not crushing
    assert report["iterations"] >= 2
    assert report["ceiling_margin_db"] == auto_margin_db(-9.0, CEILING_DB)
    assert report["reference_similarity_before"] is None


@pytest.mark.parametrize("rate", RATES)
def test_margin_knob_sets_the_float_ceiling(rate: int) -> None:
    mix = _drums(rate)
    tight = master(mix, rate, target_lufs=-12.0, ceiling_margin_db=0.0).samples
    roomy = master(mix, rate, target_lufs=-12.0, ceiling_margin_db=1.5).samples
    # The limiter works up to its ceiling, less its 0.01 dB safety, and not further below.
    assert CEILING_DB - 0.05 <= true_peak_db(tight, rate) <= CEILING_DB
    assert CEILING_DB - 1.55 <= true_peak_db(roomy, rate) <= CEILING_DB - 1.5


def test_auto_margin_grows_as_the_peak_to_loudness_ratio_shrinks() -> None:
    assert_allclose(auto_margin_db(-14.0, -1.0), 0.5)
    assert_allclose(auto_margin_db(-9.0, -1.0), 1.0)
    assert_allclose(auto_margin_db(-23.0, -1.0), 0.5)
    assert_allclose(auto_margin_db(-5.0, -1.0), 1.2)


# --- the limiter ----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", RATES)
def test_limiter_catches_inter_sample_peaks(rate: int) -> None:
    # Samples at ±0.707 (−3 dBFS) of a 0 dBTP sine: a sample-peak limiter at −1 does nothing.
    x = sine(rate, freq=rate / 4, amplitude=1.0, phase_deg=45.0, duration_s=2.0)
    assert sample_peak_db(x) < CEILING_DB < true_peak_db(x, rate)
    out, reduction = limit_true_peak(x, rate, ceiling_db=CEILING_DB)
    assert CEILING_DB - 0.05 <= true_peak_db(out, rate) <= CEILING_DB
    assert_allclose(reduction, 1.0, atol=0.05)  # 0 dBTP down to −1, plus the 0.01 safety


@pytest.mark.parametrize("rate", RATES)
def test_pedalboard_limiter_lets_inter_sample_peaks_through(rate: int) -> None:
    """Why the limiter is our own: pedalboard's limits sample peaks (and adds make-up gain)."""
    x = sine(rate, freq=rate / 4, amplitude=1.0, phase_deg=45.0, duration_s=2.0)
    out = pedalboard.Limiter(threshold_db=CEILING_DB, release_ms=100.0)(x, rate)
    assert sample_peak_db(out) < CEILING_DB < true_peak_db(out, rate)


@pytest.mark.parametrize("rate", RATES)
def test_limiter_passes_audio_under_the_ceiling_untouched(rate: int) -> None:
    x = sine(rate, freq=997.0, amplitude=0.5, duration_s=2.0)
    out, reduction = limit_true_peak(x, rate, ceiling_db=CEILING_DB)
    assert reduction == 0.0
    assert_allclose(out, x, rtol=0, atol=1e-7)


# --- stereo, mono and silence ---------------------------------------------------------------


@pytest.mark.parametrize("channels", (1, 2))
@pytest.mark.parametrize("rate", RATES)
def test_mono_and_stereo_keep_their_shape(rate: int, channels: int) -> None:
    mix = _drums(rate)[:channels]
    out = master(mix, rate).samples
    assert out.shape == mix.shape
    lufs = integrated_loudness(out, rate)
    assert lufs is not None and abs(lufs + 14.0) <= LUFS_TOL_LU


@pytest.mark.parametrize("rate", RATES)
def test_stereo_gain_is_linked_so_the_image_and_mono_sum_survive(rate: int) -> None:
    # The same drums panned: right at half the left. Unlinked processing would compress the
    # louder left harder and pull the image towards the centre.
    left = _drums(rate)[0]
    mix = np.stack([left, 0.5 * left]).astype(np.float32)
    out = master(mix, rate, target_lufs=-9.0).samples
    ratio = np.sqrt(
        np.mean(out[1].astype(np.float64) ** 2) / np.mean(out[0].astype(np.float64) ** 2)
    )
    assert_allclose(ratio, 0.5, rtol=1e-4)
    # Mono compatibility: the mono sum keeps the same relation to the channels.
    mono = out.mean(axis=0)
    assert_allclose(mono, 0.75 * out[0], rtol=0, atol=1e-6)


@pytest.mark.parametrize("channels", (1, 2))
@pytest.mark.parametrize("rate", RATES)
def test_silence_in_silence_out(rate: int, channels: int) -> None:
    result = master(np.zeros((channels, 2 * rate), dtype=np.float32), rate)
    assert not result.samples.any()
    report = result.report
    assert report["silent"] and not report["target_reached"]
    assert report["gain_db"] == 0.0 and report["lufs_before"] is None
    assert report["lufs_after"] is None and report["true_peak_after"] is None
    json.dumps(report, allow_nan=False)


@pytest.mark.parametrize("rate", RATES)
def test_sound_under_the_gate_is_not_blown_up(rate: int) -> None:
    # Noise at about −85 dBFS RMS: under BS.1770's −70 LUFS gate, so there is no loudness to
    # correct, and a fixed gain to −14 LUFS would lift the noise floor by 70 dB.
    noise = 5e-5 * np.random.default_rng(0).standard_normal((2, 2 * rate)).astype(np.float32)
    result = master(noise, rate)
    assert result.report["silent"] and result.report["gain_db"] == 0.0
    assert_allclose(result.samples, noise, rtol=0, atol=1e-9)


# --- reference matching and spectral similarity ---------------------------------------------


@pytest.mark.parametrize("reference_rate", RATES)
@pytest.mark.parametrize("rate", RATES)
def test_reference_match_brings_a_dark_mix_towards_a_bright_reference(
    rate: int, reference_rate: int
) -> None:
    mix = _tilted_noise(rate, -1.0, seed=1)
    reference = _tilted_noise(reference_rate, 1.0, seed=2)
    plain = master(mix, rate).samples
    matched = master(mix, rate, reference=reference, reference_rate=reference_rate)
    report = matched.report

    unmatched = spectral_similarity(plain, reference, rate, rate_b=reference_rate)
    similarity = spectral_similarity(matched.samples, reference, rate, rate_b=reference_rate)
    assert unmatched < 0.75
    assert similarity >= 0.95 and similarity > unmatched + 0.2
    assert report["reference_similarity_after"] is not None
    assert_allclose(report["reference_similarity_after"], similarity, atol=1e-4)
    assert report["reference_similarity_before"] is not None
    assert report["reference_similarity_before"] < 0.75
    # The correction tilts up (cut lows, lift highs), within the clamp.
    eq = report["reference_eq_db"]
    assert eq is not None and eq["100"] < -2.0 < 2.0 < eq["10000"] <= 9.0
    lufs = integrated_loudness(matched.samples, rate)
    assert lufs is not None and abs(lufs + 14.0) <= LUFS_TOL_LU


@pytest.mark.parametrize("rate", RATES)
def test_spectral_similarity_is_level_free_and_tells_tilts_apart(rate: int) -> None:
    pink = _tilted_noise(rate, 0.0, seed=3)
    other_pink = _tilted_noise(rate, 0.0, seed=4)
    white = _tilted_noise(rate, 3.0, seed=5)
    assert_allclose(spectral_similarity(pink, 0.01 * pink, rate), 1.0, atol=1e-4)
    assert spectral_similarity(pink, other_pink, rate) >= 0.99
    assert_allclose(
        spectral_similarity(pink, white, rate), spectral_similarity(white, pink, rate), atol=1e-4
    )
    assert spectral_similarity(pink, white, rate) < 0.7
    silence = np.zeros_like(pink)
    assert spectral_similarity(pink, silence, rate) == 0.0


@pytest.mark.parametrize("rate", RATES)
def test_band_levels_read_a_sine_in_its_band(rate: int) -> None:
    levels = band_levels_db(sine(rate, freq=1000.0, amplitude=1.0, duration_s=4.0), rate)
    # A 0 dBFS sine has a mean square of 0.5 (−3.01 dB), all of it in the 1 kHz band.
    assert_allclose(levels[16], -3.01, atol=0.1)
    assert np.nanmax(np.delete(levels, 16)) < -40.0


# --- refusals -------------------------------------------------------------------------------


def test_invalid_input_is_refused_with_codes() -> None:
    rate = 48000
    good = np.zeros((2, rate), dtype=np.float32)
    with pytest.raises(AudioError) as nan:
        master(np.full((2, rate), np.nan, dtype=np.float32), rate)
    assert nan.value.code == "INVALID_SAMPLES"
    with pytest.raises(TooManyChannels):
        master(np.zeros((3, rate), dtype=np.float32), rate)
    with pytest.raises(EmptyAudio):
        master(np.zeros((2, rate // 10), dtype=np.float32), rate)
    with pytest.raises(AudioError) as target:
        master(good, rate, target_lufs=0.0)
    assert target.value.code == "INVALID_PARAMETER"
    with pytest.raises(AudioError) as margin:
        master(good, rate, ceiling_margin_db=-1.0)
    assert margin.value.code == "INVALID_PARAMETER"
    with pytest.raises(AudioError) as sample_rate:
        master(good, 0)
    assert sample_rate.value.code == "INVALID_SAMPLE_RATE"
    with pytest.raises(AudioError) as silent_reference:
        master(good + 0.1, rate, reference=np.zeros((2, rate), dtype=np.float32))
    assert silent_reference.value.code == "SILENT_REFERENCE"
    assert math.isfinite(auto_margin_db(-14.0, -1.0))
