"""Questions about tracks: read as `analyze` intents, answered from the analysis (no plan)."""

from __future__ import annotations

from typing import Any

import pytest

from intellimix.planner.analysis import answer, track_report
from intellimix.planner.builder import build_reply
from intellimix.planner.compat import key_fit, pair_score, tempo_ratio
from intellimix.planner.local import LocalPlanner
from intellimix.planner.plan import MixPlan
from intellimix.planner.reading import read_message
from intellimix.planner.turns import (
    Answer,
    LibraryTrack,
    MixIntent,
    PlannerReply,
    PlannerRequest,
    SongRequest,
)
from tests.planning_library import fixture_library
from tests.test_planner_reading import PLAN, questions_for

LIBRARY = fixture_library()
LOUD = {"lufs_integrated": -9.84, "true_peak_db": -0.91}
# Night Drive with a measured loudness (the fixture library has none).
MEASURED = [t.model_copy(update=LOUD) if t.id == "night_drive" else t for t in LIBRARY]
BY_ID = {t.id: t for t in MEASURED}


def read(message: str, plan: MixPlan | None = None, **context: Any) -> MixIntent:
    return read_message(
        PlannerRequest(message=message, library=LIBRARY, current_plan=plan, **context)
    )


def respond(message: str, plan: MixPlan | None = None) -> PlannerReply:
    return LocalPlanner().respond(
        PlannerRequest(message=message, library=MEASURED, current_plan=plan)
    )


def asked_about(intent: MixIntent) -> list[str | None]:
    return [s.track_id for s in intent.songs]


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "track_ids", "asked"),
    [
        ("analyse Night Drive", ["night_drive"], ["all"]),
        ("Analyze Night Drive please", ["night_drive"], ["all"]),
        ("anaylse nigth drive", ["night_drive"], ["all"]),  # typos in both words
        ("can you analyse Sunrise for me?", ["sunrise"], ["all"]),
        ("what key is Sunrise in?", ["sunrise"], ["key"]),
        ("wat key is sunrse in", ["sunrise"], ["key"]),
        ("What's the BPM of track 2?", ["sunrise"], ["bpm"]),  # the library's second track
        ("whats the bmp of nigth drive", ["night_drive"], ["bpm"]),
        ("what bpm is the last track", ["afterglow"], ["bpm"]),
        ("how loud is Night Drive", ["night_drive"], ["loudness"]),
        ("how many LUFS is Warehouse 7?", ["warehouse_7"], ["loudness"]),
        ("how long is Slow Burn?", ["slow_burn"], ["length"]),  # a title of fact words
        ("what's the structure of Golden Hour", ["golden_hour"], ["structure"]),
        ("where is the drop in Sunrise?", ["sunrise"], ["structure"]),
        ("the key of Iron Lung", ["iron_lung"], ["key"]),
        ("Sunrise bpm?", ["sunrise"], ["bpm"]),
        ("is Sunrise in 8B?", ["sunrise"], ["key"]),
        ("is Sunrise longer than 4 minutes?", ["sunrise"], ["length"]),
        ("tempo and key of Deep Blue?", ["deep_blue"], ["bpm", "key"]),
        ("tell me about Sunrise and Night Drive", ["sunrise", "night_drive"], ["all"]),
        ("info on warehouse 7", ["warehouse_7"], ["all"]),
        ("describe track 3", ["sunrise_extended"], ["all"]),
        ("compare Night Drive and Sunrise", ["night_drive", "sunrise"], ["all"]),
        ("comapre night drive with sunrise", ["night_drive", "sunrise"], ["all"]),
        ("Night Drive vs Sunrise", ["night_drive", "sunrise"], ["all"]),
        ("is Sunrise louder than Night Drive?", ["sunrise", "night_drive"], ["loudness"]),
        ("which is faster, Night Drive or Sunrise?", ["night_drive", "sunrise"], ["bpm"]),
        ("do Sunrise and Afterglow go well together?", ["sunrise", "afterglow"], ["key", "bpm"]),
        ("how well does Night Drive mix with Sunrise?", ["night_drive", "sunrise"], ["key", "bpm"]),
        ("are Sunrise and Afterglow compatible?", ["sunrise", "afterglow"], ["key", "bpm"]),
    ],
)
def test_a_question_about_tracks_reads_as_analyze(
    message: str, track_ids: list[str], asked: list[str]
) -> None:
    intent = read(message)
    assert intent.action == "analyze", intent
    assert asked_about(intent) == track_ids
    assert sorted(intent.asked) == sorted(asked)


