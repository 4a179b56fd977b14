"""Seeded random valid plans, rendered end to end: every delivered file meets its targets."""

from __future__ import annotations

import random

import numpy as np
import pytest

from intellimix.audio import io, loudness
from intellimix.audio.analysis import analyze_file
from intellimix.audio.mixdown import TrackSource, render_plan
from intellimix.planner.plan import TrackFacts, validate_plan

from .drum_signals import synth_drum_track
from .media import write_wav

STYLES = [("house", 120.0), ("techno", 128.0), ("house_offbeat", 124.0), ("techno", 132.0)]
TRANSITIONS = ["cut", "crossfade", "bass_swap", "filter_sweep", "echo_out"]
PLANS = 20


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> dict[str, TrackSource]:
    folder = tmp_path_factory.mktemp("library")
    sources = {}
    for index, (style, bpm) in enumerate(STYLES):
        track = synth_drum_track(style, bpm=bpm, duration_s=40.0, sample_rate=44100, seed=index)
        path = write_wav(
            folder / f"t{index}.wav", np.stack([track.audio, 0.85 * track.audio]), 44100
        )
        sources[f"t{index}"] = TrackSource(path, analyze_file(path))
    return sources


def random_plan(seed: int, library: dict[str, TrackSource]) -> dict:
    """2–4 segments of 8 or 12 bars cut on analysed downbeats, about 30–60 s in all."""
    rng = random.Random(seed)
    target_bpm = rng.choice([120.0, 124.0, 126.0, 128.0])
    segments = []
    count = rng.randint(2, 4)
    for index in range(count):
        track_id = rng.choice(sorted(library))
        downbeats = library[track_id].analysis["downbeats"]
        bars = 12 if count == 2 else 8
        start = rng.randrange(0, max(1, len(downbeats) - bars - 1))
        transition = None
        if index:
            kind = rng.choice(TRANSITIONS)
            transition = {"type": kind, "beats": 0 if kind == "cut" else rng.choice([4, 8])}
        segments.append(
            {
                "id": f"s{index + 1}",
                "track_id": track_id,
                "source_start_s": downbeats[start],
                "source_end_s": downbeats[start + bars],
                "gain_db": rng.choice([0.0, -1.0, 1.0]),
                "transition_in": transition,
            }
        )
    return {
        "title": f"random {seed}",
        "segments": segments,
        "target": {"bpm": target_bpm, "lufs": rng.choice([-14.0, -12.0, -10.0])},
    }


@pytest.mark.parametrize("seed", range(PLANS))
def test_random_valid_plans_pass_qa(seed, library, tmp_path):
    facts = {
        tid: TrackFacts(source.analysis["duration_s"], source.analysis["bpm"])
        for tid, source in library.items()
    }
    plan = validate_plan(random_plan(seed, library), facts).model_dump()
    outcome = render_plan(plan, library, tmp_path)
    report = outcome.qa["attempts"][-1]["qa"]
    assert outcome.qa["passed"], [c for c in report["checks"] if not c["passed"]]
    assert 25.0 <= outcome.timeline[-1]["end_s"] <= 65.0
    stems = next(c for c in report["checks"] if c["name"] == "stems")
    assert stems["passed"]
    for path in (outcome.mix_wav, outcome.mix_mp3):
        decoded = io.decode(path)
        lufs = loudness.integrated_loudness(decoded.samples, decoded.sample_rate)
        assert abs(lufs - plan["target"]["lufs"]) <= 0.5 or path.suffix == ".mp3"
        assert loudness.true_peak_db(decoded.samples, decoded.sample_rate) <= -1.0, path.name
