"""The deterministic plan builder (issue 7), from hand-made intents over the fixture library."""

from __future__ import annotations

import bisect
from typing import Any

import pytest

from intellimix.audio.render import derive_timeline
from intellimix.planner.builder import build_reply
from intellimix.planner.compose import track_facts
from intellimix.planner.plan import MixPlan, Segment, validate_plan
from intellimix.planner.revisions import apply_edits
from intellimix.planner.songs import read_song_question_id
from intellimix.planner.suggest import suggest_tracks
from intellimix.planner.turns import (
    Answer,
    EditOperation,
    LibraryTrack,
    MixIntent,
    PlannerReply,
    PlannerRequest,
    Preferences,
)
from tests.planning_library import fixture_library

LIBRARY = fixture_library()
TRACKS = {t.id: t for t in LIBRARY}
BPMS = {t.id: t.bpm for t in LIBRARY}


def song(track_id: str, **part: Any) -> dict[str, Any]:
    return {"query": TRACKS[track_id].title, "track_id": track_id, **part}


def reply(intent: dict[str, Any], **request: Any) -> PlannerReply:
    """The builder's reply to an intent (action mix unless said), checked to be a valid reply."""
    planner_request = PlannerRequest.model_validate({"message": "…", "library": LIBRARY, **request})
    answer = build_reply(planner_request, MixIntent.model_validate({"action": "mix", **intent}))
    if answer.plan is not None:
        validate_plan(answer.plan.model_dump(), track_facts(LIBRARY))  # the builder's promise
    return answer


def mix(*track_ids: str, **intent: Any) -> MixPlan:
    answer = reply({"songs": [song(t) for t in track_ids], "order_fixed": True, **intent})
    assert answer.kind == "draft", answer.text
    assert answer.plan is not None
    return answer.plan


def order(plan: MixPlan) -> list[str]:
    return [s.track_id for s in plan.segments]


def length(plan: MixPlan) -> float:
    return derive_timeline(plan.model_dump(), BPMS)[-1]["end_s"]


def on_grid(track: LibraryTrack, t: float) -> bool:
    """A cut point on one of the track's downbeats, or at its very start or end."""
    points = [*track.downbeats, track.duration_s]
    index = bisect.bisect_left(points, t)
    near = points[max(0, index - 1) : index + 1]
    return min(abs(p - t) for p in near) < 2e-3


def covers(segment: Segment, span: tuple[float, float]) -> bool:
    """The segment plays all of span (fixture times are rounded to 10 ms)."""
    return segment.source_start_s <= span[0] + 0.01 and segment.source_end_s >= span[1] - 0.01


def section(track_id: str, label: str, occurrence: int = 1) -> tuple[float, float]:
    found = [s for s in TRACKS[track_id].sections if s.label == label][occurrence - 1]
    return found.start_s, found.end_s


# --- a new plan -------------------------------------------------------------------------------


def test_a_plan_plays_the_tracks_in_the_order_given_with_cuts_on_downbeats():
    answer = reply({"songs": [song("warehouse_7"), song("concrete_pulse")], "order_fixed": True})
    plan = answer.plan
    assert answer.kind == "draft" and plan is not None
    assert order(plan) == ["warehouse_7", "concrete_pulse"]
    for segment in plan.segments:
        track = TRACKS[segment.track_id]
        assert on_grid(track, segment.source_start_s) and on_grid(track, segment.source_end_s)
    assert plan.segments[0].transition_in is None
    assert plan.segments[1].transition_in.model_dump() == {"type": "crossfade", "beats": 16}
    assert plan.title and plan.summary and "order you gave" in plan.rationale
    assert [(c.from_segment, c.to_segment) for c in answer.compatibility] == [("s1", "s2")]


def test_the_default_part_is_the_first_drop_and_a_blend_starts_a_phrase_before_it():
    plan = mix("warehouse_7", "sunrise", bpm=124)
    drop_start, drop_end = section("sunrise", "drop")
    incoming = plan.segments[1]
    assert incoming.label == "drop" and incoming.source_end_s == pytest.approx(drop_end, abs=0.01)
    # A 16-beat blend is 4 bars; the segment starts on the phrase (8 bars) before the drop.
    phrase_s = 8 * 4 * 60 / 124
    assert incoming.source_start_s == pytest.approx(drop_start - phrase_s, abs=0.01)
    # The outgoing drop plays whole, the blend runs on past it.
    w_start, w_end = section("warehouse_7", "drop")
    assert plan.segments[0].source_start_s == pytest.approx(w_start, abs=0.01)
    assert plan.segments[0].source_end_s > w_end