@pytest.mark.parametrize(
    ("message", "queries"),
    [
        ("what key is Sandstorm in?", ["Sandstorm"]),
        ("how loud is bohemian rhapsody", ["bohemian rhapsody"]),
        ("tell me about track 42", ["track 42"]),
    ],
)
def test_a_name_the_library_lacks_is_kept_unresolved(message: str, queries: list[str]) -> None:
    intent = read(message)
    assert intent.action == "analyze"
    assert intent.songs == [SongRequest(query=q) for q in queries]


def test_a_known_and_an_unknown_track_are_both_kept() -> None:
    intent = read("tell me about Night Drive and Sandstorm")
    assert [(s.query, s.track_id) for s in intent.songs] == [
        ("Night Drive", "night_drive"),
        ("Sandstorm", None),
    ]


@pytest.mark.parametrize(
    ("message", "track_id"),
    [
        ("what's the BPM of track 2?", "sunrise"),
        ("how loud is the second track?", "sunrise"),
        ("what key is the last song in", "afterglow"),
        ("tell me about #1", "night_drive"),
    ],
)
def test_a_track_number_counts_in_the_current_plan(message: str, track_id: str) -> None:
    plan = PLAN.model_copy(deep=True)
    plan.segments = plan.segments[::-1]  # afterglow, sunrise, night drive → reversed numbering
    flipped = {"sunrise": "sunrise", "afterglow": "night_drive", "night_drive": "afterglow"}
    intent = read(message, plan)
    assert intent.action == "analyze" and asked_about(intent) == [flipped[track_id]]
    assert asked_about(read(message, PLAN)) == [track_id]


@pytest.mark.parametrize(
    ("message", "action", "plan"),
    [
        ("mix Night Drive into Sunrise", "mix", None),
        ("can you mix Night Drive with Sunrise?", "mix", None),
        ("is it possible to mix Night Drive and Sunrise at 124 bpm?", "mix", None),
        ("Night Drive into Sunrise at 124 bpm?", "mix", None),
        ("Slow Burn into Golden Hour?", "mix", None),
        ("Sunrise and Afterglow at 124 bpm?", "mix", None),  # only a question mark
        ("Sunrise and Afterglow, 5 minutes?", "mix", None),
        ("Warehouse 7 into Iron Lung, club loud", "mix", None),
        ("Golden Hour then Paper Lanterns for Spotify", "mix", None),
        ("make it 126 bpm", "revise", PLAN),
        ("can you make it 126 bpm?", "revise", PLAN),
        ("swap the first two tracks", "revise", PLAN),
        ("make the second track 126 bpm?", "revise", PLAN),
        ("what could follow Night Drive?", "suggest", None),
        ("which tracks go with Sunrise?", "suggest", None),
        ("make me a new techno track at 130 bpm, how long is it?", "generate", None),
        ("what's the bpm?", "chat", PLAN),
        ("what is a bpm?", "chat", None),
    ],
)
def test_requests_are_not_taken_for_questions(
    message: str, action: str, plan: MixPlan | None
) -> None:
    assert read(message, plan).action == action


@pytest.mark.parametrize(
    "message",
    [
        "how loud should a club mix be?",
        "make the second track louder",
        "what key should I play Sunrise in?",
        "Night Drive then Sunrise, what do you think?",
        "put Sunrise after Night Drive, is that too fast?",
    ],
)
@pytest.mark.parametrize("plan", [None, PLAN], ids=["no plan", "plan"])
def test_no_request_is_an_analysis(message: str, plan: MixPlan | None) -> None:
    assert read(message, plan).action != "analyze"


def test_a_question_is_answered_while_questions_about_a_mix_are_pending() -> None:
    pending = questions_for(read("mix Home into Sunrise"))
    intent = read("what key is Night Drive in?", pending_questions=pending)
    assert intent.action == "analyze" and asked_about(intent) == ["night_drive"]
    # An answer given as an option is still an answer, whatever its words.
    chosen = Answer(question_id=pending[0].question_id, selected_option_id="home_dj_okoro")
    answered = read("what key is Night Drive in?", pending_questions=pending, answers=[chosen])
    assert answered.action == "mix"


# --- answering --------------------------------------------------------------------------------


