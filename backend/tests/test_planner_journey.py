"""Tempo journeys the local planner proposes (issue 15, part 4).

When one tempo would stretch a track past ±8 %, each segment plays near its own track's tempo
(at half or double time where closer), ramps carry the tempo through each blend, and tracks
too far apart to ramp are handed over with a short echo-out, each keeping its own tempo.
"""

from __future__ import annotations

from typing import Any

import pytest

from intellimix.audio.tempo import TRACK_BEATS_PER_BEAT, derive_timeline
from intellimix.planner.arrange import DURATION_TOLERANCE, mmss
from intellimix.planner.builder import build_reply
from intellimix.planner.compose import track_facts
from intellimix.planner.journey import JOURNEY_STRETCH
from intellimix.planner.plan import MixPlan, Transition, validate_plan
from intellimix.planner.revisions import apply_edits
from intellimix.planner.turns import EditOperation, LibraryTrack, MixIntent, PlannerRequest


def _track(track_id: str, bpm: float, duration_s: float = 240.0) -> LibraryTrack:
    return LibraryTrack(
        id=track_id,
        title=track_id.title(),
        duration_s=duration_s,
        bpm=bpm,
        key="A minor",
        energy=0.5,
    )


def _mix(
    tempi: dict[str, float], lengths: dict[str, float] | None = None, **intent: Any
) -> tuple[MixPlan, list[LibraryTrack]]:
    library = [_track(t, bpm, (lengths or {}).get(t, 240.0)) for t, bpm in tempi.items()]
    songs = [{"query": t.title, "track_id": t.id} for t in library]
    answer = build_reply(
        PlannerRequest.model_validate({"message": "…", "library": library}),
        MixIntent.model_validate({"action": "mix", "songs": songs, "order_fixed": True, **intent}),
    )
    assert answer.plan is not None, answer.text
    validate_plan(answer.plan.model_dump(), track_facts(library))  # the builder's promise
    return answer.plan, library


def _stretches(plan: MixPlan, library: list[LibraryTrack]) -> list[float]:
    """Every segment's largest stretch: its own tempo, and its neighbours' where both follow one
    tempo through an overlap (not an echo-out between two tempi)."""
    bpms = {t.id: t.bpm for t in library}
    timeline = derive_timeline(plan.model_dump(), bpms)
    worst = []
    for index, segment in enumerate(plan.segments):
        own = bpms[segment.track_id] / TRACK_BEATS_PER_BEAT[segment.beat_map]
        heard = [segment.bpm or plan.target.bpm]
        if index and _shared(timeline[index]):
            heard.append(plan.segments[index - 1].bpm or plan.target.bpm)
        if index + 1 < len(plan.segments) and _shared(timeline[index + 1]):
            heard.append(plan.segments[index + 1].bpm or plan.target.bpm)
        worst.append(max(abs(bpm / own - 1) for bpm in heard))
    return worst


def _shared(entry: dict[str, Any]) -> bool:
    return entry["transition_in_s"] > 0 and entry.get("tempo_in", {}).get("locked", True)


def test_a_journey_across_tempo_ranges_ramps_where_it_can_and_echoes_out_where_it_cannot():
    plan, library = _mix({"warm": 120.0, "house": 128.0, "trance": 140.0, "dnb": 174.0})
    assert all(stretch <= JOURNEY_STRETCH + 1e-9 for stretch in _stretches(plan, library))
    transitions = [s.transition_in for s in plan.segments[1:]]
    assert [t.type if t else None for t in transitions] == ["crossfade", "crossfade", "echo_out"]
    # Each blend ramps over its whole overlap from one segment's tempo to the next one's; the
    # echo-out does not ramp: each side keeps its own tempo.
    assert [(t.beats, t.ramp_beats) for t in transitions if t] == [(16, 16), (16, 16), (2, 0)]
    tempi = [s.bpm for s in plan.segments]
    assert tempi[0] == 120.0 and tempi[-1] == 174.0 and tempi == sorted(tempi)
    assert "Trance (140 BPM) → Dnb (174 BPM) is too far apart to ramp" in plan.rationale
    assert "tempo journey" in plan.summary


def test_half_time_where_it_is_closer():
    plan, library = _mix({"hiphop": 90.0, "dnb": 174.0})
    dnb = plan.segments[1]
    assert (dnb.bpm, dnb.beat_map) == (87.0, "half_time")  # 174 counted every other beat
    assert dnb.transition_in is not None and dnb.transition_in.type == "crossfade"
    assert dnb.transition_in.ramp_beats == dnb.transition_in.beats
    assert all(stretch <= JOURNEY_STRETCH + 1e-9 for stretch in _stretches(plan, library))


