"""What changed between two plans (planner.changes): the data the studio highlights and the
sentence a revision reply says."""

from __future__ import annotations

from typing import Any

import pytest

from intellimix.audio.render import derive_timeline
from intellimix.planner.changes import (
    PlanChanges,
    describe_changes,
    mix_length,
    plan_changes,
    transition_name,
)
from intellimix.planner.plan import MixPlan, Transition
from tests.planning_library import fixture_library

LIBRARY = fixture_library()
TITLES = {t.id: t.title for t in LIBRARY}
BPMS = {t.id: t.bpm for t in LIBRARY}
BASE_TRACKS = ("night_drive", "sunrise", "warehouse_7", "deep_blue")


def segment(sid: str, track: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "track_id": track,
        "label": "drop",
        "source_start_s": 30.0,
        "source_end_s": 90.0,
        "transition_in": {"type": "crossfade", "beats": 8},
        **fields,
    }


def make_plan(*segments: dict[str, Any], **target: Any) -> MixPlan:
    first, *rest = segments
    return MixPlan.model_validate(
        {
            "title": "Night Drive to Deep Blue",
            "target": {"bpm": 124, **target},
            "segments": [{**first, "transition_in": None}, *rest],
        }
    )


def base_segments() -> list[dict[str, Any]]:
    return [segment(f"s{i}", track) for i, track in enumerate(BASE_TRACKS, start=1)]


BASE = make_plan(*base_segments())


def edited(index: int, **fields: Any) -> MixPlan:
    """BASE with segment `index` (0-based) changed."""
    segments = base_segments()
    segments[index] = {**segments[index], **fields}
    return make_plan(*segments)


def describe(old: MixPlan | None, new: MixPlan) -> str:
    return describe_changes(plan_changes(old, new, track_bpms=BPMS), TITLES)


# --- the data ---------------------------------------------------------------------------------


def test_the_same_plan_has_no_changes() -> None:
    changes = plan_changes(BASE, BASE.model_copy(deep=True), track_bpms=BPMS)
    assert changes.unchanged
    assert changes.old_length_s == changes.new_length_s
    assert describe(BASE, BASE) == "Nothing changed."


def test_a_first_plan_adds_every_segment() -> None:
    changes = plan_changes(None, BASE, track_bpms=BPMS)
    assert changes.first and not changes.unchanged
    assert [r.segment_id for r in changes.added] == ["s1", "s2", "s3", "s4"]
    assert [r.position for r in changes.added] == [1, 2, 3, 4]
    assert changes.old_length_s is None
    assert changes.new_length_s == pytest.approx(
        derive_timeline(BASE.model_dump(), BPMS)[-1]["end_s"], abs=1e-3
    )


def test_one_transition_is_numbered_by_its_boundary() -> None:
    new = edited(2, transition_in={"type": "filter_sweep", "beats": 16})
    changes = plan_changes(BASE, new)
    assert [(t.index, t.segment_id) for t in changes.transitions] == [(2, "s3")]
    assert changes.transitions[0].old == Transition(type="crossfade", beats=8)
    assert changes.transitions[0].new == Transition(type="filter_sweep", beats=16)
    assert not changes.changed and not changes.added and not changes.removed
    assert not changes.order_changed and not changes.target


def test_a_removed_segment_is_reported_at_its_old_position() -> None:
    segments = base_segments()
    del segments[1]
    changes = plan_changes(BASE, make_plan(*segments), track_bpms=BPMS)
    assert [(r.segment_id, r.track_id, r.position) for r in changes.removed] == [
        ("s2", "sunrise", 2)
    ]
    assert not changes.order_changed  # the others keep their relative order
    assert not changes.transitions  # s3 still leads in with the same crossfade
    assert changes.new_length_s is not None and changes.old_length_s is not None
    assert changes.new_length_s < changes.old_length_s


def test_an_added_segment_is_reported_at_its_new_position() -> None:
    segments = base_segments()
    segments.insert(2, segment("s9", "golden_hour"))
    changes = plan_changes(BASE, make_plan(*segments))
    assert [(r.segment_id, r.position) for r in changes.added] == [("s9", 3)]
    assert [(c.segment_id, c.position, c.old_position) for c in changes.changed] == []
    assert not changes.transitions  # the new segment had no transition before to compare