def test_analyse_says_every_fact_of_the_track() -> None:
    reply = respond("analyse Night Drive")
    assert reply.kind == "analysis" and reply.plan is None and not reply.questions
    assert reply.text == (
        "Night Drive — Neon Harbor: 118.0 BPM, A minor (8A), -9.8 LUFS integrated, true peak "
        "-0.9 dBTP, 3:32 long; sections: intro 0:00, verse 0:16, chorus 0:49, verse 1:21, "
        "chorus 1:54, bridge 2:26, chorus 2:43, outro 3:15."
    )
    assert reply.analysis is not None
    assert reply.analysis.model_dump() == {
        "track_ids": ["night_drive"],
        "asked": ["all"],
        "not_found": [],
        "compatibility": [],
    }


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("what key is Sunrise in?", "Sunrise — Lumen Coast: C major (8B)."),
        ("what's the BPM of track 2?", "Sunrise — Lumen Coast: 124.0 BPM."),
        ("how loud is Night Drive", "Night Drive — Neon Harbor: -9.8 LUFS integrated, true peak "),
        ("how loud is Sunrise", "Sunrise — Lumen Coast: loudness not measured."),
        ("how long is Slow Burn?", "Slow Burn — Tallis Grey: 3:35 long."),
    ],
)
def test_a_question_is_answered_with_the_facts_asked(message: str, text: str) -> None:
    reply = respond(message)
    assert reply.kind == "analysis" and reply.text.startswith(text)


def test_comparing_two_tracks_says_how_well_they_fit() -> None:
    reply = respond("compare Night Drive and Iron Lung")
    assert reply.analysis is not None
    [pair] = reply.analysis.compatibility
    night_drive, iron_lung = BY_ID["night_drive"], BY_ID["iron_lung"]
    relation = key_fit(night_drive.key, iron_lung.key)
    assert relation is not None
    assert (pair.from_track, pair.to_track) == ("night_drive", "iron_lung")
    assert pair.key_relation == relation["relation"] == "clash" and pair.compatible_keys is False
    assert pair.semitone_shift == relation["suggested_pitch_shift_semitones"]
    assert pair.tempo_ratio == round(tempo_ratio(118, 132) or 0, 3)
    assert pair.score == pair_score(night_drive, iron_lung)
    last = reply.text.splitlines()[-1]
    assert last.startswith(
        "Night Drive into Iron Lung: A minor (8A) to G minor (6A) is a key clash"
    )
    assert f"shifting Iron Lung {pair.semitone_shift:+d} semitones would fit" in last
    assert "118.0 to 132.0 BPM needs a 12% stretch, which may sound processed" in last


def test_a_compatibility_question_answers_keys_and_tempos() -> None:
    reply = respond("do Sunrise and Night Drive go well together?")
    assert reply.text.splitlines() == [
        "Sunrise — Lumen Coast: 124.0 BPM, C major (8B).",
        "Night Drive — Neon Harbor: 118.0 BPM, A minor (8A).",
        "Sunrise into Night Drive: C major (8B) to A minor (8A) is a move to the relative key, "
        "a harmonic move; 124.0 to 118.0 BPM needs a 5% stretch; overall fit 0.77 of 1.",
    ]


def test_half_and_double_time_is_said_so() -> None:
    reply = respond("are Amen Horizon and Slow Burn compatible?")
    assert reply.analysis is not None and reply.analysis.compatibility[0].half_double
    assert "174.0 to 85.0 BPM mixes in half or double time" in reply.text


def test_a_name_not_found_is_said() -> None:
    reply = respond("what key is Sandstorm in?")
    assert reply.kind == "analysis" and reply.analysis is not None
    assert (reply.analysis.track_ids, reply.analysis.not_found) == ([], ["Sandstorm"])
    assert reply.text.startswith('I can\'t find "Sandstorm" in your library.')
    mixed = respond("tell me about Night Drive and Sandstorm")
    assert mixed.analysis is not None and mixed.analysis.track_ids == ["night_drive"]
    assert mixed.text.splitlines()[-1] == 'I can\'t find "Sandstorm" in your library.'


def test_an_ambiguous_name_answers_for_each_track_it_may_be() -> None:
    reply = respond("what key is Home in?")
    assert reply.analysis is not None
    assert reply.analysis.track_ids == ["home_aurelia_stone", "home_dj_okoro"]
    assert reply.analysis.compatibility == []  # one name: nothing to compare
    assert reply.text.splitlines() == [
        '"Home" could be 2 tracks, so here are both.',
        "Home — Aurelia Stone: G major (9B).",
        "Home — DJ Okoro: A minor (8A).",
    ]


