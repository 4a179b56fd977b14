"""The analysis pipeline as a whole: every DESIGN §6 field, JSON-safe, on music and on silence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from intellimix.audio.analysis import analyze_audio, warm_up
from intellimix.audio.errors import TooShortForAnalysis
from intellimix.runs import registry

from .drum_signals import synth_drum_track

FIELDS = [
    "duration_s",
    "sample_rate",
    "channels",
    "bpm",
    "bpm_confidence",
    "bpm_alternatives",
    "beats",
    "downbeats",
    "bars",
    "phrases",
    "meter",
    "key",
    "key_confidence",
    "camelot",
    "lufs_integrated",
    "loudness_range_lu",
    "true_peak_db",
    "sample_peak_db",
    "crest_db",
    "plr_db",
    "spectral_balance",
    "stereo_width",
    "correlation",
    "sections",
    "energy_curve",
    "peaks",
    "band_peaks",
]


@pytest.mark.parametrize("sample_rate", [44100, 48000])
def test_every_field_on_a_drum_track(sample_rate):
    track = synth_drum_track("house", bpm=128.0, duration_s=20.0, sample_rate=sample_rate)
    stereo = np.stack([track.audio, 0.8 * track.audio])
    stages: dict[str, float] = {}
    analysis = analyze_audio(stereo, sample_rate, timings=stages)
    assert list(analysis) == FIELDS
    json.dumps(analysis, allow_nan=False)  # stored as JSON/JSONB: no NaN or infinity anywhere
    assert analysis["sample_rate"] == sample_rate and analysis["channels"] == 2
    assert abs(analysis["bpm"] - 128.0) < 0.1
    assert (
        analysis["lufs_integrated"] < 0 and analysis["true_peak_db"] >= analysis["sample_peak_db"]
    )
    assert analysis["sections"][0]["start_s"] == 0.0
    assert analysis["sections"][-1]["end_s"] == pytest.approx(analysis["duration_s"], abs=0.01)
    assert set(stages) == {"loudness", "downmix", "rhythm", "key", "structure"}


def test_silence_is_analysed_without_inventing_a_beat():
    analysis = analyze_audio(np.zeros((2, 5 * 44100), dtype=np.float32), 44100)
    json.dumps(analysis, allow_nan=False)
    assert analysis["bpm"] is None and analysis["beats"] == []
    assert analysis["lufs_integrated"] is None


def test_too_short_to_analyse():
    with pytest.raises(TooShortForAnalysis) as caught:
        analyze_audio(np.zeros((1, 44100), dtype=np.float32), 44100)
    assert caught.value.status == 422


def test_workers_warm_the_analysis_once_at_start():
    registry.load_executors()
    assert any(
        fn.__module__ == "intellimix.library.executors" for fn in registry.registered_warm_ups()
    )
    warm_up()  # compiles (or loads from NUMBA_CACHE_DIR) what the first real track would