@pytest.mark.parametrize(
    ("fields", "aspects"),
    [
        ({"source_start_s": 45.0}, ["part"]),
        ({"source_end_s": 120.0}, ["part"]),
        ({"label": "chorus"}, ["part"]),
        ({"source_end_s": 90.0004}, []),  # within a millisecond: the same cut
        ({"pitch_semitones": 1}, ["pitch"]),
        ({"gain_db": -3.0}, ["gain"]),
        ({"gain_db": 0.01}, []),
        ({"eq": {"low_db": -6.0}}, ["eq"]),
        ({"effects": {"reverb": 0.3}}, ["effects"]),
        ({"track_id": "golden_hour"}, ["track"]),
        ({"pitch_semitones": -2, "gain_db": 2.0, "eq": {"high_db": 3.0}}, ["pitch", "gain", "eq"]),
    ],
)
def test_segment_aspects(fields: dict[str, Any], aspects: list[str]) -> None:
    changes = plan_changes(BASE, edited(1, **fields))
    if not aspects:
        assert changes.unchanged
        return
    (change,) = changes.changed
    assert change.segment_id == "s2" and change.position == 2 and change.old_position == 2
    assert change.aspects == aspects


def test_a_segment_change_carries_old_and_new_values() -> None:
    new = edited(0, source_start_s=10.0, label="intro", pitch_semitones=2, gain_db=-1.5)
    (change,) = plan_changes(BASE, new).changed
    assert change.part is not None
    assert (change.part.old_start_s, change.part.new_start_s) == (30.0, 10.0)
    assert (change.part.old_label, change.part.new_label) == ("drop", "intro")
    assert (change.old_pitch, change.new_pitch) == (0, 2)
    assert (change.old_gain_db, change.new_gain_db) == (0.0, -1.5)
    assert change.old_track_id is None


def test_reordering_is_seen_and_moved_transitions_compared_by_segment() -> None:
    s1, s2, s3, s4 = base_segments()
    changes = plan_changes(BASE, make_plan(s1, s3, s2, s4))
    assert changes.order_changed
    assert [r.segment_id for r in changes.order] == ["s1", "s3", "s2", "s4"]
    assert not changes.transitions  # each segment keeps its own 8-beat crossfade in
    assert not changes.changed


def test_a_segment_moved_to_the_front_loses_its_transition_silently() -> None:
    s1, s2, s3, s4 = base_segments()
    changes = plan_changes(BASE, make_plan(s2, s1, s3, s4))
    # s1 gains a transition in (it had none as the first segment): that is a real change
    assert [(t.index, t.segment_id, t.old) for t in changes.transitions] == [(1, "s1", None)]
    assert changes.order_changed


@pytest.mark.parametrize(
    ("target", "field", "old", "new"),
    [
        ({"bpm": 128}, "bpm", 124.0, 128.0),
        ({"key": "8A"}, "key", None, "A minor"),
        ({"duration_s": 180}, "duration_s", None, 180.0),
        ({"lufs": -12}, "lufs", -14.0, -12.0),
        ({"true_peak_db": -2}, "true_peak_db", -1.0, -2.0),
        ({"sample_rate": 44100}, "sample_rate", 48000, 44100),
        ({"bit_depth": 16}, "bit_depth", 24, 16),
    ],
)
def test_target_fields(target: dict[str, Any], field: str, old: Any, new: Any) -> None:
    changes = plan_changes(BASE, make_plan(*base_segments(), **target))
    assert [(t.field, t.old, t.new) for t in changes.target] == [(field, old, new)]


def test_a_loudness_within_a_twentieth_of_a_db_is_the_same() -> None:
    assert plan_changes(BASE, make_plan(*base_segments(), lufs=-14.01)).unchanged


def test_title_changes_are_kept_and_summary_is_ignored() -> None:
    new = BASE.model_copy(update={"title": "Sunday morning", "summary": "other words"})
    changes = plan_changes(BASE, new)
    assert (changes.old_title, changes.new_title) == ("Night Drive to Deep Blue", "Sunday morning")
    assert describe(BASE, BASE.model_copy(update={"summary": "x"})) == "Nothing changed."


def test_changes_are_json() -> None:
    new = edited(2, transition_in={"type": "filter_sweep", "beats": 16}, pitch_semitones=1)
    dumped = plan_changes(BASE, new, track_bpms=BPMS).model_dump(mode="json")
    assert dumped["transitions"][0] == {
        "index": 2,
        "segment_id": "s3",
        "old": {"type": "crossfade", "beats": 8},
        "new": {"type": "filter_sweep", "beats": 16},
    }
    assert PlanChanges.model_validate(dumped) == plan_changes(BASE, new, track_bpms=BPMS)


