"""Mix/master feedback on material with known defects: each is ranked first or second, with a
fix in the right direction; a clean master matched to its reference has no high finding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from intellimix.audio.errors import AudioError
from intellimix.audio.feedback import measure, targets
from intellimix.audio.feedback.report import ReferenceAudio, feedback_report
from intellimix.audio.master import BAND_CENTRES_HZ

from . import feedback_signals as signals

RATE = signals.RATE


@pytest.fixture(scope="module")
def reference() -> ReferenceAudio:
    # Same song recipe, another seed (drum humanising, noise) and the same bass root.
    return ReferenceAudio(measure.measure(signals.clean_master(3), RATE), "clean take")


def _fix(finding: dict[str, Any], kind: str) -> dict[str, Any]:
    return next((fix for fix in finding["fixes"] if fix["kind"] == kind), {})


def _boost_250(f: dict[str, Any]) -> bool:
    eq = _fix(f, "eq")
    return f["rule"] == "tonal" and 160 <= eq["freq_hz"] <= 400 and eq["gain_db"] <= -3.0


def _harsh(f: dict[str, Any]) -> bool:
    eq = _fix(f, "eq")
    return (
        f["area"] == "harshness" and 2500 <= eq.get("freq_hz", 0) <= 5500 and eq["gain_db"] <= -3.0
    )


def _dull(f: dict[str, Any]) -> bool:
    if f["rule"] != "tonal" or not f["title"].startswith("Dull top end"):
        return False
    eq = _fix(f, "eq")
    return eq["filter"] == "high_shelf" and eq["gain_db"] >= 3.0


def _phase(f: dict[str, Any]) -> bool:
    return f["rule"] == "low_end_phase" and _fix(f, "stereo")["mono_below_hz"] <= 150.0


def _clipping(f: dict[str, Any]) -> bool:
    return f["rule"] == "clipping" and f["evidence"]["time_ranges"]


def _crushed(f: dict[str, Any]) -> bool:
    # Turned down towards −14 LUFS (a limiter with less input), or told to limit less.
    return f["rule"] in ("too_loud", "over_compressed") and _fix(f, "limiter")["input_gain_db"] < 0


def _quiet(f: dict[str, Any]) -> bool:
    return f["rule"] == "too_quiet" and _fix(f, "limiter")["input_gain_db"] >= 8.0


DEFECTS: dict[str, tuple[Callable[[], np.ndarray], Callable[[dict[str, Any]], bool]]] = {
    "plus_6_db_at_250_hz": (signals.boosted_250, _boost_250),
    "clipped_peaks": (signals.clipped, _clipping),
    "minus_6_lufs_lra_2": (signals.crushed, _crushed),
    "out_of_phase_bass": (signals.out_of_phase_bass, _phase),
    "harsh_3_to_5_khz": (signals.harsh, _harsh),
    "dull_top_end": (signals.dull, _dull),
    "too_quiet_for_streaming": (signals.too_quiet, _quiet),
}


@pytest.mark.parametrize("name", list(DEFECTS))
def test_each_known_defect_is_ranked_first_or_second_with_a_fix(name, reference):
    make, is_the_defect = DEFECTS[name]
    report = feedback_report(make(), RATE, type="master", reference=reference)
    top = report["findings"][:2]
    assert any(is_the_defect(f) for f in top), [f["title"] for f in report["findings"][:4]]
    assert report["findings"][0]["severity"] in ("high", "medium")


def test_the_crushed_master_is_what_the_case_says(reference):
    level = measure.measure(signals.crushed(), RATE)["loudness"]
    assert abs(level["lufs_integrated"] + 6.0) <= 1.0
    assert level["loudness_range_lu"] <= 2.5


def test_a_clean_reference_matched_master_has_no_high_finding(reference):
    report = feedback_report(signals.clean_master(), RATE, type="master", reference=reference)
    assert [f["title"] for f in report["findings"] if f["severity"] == "high"] == []
    assert report["overall_score"] >= 80


def test_a_track_shaped_like_the_genre_target_passes_and_a_250_hz_bump_fails():
    target = targets.genre_targets()["house"]
    noise = np.random.default_rng(5).standard_normal((2, 20 * RATE)).astype(np.float32)
    # White noise's 1/3-octave levels rise 1 dB per band; shape each FFT bin onto the
    # target's curve (read between band centres on a log-frequency axis).
    gain_db = target.levels_db - measure.relative_band_levels(noise, RATE)
    freqs = np.fft.rfftfreq(noise.shape[1], 1.0 / RATE)
    per_bin = np.interp(np.log2(np.maximum(freqs, 1.0)), np.log2(BAND_CENTRES_HZ), gain_db)
    spectrum = np.fft.rfft(noise, axis=-1) * 10 ** (per_bin / 20)
    shaped = np.fft.irfft(spectrum, n=noise.shape[1], axis=-1).astype(np.float32)
    shaped *= 0.1 / np.sqrt(np.mean(shaped**2))
    clean = feedback_report(shaped, RATE, type="mix", genre="house")
    assert [f for f in clean["findings"] if f["rule"] == "tonal"] == []
    assert clean["compared_with"]["kind"] == "genre"
    assert "IntelliMix generator" in clean["genre"]["source"]
    bumped = feedback_report(
        signals.peaking(shaped, hz=250.0, gain_db=6.0, q=1.0), RATE, type="mix", genre="house"
    )
    tonal = [f for f in bumped["findings"] if f["rule"] == "tonal"]
    assert _boost_250(tonal[0]), tonal[0]["title"]


def test_mix_feedback_asks_for_headroom_not_streaming_loudness():
    report = feedback_report(signals.clipped(), RATE, type="mix")
    rules = {f["rule"] for f in report["findings"]}
    assert "mix_headroom" in rules and "too_loud" not in rules and "too_quiet" not in rules
    assert "streaming_lufs" not in report["targets"]
    assert report["presets"]["limiter"] is None


def test_a_brief_report_shows_the_top_three_findings_and_counts_the_rest(reference):
    brief = feedback_report(signals.crushed(), RATE, type="master", detail="brief")
    full = feedback_report(signals.crushed(), RATE, type="master", detail="detailed")
    assert full["finding_count"] > 3
    assert brief["findings"] == full["findings"][:3]
    assert brief["finding_count"] == full["finding_count"]


def test_presets_gather_the_fixes_as_one_chain(reference):
    report = feedback_report(signals.out_of_phase_bass(), RATE, type="master", reference=reference)
    presets = report["presets"]
    assert presets["stereo"]["mono_below_hz"] == 120.0
    assert presets["limiter"]["ceiling_dbtp"] == -1.0
    assert presets["limiter"]["true_peak"] is True
    freqs = [band["freq_hz"] for band in presets["eq"]]
    assert freqs == sorted(freqs)


def test_unknown_genre_is_refused_naming_the_known_ones():
    with pytest.raises(AudioError) as caught:
        feedback_report(signals.clean_master(), RATE, genre="polka")
    assert caught.value.code == "UNKNOWN_GENRE" and "house" in caught.value.message


# --- measurements on signals with known answers -------------------------------------------


def _sine(hz: float, seconds: float, amplitude: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t + phase)).astype(np.float32)


def test_a_1_khz_sine_at_minus_23_dbfs_reads_minus_23_lufs_short_term():
    # EBU Tech 3341 case 1: a stereo 1 kHz sine at −23 dBFS reads −23.0 LUFS.
    tone = _sine(1000.0, 10.0, 10 ** (-23 / 20))
    measured = measure.measure(np.stack([tone, tone]), RATE)
    assert measured["loudness"]["lufs_integrated"] == pytest.approx(-23.0, abs=0.1)
    values = measured["short_term"]["lufs"]
    assert len(values) == 8  # 3 s windows every second over 10 s
    assert all(abs(v + 23.0) <= 0.1 for v in values)


def test_stereo_per_band_reads_in_phase_out_of_phase_and_unrelated_channels():
    low = _sine(60.0, 6.0, 0.3)
    high = _sine(3000.0, 6.0, 0.1)
    noise = np.random.default_rng(1).standard_normal(low.size).astype(np.float32) * 0.05
    left = low + high + noise
    right = (
        -low + high + np.random.default_rng(2).standard_normal(low.size).astype(np.float32) * 0.05
    )
    bands = measure.measure(np.stack([left, right]), RATE)["bands"]
    assert bands["low"]["correlation"] < -0.95
    assert bands["low"]["mono_loss_db"] is None or bands["low"]["mono_loss_db"] < -20
    assert bands["high_mid"]["correlation"] > 0.9 and bands["high_mid"]["width"] < 0.05
    assert abs(bands["high"]["correlation"]) < 0.1  # unrelated noise
    assert bands["high"]["width"] == pytest.approx(0.5, abs=0.05)


def test_clipped_runs_and_inter_sample_overs_are_located_in_time():
    quiet = _sine(440.0, 6.0, 0.3)
    burst = np.clip(_sine(440.0, 1.0, 2.0), -1.0, 1.0)
    quiet[2 * RATE : 3 * RATE] = burst
    # A sine at fs/4 sampled 45° off its peaks: samples at 0.99 (−0.09 dBFS), true peak
    # 0.99·√2 (+2.9 dBTP): an inter-sample over where no sample reaches full scale.
    isp = _sine(RATE / 4, 0.5, 0.99 * np.sqrt(2), phase=np.pi / 4)
    quiet[4 * RATE : 4 * RATE + isp.size] = isp
    peaks = measure.measure(np.stack([quiet, quiet]), RATE)["peaks"]
    assert peaks["clipped_runs"] >= 440 * 2  # two clipped half-cycles per period, both channels
    assert peaks["clip_ranges"] == [[2.0, pytest.approx(3.0, abs=0.01)]]
    assert peaks["inter_sample_over_ranges"] == [[4.0, 4.5]]


def test_crest_of_a_sine_and_of_a_clipped_sine():
    sine = _sine(100.0, 8.0, 0.5)
    squared = np.clip(sine * 8, -0.5, 0.5)
    crest_sine = measure.measure(np.stack([sine, sine]), RATE)["transients"]["crest_db"]["full"]
    crest_square = measure.measure(np.stack([squared, squared]), RATE)["transients"]["crest_db"]
    assert crest_sine == pytest.approx(3.01, abs=0.1)
    assert crest_square["full"] < 1.0


def test_too_short_or_broken_input_is_refused():
    with pytest.raises(AudioError) as short:
        measure.measure(np.zeros((2, RATE), dtype=np.float32), RATE)
    assert short.value.code == "TOO_SHORT_FOR_ANALYSIS"
    bad = np.full((2, 4 * RATE), np.nan, dtype=np.float32)
    with pytest.raises(AudioError) as nan:
        measure.measure(bad, RATE)
    assert nan.value.code == "INVALID_SAMPLES"


def test_the_feedback_engine_imports_without_flask_or_sqlalchemy():
    from tests.test_planner_framework_free import probe

    found = probe("intellimix.audio.feedback.*")
    assert "intellimix.audio.feedback.rules" in found["modules"]
    assert found["loaded"] == []