@pytest.mark.parametrize(
    ("tempi", "intent"),
    [
        ({"a": 124.0, "b": 126.0, "c": 128.0}, {}),  # one tempo stretches nothing past 8 %
        ({"a": 120.0, "b": 174.0}, {"bpm": 128.0}),  # a tempo asked for is the mix's tempo
        # A blend one tempo keeps within ±16 % (102 and 122 at 112) beats an echo-out.
        ({"a": 102.0, "b": 122.0}, {}),
    ],
)
def test_one_tempo_stays_when_it_should(tempi, intent):
    plan, _ = _mix(tempi, **intent)
    assert all(s.bpm is None and s.beat_map == "same" for s in plan.segments)
    assert all(s.transition_in is None or s.transition_in.ramp_beats == 0 for s in plan.segments)


def test_an_asked_blend_is_never_replaced():
    # 140 → 174 is too far to ramp: the 16-beat crossfade asked for keeps one tempo (a ramp
    # through it would stretch past the ±16 % a plan allows); the echo-out asked for stays as
    # asked, each track at its own tempo.
    crossfade = {"transitions": [{"into": "Dnb", "type": "crossfade", "beats": 8}]}
    plan, _ = _mix({"trance": 140.0, "dnb": 174.0}, **crossfade)
    assert plan.segments[1].transition_in == Transition(type="crossfade", beats=8)
    assert plan.segments[1].bpm is None
    echo = {"transitions": [{"into": "Dnb", "type": "echo_out", "beats": 8}]}
    plan, _ = _mix({"trance": 140.0, "dnb": 174.0}, **echo)
    assert plan.segments[1].transition_in == Transition(type="echo_out", beats=8)
    assert [s.bpm for s in plan.segments] == [140.0, 174.0]
    assert "keeps its echo-out, each track at its own tempo" in plan.rationale


def test_setting_a_tempo_ends_the_journey_and_other_revisions_keep_it():
    plan, library = _mix({"warm": 120.0, "house": 128.0, "trance": 140.0, "dnb": 174.0})
    retitled = apply_edits(plan, [EditOperation(op="set_lufs", number=-12.0)], library)[0]
    assert [s.bpm for s in retitled.segments] == [s.bpm for s in plan.segments]
    one_tempo = apply_edits(plan, [EditOperation(op="set_bpm", number=130.0)], library)[0]
    assert one_tempo.target.bpm == 130.0
    assert all(s.bpm is None for s in one_tempo.segments)


def test_counts_stay_near_each_tracks_own_tempo():
    """Half or double time only where it makes a blend possible: the demo set's 90 → 174 →
    124 → 100 → 140 counted 174 as 87, then (nearest each time) 124 as 62 and 100 as 50."""
    plan, library = _mix(
        {"lofi": 90.0, "dnb": 174.0, "house": 124.0, "synthwave": 100.0, "trap": 140.0}
    )
    counted = [(s.beat_map, s.bpm) for s in plan.segments]
    assert counted[1] == ("half_time", 87.0)  # blends with 90 only when counted at half time
    assert [beat_map for beat_map, _ in counted[2:]] == ["same", "same", "same"]
    own = {t.id: t.bpm for t in library}
    for segment in plan.segments:
        heard = (segment.bpm or plan.target.bpm) * TRACK_BEATS_PER_BEAT[segment.beat_map]
        assert abs(heard / own[segment.track_id] - 1) <= JOURNEY_STRETCH + 1e-9


@pytest.mark.parametrize(
    "nudge",
    [
        EditOperation(op="set_bpm", number=2.0, relative="add"),
        EditOperation(op="set_bpm", number=0.95, relative="scale"),
    ],
)
def test_a_relative_tempo_nudge_leaves_a_journey_and_says_why(nudge):
    plan, library = _mix({"warm": 120.0, "house": 128.0, "trance": 140.0, "dnb": 174.0})
    revised, applied, notes, _ = apply_edits(plan, [nudge], library)
    assert (revised.segments, revised.target) == (plan.segments, plan.target) and not applied
    assert "tempo journey" in notes[0] and "at 126 BPM" in notes[0]


