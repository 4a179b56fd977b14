"""How many tracks a described mix plays, for the length asked (planner/selection.py)."""

from __future__ import annotations

import pytest

from intellimix.planner.selection import BLEND_ALLOWANCE_S, select_tracks
from intellimix.planner.turns import LibraryTrack, TrackSelection

# The demo set's lengths and tempi: tracks of 44–64 s, as a new person's library starts.
DEMO = [
    ("warehouse_sunrise", 46.5, 124.0, 0.72),
    ("night_runner", 44.1, 174.0, 0.8),
    ("paper_lanterns", 64.0, 90.0, 0.35),
    ("neon_coastline", 57.6, 100.0, 0.45),
    ("velvet_smoke", 54.9, 140.0, 0.7),
]


def _library(length_s: float | None = None) -> list[LibraryTrack]:
    return [
        LibraryTrack(id=name, title=name, duration_s=length_s or duration, bpm=bpm, energy=energy)
        for name, duration, bpm, energy in DEMO
    ]


@pytest.mark.parametrize("energy", [None, "rising"])
def test_short_tracks_are_enough_of_them_to_fill_the_length(energy):
    """'a mellow to hard set, three minutes' picked three demo tracks (2:31 at most) by a
    minute a track, and then said 3:00 was out of reach: a fourth track reaches it."""
    chosen = select_tracks(_library(), TrackSelection(), duration_s=180.0, energy=energy)
    room = sum(t.duration_s for t in chosen.tracks) - BLEND_ALLOWANCE_S * (len(chosen.tracks) - 1)
    assert room >= 180.0, [t.id for t in chosen.tracks]


def test_long_tracks_still_give_about_a_minute_each():
    chosen = select_tracks(_library(240.0), TrackSelection(), duration_s=180.0)
    assert len(chosen.tracks) == 3


def test_a_length_no_tracks_reach_plays_them_all():
    chosen = select_tracks(_library(), TrackSelection(), duration_s=600.0)
    assert len(chosen.tracks) == len(DEMO)


@pytest.mark.parametrize(
    ("mood", "expected"), [("calm", "paper_lanterns"), ("energetic", "night_runner")]
)
def test_one_track_of_a_mood_among_tracks_alike_in_energy_goes_by_tempo(mood, expected):
    """The demo set as analysed: every track mastered loud, energies 0.86–0.94. 'one of the demo
    tracks' for a slow dance picked the drum & bass one at 174 BPM (the first of five one-track
    tempo bands); the calmest in energy, then the slowest, is the lo-fi one at 90."""
    alike = [t.model_copy(update={"energy": 0.9}) for t in _library()]
    chosen = select_tracks(alike, TrackSelection(mood=mood, count=1), minimum=1)
    assert [t.id for t in chosen.tracks] == [expected]
