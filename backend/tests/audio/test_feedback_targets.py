"""The stored genre targets are what the builder measures from the generator."""

from __future__ import annotations

import json

import numpy as np
import pytest

from intellimix.audio.feedback import targets
from intellimix.audio.master import BAND_CENTRES_HZ


def test_the_stored_file_names_its_source_and_every_band():
    data = json.loads(targets.TARGETS_FILE.read_text())
    assert data["engine"] and data["seeds"] == list(targets.TARGET_SEEDS)
    assert data["seconds"] == targets.TARGET_SECONDS
    for genre, entry in data["genres"].items():
        assert len(entry["levels_db"]) == len(BAND_CENTRES_HZ), genre
        seeds = np.array([entry["seeds"][str(seed)] for seed in targets.TARGET_SEEDS])
        # The target is the mean of the seeds' curves (each rounded to 0.01 dB when stored).
        np.testing.assert_allclose(seeds.mean(axis=0), entry["levels_db"], atol=0.011)
    loaded = targets.genre_targets()["house"]
    assert "IntelliMix generator" in loaded.source and "seeds 11, 23, 37" in loaded.source


def test_one_seed_of_one_genre_measures_as_stored():
    stored = json.loads(targets.TARGETS_FILE.read_text())["genres"]["house"]["seeds"]["11"]
    measured = targets.measure_genre("house", 11)
    np.testing.assert_allclose(measured["levels_db"], stored, atol=0.05)
    assert measured["lufs"] == pytest.approx(-14.0, abs=0.5)