def test_requested_sections_occurrences_and_time_ranges_are_played_as_asked():
    plan = mix(
        "night_drive",
        "golden_hour",
        "iron_lung",
        songs=[
            song("night_drive", section="chorus", occurrence=2),
            song("golden_hour", start_s=80, end_s=125),
            song("iron_lung", section="outro"),
        ],
        transitions=[{"type": "cut"}],
    )
    chorus, golden, outro = plan.segments
    assert (chorus.source_start_s, chorus.source_end_s) == pytest.approx(
        section("night_drive", "chorus", 2), abs=0.01
    )
    assert golden.source_start_s == pytest.approx(80, abs=1.1)
    assert golden.source_end_s == pytest.approx(125, abs=1.1)
    assert outro.source_end_s == pytest.approx(TRACKS["iron_lung"].duration_s, abs=0.01)


def test_a_missing_section_falls_back_to_its_stand_in_with_a_note():
    answer = reply({"songs": [song("warehouse_7", section="chorus"), song("sunrise")]})
    assert answer.plan.segments[0].label == "drop"
    assert any("no chorus" in note for note in answer.notes)


def test_an_unordered_list_is_ordered_by_key_and_tempo_and_says_why():
    # A minor (8A), E minor (9A) and D minor (7A): 7A → 8A → 9A steps round the wheel.
    answer = reply({"songs": [song("neon_rain"), song("deep_blue"), song("night_drive")]})
    assert order(answer.plan) in (
        ["deep_blue", "night_drive", "neon_rain"],
        ["neon_rain", "night_drive", "deep_blue"],
    )
    assert "key" in answer.plan.rationale and "7A" in answer.plan.rationale


@pytest.mark.parametrize(
    ("curve", "expected"),
    [
        ("rising", ["cafe_del_mar_ish", "golden_hour", "warehouse_7", "iron_lung"]),
        ("falling", ["iron_lung", "warehouse_7", "golden_hour", "cafe_del_mar_ish"]),
        ("peak", ["cafe_del_mar_ish", "warehouse_7", "iron_lung", "golden_hour"]),
    ],
)
def test_an_energy_curve_orders_an_unordered_list(curve, expected):
    ids = ["warehouse_7", "cafe_del_mar_ish", "iron_lung", "golden_hour"]
    answer = reply({"songs": [song(t) for t in ids], "energy": curve})
    assert order(answer.plan) == expected
    assert curve in answer.plan.rationale


def test_a_fixed_order_wins_over_an_energy_curve_and_says_so():
    plan = mix("iron_lung", "cafe_del_mar_ish", energy="rising")
    assert order(plan) == ["iron_lung", "cafe_del_mar_ish"]
    assert "not rising" in plan.rationale


def test_tempo_is_asked_else_remembered_range_else_the_median():
    assert mix("deep_blue", "afterglow", bpm=126).target.bpm == 126
    assert mix("deep_blue", "afterglow").target.bpm == 122.5
    remembered = Preferences(bpm_range=(124, 128))
    answer = reply(
        {"songs": [song("deep_blue"), song("afterglow")]}, preferences=remembered.model_dump()
    )
    assert answer.plan.target.bpm == 124
    answer = reply(
        {"songs": [song("deep_blue"), song("afterglow")], "bpm": 121},
        preferences=remembered.model_dump(),
    )
    assert answer.plan.target.bpm == 121


def test_a_target_key_shifts_each_track_onto_its_camelot_number():
    plan = mix("deep_blue", "warehouse_7", "sunrise", key="8A")
    assert plan.target.key == "A minor"
    # D minor → A minor is 5 down; A minor stays; C major is A minor's relative.
    assert [s.pitch_semitones for s in plan.segments] == [-5, 0, 0]


def test_without_a_target_key_clashes_are_warned_about_not_shifted():
    answer = reply({"songs": [song("warehouse_7"), song("concrete_pulse")], "order_fixed": True})
    assert all(s.pitch_semitones == 0 for s in answer.plan.segments)
    assert answer.plan.target.key is None
    assert any("Concrete Pulse" in w and "-2 semitone" in w for w in answer.warnings)
    assert answer.compatibility[0].key_relation == "clash"
    assert answer.compatibility[0].semitone_shift == -2


