"""Undo, redo and "go back to plan N" over a chat's drafts, and the `changes` each draft shows.

The edits are real planning turns (edited timelines through the local planner). The words
"undo", "redo 2", "go back to plan 1" are read by a thin provider in front of the local planner
that answers them with the planner's `navigate` reply, so the chat layer is tested on its own.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from intellimix.chats import navigation
from intellimix.chats.models import PlanDraft
from intellimix.extensions import db
from intellimix.planner.local import LocalPlanner
from intellimix.planner.turns import MixIntent, Navigation, PlannerReply, PlannerRequest

from .chat_support import CHATS, answer, execute, person, say, thread

MIX = "Night Drive into the drop of Sunrise at 124 BPM, about 3 minutes"
MOVE = re.compile(r"^(undo|redo)(?: (\d+))?$|^go back to plan (\d+)$|^go back to plan$")
# Three timeline edits, each a new transition length into segment 2 and a new gain on segment 1.
EDITS = ((8, -2.0), (4, 1.0), (2, 0.5))


class Navigating:
    """The local planner, except that "undo", "redo N", "go back to plan N" navigate."""

    def respond(self, request: PlannerRequest) -> PlannerReply:
        found = MOVE.match(request.message.strip())
        if found is None:
            return LocalPlanner().respond(request)
        action, steps, number = found.groups()
        if action is not None:
            move = Navigation(action=action, steps=int(steps or 1))
        else:
            move = Navigation(action="goto", draft_number=int(number) if number else None)
        return PlannerReply(
            kind="navigate", text="", intent=MixIntent(action="chat"), navigation=move
        )


@pytest.fixture
def navigating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("intellimix.chats.planning.planner_for", lambda config: Navigating())


def _first_plan(app: Any, client: Any, who: Any) -> tuple[str, dict[str, Any]]:
    created = thread(client, who, initial_prompt=MIX)
    execute(app, created["run"]["id"])
    message = answer(client, who, created["run"]["id"])
    assert message["content_json"]["kind"] == "planning_draft_ready", message
    return created["thread"]["id"], message


def _edit(app: Any, client: Any, who: Any, thread_id: str, draft: dict, beats: int, gain: float):
    segments = copy.deepcopy(draft["plan"]["segments"])
    segments[1]["transition_in"]["beats"] = beats
    segments[0]["gain_db"] = gain
    attachment = {"type": "timeline_snapshot", "draft_id": draft["id"], "segments": segments}
    message = say(app, client, who, thread_id, {"attachments": [attachment]})
    assert message["content_json"]["kind"] == "planning_draft_ready", message
    return message


def _edited_thread(app: Any, client: Any, who: Any) -> tuple[str, list[dict[str, Any]]]:
    """A thread with a first plan and three edits: the four drafts' messages, in order."""
    thread_id, first = _first_plan(app, client, who)
    messages = [first]
    for beats, gain in EDITS:
        draft = messages[-1]["content_json"]["draft"]
        messages.append(_edit(app, client, who, thread_id, draft, beats, gain))
    return thread_id, messages


def _words(app: Any, client: Any, who: Any, thread_id: str, words: str) -> dict[str, Any]:
    return say(app, client, who, thread_id, {"content": words})


def _active(client: Any, who: Any, thread_id: str) -> str | None:
    body = client.get(f"{CHATS}/{thread_id}", headers=who.headers).get_json()
    return body["thread"]["active_planning_draft_id"]


def _plan(message: dict[str, Any]) -> dict[str, Any]:
    return dict(message["content_json"]["draft"]["plan"])