def test_an_ambiguous_name_means_the_track_the_plan_plays() -> None:
    plan = PLAN.model_copy(deep=True)
    plan.segments[1] = plan.segments[1].model_copy(update={"track_id": "home_dj_okoro"})
    reply = respond("what key is Home in?", plan)
    assert reply.analysis is not None and reply.analysis.track_ids == ["home_dj_okoro"]


def test_an_intent_from_any_provider_is_answered_the_same_way() -> None:
    """The cloud model answers intents too: ids it is sure of, or nothing named with a plan."""
    request = PlannerRequest(message="?", library=MEASURED, current_plan=PLAN)
    intent = MixIntent(
        action="analyze", songs=[SongRequest(query="x", track_id="deep_blue")], asked=["key"]
    )
    reply = build_reply(request, intent, provider="gemini")
    assert (reply.kind, reply.provider, reply.text) == (
        "analysis",
        "gemini",
        "Deep Blue — Okeanos: D minor (7A).",
    )
    everything = build_reply(request, MixIntent(action="analyze"), provider="gemini")
    assert everything.analysis is not None
    assert everything.analysis.track_ids == ["night_drive", "sunrise", "afterglow"]
    assert len(everything.analysis.compatibility) == 2
    alone = build_reply(
        request.model_copy(update={"current_plan": None}), MixIntent(action="analyze")
    )
    assert alone.kind == "analysis" and alone.text.startswith("Which track should I look at?")


def test_the_report_of_a_track_carries_its_facts() -> None:
    report = track_report(BY_ID["night_drive"])
    assert set(report) == {
        "track_id",
        "title",
        "artist",
        "duration_s",
        "bpm",
        "meter",
        "key",
        "camelot",
        "lufs_integrated",
        "true_peak_db",
        "sections",
    }
    assert (report["camelot"], report["lufs_integrated"], report["true_peak_db"]) == (
        "8A",
        -9.84,
        -0.91,
    )
    assert report["sections"][0] == {"label": "intro", "start_s": 0.0, "end_s": 16.27}


def test_a_track_with_nothing_measured_is_still_described() -> None:
    bare = LibraryTrack(id="bare", title="Bare", duration_s=0.0)
    text, report = answer(MixIntent(action="analyze", asked=["all"]), {"bare": bare}, ["bare"])
    assert text == (
        "Bare: tempo not detected, no key detected, loudness not measured, length unknown; "
        "no sections detected."
    )
    assert track_report(bare)["camelot"] is None and report.track_ids == ["bare"]


@pytest.mark.parametrize(
    ("message", "text"),
    [
        (
            "what time signature is Slow Burn in?",
            "Slow Burn — Tallis Grey: in 6/8 (two dotted-quarter",
        ),
        (
            "whats the meter of paper lanterns",
            "Paper Lanterns — Aurelia Stone: in 3/4 (three beats",
        ),
        ("what's the time sig of Sunrise", "Sunrise — Lumen Coast: in 4/4."),
        ("tell me about Sunrise", "Sunrise — Lumen Coast: 124.0 BPM, in 4/4, C major (8B)"),
        ("what time signature is Night Drive in", "Night Drive — Neon Harbor: no meter detected."),
    ],
)
def test_a_meter_question_is_answered_with_the_analysed_meter(message: str, text: str) -> None:
    meters = {"slow_burn": "6/8", "paper_lanterns": "3/4", "sunrise": "4/4"}
    library = [t.model_copy(update={"meter": meters.get(t.id)}) for t in LIBRARY]
    reply = LocalPlanner().respond(PlannerRequest(message=message, library=library))
    assert reply.kind == "analysis" and reply.text.startswith(text), reply.text


@pytest.mark.parametrize(
    ("message", "pair"),
    [
        ("how does night drive fit after sunrise?", ("sunrise", "night_drive")),
        ("would sunrise work after night drive", ("night_drive", "sunrise")),
        ("how does night drive fit before sunrise?", ("night_drive", "sunrise")),
        ("does night drive go into sunrise well?", ("night_drive", "sunrise")),
    ],
)
def test_a_pair_asked_about_plays_in_the_order_said(message: str, pair: tuple[str, str]) -> None:
    reply = respond(message)
    assert reply.analysis is not None and len(reply.analysis.compatibility) == 1
    comparison = reply.analysis.compatibility[0]
    assert (comparison.from_track, comparison.to_track) == pair