def test_asked_transitions_apply_to_the_track_they_lead_into():
    plan = mix(
        "night_drive",
        "neon_rain",
        "golden_hour",
        transitions=[
            {"into": "Neon Rain", "type": "bass_swap", "beats": 32},
            {"into": "golden_hour", "type": "cut"},
        ],
    )
    assert plan.segments[1].transition_in.model_dump() == {"type": "bass_swap", "beats": 32}
    assert plan.segments[2].transition_in.model_dump() == {"type": "cut", "beats": 0}


def test_a_type_without_a_length_gets_the_default_length_and_a_length_keeps_the_type():
    plan = mix("sunrise", "afterglow", transitions=[{"type": "echo_out"}])
    assert plan.segments[1].transition_in.model_dump() == {"type": "echo_out", "beats": 16}
    plan = mix("sunrise", "afterglow", transitions=[{"beats": 32}])
    assert plan.segments[1].transition_in.model_dump() == {"type": "crossfade", "beats": 32}


def test_remembered_transition_defaults_apply_but_explicit_words_win():
    remembered = Preferences(transition_type="bass_swap", transition_beats=32).model_dump()
    songs = [song("sunrise"), song("afterglow"), song("manana_club")]
    answer = reply(
        {
            "songs": songs,
            "order_fixed": True,
            "transitions": [{"into": "afterglow", "type": "cut"}],
        },
        preferences=remembered,
    )
    transitions = [s.transition_in for s in answer.plan.segments[1:]]
    assert transitions[0].model_dump() == {"type": "cut", "beats": 0}
    assert transitions[1].model_dump() == {"type": "bass_swap", "beats": 32}


def test_a_requested_transition_grows_asked_sections_to_fit():
    # A 64-beat swap needs 32 bars each side; the choruses (16 bars) grow, covering the chorus.
    plan = mix(
        "paper_lanterns",
        "golden_hour",
        songs=[song("paper_lanterns", section="chorus"), song("golden_hour", section="chorus")],
        transitions=[{"type": "bass_swap", "beats": 64}],
    )
    assert plan.segments[1].transition_in.beats == 64
    assert covers(plan.segments[1], section("golden_hour", "chorus"))


def test_a_transition_longer_than_half_a_time_range_is_shortened_with_a_note():
    answer = reply(
        {
            "songs": [song("deep_blue", start_s=0, end_s=20), song("warehouse_7")],
            "order_fixed": True,
            "transitions": [{"type": "crossfade", "beats": 64}],
        }
    )
    assert answer.plan.segments[1].transition_in.model_dump() == {"type": "crossfade", "beats": 16}
    assert any("longer than half" in note for note in answer.notes)


def test_a_longer_blend_than_its_segments_allow_changes_nothing_and_says_why():
    # Two 30 s tracks played whole: a 32-beat blend (16 s at 120 BPM) would be longer than half
    # of either, so the 16-beat one stays — said as such, not as "already done".
    short = [LibraryTrack(id=t, title=t.title(), duration_s=30.0, bpm=120.0) for t in ("a", "b")]
    songs = [{"query": t.title, "track_id": t.id} for t in short]
    first = build_reply(
        PlannerRequest(message="…", library=short),
        MixIntent.model_validate({"action": "mix", "songs": songs, "order_fixed": True}),
    )
    assert first.plan is not None and first.plan.segments[1].transition_in.beats == 16
    longer = {"op": "set_transition", "transition": {"change": "longer"}}
    answer = build_reply(
        PlannerRequest(message="…", library=short, current_plan=first.plan),
        MixIntent.model_validate({"action": "revise", "edits": [longer]}),
    )
    assert answer.plan == first.plan
    assert answer.text.startswith("Nothing changed. The crossfade into B is 16 beats:"), answer.text
    assert "Already done" not in answer.text and answer.notes == []


@pytest.mark.parametrize("minutes", [2, 5, 8])
def test_a_requested_duration_is_met_within_five_percent(minutes):
    plan = mix("deep_blue", "warehouse_7", "afterglow", duration_s=minutes * 60)
    assert length(plan) == pytest.approx(minutes * 60, rel=0.05)
    assert plan.target.duration_s == minutes * 60
    for segment in plan.segments:
        track = TRACKS[segment.track_id]
        assert on_grid(track, segment.source_start_s) and on_grid(track, segment.source_end_s)


