"""The planning fixture library (tests/fixtures/planning) as analysed `LibraryTrack`s.

Ids are the fixture's refs; downbeats fall on every bar from 0 s at the track's tempo and
phrases start every 8 bars, as the analysis would report for these evenly built tracks.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from intellimix.planner.turns import LibraryTrack

FIXTURES = Path(__file__).parent / "fixtures" / "planning"
PHRASE_BARS = 8


def _track(entry: dict) -> LibraryTrack:
    bar_s = 4 * 60.0 / entry["bpm"]
    downbeats = [round(i * bar_s, 4) for i in range(int(entry["duration_s"] / bar_s + 1e-6) + 1)]
    return LibraryTrack(
        id=entry["ref"],
        title=entry["title"],
        artist=entry.get("artist"),
        duration_s=entry["duration_s"],
        bpm=entry["bpm"],
        key=entry["key"],
        energy=entry["energy"],
        sections=entry["sections"],
        downbeats=downbeats,
        phrase_starts=downbeats[::PHRASE_BARS],
    )


@cache
def _library() -> tuple[LibraryTrack, ...]:
    data = json.loads((FIXTURES / "library.json").read_text())
    return tuple(_track(entry) for entry in data["tracks"])


def fixture_library() -> list[LibraryTrack]:
    """The 20 fixture tracks (fresh copies: callers may not share mutable models)."""
    return [track.model_copy(deep=True) for track in _library()]


def fixture_cases(name: str) -> list[dict]:
    """The cases of dev_cases.json or blind_cases.json."""
    return json.loads((FIXTURES / f"{name}_cases.json").read_text())["cases"]
