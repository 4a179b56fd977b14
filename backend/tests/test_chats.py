"""Chats over HTTP: threads, messages and their kinds, drafts, versions, idempotency, ownership."""

from __future__ import annotations

from typing import Any

import pytest

from intellimix.chats import outcomes
from intellimix.chats.models import ChatMessage, ChatThread, MixVersion, PlanDraft
from intellimix.chats.proposals import render_summary
from intellimix.chats.timeline import to_client_segments
from intellimix.extensions import db
from intellimix.history.models import Job
from intellimix.library.models import Track
from intellimix.planner.local import LocalPlanner
from intellimix.planner.plan import MixPlan
from intellimix.runs.models import Run

from .chat_support import (
    CHATS,
    answer,
    delivered_qa,
    execute,
    fake_render,
    person,
    post,
    say,
    thread,
)

THREAD_KEYS = {
    "id",
    "title",
    "archived",
    "created_at",
    "updated_at",
    "last_message_at",
    "active_planning_draft_id",
    "active_planning_status",
}
MESSAGE_KEYS = {"id", "thread_id", "role", "content_text", "content_json", "status", "created_at"}
RUN_KEYS = {
    "id",
    "kind",
    "status",
    "thread_id",
    "user_message_id",
    "assistant_message_id",
    "progress_stage",
    "progress_percent",
    "progress_label",
    "progress_detail",
    "attempts",
    "error",
    "result",
    "created_at",
    "started_at",
    "completed_at",
    "updated_at",
}
DRAFT_KEYS = {"id", "parent_id", "status", "plan", "timeline", "compatibility", "warnings"}
ANALYSIS_KEYS = {"kind", "tracks", "asked", "not_found", "provider"}  # + compatibility for 2+
ANALYSIS_TRACK_KEYS = {
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
COMPATIBILITY_KEYS = {
    "from_track",
    "to_track",
    "key_relation",
    "compatible_keys",
    "semitone_shift",
    "tempo_ratio",
    "stretch",
    "half_double",
    "score",
}
MIX = "Night Drive into the drop of Sunrise at 124 BPM, about 3 minutes"


def _drafted(app, client, who, **body):
    """A thread whose first message was planned into a ready draft."""
    created = thread(client, who, initial_prompt=MIX, **body)
    execute(app, created["run"]["id"])
    message = answer(client, who, created["run"]["id"])
    assert message["content_json"]["kind"] == "planning_draft_ready", message
    return created["thread"]["id"], message


@pytest.mark.database
def test_initial_prompt_plans_a_draft_with_pinned_fields(app, api):
    ada = person(app, api)
    created = thread(api.client, ada, initial_prompt=MIX)
    assert set(created) == {
        "thread",
        "user_message",
        "assistant_message_placeholder",
        "run",
        "poll_hint_ms",
    }
    assert set(created["thread"]) == THREAD_KEYS
    assert created["thread"]["title"] == MIX[:59] + "…"
    user, placeholder, run = (
        created["user_message"],
        created["assistant_message_placeholder"],
        created["run"],
    )
    assert set(user) == MESSAGE_KEYS and set(placeholder) == MESSAGE_KEYS
    assert (user["role"], user["content_text"], user["status"]) == ("user", MIX, "completed")
    assert (placeholder["role"], placeholder["content_text"]) == ("assistant", None)
    assert placeholder["status"] == "queued" and placeholder["created_at"].endswith("+00:00")
    assert set(run) >= RUN_KEYS
    assert (run["kind"], run["status"], run["thread_id"]) == ("plan", "queued", user["thread_id"])
    assert (run["user_message_id"], run["assistant_message_id"]) == (user["id"], placeholder["id"])

    execute(app, run["id"])
    message = answer(api.client, ada, run["id"])
    assert set(message) == MESSAGE_KEYS and message["status"] == "completed"
    content = message["content_json"]
    assert set(content) >= {"kind", "draft_id", "draft", "proposal", "violations"}
    assert set(content["draft"]) >= DRAFT_KEYS and content["draft"]["id"] == content["draft_id"]
    assert content["draft"]["status"] == "draft_ready" and content["violations"] == []
    assert set(content["draft"]["timeline"][0]) >= {"start_s", "end_s"}
    assert set(content["draft"]["compatibility"][0]) >= {"key_relation", "tempo_ratio", "score"}
    proposal = content["proposal"]
    assert set(proposal) >= {"title", "summary", "target_duration_seconds", "provisional_timeline"}
    assert proposal["target_duration_seconds"] == 180
    first, second = proposal["provisional_timeline"]
    assert set(first) >= {"segment_index", "song", "start_seconds", "end_seconds"}
    assert (first["segment_index"], first["song"]) == (1, "Night Drive — Neon Harbor")
    assert second["song"] == "Sunrise — Lumen Coast" and second["start_seconds"] > 0
    assert message["content_text"].startswith(content["draft"]["plan"]["title"])

    shown = api.client.get(f"{CHATS}/{run['thread_id']}", headers=ada.headers).get_json()
    assert shown["thread"]["active_planning_draft_id"] == content["draft_id"]
    assert shown["thread"]["active_planning_status"] == "draft_ready"
    draft = api.client.get(
        f"{CHATS}/{run['thread_id']}/plan-drafts/{content['draft_id']}", headers=ada.headers
    ).get_json()["draft"]
    assert set(draft) >= DRAFT_KEYS and draft["plan"] == content["draft"]["plan"]


def test_questions_then_answers_make_a_draft_and_supersede(app, api):
    ada = person(app, api)
    thread_id = thread(api.client, ada)["thread"]["id"]
    asked = say(app, api.client, ada, thread_id, {"content": "mix Neon into Sunrise"})
    content = asked["content_json"]
    assert set(content) >= {"kind", "draft_id", "questions"}
    assert content["kind"] == "planning_questions"
    question = content["questions"][0]
    assert set(question) == {"question_id", "question", "options", "allow_other", "multi_select"}
    assert set(question["options"][0]) == {"id", "label", "description"}
    choice = question["options"][0]
    answered = say(
        app,
        api.client,
        ada,
        thread_id,
        {
            "planning_response": {
                "draft_id": content["draft_id"],
                "answers": [
                    {
                        "question_id": question["question_id"],
                        "selected_option_id": choice["id"],
                        "other_text": "",
                    }
                ],
            }
        },
    )
    ready = answered["content_json"]
    assert ready["kind"] == "planning_draft_ready"
    assert choice["id"] in {s["track_id"] for s in ready["draft"]["plan"]["segments"]}
    assert ready["draft"]["parent_id"] == content["draft_id"]
    with app.app_context():
        assert db.session.get(PlanDraft, content["draft_id"]).status == "superseded"
    messages = api.client.get(f"{CHATS}/{thread_id}/messages", headers=ada.headers).get_json()
    assert messages["items"][2]["content_text"] == choice["label"]  # the answer, as words
    again = post(
        api.client,
        ada,
        thread_id,
        {
            "planning_response": {
                "draft_id": content["draft_id"],
                "answers": [{"question_id": "x", "other_text": "y"}],
            }
        },
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "DRAFT_NOT_COLLECTING"


def test_revise_plan_action_makes_a_child_draft(app, api):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    revised = say(
        app,
        api.client,
        ada,
        thread_id,
        {
            "planning_action": {
                "draft_id": ready["content_json"]["draft_id"],
                "action": "revise_plan",
                "revision_prompt": "make it 126 bpm",
            }
        },
    )
    content = revised["content_json"]
    assert content["kind"] == "planning_draft_ready"
    assert content["draft"]["plan"]["target"]["bpm"] == 126
    assert content["draft"]["parent_id"] == ready["content_json"]["draft_id"]
    assert content["operations"][0]["op"] == "set_bpm"


@pytest.mark.database
def test_approve_renders_exactly_the_plan_and_only_a_ready_draft(app, api):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    draft_id = ready["content_json"]["draft_id"]
    approve = {"planning_action": {"draft_id": draft_id, "action": "approve_plan"}}
    response = post(api.client, ada, thread_id, approve)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert set(body) == {"user_message", "assistant_message_placeholder", "run", "poll_hint_ms"}
    assert body["run"]["kind"] == "render"
    assert body["user_message"]["content_json"] == {
        "kind": "planning_action",
        "draft_id": draft_id,
        "action": "approve_plan",
    }
    with app.app_context():
        run = db.session.get(Run, body["run"]["id"])
        draft = db.session.get(PlanDraft, draft_id)
        assert run.input["plan"] == draft.plan and run.input["draft_id"] == draft_id
        assert draft.status == "approved"
    again = post(api.client, ada, thread_id, approve)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "DRAFT_NOT_READY"
    memory = api.client.get("/api/v1/mix-memory", headers=ada.headers).get_json()["memory"]
    assert memory["preferences"]["bpm_range"] == [120.0, 128.0]  # learned: 124 ± 4
    assert memory["preferences"]["transition_type"] == "crossfade"


def test_collecting_draft_cannot_be_approved(app, api):
    ada = person(app, api)
    thread_id = thread(api.client, ada)["thread"]["id"]
    asked = say(app, api.client, ada, thread_id, {"content": "make a mix"})
    draft_id = asked["content_json"]["draft_id"]
    response = post(
        api.client,
        ada,
        thread_id,
        {"planning_action": {"draft_id": draft_id, "action": "approve_plan"}},
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "code": "DRAFT_NOT_READY",
        "message": "Only a draft that is ready can be approved; this one is collecting.",
        "details": {},
    }


def test_a_deleted_track_blocks_approval_as_a_violation(app, api):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    draft_id = ready["content_json"]["draft_id"]
    api.client.delete(f"/api/v1/tracks/{ada.tracks['sunrise']}", headers=ada.headers)
    draft = api.client.get(
        f"{CHATS}/{thread_id}/plan-drafts/{draft_id}", headers=ada.headers
    ).get_json()["draft"]
    assert draft["violations"] and "unknown track" in draft["violations"][0]
    response = post(
        api.client,
        ada,
        thread_id,
        {"planning_action": {"draft_id": draft_id, "action": "approve_plan"}},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "PLAN_NOT_APPROVABLE"


def test_mix_proposal_versions_rerender_and_restore(app, api, tmp_path):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    draft_id = ready["content_json"]["draft_id"]
    run_id = post(
        api.client,
        ada,
        thread_id,
        {"planning_action": {"draft_id": draft_id, "action": "approve_plan"}},
    ).get_json()["run"]["id"]
    version_id = fake_render(app, ada, thread_id, draft_id, tmp_path)
    with app.app_context():
        outcomes.record_render(run_id, db.session.get(MixVersion, version_id))
    message = answer(api.client, ada, run_id)
    content = message["content_json"]
    assert (
        message["status"] == "completed" and "is rendered (3:00, 124 BPM" in message["content_text"]
    )
    assert {"kind", "version_id", "job_id", "version", "proposal", "final_output"} <= set(content)
    assert content["kind"] == "mix_proposal" and content["version_id"] == version_id
    assert {"id", "parent_id", "draft_id", "plan", "qa", "job_id", "files"} <= set(
        content["version"]
    )
    assert {"title", "mixing_rationale", "segments"} <= set(content["proposal"])
    segment = content["proposal"]["segments"][1]
    assert {"track_id", "start_ms", "end_ms", "crossfade_after_seconds", "eq", "effects"} <= set(
        segment
    )
    assert set(content["final_output"]) == {"mp3_url", "wav_url", "job_id"}
    assert api.client.get(content["final_output"]["mp3_url"]).status_code == 200
    assert all(api.client.get(f["url"]).status_code == 200 for f in content["version"]["files"])
    assert content["tracks"][0]["preview_url"].startswith("/api/v1/tracks/")
    with app.app_context():
        assert db.session.get(PlanDraft, draft_id).status == "executed"

    versions = api.client.get(f"{CHATS}/{thread_id}/versions", headers=ada.headers).get_json()
    assert versions["total"] == 1
    version = versions["items"][0]
    assert {"id", "parent_id", "draft_id", "plan", "qa", "job_id", "files", "created_at"} <= set(
        version
    )
    single = api.client.get(f"{CHATS}/{thread_id}/versions/{version_id}", headers=ada.headers)
    assert single.get_json()["version"]["final_output"]["wav_url"]

    render_url = f"{CHATS}/{thread_id}/versions/{version_id}/render"
    # Nothing changed and the files are there: the existing result, no duplicate run.
    unchanged = api.client.post(render_url, headers=ada.headers)
    assert unchanged.status_code == 200
    assert unchanged.get_json()["outcome"] == "existing_result"
    assert unchanged.get_json()["run"] is None
    assert unchanged.get_json()["version"]["final_output"]["wav_url"]
    with app.app_context():
        assert db.session.query(Run).filter_by(kind="render", thread_id=thread_id).count() == 1

    rerender = api.client.post(render_url, json={"force": True}, headers=ada.headers)
    assert rerender.status_code == 202 and rerender.get_json()["outcome"] == "started"
    with app.app_context():
        run = db.session.get(Run, rerender.get_json()["run"]["id"])
        assert run.input["plan"] == version["plan"] and run.input["parent_version_id"] == version_id
    # Asked again (unforced) while that render runs: that run, not a second one.
    again = api.client.post(render_url, headers=ada.headers)
    assert again.status_code == 200 and again.get_json()["outcome"] == "in_progress"
    assert again.get_json()["run"]["id"] == run.id
    for bad in ({"force": "yes"}, {"force": True, "extra": 1}, []):
        refused = api.client.post(render_url, json=bad, headers=ada.headers)
        assert refused.status_code == 422, bad
        assert refused.get_json()["error"]["code"]

    restored = api.client.post(
        f"{CHATS}/{thread_id}/versions/{version_id}/restore", headers=ada.headers
    )
    assert restored.status_code == 201
    draft = restored.get_json()["draft"]
    assert draft["status"] == "draft_ready" and draft["plan"] == version["plan"]
    assert (
        restored.get_json()["assistant_message"]["content_json"]["kind"] == "planning_draft_ready"
    )
    shown = api.client.get(f"{CHATS}/{thread_id}", headers=ada.headers).get_json()["thread"]
    assert shown["active_planning_draft_id"] == draft["id"]


@pytest.mark.parametrize(
    ("checks", "said"),
    [
        (
            [{"name": "loudness", "passed": True}],
            "(1:30, 124 BPM, -14.2 LUFS). Every QA check passed.",
        ),
        (
            [{"name": "loudness", "passed": True}, {"name": "tempo", "passed": False}],
            "QA flagged: tempo (the files are kept",
        ),
    ],
)
def test_the_render_summary_reads_the_last_qa_attempt(checks, said):
    plan = MixPlan.model_validate(
        {
            "title": "Set",
            "target": {"bpm": 124},
            "segments": [{"id": "s1", "track_id": "t", "source_start_s": 0, "source_end_s": 90}],
        }
    )
    first = {"name": "tempo", "passed": False}  # the first master's problem, fixed since
    qa = delivered_qa(checks=checks, measured={"duration_s": 90.0, "lufs": -14.2})
    qa["attempts"].insert(0, {"attempt": 0, "master": {}, "qa": {"checks": [first]}})
    assert said in render_summary(plan, qa)


def test_timeline_conflict_asks_and_the_resolution_answers(app, api, tmp_path):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    version_id = fake_render(app, ada, thread_id, ready["content_json"]["draft_id"], tmp_path)
    plan = MixPlan.model_validate(ready["content_json"]["draft"]["plan"])
    edited = to_client_segments(plan, {})
    edited[0]["end_ms"] -= 7742  # four bars shorter at 124 BPM
    attachment = {"type": "timeline_snapshot", "source_version_id": version_id, "segments": edited}
    words = {
        "content": "swap them and make it 126 bpm",
        "attachments": [attachment],
        "mode": "refine_last",
    }
    asked = say(app, api.client, ada, thread_id, words)
    content = asked["content_json"]
    assert {"kind", "text", "quick_actions"} <= set(content)
    assert content["kind"] == "clarification_question"
    assert {a["id"] for a in content["quick_actions"]} == {
        "keep_attached_cuts",
        "replan_with_prompt",
        "replace_timeline",
    }
    assert content["timeline_snapshot"]["source_version_id"] == version_id
    resolved = say(
        app,
        api.client,
        ada,
        thread_id,
        {"content": "", "attachments": [attachment], "timeline_resolution": "keep_attached_cuts"},
    )
    draft = resolved["content_json"]["draft"]
    assert resolved["content_json"]["kind"] == "planning_draft_ready"
    assert draft["plan"]["target"]["bpm"] == 126
    assert draft["plan"]["segments"][0]["source_end_s"] == pytest.approx(edited[0]["end_ms"] / 1000)


@pytest.mark.parametrize("words", ["use my timeline", "thanks!"])
def test_an_attached_timeline_with_words_that_ask_nothing_else_is_applied(
    app, api, tmp_path, words
):
    """The IntelliMix client's Edit Timeline → Attach → a few words → Send: the edit is the
    request (it was answered as chat, the timeline dropped)."""
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    version_id = fake_render(app, ada, thread_id, ready["content_json"]["draft_id"], tmp_path)
    edited = to_client_segments(MixPlan.model_validate(ready["content_json"]["draft"]["plan"]), {})
    edited[0]["end_ms"] -= 7742  # four bars shorter at 124 BPM
    attachment = {"type": "timeline_snapshot", "source_version_id": version_id, "segments": edited}
    body = {"content": words, "attachments": [attachment], "mode": "refine_last"}
    content = say(app, api.client, ada, thread_id, body)["content_json"]
    assert content["kind"] == "planning_draft_ready"
    segments = content["draft"]["plan"]["segments"]
    assert segments[0]["source_end_s"] == pytest.approx(edited[0]["end_ms"] / 1000)


def test_edit_run_turns_an_edited_timeline_into_a_draft(app, api, tmp_path):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    version_id = fake_render(app, ada, thread_id, ready["content_json"]["draft_id"], tmp_path)
    segments = to_client_segments(
        MixPlan.model_validate(ready["content_json"]["draft"]["plan"]), {}
    )
    segments[0]["crossfade_after_seconds"] = 3.871  # 8 beats at 124 BPM
    response = api.client.post(
        f"{CHATS}/{thread_id}/versions/{version_id}/edit-runs",
        json={"segments": segments},
        headers=ada.headers,
    )
    assert response.status_code == 202
    execute(app, response.get_json()["run"]["id"])
    content = answer(api.client, ada, response.get_json()["run"]["id"])["content_json"]
    assert content["kind"] == "planning_draft_ready"
    assert content["draft"]["plan"]["segments"][1]["transition_in"] == {
        "type": "crossfade",
        "beats": 8,
    }
    # The same mix cut differently: its name and target stay.
    before = ready["content_json"]["draft"]["plan"]
    assert content["draft"]["plan"]["title"] == before["title"] != "Edited timeline"
    assert content["draft"]["plan"]["target"] == before["target"]


def test_generation_and_suggestion_replies(app, api):
    ada = person(app, api)
    thread_id = thread(api.client, ada)["thread"]["id"]
    generated = say(app, api.client, ada, thread_id, {"content": "make me a new techno track"})
    assert generated["content_json"]["kind"] == "generation_started"
    with app.app_context():
        started = db.session.get(Run, generated["content_json"]["run_id"])
        assert (
            started.kind == "generate" and started.input["prompt"] == "make me a new techno track"
        )
    suggested = say(app, api.client, ada, thread_id, {"content": "what could follow Sunrise?"})
    assert suggested["content_json"]["kind"] == "suggestions"
    assert suggested["content_text"].splitlines()[1].startswith("1. Sunrise (Extended Mix)")
    chat = say(app, api.client, ada, thread_id, {"content": "hello there"})
    assert chat["content_json"]["kind"] == "chat" and chat["content_text"]


def test_a_question_about_tracks_answers_with_an_analysis_report(app, api):
    ada = person(app, api)
    with app.app_context():
        night_drive = db.session.get(Track, ada.tracks["night_drive"])
        measured = {"lufs_integrated": -9.8, "true_peak_db": -0.9, "camelot": "8A"}
        night_drive.analysis = {**night_drive.analysis, **measured}
        db.session.commit()
    thread_id, ready = _drafted(app, api.client, ada)
    draft_id = ready["content_json"]["draft_id"]

    # "track 2" is the current plan's second track: Sunrise.
    asked = say(app, api.client, ada, thread_id, {"content": "what's the BPM of track 2?"})
    content = asked["content_json"]
    assert (asked["status"], asked["content_text"]) == (
        "completed",
        "Sunrise — Lumen Coast: 124.0 BPM.",
    )
    assert set(content) == ANALYSIS_KEYS
    assert (content["kind"], content["asked"], content["not_found"]) == (
        "analysis_report",
        ["bpm"],
        [],
    )
    [sunrise] = content["tracks"]
    assert set(sunrise) == ANALYSIS_TRACK_KEYS
    assert (sunrise["track_id"], sunrise["bpm"], sunrise["key"], sunrise["camelot"]) == (
        ada.tracks["sunrise"],
        124,
        "C major",
        "8B",
    )
    assert set(sunrise["sections"][0]) == {"label", "start_s", "end_s"}

    compared = say(app, api.client, ada, thread_id, {"content": "compare Night Drive and Sunrise"})
    content = compared["content_json"]
    assert set(content) == ANALYSIS_KEYS | {"compatibility"}
    assert [t["title"] for t in content["tracks"]] == ["Night Drive", "Sunrise"]
    assert (content["tracks"][0]["lufs_integrated"], content["tracks"][0]["true_peak_db"]) == (
        -9.8,
        -0.9,
    )
    [pair] = content["compatibility"]
    assert set(pair) == COMPATIBILITY_KEYS
    assert (pair["from_track"], pair["to_track"], pair["key_relation"]) == (
        ada.tracks["night_drive"],
        ada.tracks["sunrise"],
        "relative",
    )
    assert "-9.8 LUFS integrated, true peak -0.9 dBTP" in compared["content_text"]
    assert "Night Drive into Sunrise: A minor (8A) to C major (8B)" in compared["content_text"]

    missing = say(app, api.client, ada, thread_id, {"content": "what key is Sandstorm in?"})
    assert (missing["content_json"]["tracks"], missing["content_json"]["not_found"]) == (
        [],
        ["Sandstorm"],
    )
    assert 'I can\'t find "Sandstorm" in your library.' in missing["content_text"]

    # No draft was made or changed: the drafted plan is still the one to approve or revise.
    shown = api.client.get(f"{CHATS}/{thread_id}", headers=ada.headers).get_json()["thread"]
    assert (shown["active_planning_draft_id"], shown["active_planning_status"]) == (
        draft_id,
        "draft_ready",
    )
    with app.app_context():
        drafts = db.session.query(PlanDraft).filter_by(thread_id=thread_id).all()
        assert [(d.id, d.status) for d in drafts] == [(draft_id, "draft_ready")]
        assert drafts[0].plan == ready["content_json"]["draft"]["plan"]
        runs = db.session.query(Run).filter_by(thread_id=thread_id, kind="plan").all()
        assert sorted(r.result["reply"] for r in runs) == ["analysis"] * 3 + ["draft"]
        assert all(r.result["draft_id"] is None for r in runs if r.result["reply"] == "analysis")
    revised = say(app, api.client, ada, thread_id, {"content": "make it 126 bpm"})
    assert revised["content_json"]["draft"]["parent_id"] == draft_id


def test_a_cloud_fallback_is_said_in_the_answer(app, api, monkeypatch):
    class FellBack:
        def respond(self, request):
            reply = LocalPlanner().respond(request)
            return reply.model_copy(
                update={"provider": "local", "fallback_reason": "AI_RATE_LIMITED"}
            )

    monkeypatch.setattr("intellimix.chats.planning.planner_for", lambda config: FellBack())
    ada = person(app, api)
    thread_id = thread(api.client, ada)["thread"]["id"]
    message = say(app, api.client, ada, thread_id, {"content": MIX})
    assert message["content_json"]["fallback_reason"] == "AI_RATE_LIMITED"
    assert "cloud planner was unavailable (AI_RATE_LIMITED)" in message["content_text"]


def _run_of(app, message_id):
    with app.app_context():
        return db.session.query(Run).filter_by(assistant_message_id=message_id).one().id


def test_failed_and_cancelled_runs_answer_with_an_error_message(app, api, monkeypatch):
    ada = person(app, api)
    thread_id = thread(api.client, ada)["thread"]["id"]
    queued = post(api.client, ada, thread_id, {"content": MIX}).get_json()
    cancel = api.client.post(
        f"/api/v1/mix-chat-runs/{queued['run']['id']}/cancel", headers=ada.headers
    )
    assert cancel.status_code == 200
    message = answer(api.client, ada, queued["run"]["id"])
    assert message["status"] == "failed"
    assert message["content_json"] == {
        "kind": "error",
        "code": "RUN_CANCELLED",
        "message": "The request was cancelled.",
        "retryable": True,
    }

    class Broken:
        def respond(self, request):
            raise RuntimeError("internal detail")

    monkeypatch.setattr("intellimix.chats.planning.planner_for", lambda config: Broken())
    failed = say(app, api.client, ada, thread_id, {"content": MIX})
    assert failed["status"] == "failed"
    assert failed["content_json"] == {
        "kind": "error",
        "code": "RUN_FAILED",
        "message": "The run failed unexpectedly.",
        "retryable": True,
    }
    monkeypatch.undo()
    retried = api.client.post(
        f"/api/v1/mix-chat-runs/{_run_of(app, failed['id'])}/retry", headers=ada.headers
    ).get_json()["run"]
    execute(app, retried["id"])
    after = answer(api.client, ada, retried["id"])
    assert after["id"] != failed["id"]  # the error stays final; the retry answers anew
    assert after["content_json"]["kind"] == "planning_draft_ready"


@pytest.mark.database
def test_messages_page_backwards_newest_last(app, api):
    ada = person(app, api, library=False)
    thread_id = thread(api.client, ada)["thread"]["id"]
    for n in range(4):
        assert post(api.client, ada, thread_id, {"content": f"message {n}"}).status_code == 202
    seen, cursor = [], None
    while True:
        query = f"?limit=3&cursor={cursor}" if cursor else "?limit=3"
        page = api.client.get(
            f"{CHATS}/{thread_id}/messages{query}", headers=ada.headers
        ).get_json()
        assert set(page) == {"items", "next_cursor", "has_more"}
        seen = page["items"] + seen
        stamps = [m["created_at"] for m in page["items"]]
        assert stamps == sorted(stamps)
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert len(seen) == 8 and len({m["id"] for m in seen}) == 8
    assert [m["content_text"] for m in seen if m["role"] == "user"] == [
        f"message {n}" for n in range(4)
    ]
    assert [m["role"] for m in seen] == ["user", "assistant"] * 4


def _ids(response):
    body = response.get_json()
    return [body[k]["id"] for k in ("user_message", "assistant_message_placeholder", "run")]


@pytest.mark.database
def test_idempotency_key_returns_the_first_answer(app, api):
    ada = person(app, api, library=False)
    thread_id = thread(api.client, ada)["thread"]["id"]
    first = post(api.client, ada, thread_id, {"content": "hello"}, **{"Idempotency-Key": "k-1"})
    second = post(api.client, ada, thread_id, {"content": "hello"}, **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 202
    assert _ids(first) == _ids(second)
    with app.app_context():
        assert db.session.query(Run).filter_by(thread_id=thread_id).count() == 1
        assert db.session.query(ChatMessage).filter_by(thread_id=thread_id).count() == 2
    reused = post(api.client, ada, thread_id, {"content": "other"}, **{"Idempotency-Key": "k-1"})
    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    other = post(api.client, ada, thread_id, {"content": "hello"}, **{"Idempotency-Key": "k-2"})
    assert _ids(other) != _ids(first)
    elsewhere = thread(api.client, ada)["thread"]["id"]  # keys are per thread
    repeated = post(api.client, ada, elsewhere, {"content": "hello"}, **{"Idempotency-Key": "k-1"})
    assert repeated.status_code == 202 and _ids(repeated) != _ids(first)


def _listed(api, who, query):
    items = api.client.get(f"{CHATS}{query}", headers=who.headers).get_json()["items"]
    return [t["id"] for t in items]


@pytest.mark.database
def test_archive_keeps_and_delete_removes_everything(app, api, tmp_path):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    version_id = fake_render(app, ada, thread_id, ready["content_json"]["draft_id"], tmp_path)
    archived = api.client.patch(
        f"{CHATS}/{thread_id}", json={"archived": True}, headers=ada.headers
    )
    assert archived.get_json()["thread"]["archived"] is True
    assert _listed(api, ada, "") == []
    assert _listed(api, ada, "?archived=true") == _listed(api, ada, "?archived=all") == [thread_id]
    assert (
        api.client.get(
            f"{CHATS}/{thread_id}/versions/{version_id}", headers=ada.headers
        ).status_code
        == 200
    )
    renamed = api.client.patch(
        f"{CHATS}/{thread_id}", json={"title": "Sunday set"}, headers=ada.headers
    )
    assert renamed.get_json()["thread"]["title"] == "Sunday set"
    with app.app_context():
        job_id = db.session.get(MixVersion, version_id).job_id
    file_url = api.client.get(f"/api/v1/history/{job_id}", headers=ada.headers).get_json()["job"][
        "output_url"
    ]

    assert api.client.delete(f"{CHATS}/{thread_id}", headers=ada.headers).status_code == 204
    assert api.client.get(f"{CHATS}/{thread_id}", headers=ada.headers).status_code == 404
    assert api.client.get(file_url, headers=ada.headers).status_code == 404
    with app.app_context():
        for model in (ChatThread, ChatMessage, PlanDraft, MixVersion, Run):
            assert db.session.query(model).count() == 0, model
        assert db.session.get(Job, job_id) is None


OWNER_ROUTES = [
    ("get", "{t}", None),
    ("patch", "{t}", {"title": "mine"}),
    ("delete", "{t}", None),
    ("get", "{t}/messages", None),
    ("post", "{t}/messages", {"content": "hello"}),
    ("get", "{t}/versions", None),
    ("get", "{t}/versions/{v}", None),
    ("post", "{t}/versions/{v}/render", None),
    ("post", "{t}/versions/{v}/edit-runs", {"segments": [{"id": "s1"}]}),
    ("post", "{t}/versions/{v}/restore", None),
    ("get", "{t}/plan-drafts/{d}", None),
    ("get", "{t}/runs", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OWNER_ROUTES)
def test_another_persons_ids_answer_404(app, api, tmp_path, method, path, body):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    draft_id = ready["content_json"]["draft_id"]
    version_id = fake_render(app, ada, thread_id, draft_id, tmp_path)
    eve = person(app, api, email="eve@example.com", library=False)
    eves_thread = thread(api.client, eve)["thread"]["id"]
    for t in (thread_id, eves_thread):  # her own thread with Ada's version or draft: also 404
        if t == eves_thread and "{v}" not in path and "{d}" not in path:
            continue
        url = f"{CHATS}/" + path.format(t=t, v=version_id, d=draft_id)
        response = getattr(api.client, method)(url, json=body, headers=eve.headers)
        assert response.status_code == 404, (url, response.get_json())
        assert response.get_json()["error"]["code"].endswith("_NOT_FOUND")
    stolen = post(
        api.client,
        eve,
        eves_thread,
        {"planning_action": {"draft_id": draft_id, "action": "approve_plan"}},
    )
    assert stolen.status_code == 404 and stolen.get_json()["error"]["code"] == "DRAFT_NOT_FOUND"


def _timeline_message(**second: Any) -> dict[str, Any]:
    """A message attaching a two-segment timeline in MixPlan form, its second segment edited."""
    segments = [
        {"id": "s1", "track_id": "t1", "source_start_s": 0.0, "source_end_s": 30.0},
        {"id": "s2", "track_id": "t2", "source_start_s": 0.0, "source_end_s": 30.0, **second},
    ]
    return {"content": "x", "attachments": [{"type": "timeline_snapshot", "segments": segments}]}


BAD_MESSAGES = [
    ({"content": "hi", "planning_action": {"draft_id": "d", "action": "approve_plan"}}, "body"),
    ({}, "body"),
    ({"content": "   "}, "body"),
    ({"content": 5}, "content"),
    ({"planning_action": {"draft_id": "d", "action": "revise_plan"}}, "planning_action"),
    ({"planning_action": {"draft_id": "d", "action": "ship_it"}}, "planning_action.action"),
    ({"planning_response": {"draft_id": "d", "answers": []}}, "planning_response.answers"),
    (
        {"planning_response": {"draft_id": "d", "answers": [{"question_id": "q"}]}},
        "planning_response",
    ),
    ({"content": "x", "timeline_resolution": "keep_attached_cuts"}, "body"),
    ({"content": "x", "attachments": [{"type": "photo", "segments": [{}]}]}, "attachments.0.type"),
    # Tempo journeys: a tempo outside 40–250 BPM, a ramp longer than its overlap.
    (_timeline_message(bpm=300.0), "attachments.0.segments.1.bpm"),
    (
        _timeline_message(transition_in={"type": "crossfade", "beats": 8, "ramp_beats": 16}),
        "attachments.0.segments.1.transition_in.ramp_beats",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD_MESSAGES)
def test_bad_message_bodies_answer_422_naming_the_field(app, api, body, field):
    ada = person(app, api, library=False)
    thread_id = thread(api.client, ada)["thread"]["id"]
    response = post(api.client, ada, thread_id, body)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    fields = [f["field"] for f in error["details"]["fields"]]
    assert any(
        f == field or (field == "body" and f == "") or f.startswith(field) for f in fields
    ), fields


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("post", "", {"data": "{", "content_type": "application/json"}, 400, "INVALID_JSON"),
        ("post", "", {"data": "x", "content_type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("post", "", {"json": {"title": ""}}, 422, "VALIDATION_ERROR"),
        ("post", "", {"json": {"colour": "red"}}, 422, "VALIDATION_ERROR"),
        ("get", "?archived=maybe", {}, 422, "VALIDATION_ERROR"),
        ("get", "?limit=0", {}, 422, "VALIDATION_ERROR"),
        ("get", "?page=899503109372015674392576", {}, 422, "VALIDATION_ERROR"),  # was a 500
        ("patch", "/{t}", {"json": {}}, 422, "VALIDATION_ERROR"),
        ("patch", "/{t}", {"json": {"archived": "yes"}}, 422, "VALIDATION_ERROR"),
        ("get", "/{t}/messages?cursor=bm9wZQ", {}, 400, "INVALID_CURSOR"),
        (
            "post",
            "/{t}/messages",
            {"json": {"content": "x"}, "key": "k" * 201},
            400,
            "INVALID_IDEMPOTENCY_KEY",
        ),
        (
            "post",
            "/{t}/versions/{v}/edit-runs",
            {"json": {"segments": []}},
            422,
            "VALIDATION_ERROR",
        ),
        (
            "post",
            "/{t}/versions/{v}/edit-runs",
            {"json": {"segments": [{"track_id": "nope", "start_ms": 0, "end_ms": -5}]}},
            422,
            "VALIDATION_ERROR",
        ),
        ("patch", "/mix-memory", {"json": {"lufs": -50}}, 422, "VALIDATION_ERROR"),
        ("patch", "/mix-memory", {"json": {"favourite": "cats"}}, 422, "VALIDATION_ERROR"),
    ],
)
def test_bad_requests_answer_one_error_envelope(
    app, api, tmp_path, method, path, kwargs, status, code
):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    version_id = fake_render(app, ada, thread_id, ready["content_json"]["draft_id"], tmp_path)
    headers = dict(ada.headers)
    if "key" in kwargs:
        headers["Idempotency-Key"] = kwargs.pop("key")
    base = "/api/v1" if path.startswith("/mix-memory") else CHATS
    url = base + path.format(t=thread_id, v=version_id)
    response = getattr(api.client, method)(url, headers=headers, **kwargs)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == code


def test_edit_run_errors_name_the_segment_field(app, api, tmp_path):
    ada = person(app, api)
    thread_id, ready = _drafted(app, api.client, ada)
    version_id = fake_render(app, ada, thread_id, ready["content_json"]["draft_id"], tmp_path)
    response = api.client.post(
        f"{CHATS}/{thread_id}/versions/{version_id}/edit-runs",
        json={"segments": [{"track_id": ada.tracks["sunrise"], "start_ms": 9000, "end_ms": 1000}]},
        headers=ada.headers,
    )
    fields = [f["field"] for f in response.get_json()["error"]["details"]["fields"]]
    assert response.status_code == 422 and fields == ["segments.0"]


def test_memory_view_edit_forget_and_use(app, api):
    ada = person(app, api)
    empty = api.client.get("/api/v1/mix-memory", headers=ada.headers).get_json()
    assert empty == {
        "memory": {
            "enabled": True,
            "preferences": {
                "bpm_range": None,
                "transition_type": None,
                "transition_beats": None,
                "duration_s": None,
                "lufs": None,
                "genres": [],
            },
            "settings": {"import_automatically": False},
            "created_at": None,
            "updated_at": None,
        }
    }
    patched = api.client.patch(
        "/api/v1/mix-memory",
        json={"bpm_range": [100, 101], "transition_type": "bass_swap", "lufs": -9},
        headers=ada.headers,
    ).get_json()["memory"]
    assert patched["preferences"]["bpm_range"] == [100.0, 101.0]
    assert patched["preferences"]["transition_type"] == "bass_swap"
    cleared = api.client.patch("/api/v1/mix-memory", json={"lufs": None}, headers=ada.headers)
    assert cleared.get_json()["memory"]["preferences"]["lufs"] is None
    no_genres = api.client.patch("/api/v1/mix-memory", json={"genres": None}, headers=ada.headers)
    assert no_genres.status_code == 200  # was a 500 (found by the schemathesis run)
    assert no_genres.get_json()["memory"]["preferences"]["genres"] == []
    thread_id = thread(api.client, ada)["thread"]["id"]
    plan = say(app, api.client, ada, thread_id, {"content": "Night Drive into Sunrise"})
    planned = plan["content_json"]["draft"]["plan"]
    assert planned["target"]["bpm"] == 101  # the remembered range clamps the median tempo
    assert planned["segments"][1]["transition_in"]["type"] == "bass_swap"
    assert api.client.delete("/api/v1/mix-memory", headers=ada.headers).status_code == 204
    assert api.client.get("/api/v1/mix-memory", headers=ada.headers).get_json() == empty


def test_memory_disabled_neither_learns_nor_is_used(make_app, db_backend):
    app = make_app(AI_USER_MEMORY_ENABLED=False)
    from .conftest import Api

    api = Api(app.test_client())
    ada = person(app, api)
    api.client.patch("/api/v1/mix-memory", json={"bpm_range": [100, 101]}, headers=ada.headers)
    thread_id, ready = _drafted(app, api.client, ada)
    assert ready["content_json"]["draft"]["plan"]["target"]["bpm"] == 124  # not clamped
    post(
        api.client,
        ada,
        thread_id,
        {
            "planning_action": {
                "draft_id": ready["content_json"]["draft_id"],
                "action": "approve_plan",
            }
        },
    )
    memory = api.client.get("/api/v1/mix-memory", headers=ada.headers).get_json()["memory"]
    assert memory["enabled"] is False
    assert memory["preferences"]["bpm_range"] == [100.0, 101.0]  # what was stored, unlearned


def test_the_render_summary_names_a_tempo_journeys_range():
    # A stranger's journey was announced as "rendered (2:31, 124 BPM …)": the target's tempo,
    # which no segment played at.
    plan = MixPlan.model_validate(
        {
            "title": "Set",
            "target": {"bpm": 124},
            "segments": [
                {"id": "s1", "track_id": "a", "source_start_s": 0, "source_end_s": 60, "bpm": 100},
                {
                    "id": "s2",
                    "track_id": "b",
                    "source_start_s": 0,
                    "source_end_s": 60,
                    "bpm": 133.92,
                    "transition_in": {"type": "echo_out", "beats": 2},
                },
            ],
        }
    )
    qa = delivered_qa(checks=[], measured={"duration_s": 151.0, "lufs": -14.0})
    assert "(2:31, 100–134 BPM (a tempo journey), -14.0 LUFS)" in render_summary(plan, qa)