def test_a_duration_grows_other_tracks_before_a_time_range():
    plan = mix(
        "golden_hour",
        "paper_lanterns",
        songs=[song("golden_hour", start_s=80, end_s=125), song("paper_lanterns")],
        duration_s=180,
    )
    assert length(plan) == pytest.approx(180, rel=0.05)
    assert plan.segments[0].source_start_s == pytest.approx(80, abs=1.1)
    assert plan.segments[0].source_end_s == pytest.approx(125, abs=1.1)


@pytest.mark.parametrize(("asked", "reachable"), [(3000, "longest"), (10, "shortest")])
def test_an_impossible_duration_gives_the_nearest_plan_and_a_note(asked, reachable):
    answer = reply({"songs": [song("slow_burn"), song("dont_look_back")], "duration_s": asked})
    assert answer.kind == "draft"
    assert any("out of reach" in note and reachable in note for note in answer.notes)
    if asked > 100:  # both tracks play whole
        spans = [(s.source_start_s, s.source_end_s) for s in answer.plan.segments]
        whole = [(0.0, TRACKS[s.track_id].duration_s) for s in answer.plan.segments]
        assert spans == pytest.approx(whole, abs=0.01)
    else:  # as short as a 16-beat blend allows: 8 bars each
        assert length(answer.plan) < 45


def test_loudness_is_asked_else_remembered_else_streaming():
    assert mix("sunrise", "afterglow", lufs=-9).target.lufs == -9
    remembered = Preferences(lufs=-11, duration_s=240).model_dump()
    answer = reply({"songs": [song("sunrise"), song("afterglow")]}, preferences=remembered)
    assert answer.plan.target.lufs == -11
    assert length(answer.plan) == pytest.approx(240, rel=0.05)
    assert mix("sunrise", "afterglow").target.lufs == -14


# --- questions --------------------------------------------------------------------------------


def test_an_ambiguous_song_is_a_question_with_its_candidates():
    answer = reply({"songs": [{"query": "Home"}, song("sunrise")], "order_fixed": True})
    assert answer.kind == "questions" and answer.plan is None
    (question,) = answer.questions
    # A mix may want both: several may be picked, and "all" is offered.
    assert question.multi_select
    assert {o.id for o in question.options} == {"home_aurelia_stone", "home_dj_okoro", "all"}
    assert "Home" in question.question
    intent, slot = read_song_question_id(question.question_id)
    assert slot == "songs.0" and intent.songs[1].track_id == "sunrise"


def test_a_song_the_library_lacks_is_planned_without_and_named_for_the_chat():
    answer = reply({"songs": [{"query": "Bohemian Rhapsody"}, song("sunrise"), song("deep_blue")]})
    assert answer.kind == "draft" and answer.plan is not None
    assert set(order(answer.plan)) == {"sunrise", "deep_blue"}
    assert answer.unresolved_songs == ["Bohemian Rhapsody"]
    assert answer.text.startswith('I couldn\'t find "Bohemian Rhapsody" in your library.')


def test_only_missing_songs_or_a_stale_track_id_is_a_question_offering_library_tracks():
    answer = reply({"songs": [{"query": "Bohemian Rhapsody"}, {"query": "Blinding Lights"}]})
    assert answer.kind == "questions" and answer.plan is None
    assert answer.unresolved_songs == ["Bohemian Rhapsody", "Blinding Lights"]
    assert all(q.options and all(o.id in TRACKS for o in q.options) for q in answer.questions)
    answer = reply({"songs": [{"query": "zzz", "track_id": "no-such-id"}, song("sunrise")]})
    assert answer.kind == "questions" and answer.unresolved_songs == []


def test_a_mix_that_names_no_songs_is_a_set_the_builder_chose_and_explains():
    answer = reply({"duration_s": 240})
    assert answer.kind == "draft" and answer.plan is not None
    used = {s.track_id for s in answer.plan.segments}
    assert len(used) >= 3 and used <= set(TRACKS)
    assert answer.text.startswith("I picked")


# --- revisions --------------------------------------------------------------------------------


def revise(plan: MixPlan, *edits: dict[str, Any], **intent: Any) -> PlannerReply:
    answer = reply({"action": "revise", "edits": list(edits), **intent}, current_plan=plan)
    return answer


