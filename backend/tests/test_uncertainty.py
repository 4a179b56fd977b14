"""Honest uncertainty: low-confidence readings are flagged, big key shifts are warned about."""

from __future__ import annotations

import pytest

from intellimix.library.serializers import UNCERTAIN_BELOW, uncertainty
from intellimix.planner.compose import PITCH_WARNING_SEMITONES, warnings
from intellimix.planner.plan import MixPlan


@pytest.mark.parametrize(
    ("analysis", "expected"),
    [
        (
            {"bpm": 124.0, "bpm_confidence": 0.9, "key": "A minor", "key_confidence": 0.8},
            {"tempo": False, "key": False},
        ),
        (
            {
                "bpm": 124.0,
                "bpm_confidence": UNCERTAIN_BELOW - 0.01,
                "key": "A minor",
                "key_confidence": 0.8,
            },
            {"tempo": True, "key": False},
        ),
        (
            {"bpm": 124.0, "bpm_confidence": 0.9, "key": "A minor", "key_confidence": 0.1},
            {"tempo": False, "key": True},
        ),
        (
            {"bpm": None, "bpm_confidence": 0.0, "key": None, "key_confidence": 0.0},
            {"tempo": True, "key": True},
        ),
        ({}, {"tempo": True, "key": True}),
    ],
)
def test_low_confidence_is_uncertain(analysis: dict, expected: dict) -> None:
    assert uncertainty(analysis) == expected


class _Track:
    def __init__(self, title: str) -> None:
        self.title, self.bpm, self.key = title, 124.0, None


@pytest.mark.parametrize(
    ("semitones", "warned"), [(0, False), (2, False), (-2, False), (3, True), (-5, True)]
)
def test_pitch_shifts_beyond_two_semitones_warn(semitones: int, warned: bool) -> None:
    plan = MixPlan.model_validate(
        {
            "title": "t",
            "target": {"bpm": 124.0},
            "segments": [
                {"id": "s1", "track_id": "a", "source_start_s": 0, "source_end_s": 30},
                {
                    "id": "s2",
                    "track_id": "b",
                    "source_start_s": 0,
                    "source_end_s": 30,
                    "pitch_semitones": semitones,
                    "transition_in": {"type": "crossfade", "beats": 8},
                },
            ],
        }
    )
    found = warnings(plan, {"a": _Track("A"), "b": _Track("B")})
    assert any(f"±{PITCH_WARNING_SEMITONES}" in w for w in found) is warned
