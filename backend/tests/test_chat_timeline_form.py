"""The IntelliMix web client's timeline form and MixPlan segments, both ways (chats.timeline).

A transition's length travels as crossfade seconds; on a tempo journey they are counted at the
tempo the overlap plays at, and a ramp through the overlap survives the round trip.
"""

from __future__ import annotations

import pytest

from intellimix.chats.timeline import to_client_segments, to_plan_segments
from intellimix.planner.plan import MixPlan


def _plan(first_bpm: float | None, second_bpm: float | None, ramp: int) -> MixPlan:
    return MixPlan.model_validate(
        {
            "title": "Two",
            "target": {"bpm": 124.0},
            "segments": [
                {"id": "s1", "track_id": "a", "source_start_s": 10.0, "source_end_s": 70.0,
                 "bpm": first_bpm},
                {"id": "s2", "track_id": "b", "source_start_s": 5.0, "source_end_s": 65.0,
                 "bpm": second_bpm,
                 "transition_in": {"type": "bass_swap", "beats": 16, "ramp_beats": ramp}},
            ],
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("first_bpm", "second_bpm", "ramp", "seconds"),
    [
        (None, None, 0, 16 * 60 / 124),  # one tempo: the plan's
        (120.0, 128.0, 16, 16 * 60 / 124),  # a ramp 120 → 128: counted at its middle, 124
        (140.0, 140.0, 0, 16 * 60 / 140),  # a journey's segment at 140, no ramp
    ],
)
def test_a_transition_round_trips_at_the_tempo_of_its_overlap(first_bpm, second_bpm, ramp, seconds):
    plan = _plan(first_bpm, second_bpm, ramp)
    client = to_client_segments(plan, {})
    assert client[0]["crossfade_after_seconds"] == pytest.approx(seconds, abs=1e-3)
    back = to_plan_segments(client, reference=plan)
    assert back[1].transition_in == plan.segments[1].transition_in


def test_a_shorter_overlap_keeps_as_much_of_the_ramp_as_fits():
    plan = _plan(120.0, 128.0, 16)
    client = to_client_segments(plan, {})
    client[0]["crossfade_after_seconds"] = 8 * 60 / 124  # half as long
    transition = to_plan_segments(client, reference=plan)[1].transition_in
    assert transition is not None
    assert (transition.type, transition.beats, transition.ramp_beats) == ("bass_swap", 8, 8)