@pytest.mark.database
def test_three_edits_undone_and_redone_restore_each_plan_exactly(app, api, navigating):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    plans = [_plan(m) for m in made]
    assert len({repr(p["segments"]) for p in plans}) == 4  # four different plans

    undone = [_words(app, api.client, ada, thread_id, "undo") for _ in range(3)]
    for message, expected in zip(undone, reversed(plans[:3]), strict=True):
        content = message["content_json"]
        assert content["kind"] == "planning_draft_ready"
        assert _plan(message) == expected
        assert content["draft"]["status"] == "draft_ready"
    assert [m["content_json"]["navigation"]["plan_number"] for m in undone] == [3, 2, 1]
    assert undone[0]["content_text"].startswith(
        "Undid: Night Drive 0.5 dB quieter; transition 1 → 2-beat crossfade."
    )
    assert _active(api.client, ada, thread_id) == undone[-1]["content_json"]["draft_id"]

    redone = [_words(app, api.client, ada, thread_id, "redo") for _ in range(3)]
    for message, expected in zip(redone, plans[1:], strict=True):
        assert _plan(message) == expected
    assert [m["content_json"]["navigation"]["plan_number"] for m in redone] == [2, 3, 4]
    assert redone[-1]["content_text"].startswith(
        "Redid: Night Drive 0.5 dB quieter; transition 1 → 2-beat crossfade"
    )

    # Each restoring draft records the plan it restores, and the stored plan is the same JSON.
    with app.app_context():
        for message, source in zip(undone + redone, [*made[2::-1], *made[1:]], strict=True):
            restoring = db.session.get(PlanDraft, message["content_json"]["draft_id"])
            restored = db.session.get(PlanDraft, source["content_json"]["draft_id"])
            assert restoring.restores_id == restored.id
            assert restoring.plan == restored.plan
            assert restoring.plan is not restored.plan


@pytest.mark.database
def test_nothing_to_undo_or_redo_changes_nothing(app, api, navigating):
    ada = person(app, api)
    thread_id, first = _first_plan(app, api.client, ada)
    before = _active(api.client, ada, thread_id)
    nothing = _words(app, api.client, ada, thread_id, "undo")
    assert nothing["content_json"]["kind"] == "chat"
    assert (
        nothing["content_text"] == "There is nothing to undo: this is the first plan of this chat."
    )
    assert nothing["content_json"]["navigation"]["plan_number"] == 1
    again = _words(app, api.client, ada, thread_id, "redo")
    assert again["content_text"] == "There is nothing to redo: this is the latest change."
    assert _active(api.client, ada, thread_id) == before


def test_without_a_plan_there_is_nothing_to_move(app, api, navigating):
    ada = person(app, api)
    thread_id = thread(api.client, ada)["thread"]["id"]
    for words, verb in (("undo", "undo"), ("redo", "redo"), ("go back to plan 1", "go back to")):
        said = _words(app, api.client, ada, thread_id, words)
        assert said["content_text"] == f"There is no plan yet, so there is nothing to {verb}."
        assert said["content_json"]["kind"] == "chat"
    assert _active(api.client, ada, thread_id) is None


def test_a_new_edit_after_an_undo_discards_the_redo_branch(app, api, navigating):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    plans = [_plan(m) for m in made]
    back = _words(app, api.client, ada, thread_id, "undo 2")
    assert _plan(back) == plans[1]
    assert back["content_text"].startswith("Undid 2 changes: ")
    branch = _edit(app, api.client, ada, thread_id, back["content_json"]["draft"], 16, -6.0)
    assert branch["content_json"]["changes"]["transitions"][0]["old"]["beats"] == 8  # from plan 2
    nothing = _words(app, api.client, ada, thread_id, "redo")
    assert nothing["content_text"] == "There is nothing to redo: this is the latest change."
    assert _plan(_words(app, api.client, ada, thread_id, "undo")) == plans[1]
    assert _plan(_words(app, api.client, ada, thread_id, "undo")) == plans[0]
    # The abandoned plans 3 and 4 are still plans 3 and 4; going to one of them is a move too.
    to_four = _words(app, api.client, ada, thread_id, "go back to plan 4")
    assert _plan(to_four) == plans[3]
    assert to_four["content_json"]["navigation"]["plan_number"] == 4
    assert to_four["content_text"].startswith("Back to plan 4: ")
    assert _plan(_words(app, api.client, ada, thread_id, "undo")) == plans[0]
    assert _plan(_words(app, api.client, ada, thread_id, "redo")) == plans[3]


