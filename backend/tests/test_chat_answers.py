"""Answers to planning questions through the API: one option, several options of a
multi-select question (`selected_option_ids`), words; what is stored and what the planner gets."""

from __future__ import annotations

from typing import Any

import pytest

from intellimix.chats import drafts
from intellimix.extensions import db
from intellimix.planner.local import LocalPlanner
from intellimix.planner.turns import PlannerReply, PlannerRequest, Question, QuestionOption

from .chat_support import CHATS, execute, person, post, say, thread

TRACKS_QUESTION = Question(
    question_id="tracks",
    question="Which tracks should go in the mix?",
    options=[
        QuestionOption(id="all", label="All of them"),
        QuestionOption(id="night_drive", label="Night Drive"),
        QuestionOption(id="sunrise", label="Sunrise"),
        QuestionOption(id="deep_blue", label="Deep Blue"),
    ],
    multi_select=True,
)
LENGTH_QUESTION = Question(
    question_id="length",
    question="How long?",
    options=[
        QuestionOption(id="2m", label="2 minutes"),
        QuestionOption(id="3m", label="3 minutes"),
    ],
)


class Recording:
    """The local planner, keeping every request it was given."""

    def __init__(self) -> None:
        self.requests: list[PlannerRequest] = []

    def respond(self, request: PlannerRequest) -> PlannerReply:
        self.requests.append(request)
        return LocalPlanner().respond(request)


@pytest.fixture
def planner(monkeypatch: pytest.MonkeyPatch) -> Recording:
    recording = Recording()
    monkeypatch.setattr("intellimix.chats.planning.planner_for", lambda config: recording)
    return recording


def _asking(app: Any, api: Any) -> tuple[Any, str, str]:
    """A person and a thread whose active draft waits for answers to both questions."""
    ada = person(app, api, library=False)
    thread_id = thread(api.client, ada)["thread"]["id"]
    with app.app_context():
        draft = drafts.add(
            thread_id,
            parent=None,
            status="collecting",
            plan=None,
            questions=[q.model_dump(mode="json") for q in (TRACKS_QUESTION, LENGTH_QUESTION)],
        )
        db.session.commit()
        return ada, thread_id, draft.id


def _respond(draft_id: str, *answers: dict[str, Any]) -> dict[str, Any]:
    return {"planning_response": {"draft_id": draft_id, "answers": list(answers)}}


@pytest.mark.database
def test_several_options_reach_the_planner_and_are_stored(app, api, planner):
    ada, thread_id, draft_id = _asking(app, api)
    body = _respond(
        draft_id,
        {"question_id": "tracks", "selected_option_ids": ["night_drive", "sunrise", "sunrise"]},
        {"question_id": "length", "selected_option_id": "3m", "other_text": ""},
    )
    response = post(api.client, ada, thread_id, body)
    assert response.status_code == 202, response.get_json()
    user_message = response.get_json()["user_message"]
    assert user_message["content_text"] == "Night Drive, Sunrise; 3 minutes"
    assert user_message["content_json"]["answers"] == [
        {
            "question_id": "tracks",
            "selected_option_id": None,
            "selected_option_ids": ["night_drive", "sunrise"],
            "other_text": None,
        },
        {
            "question_id": "length",
            "selected_option_id": "3m",
            "selected_option_ids": [],
            "other_text": None,
        },
    ]
    execute(app, response.get_json()["run"]["id"])
    (request,) = planner.requests
    assert [
        (a.question_id, a.selected_option_id, a.selected_option_ids) for a in request.answers
    ] == [
        ("tracks", None, ["night_drive", "sunrise"]),
        ("length", "3m", []),
    ]
    assert [q.question_id for q in request.pending_questions] == ["tracks", "length"]
    assert request.pending_questions[0].multi_select


def test_all_of_them_and_words_together(app, api, planner):
    ada, thread_id, draft_id = _asking(app, api)
    said = say(
        app,
        api.client,
        ada,
        thread_id,
        _respond(
            draft_id,
            {"question_id": "tracks", "selected_option_ids": ["all"], "other_text": "but slow"},
        ),
    )
    assert said["role"] == "assistant"
    (request,) = planner.requests
    assert request.answers[0].selected_option_ids == ["all"]
    assert request.answers[0].other_text == "but slow"
    assert request.message == "All of them; but slow"


@pytest.mark.parametrize(
    ("answer", "stored"),
    [
        # The IntelliMix web client answers a multi-select question with one option id.
        ({"selected_option_id": "sunrise"}, (None, ["sunrise"])),
        (
            {"selected_option_id": "sunrise", "selected_option_ids": ["night_drive"]},
            (None, ["sunrise", "night_drive"]),
        ),
    ],
)
def test_one_option_of_a_multi_select_question_counts_as_a_list(app, api, planner, answer, stored):
    ada, thread_id, draft_id = _asking(app, api)
    response = post(
        api.client, ada, thread_id, _respond(draft_id, {"question_id": "tracks", **answer})
    )
    assert response.status_code == 202, response.get_json()
    kept = response.get_json()["user_message"]["content_json"]["answers"][0]
    assert (kept["selected_option_id"], kept["selected_option_ids"]) == stored


def test_a_single_select_question_still_takes_selected_option_id(app, api, planner):
    ada, thread_id, draft_id = _asking(app, api)
    for answer in ({"selected_option_id": "2m"}, {"selected_option_ids": ["2m"]}):
        response = post(
            api.client, ada, thread_id, _respond(draft_id, {"question_id": "length", **answer})
        )
        assert response.status_code == 202, response.get_json()
        kept = response.get_json()["user_message"]["content_json"]["answers"][0]
        assert (kept["selected_option_id"], kept["selected_option_ids"]) == ("2m", [])
        assert response.get_json()["user_message"]["content_text"] == "2 minutes"


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (
            {"question_id": "tracks", "selected_option_ids": ["sunrise", "nope"]},
            "planning_response.answers.0.selected_option_ids.1",
        ),
        (
            {"question_id": "tracks", "selected_option_id": "nope"},
            "planning_response.answers.0.selected_option_id",
        ),
        (
            {"question_id": "length", "selected_option_ids": ["2m", "3m"]},
            "planning_response.answers.0.selected_option_ids",
        ),
        (
            {"question_id": "other", "selected_option_ids": ["a", "b"]},
            "planning_response.answers.0.selected_option_ids",
        ),
        (
            {"question_id": "tracks", "selected_option_ids": [""]},
            "planning_response.answers.0.selected_option_ids.0",
        ),
        (
            {"question_id": "tracks", "selected_option_ids": [3]},
            "planning_response.answers.0.selected_option_ids.0",
        ),
        (
            {"question_id": "tracks", "selected_option_ids": "sunrise"},
            "planning_response.answers.0.selected_option_ids",
        ),
        (
            {"question_id": "tracks", "selected_option_ids": [f"t{i}" for i in range(65)]},
            "planning_response.answers.0.selected_option_ids",
        ),
        ({"question_id": "tracks", "selected_option_ids": []}, "planning_response.answers.0"),
        (
            {"question_id": "tracks", "selected_option_ids": ["x" * 201]},
            "planning_response.answers.0.selected_option_ids.0",
        ),
    ],
)
def test_bad_answers_answer_422_naming_the_field(app, api, planner, answer, field):
    ada, thread_id, draft_id = _asking(app, api)
    response = post(api.client, ada, thread_id, _respond(draft_id, answer))
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [f["field"] for f in error["details"]["fields"]], error
    messages = api.client.get(f"{CHATS}/{thread_id}/messages", headers=ada.headers).get_json()
    assert messages["items"] == []  # nothing was written, no run started
