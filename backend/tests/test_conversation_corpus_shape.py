"""Shape of the conversation corpus (tests/fixtures/conversation, see its FORMAT.md).

Checks that every dialogue is well formed against FORMAT.md's property table and the
fixture library, that the corpus meets its minimum sizes, and that expectations which name
an exact track order are consistent with the library facts they assert (energy, tempo,
Camelot), so a wrong expectation is caught here rather than blamed on the planner.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
CONVERSATION = FIXTURES / "conversation"
CORPUS_FILES = ("blind.json", "dev.json")
BLIND_MIN_TURNS = 100

REPLY_KINDS = {
    "draft", "questions", "generate", "analysis", "chat", "suggestions", "clarification",
    "feedback",
}  # fmt: skip
EXPECT_KEYS = {
    "reply", "changed", "tracks", "tracks_set", "includes", "excludes", "count",
    "distinct_tracks", "duration_s", "bpm", "key", "lufs", "transitions", "all_transitions",
    "sections", "pitch", "energy_order", "tempo_order", "harmonic_optimal", "same_except",
    "same_as_turn", "multi_select", "mentions", "not_mentions", "feedback",
}  # fmt: skip
FEEDBACK_KEYS = {"track", "reference", "type", "genre", "detail", "follow_up", "not_found"}
TRANSITION_TYPES = {"cut", "crossfade", "bass_swap", "filter_sweep", "echo_out"}
SECTION_LABELS = {"intro", "verse", "build", "drop", "chorus", "break", "bridge", "outro"}
SCOPE_FIXED = {
    "order", "tracks", "segments", "transitions", "target.bpm", "target.key",
    "target.duration_s", "target.lufs", "pitch", "title",
}  # fmt: skip
SCOPE_INDEXED = re.compile(r"^(segment|transition):[1-9][0-9]*$")
CAMELOT = {
    "A minor": "8A", "C major": "8B", "D major": "10B", "F# minor": "11A", "G minor": "6A",
    "E minor": "9A", "Ab major": "4B", "Bb major": "6B", "G major": "9B", "C minor": "5A",
    "Eb major": "5B", "D minor": "7A", "B minor": "10A", "F minor": "4A", "A major": "11B",
}  # fmt: skip


def _library() -> dict[str, dict]:
    analysed = json.loads((FIXTURES / "planning" / "library.json").read_text())["tracks"]
    tracks = {t["ref"]: t for t in analysed}
    for extra in json.loads((CONVERSATION / "library_extra.json").read_text())["tracks"]:
        tracks[extra["ref"]].update(extra)
    return tracks


LIBRARY = _library()


def _corpus(name: str) -> list[dict]:
    return json.loads((CONVERSATION / name).read_text())["dialogues"]


def _turns(name: str) -> list[dict]:
    return [turn for dialogue in _corpus(name) for turn in dialogue["turns"]]


def _compatible(a: str, b: str) -> bool:
    codes = (CAMELOT[LIBRARY[ref]["key"]] for ref in (a, b))
    (na, la), (nb, lb) = ((int(code[:-1]), code[-1]) for code in codes)
    return na == nb or (la == lb and (na - nb) % 12 in (1, 11))


def _harmonic_pairs(order: list[str] | tuple[str, ...]) -> int:
    return sum(_compatible(a, b) for a, b in itertools.pairwise(order))


def _is_range(value: object) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) for v in value)
        and value[0] <= value[1]
    )


def _check_order(expect: dict, tracks: list[str]) -> None:
    energies = [LIBRARY[r]["energy"] for r in tracks]
    tempi = [LIBRARY[r]["bpm"] for r in tracks]
    rising = all(a <= b for a, b in itertools.pairwise(energies))
    falling = all(a >= b for a, b in itertools.pairwise(energies))
    order = expect.get("energy_order")
    if order == "rising":
        assert rising, tracks
    elif order == "falling":
        assert falling, tracks
    elif order == "peak":
        top = energies.index(max(energies))
        assert 0 < top < len(tracks) - 1, tracks
        assert all(a <= b for a, b in itertools.pairwise(energies[: top + 1])), tracks
        assert all(a >= b for a, b in itertools.pairwise(energies[top:])), tracks
    if expect.get("tempo_order") == "ascending":
        assert tempi == sorted(tempi), tracks
    elif expect.get("tempo_order") == "descending":
        assert tempi == sorted(tempi, reverse=True), tracks
    if expect.get("harmonic_optimal"):
        best = max(_harmonic_pairs(p) for p in itertools.permutations(tracks))
        assert _harmonic_pairs(tracks) == best, tracks


def _check_turn(turn: dict, index: int, library: set[str]) -> None:
    assert set(turn) <= {"say", "expect", "why"}, turn
    assert isinstance(turn["say"], str)
    expect = turn["expect"]
    assert expect, f"turn {index} expects nothing"
    assert set(expect) <= EXPECT_KEYS, set(expect) - EXPECT_KEYS
    assert expect.get("reply", "draft") in REPLY_KINDS
    for key in ("tracks", "tracks_set", "includes", "excludes"):
        for ref in expect.get(key, []):
            assert ref in LIBRARY, ref
            # excludes may name tracks outside the dialogue's library; the others may not
            assert key == "excludes" or ref in library, (key, ref)
    for key in ("sections", "pitch"):
        for ref in expect.get(key, {}):
            assert ref in library, (key, ref)
    for label in expect.get("sections", {}).values():
        assert label in SECTION_LABELS, label
    for key in ("count", "distinct_tracks"):
        if key in expect:
            assert isinstance(expect[key], int) or _is_range(expect[key]), (key, expect[key])
    for key in ("duration_s",):
        if key in expect:
            assert _is_range(expect[key]), expect[key]
    if "bpm" in expect:
        assert isinstance(expect["bpm"], int | float) or _is_range(expect["bpm"])
    if "key" in expect:
        assert expect["key"] in CAMELOT, expect["key"]
    specs = list(expect.get("transitions", {}).items())
    if "all_transitions" in expect:
        specs.append(("1", expect["all_transitions"]))
    for number, spec in specs:
        assert int(number) >= 1
        assert spec and set(spec) <= {"type", "beats"}, spec
        assert spec.get("type", "cut") in TRANSITION_TYPES, spec
        beats = spec.get("beats", 0)
        assert isinstance(beats, int) or _is_range(beats), spec
    assert expect.get("energy_order", "rising") in {"rising", "falling", "peak"}
    assert expect.get("tempo_order", "ascending") in {"ascending", "descending"}
    for scope in expect.get("same_except", []):
        assert scope in SCOPE_FIXED or SCOPE_INDEXED.match(scope), scope
    if "same_as_turn" in expect:
        assert 1 <= expect["same_as_turn"] < index, expect["same_as_turn"]
    if "tracks" in expect:
        _check_order(expect, expect["tracks"])
        for number in expect.get("transitions", {}):
            assert int(number) < len(expect["tracks"]), number
        for ref in [*expect.get("sections", {}), *expect.get("pitch", {})]:
            assert ref in expect["tracks"], ref
    if "tracks_set" in expect and "tracks" in expect:
        assert set(expect["tracks"]) == set(expect["tracks_set"])
    _check_feedback(expect.get("feedback"), library)


def _check_feedback(want: dict | None, library: set[str]) -> None:
    if want is None:
        return
    assert want and set(want) <= FEEDBACK_KEYS, want
    for key in ("track", "reference"):
        assert want.get(key) is None or want[key] in library, (key, want[key])
    assert want.get("type", "mix") in {"mix", "master"}, want
    assert want.get("detail", "brief") in {"brief", "detailed"}, want
    assert want.get("follow_up") in {None, "question", "fix"}, want
    assert isinstance(want.get("not_found", False), bool), want


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_dialogues_are_well_formed(name: str) -> None:
    dialogues = _corpus(name)
    ids = [d["id"] for d in dialogues]
    assert len(ids) == len(set(ids)), "dialogue ids repeat"
    for dialogue in dialogues:
        assert set(dialogue) <= {"id", "library", "turns", "why"}, dialogue["id"]
        library = set(LIBRARY) if dialogue["library"] == "all" else set(dialogue["library"])
        assert library <= set(LIBRARY), dialogue["id"]
        assert len(dialogue["turns"]) >= 2, f"{dialogue['id']} is not multi-turn"
        for index, turn in enumerate(dialogue["turns"], start=1):
            try:
                _check_turn(turn, index, library)
            except AssertionError as error:
                raise AssertionError(f"{name} {dialogue['id']} turn {index}: {error}") from error


def test_blind_and_dev_say_different_things() -> None:
    blind, dev = (
        {t["say"].strip().lower() for d in _corpus(n) for t in d["turns"]} for n in CORPUS_FILES
    )
    shared = {said for said in blind & dev if len(said.split()) > 4}
    assert not shared, shared


def test_corpus_sizes() -> None:
    blind, dev = (_corpus(n) for n in CORPUS_FILES)
    blind_turns, dev_turns = (sum(len(d["turns"]) for d in c) for c in (blind, dev))
    assert blind_turns >= BLIND_MIN_TURNS
    assert blind_turns + dev_turns >= 300
    assert len(blind) + len(dev) >= 60