def test_undo_further_than_possible_goes_to_the_first_plan_and_says_so(app, api, navigating):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    back = _words(app, api.client, ada, thread_id, "undo 10")
    assert _plan(back) == _plan(made[0])
    assert back["content_text"].startswith("There were only 3 changes to undo. Undid 3 changes: ")
    assert back["content_json"]["navigation"]["steps"] == 3
    ahead = _words(app, api.client, ada, thread_id, "redo 5")
    assert _plan(ahead) == _plan(made[3])
    assert ahead["content_text"].startswith("There were only 3 changes to redo. Redid 3 changes")


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("go back to plan 9", "There is no plan 9. This chat has plans 1 to 4."),
        ("go back to plan", "Which plan? This chat has plans 1 to 4."),
        ("go back to plan 4", "Plan 4 is the current plan already."),
    ],
)
def test_going_to_a_plan_that_cannot_be_reached_changes_nothing(app, api, navigating, words, said):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    reply = _words(app, api.client, ada, thread_id, words)
    assert reply["content_text"] == said
    assert reply["content_json"]["kind"] == "chat"
    assert _active(api.client, ada, thread_id) == made[-1]["content_json"]["draft_id"]


def test_an_undo_says_the_length_it_returns_to(app, api, navigating):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    undone = _words(app, api.client, ada, thread_id, "undo")
    changes = made[-1]["content_json"]["changes"]
    back_to = round(changes["old_length_s"])
    assert undone["content_text"] == (
        "Undid: Night Drive 0.5 dB quieter; transition 1 → 2-beat crossfade."
        f" The mix is {back_to // 60}:{back_to % 60:02d} again."
    )


def test_questions_pending_do_not_count_as_plans(app, api, navigating):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    with app.app_context():
        from intellimix.chats import drafts

        active = drafts.active(thread_id)
        drafts.add(thread_id, parent=active, status="collecting", plan=active.plan, questions=[])
        db.session.commit()
        past = navigation.history(thread_id)
        assert len(past.edits) == 4 and past.at == 3
    undone = _words(app, api.client, ada, thread_id, "undo")
    assert _plan(undone) == _plan(made[2])


# --- what each draft says changed -------------------------------------------------------------


@pytest.mark.database
def test_drafts_carry_what_changed_since_their_parent(app, api):
    ada = person(app, api)
    thread_id, first = _first_plan(app, api.client, ada)
    assert first["content_json"]["changes"] is None  # a first plan
    assert first["content_json"]["draft"]["changes"] is None
    edited = _edit(app, api.client, ada, thread_id, first["content_json"]["draft"], 8, -2.0)
    changes = edited["content_json"]["changes"]
    assert changes == edited["content_json"]["draft"]["changes"]
    assert changes["transitions"] == [
        {
            "index": 1,
            "segment_id": "s2",
            "old": {"type": "crossfade", "beats": 16},
            "new": {"type": "crossfade", "beats": 8},
        }
    ]
    assert [(c["segment_id"], c["aspects"]) for c in changes["changed"]] == [("s1", ["gain"])]
    assert not changes["added"] and not changes["removed"] and not changes["order_changed"]
    assert changes["new_length_s"] > changes["old_length_s"]  # a shorter overlap
    draft_id = edited["content_json"]["draft_id"]
    fetched = api.client.get(f"{CHATS}/{thread_id}/plan-drafts/{draft_id}", headers=ada.headers)
    assert fetched.get_json()["draft"]["changes"] == changes
    assert fetched.get_json()["draft"]["restores_id"] is None


# --- the words, read by the local planner ------------------------------------------------------


@pytest.mark.database
def test_undo_redo_and_go_back_said_in_words(app, api):
    ada = person(app, api)
    thread_id, made = _edited_thread(app, api.client, ada)
    plans = [_plan(m) for m in made]

    undone = _words(app, api.client, ada, thread_id, "undo that")
    assert undone["content_json"]["kind"] == "planning_draft_ready", undone
    assert _plan(undone) == plans[2]
    assert undone["content_text"].startswith("Undid: ")
    again = _words(app, api.client, ada, thread_id, "undo")
    assert _plan(again) == plans[1]
    redone = _words(app, api.client, ada, thread_id, "redo")
    assert _plan(redone) == plans[2]
    assert redone["content_text"].startswith("Redid: ")
    first = _words(app, api.client, ada, thread_id, "go back to version 1")
    assert _plan(first) == plans[0]
    assert first["content_json"]["navigation"]["plan_number"] == 1
    assert _active(api.client, ada, thread_id) == first["content_json"]["draft_id"]
    with app.app_context():
        restored = db.session.get(PlanDraft, first["content_json"]["draft_id"])
        assert restored.restores_id == made[0]["content_json"]["draft_id"]