def test_a_revision_keeps_what_it_does_not_touch():
    plan = mix("night_drive", "sunrise", "afterglow")
    answer = revise(plan, {"op": "set_bpm", "number": 126})
    assert answer.kind == "draft" and answer.plan.target.bpm == 126
    assert [op.op for op in answer.operations] == ["set_bpm"]
    before = [(s.id, s.track_id, s.source_start_s, s.source_end_s) for s in plan.segments]
    after = [(s.id, s.track_id, s.source_start_s, s.source_end_s) for s in answer.plan.segments]
    assert before == after


ND, SR, AG, IL, DB = "night_drive", "sunrise", "afterglow", "iron_lung", "deep_blue"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ({"op": "swap", "track": ND, "other": SR}, [SR, ND, AG]),
        ({"op": "reorder", "tracks": [AG, "Night Drive"]}, [AG, ND, SR]),
        ({"op": "remove_track", "track": "Sunrise"}, [ND, AG]),
        (
            {"op": "add_track", "song": {"query": "Iron Lung"}, "position": 1},
            [ND, "iron_lung", SR, AG],
        ),
        ({"op": "add_track", "track": "Iron Lung"}, [ND, SR, AG, "iron_lung"]),
        (
            {"op": "replace_track", "track": SR, "song": {"query": "Deep Blue"}},
            [ND, "deep_blue", AG],
        ),
        ({"op": "set_energy", "text": "falling"}, [AG, SR, ND]),
    ],
)
def test_track_edits(edit, expected):
    plan = mix("night_drive", "sunrise", "afterglow")
    answer = revise(plan, edit)
    assert order(answer.plan) == expected
    assert answer.plan.segments[0].transition_in is None
    assert all(s.transition_in is not None for s in answer.plan.segments[1:])


def test_replacing_a_track_with_itself_says_it_is_already_there():
    plan = mix("night_drive", "sunrise", "afterglow")
    answer = revise(plan, {"op": "replace_track", "index": -1, "song": {"query": "Afterglow"}})
    assert answer.kind == "chat" and answer.plan is None
    assert "Afterglow is already track 3, so nothing was replaced." in answer.text


def test_set_section_changes_only_that_track():
    plan = mix("night_drive", "sunrise")
    answer = revise(plan, {"op": "set_section", "song": song("night_drive", section="bridge")})
    changed, kept = answer.plan.segments
    assert changed.label == "bridge" and changed.id == plan.segments[0].id
    assert covers(changed, section("night_drive", "bridge"))
    assert kept == plan.segments[1]


def test_target_edits_and_a_duration_refit():
    plan = mix("deep_blue", "warehouse_7")
    answer = revise(
        plan,
        {"op": "set_key", "text": "7A"},
        {"op": "set_lufs", "number": -8.5},
        {"op": "set_duration", "number": 480},
    )
    assert answer.plan.target.key == "D minor" and answer.plan.target.lufs == -8.5
    assert [s.pitch_semitones for s in answer.plan.segments] == [0, 5]
    assert length(answer.plan) == pytest.approx(480, rel=0.05)


def test_set_transition_changes_the_length_and_keeps_the_type():
    plan = mix("warehouse_7", "concrete_pulse", transitions=[{"type": "filter_sweep"}])
    answer = revise(plan, {"op": "set_transition", "transition": {"beats": 64}})
    assert answer.plan.segments[1].transition_in.model_dump() == {
        "type": "filter_sweep",
        "beats": 64,
    }


def test_intent_fields_of_a_revision_become_edits():
    plan = mix("afterglow", "manana_club", bpm=124)
    answer = reply({"action": "mix", "bpm": 126}, current_plan=plan)
    assert answer.kind == "draft" and answer.plan.target.bpm == 126
    assert order(answer.plan) == ["afterglow", "manana_club"]


def test_a_revision_naming_an_unknown_track_asks_and_keeps_the_edits_in_the_question():
    plan = mix("deep_blue", "sunrise")
    answer = revise(plan, {"op": "add_track", "song": {"query": "Sandstorm"}, "position": 2})
    assert answer.kind == "questions"
    assert answer.unresolved_songs == ["Sandstorm"]  # the chat may offer to import it
    intent, slot = read_song_question_id(answer.questions[0].question_id)
    assert slot == "edits.0.song" and intent.edits[0].op == "add_track"


def test_removing_the_only_track_is_refused():
    plan = mix("deep_blue")
    answer = revise(plan, {"op": "remove_track", "track": "deep_blue"})
    assert answer.kind == "chat" and answer.plan is None