def test_length_is_measured_only_with_every_tracks_tempo() -> None:
    assert mix_length(BASE, None) is None
    assert mix_length(BASE, {"night_drive": 118.0}) is None  # the others are unknown
    # a track known to have no tempo plays unstretched, as the renderer plays it
    unstretched = 4 * 60.0 - 3 * 8 * 60 / 124
    assert mix_length(BASE, dict.fromkeys(BASE_TRACKS)) == pytest.approx(unstretched, abs=1e-3)


# --- the sentence -----------------------------------------------------------------------------


def _without(track_index: int) -> MixPlan:
    segments = base_segments()
    del segments[track_index]
    return make_plan(*segments)


def _moved(*order: int) -> MixPlan:
    segments = base_segments()
    return make_plan(*(segments[i] for i in order))


def _length(plan: MixPlan) -> str:
    seconds = round(derive_timeline(plan.model_dump(), BPMS)[-1]["end_s"])
    return f"{seconds // 60}:{seconds % 60:02d}"


def _with_transitions(transition: dict[str, Any], *indexes: int) -> MixPlan:
    segments = base_segments()
    for index in indexes:
        segments[index] = {**segments[index], "transition_in": transition}
    return make_plan(*segments)


FILTER_16 = {"type": "filter_sweep", "beats": 16}


@pytest.mark.parametrize(
    ("new", "sentence"),
    [
        (
            _with_transitions(FILTER_16, 2),
            "Transition 2 → 16-beat filter sweep; everything else unchanged.",
        ),
        (
            _with_transitions({"type": "cut", "beats": 0}, 1),
            "Transition 1 → cut; everything else unchanged.",
        ),
        (
            _with_transitions({"type": "bass_swap", "beats": 16}, 1, 2, 3),
            "All transitions → 16-beat bass swap; everything else unchanged.",
        ),
        (
            _with_transitions({"type": "echo_out", "beats": 4}, 1, 3),
            "Transitions 1 and 3 → 4-beat echo out; everything else unchanged.",
        ),
        (_without(1), f"Removed Sunrise; the mix is now {_length(_without(1))}."),
        (edited(0, pitch_semitones=1), "Night Drive up 1 semitone."),
        (edited(3, pitch_semitones=-3), "Deep Blue down 3 semitones."),
        (edited(1, gain_db=-3.0), "Sunrise 3 dB quieter."),
        (edited(1, gain_db=2.5), "Sunrise 2.5 dB louder."),
        (edited(1, eq={"low_db": -6.0, "high_db": 2.0}), "Sunrise EQ low -6 dB, high +2 dB."),
        (edited(1, effects={"reverb": 0.25}), "Sunrise reverb 25%."),
        (
            edited(2, track_id="golden_hour"),
            f"Replaced Warehouse 7 with Golden Hour; the mix is now "
            f"{_length(edited(2, track_id='golden_hour'))}.",
        ),
        (
            _moved(0, 2, 1, 3),
            "New order: Night Drive, Warehouse 7, Sunrise, Deep Blue.",
        ),
        (make_plan(*base_segments(), bpm=128), None),  # the length changes with the tempo
        (make_plan(*base_segments(), key="A minor"), "Key → A minor."),
        (make_plan(*base_segments(), lufs=-12), "Loudness -14 → -12 LUFS."),
        (make_plan(*base_segments(), sample_rate=44100), "Sample rate 48 → 44.1 kHz."),
        (make_plan(*base_segments(), bit_depth=16), "Bit depth 24 → 16-bit."),
        (BASE.model_copy(update={"title": "Sunday morning"}), "Renamed to “Sunday morning”."),
    ],
)
def test_describe(new: MixPlan, sentence: str | None) -> None:
    if sentence is None:
        sentence = f"Tempo 124 → 128 BPM; the mix is now {_length(new)}."
    assert describe(BASE, new) == sentence


def test_a_new_part_names_its_section_and_span() -> None:
    new = edited(0, label="intro", source_start_s=0.0, source_end_s=64.0)
    assert describe(BASE, new) == (
        f"Night Drive now plays its intro (0:00–1:04); the mix is now {_length(new)}."
    )
    same_label = edited(0, source_start_s=20.0)
    assert describe(BASE, same_label).startswith("Night Drive now plays 0:20–1:30;")


def test_the_length_can_be_left_unsaid() -> None:
    changes = plan_changes(BASE, _without(1), track_bpms=BPMS)
    assert describe_changes(changes, TITLES, say_length=False) == "Removed Sunrise."


def test_a_pitch_back_to_zero_says_so() -> None:
    shifted = edited(0, pitch_semitones=2)
    assert describe(shifted, BASE) == "Night Drive back to its original pitch."


