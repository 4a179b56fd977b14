"""MixPlan validation (DESIGN §5): every problem reported with its field path."""

from __future__ import annotations

import copy
import math

import pytest
from pydantic import ValidationError

from intellimix.audio.render import stretch_ratio
from intellimix.planner.plan import TrackFacts, validate_plan

TRACKS = {"a": TrackFacts(duration_s=120.0, bpm=120.0), "b": TrackFacts(duration_s=90.0, bpm=128.0)}
PLAN = {
    "title": "A into B",
    "target": {"bpm": 124.0, "key": "a minor", "lufs": -14.0, "true_peak_db": -1.0},
    "segments": [
        {"id": "s1", "track_id": "a", "source_start_s": 0.0, "source_end_s": 32.0},
        {
            "id": "s2",
            "track_id": "b",
            "source_start_s": 15.0,
            "source_end_s": 45.0,
            "transition_in": {"type": "crossfade", "beats": 16},
        },
    ],
}


def _with(path: tuple, value) -> dict:
    plan = copy.deepcopy(PLAN)
    node = plan
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return plan


_DELETE = object()


def test_valid_plan_normalises_and_fills_defaults():
    plan = validate_plan(PLAN, TRACKS)
    assert plan.target.key == "A minor" and plan.target.sample_rate == 48000
    assert plan.segments[1].eq.low_db == 0.0 and plan.segments[0].transition_in is None


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("segments", 1, "track_id"), "zzz", ("segments", 1, "track_id")),
        (("segments", 1, "source_end_s"), 95.0, ("segments", 1, "source_end_s")),
        (
            ("segments", 1, "transition_in"),
            {"type": "crossfade", "beats": 64},
            ("segments", 1, "transition_in", "beats"),
        ),
        (("segments",), [], ("segments",)),
        (("segments", 0, "source_end_s"), math.nan, ("segments", 0, "source_end_s")),
        (("target", "bpm"), math.inf, ("target", "bpm")),
        (
            ("segments", 1, "transition_in"),
            {"type": "cut", "beats": 4},
            ("segments", 1, "transition_in"),
        ),
        (
            ("segments", 1, "transition_in"),
            {"type": "warp", "beats": 4},
            ("segments", 1, "transition_in", "type"),
        ),
        (("segments", 0, "transition_in"), {"type": "crossfade", "beats": 4}, ("segments",)),
        (("segments", 0, "source_end_s"), 0.0, ("segments", 0, "source_end_s")),
        (("segments", 1, "source_start_s"), 50.0, ("segments", 1)),
        (("segments", 0, "gain_db"), 40.0, ("segments", 0, "gain_db")),
        (("segments", 0, "pitch_semitones"), 1.5, ("segments", 0, "pitch_semitones")),
        (("target", "key"), "H major", ("target", "key")),
        (("target",), _DELETE, ("target",)),
        (("segments", 0, "surprise"), 1, ("segments", 0, "surprise")),
    ],
)
def test_invalid_plans_name_the_field(path, value, loc):
    with pytest.raises(ValidationError) as caught:
        validate_plan(_with(path, value), TRACKS)
    locs = [tuple(error["loc"]) for error in caught.value.errors()]
    assert loc in locs, locs


def test_transition_length_accounts_for_stretch():
    # 30 s of a 128 BPM track at 124 BPM lasts 30.97 s; 16 beats at 124 BPM is 7.74 s: fine.
    assert stretch_ratio(124.0, 128.0) == pytest.approx(124 / 128)
    assert stretch_ratio(124.0, 124.5) == 1.0  # within 0.5%: no stretch
    short = _with(("segments", 1, "source_end_s"), 29.0)  # 14 s: half is 7.0 s < 7.74 s
    with pytest.raises(ValidationError):
        validate_plan(short, TRACKS)