def test_apply_edits_reports_ops_that_cannot_apply():
    plan = mix("deep_blue", "sunrise")
    revised, applied, notes, _ = apply_edits(
        plan,
        [
            EditOperation.model_validate(
                {"op": "swap", "track": "deep_blue", "other": "deep_blue"}
            ),
            EditOperation.model_validate({"op": "set_bpm", "number": 250}),
        ],
        LIBRARY,
    )
    assert [op.op for op in applied] == ["set_bpm"] and revised.target.bpm == 200
    assert any("two different tracks" in note for note in notes)


# --- attached timelines -----------------------------------------------------------------------


def edited_timeline() -> list[dict[str, Any]]:
    plan = mix("night_drive", "sunrise")
    segments = [s.model_dump() for s in plan.segments]
    segments[0]["source_start_s"] = 16.271  # trimmed by hand in the editor
    return segments


def test_an_attachment_that_agrees_with_the_message_is_merged():
    attached = edited_timeline()
    answer = reply(
        {"songs": [song("night_drive"), song("sunrise")], "bpm": 124},
        attached_segments=attached,
    )
    assert answer.kind == "draft" and answer.plan.target.bpm == 124
    assert answer.plan.segments[0].source_start_s == pytest.approx(16.271)


def test_an_attachment_that_conflicts_asks_how_to_resolve():
    answer = reply(
        {"songs": [song("warehouse_7"), song("iron_lung")]},
        attached_segments=edited_timeline(),
    )
    assert answer.kind == "clarification"
    (question,) = answer.questions
    assert [o.id for o in question.options] == [
        "keep_attached_cuts",
        "replan_with_prompt",
        "replace_timeline",
    ]


@pytest.mark.parametrize(
    ("choice", "tracks", "bpm"),
    [
        ("keep_attached_cuts", ["night_drive", "sunrise"], 126),
        ("replan_with_prompt", ["warehouse_7", "iron_lung"], 126),
        ("replace_timeline", ["night_drive", "sunrise"], 121),
    ],
)
def test_the_clarification_answer_decides(choice, tracks, bpm):
    answer = reply(
        {"songs": [song("warehouse_7"), song("iron_lung")], "order_fixed": True, "bpm": 126},
        attached_segments=edited_timeline(),
        answers=[Answer(question_id="timeline", selected_option_id=choice).model_dump()],
    )
    assert answer.kind == "draft" and order(answer.plan) == tracks
    assert answer.plan.target.bpm == bpm


# --- generation, suggestions, chat ------------------------------------------------------------


def test_generate_hands_the_request_on():
    answer = reply({"action": "generate", "generation": {"prompt": "dark techno at 134"}})
    assert answer.kind == "generate" and answer.generation.prompt == "dark techno at 134"
    assert "techno" in answer.text and "134" in answer.text


def test_suggest_ranks_tracks_that_follow_the_seed():
    answer = reply({"action": "suggest", "songs": [song("warehouse_7")], "suggest_count": 3})
    assert answer.kind == "suggestions" and len(answer.suggestions) == 3
    assert all(s.reasons for s in answer.suggestions)
    scores = [s.score for s in answer.suggestions]
    assert scores == sorted(scores, reverse=True)
    # A minor at 128: the other A minor tracks near its tempo lead.
    assert answer.suggestions[0].track_id in {"home_dj_okoro", "night_drive", "sunrise"}


def test_suggestions_count_half_and_double_time():
    seed = LibraryTrack(id="seed", title="Seed", duration_s=200, bpm=87, key="E minor")
    double = LibraryTrack(id="double", title="Double", duration_s=200, bpm=174, key="E minor")
    off = LibraryTrack(id="off", title="Off", duration_s=200, bpm=120, key="E minor")
    ranked = suggest_tracks([seed, double, off], seed)
    assert [s.track_id for s in ranked] == ["double", "off"]
    assert "half/double" in ranked[0].reasons[1]


def test_chat_answers_in_words():
    assert reply({"action": "chat"}).kind == "chat"
    plan = mix("sunrise", "afterglow")
    answer = reply({"action": "chat"}, current_plan=plan)
    assert answer.kind == "chat" and plan.title in answer.text


def test_an_attachment_of_unknown_tracks_is_answered_in_words():
    attached = [{**edited_timeline()[0], "track_id": "gone"}]
    answer = reply({"songs": [song("sunrise")]}, attached_segments=attached)
    assert answer.kind == "chat"