def test_target_length_and_key_cleared() -> None:
    before = make_plan(*base_segments(), duration_s=180, key="C major")
    after = make_plan(*base_segments(), duration_s=200)
    assert describe(before, after) == "No key (was C major); target length 3:00 → 3:20."


def test_added_tracks_are_named_with_positions() -> None:
    segments = base_segments()
    segments.insert(1, segment("s8", "golden_hour"))
    segments.append(segment("s9", "afterglow"))
    new = make_plan(*segments)
    assert describe(BASE, new) == (
        f"Added Golden Hour and Afterglow as tracks 2 and 6; the mix is now {_length(new)}."
    )


def test_the_title_is_not_mentioned_when_tracks_changed() -> None:
    new = _without(1).model_copy(update={"title": "Night Drive to Deep Blue (3 tracks)"})
    assert describe(BASE, new) == f"Removed Sunrise; the mix is now {_length(new)}."


def test_a_repeated_title_is_told_apart_by_position() -> None:
    segments = base_segments()
    segments.append(segment("s5", "night_drive"))
    before = make_plan(*segments)
    after_segments = [dict(s) for s in segments]
    after_segments[4] = {**after_segments[4], "pitch_semitones": 1}
    assert describe(before, make_plan(*after_segments)) == "Night Drive (track 5) up 1 semitone."


def test_many_segments_with_one_change_are_counted() -> None:
    shifted = make_plan(
        *[{**s, "pitch_semitones": 1} for s in base_segments()],
        segment("s5", "golden_hour", pitch_semitones=1),
    )
    before = make_plan(*base_segments(), segment("s5", "golden_hour"))
    assert describe(before, shifted) == "Pitch changed on 5 tracks."


def test_too_many_changes_are_counted_in_one_sentence() -> None:
    new = make_plan(
        *base_segments(),
        bpm=126,
        key="A minor",
        lufs=-10,
        true_peak_db=-2,
        sample_rate=44100,
        bit_depth=16,
        duration_s=200,
    )
    sentence = describe(BASE, new)
    assert sentence.count(";") <= 6
    assert "; plus 2 more changes; the mix is now " in sentence
    assert sentence.endswith(".")


def test_a_first_plan_is_described_with_its_length() -> None:
    assert describe(None, BASE) == f"A new plan of 4 tracks ({_length(BASE)})."
    assert describe_changes(plan_changes(None, BASE), TITLES) == "A new plan of 4 tracks."


def test_unknown_tracks_are_still_described() -> None:
    assert describe_changes(plan_changes(BASE, _without(1)), {}) == "Removed track 2."


@pytest.mark.parametrize(
    ("transition", "name"),
    [
        ({"type": "cut", "beats": 0}, "cut"),
        ({"type": "crossfade", "beats": 32}, "32-beat crossfade"),
        ({"type": "bass_swap", "beats": 1}, "1-beat bass swap"),
        ({"type": "filter_sweep", "beats": 16}, "16-beat filter sweep"),
        ({"type": "echo_out", "beats": 8}, "8-beat echo out"),
    ],
)
def test_transition_names(transition: dict[str, Any], name: str) -> None:
    assert transition_name(Transition.model_validate(transition)) == name


def _journey(*tempi: float) -> MixPlan:
    segments = base_segments()
    for entry, bpm in zip(segments, tempi, strict=True):
        entry["bpm"] = bpm
        if entry["id"] != "s1":
            entry["transition_in"] = {"type": "crossfade", "beats": 8, "ramp_beats": 8}
    return make_plan(*segments)


def test_a_journey_ending_or_beginning_is_said_with_its_tempi() -> None:
    # "keep one tempo the whole way" ended a journey at an unchanged target tempo: the change
    # said only "Transition 1 → 16-beat crossfade" (its ramp had gone).
    journey = _journey(118, 122, 126, 130)
    ended = plan_changes(journey, BASE, track_bpms=BPMS)
    assert (ended.old_tempo, ended.new_tempo) == ("118–130 BPM (a tempo journey)", "124 BPM")
    assert not ended.target and not ended.unchanged
    assert describe(journey, BASE).startswith("Tempo 118–130 BPM (a tempo journey) → 124 BPM")
    assert "transition" not in describe(journey, BASE).lower()  # the ramps went with it
    assert describe(BASE, journey).startswith("Tempo 124 BPM → 118–130 BPM (a tempo journey)")


def test_a_tempo_change_without_a_journey_is_said_as_before() -> None:
    faster = make_plan(*base_segments(), bpm=128)
    changes = plan_changes(BASE, faster, track_bpms=BPMS)
    assert changes.new_tempo is None and changes.old_tempo is None
    assert describe(BASE, faster).startswith("Tempo 124 → 128 BPM")