DEMO_SET = {"lofi": 90.0, "dnb": 174.0, "house": 124.0, "synthwave": 100.0, "trap": 140.0}


@pytest.mark.parametrize("minutes", [4.0, 2.5])
def test_an_asked_length_keeps_the_journey_and_meets_the_length(minutes):
    """Duration fitting counts each segment at its journey tempo, so asking for a length no
    longer trades the journey for one tempo stretching tracks by up to +38 %."""
    wanted = minutes * 60
    plan, library = _mix(DEMO_SET, duration_s=wanted)
    assert all(s.bpm is not None for s in plan.segments)  # a journey: every track its own
    assert max(_stretches(plan, library)) <= JOURNEY_STRETCH + 1e-9
    bpms = {t.id: t.bpm for t in library}
    length = derive_timeline(plan.model_dump(), bpms)[-1]["end_s"]
    assert abs(length - wanted) <= DURATION_TOLERANCE * wanted
    assert plan.target.duration_s == wanted
    assert mmss(length) in plan.summary and "tempo journey" in plan.summary
    assert "out of reach" not in plan.rationale


def test_an_asked_length_out_of_reach_at_one_tempo_and_in_a_journey_says_so_once():
    plan, library = _mix(DEMO_SET, duration_s=3600.0)
    bpms = {t.id: t.bpm for t in library}
    length = derive_timeline(plan.model_dump(), bpms)[-1]["end_s"]
    assert all(s.bpm is not None for s in plan.segments)
    assert plan.rationale.count("is out of reach") == 1
    assert f"{mmss(length)} is the longest" in plan.rationale


@pytest.mark.parametrize("minutes", [None, 1.0, 2.5, 4.0, 7.0])
def test_one_tempo_libraries_plan_as_with_the_tempo_asked_for(minutes):
    """Tracks one tempo suits are planned exactly as when that tempo is asked for: the journey's
    duration fitting never touches them."""
    tempi = {"a": 120.0, "b": 122.0, "c": 125.0, "d": 118.0, "e": 121.0}
    asked = {"duration_s": minutes * 60} if minutes else {}
    free, _ = _mix(tempi, **asked)
    fixed, _ = _mix(tempi, bpm=free.target.bpm, **asked)
    assert free.segments == fixed.segments and free.target == fixed.target
    assert all(s.bpm is None for s in free.segments)


def test_a_length_one_tempo_meets_only_by_stretching_a_track_past_the_limit_keeps_the_journey():
    """Three short demo tracks (90, 174 and 100 BPM) asked for three minutes: one tempo (100)
    met the length only because Night Runner, slowed 43 % from 174, lasted 77 s instead of 44,
    so the journey (174 as 87, within 8 %) was dropped for it. A length is not worth a stretch
    past the ±16 % a plan allows: the journey stays and says the length is out of reach."""
    tempi = {"lanterns": 90.0, "runner": 174.0, "coastline": 100.0}
    lengths = {"lanterns": 64.0, "runner": 44.1, "coastline": 57.6}
    plan, library = _mix(tempi, lengths, duration_s=180.0)
    assert all(s.bpm is not None for s in plan.segments)
    assert max(_stretches(plan, library)) <= JOURNEY_STRETCH + 1e-9
    assert "is out of reach" in plan.rationale


def test_a_longer_echo_out_between_tempi_that_share_no_range_keeps_the_journey():
    # 90 → 100 ramps; 100 → 58 (counted at double time, 116) shares a range on its own, but not
    # with 90 → 100 as well, so the hand-over into the blues is an echo-out. Made longer, it
    # stays one: each side keeps its own tempo (a ramp through it would stretch the blues by
    # -16 %, and the plan fell back to one tempo, 90, stretching it by +55 %).
    plan, library = _mix({"lanterns": 90.0, "coast": 100.0, "blues": 58.0})
    assert plan.segments[2].transition_in == Transition(type="echo_out", beats=2)
    longer = EditOperation.model_validate(
        {"op": "set_transition", "transition": {"change": "longer"}}
    )
    revised = apply_edits(plan, [longer], library)[0]
    assert [s.bpm for s in revised.segments] == [s.bpm for s in plan.segments]
    echo = revised.segments[2].transition_in
    assert echo is not None and (echo.type, echo.beats, echo.ramp_beats) == ("echo_out", 4, 0)
    validate_plan(revised.model_dump(), track_facts(library))
    assert all(stretch <= JOURNEY_STRETCH + 1e-9 for stretch in _stretches(revised, library))
