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
        # Tempo journeys: a segment's own tempo, its beat map and the ramp into it.
        (("segments", 0, "bpm"), 39.0, ("segments", 0, "bpm")),
        (("segments", 0, "bpm"), 251.0, ("segments", 0, "bpm")),
        (("segments", 0, "bpm"), math.nan, ("segments", 0, "bpm")),
        (("segments", 0, "beat_map"), "triple_time", ("segments", 0, "beat_map")),
        (
            ("segments", 1, "transition_in"),
            {"type": "crossfade", "beats": 16, "ramp_beats": 17},
            ("segments", 1, "transition_in", "ramp_beats"),
        ),
        (
            ("segments", 1, "transition_in"),
            {"type": "cut", "beats": 0, "ramp_beats": 4},
            ("segments", 1, "transition_in", "ramp_beats"),
        ),
        (("segments", 1, "bpm"), 150.0, ("segments", 1, "bpm")),  # 128 → 150: +17 %
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


JOURNEY_TRACKS = {**TRACKS, "dnb": TrackFacts(duration_s=90.0, bpm=174.0)}


def _journey(**second) -> dict:
    plan = copy.deepcopy(PLAN)
    plan["segments"][0]["bpm"] = 126.0  # 120 → 126: +5 %
    plan["segments"][1].update(
        {"bpm": 130.0, "transition_in": {"type": "crossfade", "beats": 16, "ramp_beats": 16}}
    )
    plan["segments"][1].update(second)
    return plan


def test_a_tempo_journey_within_the_limit_is_valid_and_dumps_its_tempi():
    plan = validate_plan(_journey(), TRACKS)
    assert [s.bpm for s in plan.segments] == [126.0, 130.0]
    dumped = plan.model_dump()
    assert dumped["segments"][1]["transition_in"] == {
        "type": "crossfade",
        "beats": 16,
        "ramp_beats": 16,
    }
    # A plan with one global tempo dumps exactly as before: no neutral tempo fields.
    single = validate_plan(PLAN, TRACKS).model_dump()
    assert "bpm" not in single["segments"][1] and "beat_map" not in single["segments"][1]
    assert single["segments"][1]["transition_in"] == {"type": "crossfade", "beats": 16}


@pytest.mark.parametrize(
    ("second", "message"),
    [
        # 174 at 87 on the set's grid is −50 % unless counted at half time.
        (
            {"track_id": "dnb", "bpm": 87.0, "transition_in": {"type": "cut", "beats": 0}},
            "stretched -50%; the limit is ±16% (as beat_map 'half_time' it would be +0%)",
        ),
        # In the overlap the 128 BPM track plays at its neighbour's 100: −22 %.
        ({"bpm": 128.0}, None),
    ],
)
def test_a_stretch_past_the_limit_names_the_segments_bpm(second, message):
    plan = _journey(**second)
    if message is None:
        plan["segments"][0].update(bpm=100.0)
    with pytest.raises(ValidationError) as caught:
        validate_plan(plan, JOURNEY_TRACKS)
    errors = {tuple(e["loc"]): e["msg"] for e in caught.value.errors()}
    assert ("segments", 1, "bpm") in errors, errors
    if message:
        assert message in errors[("segments", 1, "bpm")]
    else:
        assert "in an overlap at 100 BPM" in errors[("segments", 1, "bpm")]


def test_a_half_time_segment_is_stretched_against_half_its_track():
    plan = _journey(
        track_id="dnb", bpm=87.0, beat_map="half_time", transition_in={"type": "cut", "beats": 0}
    )
    assert validate_plan(plan, JOURNEY_TRACKS).segments[1].beat_map == "half_time"


def test_single_tempo_segments_are_not_limited():
    # Plans from before tempo journeys force one tempo (here −26 %): still valid, as they were.
    plan = _with(("target", "bpm"), 96.0)
    plan["segments"][1]["transition_in"]["beats"] = 4
    assert validate_plan(plan, TRACKS).target.bpm == 96.0
