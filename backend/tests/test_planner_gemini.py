"""The gemini planner provider against a scripted local stub that the real google-genai client
calls: structured output, retries that honour the server's delay, and the local fallback."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from google.genai import errors

from intellimix.config import ConfigError, load_config
from intellimix.planner.local import LocalPlanner
from intellimix.planner.providers import planner_for
from intellimix.planner.providers.gemini import (
    RATE_LIMITED,
    TEMPORARILY_UNAVAILABLE,
    UPSTREAM_ERROR,
    GeminiPlanner,
    retry_delay,
    settings_from,
)
from intellimix.planner.turns import LibraryTrack, MixIntent, PlannerRequest

from .conftest import TEST_CONFIG
from .gemini_stub import API_KEY, GeminiStub, Scripted, candidate, gemini_config, running_stub

LIBRARY_FILE = Path(__file__).parent / "fixtures" / "planning" / "library.json"
INTENT = {
    "action": "mix",
    "songs": [
        {"query": "Night Drive", "track_id": "night_drive", "section": "chorus"},
        {"query": "Sunrise", "track_id": "sunrise", "section": "drop"},
    ],
    "order_fixed": True,
    "bpm": 122,
}


# --- the stub ---------------------------------------------------------------------------------


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    with running_stub() as running:
        yield running


def ok(intent: dict[str, Any] = INTENT) -> Scripted:
    return Scripted(200, candidate(json.dumps(intent)))


def failure(status: int, name: str, details: list[Any] | None = None, **headers: str) -> Scripted:
    error = {"code": status, "message": "scripted failure", "status": name}
    if details:
        error["details"] = details
    return Scripted(status, {"error": error}, {k.replace("_", "-"): v for k, v in headers.items()})


def retry_info(delay: str) -> dict[str, str]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}


# --- the planner ------------------------------------------------------------------------------


def make_planner(stub: GeminiStub, **overrides: Any) -> GeminiPlanner:
    return GeminiPlanner(settings_from(gemini_config(stub, **overrides)), fallback=LocalPlanner())


@pytest.fixture(scope="module")
def library() -> list[LibraryTrack]:
    tracks = json.loads(LIBRARY_FILE.read_text())["tracks"]
    return [LibraryTrack.model_validate({"id": track.pop("ref"), **track}) for track in tracks[:6]]


@pytest.fixture
def request_(library: list[LibraryTrack]) -> PlannerRequest:
    return PlannerRequest(message="Night Drive's chorus into the Sunrise drop", library=library)


def timed(planner: GeminiPlanner, request: PlannerRequest) -> tuple[Any, float]:
    started = time.monotonic()
    reply = planner.respond(request)
    return reply, time.monotonic() - started


# --- success ----------------------------------------------------------------------------------


def test_success_is_the_builders_reply_to_the_models_intent(stub, request_):
    stub.answer(ok())
    reply = make_planner(stub).respond(request_)

    assert (reply.kind, reply.provider, reply.fallback_reason) == ("draft", "gemini", None)
    assert reply.intent == MixIntent.model_validate(INTENT)
    assert reply.plan is not None and reply.plan.target.bpm == 122
    assert [s.track_id for s in reply.plan.segments] == ["night_drive", "sunrise"]
    [seen] = stub.seen
    assert seen.path.endswith("/models/gemini-2.5-flash:generateContent")
    generation = seen.body["generationConfig"]
    assert generation["responseMimeType"] == "application/json"
    assert {"action", "songs", "edits", "bpm"} <= set(generation["responseSchema"]["properties"])
    turn = json.loads(seen.body["contents"][0]["parts"][0]["text"])
    assert turn["message"] == request_.message
    assert turn["library"][0] == {
        "id": "night_drive",
        "title": "Night Drive",
        "artist": "Neon Harbor",
        "bpm": 118,
        "key": "A minor",
        "duration_s": 211.5,
        "energy": 0.55,
        "sections": ["intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro"],
    }
    assert turn["recent_messages"] == [] and turn["focus"] == []
    assert {k.lower(): v for k, v in seen.headers.items()}["x-goog-api-key"] == API_KEY


def test_the_models_operations_go_through_the_same_executor(stub, library):
    """One edit model: Gemini's targeted edit changes only the transition it names, and its
    undo is the same navigate reply the local reader gives."""
    local = LocalPlanner()
    three = local.respond(
        PlannerRequest(message="night drive, sunrise, iron lung in that order", library=library)
    )
    assert three.plan is not None
    edit = {
        "action": "revise",
        "edits": [{"op": "set_transition", "transition": {"index": 2, "type": "filter_sweep"}}],
    }
    stub.answer(ok(edit))
    asked = PlannerRequest(
        message="make the second transition a filter sweep",
        library=library,
        current_plan=three.plan,
    )
    reply = make_planner(stub).respond(asked)
    assert reply.kind == "draft" and reply.plan is not None, reply.text
    assert reply.provider == "gemini", reply.fallback_reason
    before = [s.transition_in for s in three.plan.segments]
    after = [s.transition_in for s in reply.plan.segments]
    assert after[2] is not None and after[2].type == "filter_sweep"
    assert after[:2] == before[:2]
    assert reply.plan == local.respond(asked).plan  # the local reader reads the same edit
    stub.answer(ok({"action": "navigate", "navigation": {"action": "undo", "steps": 1}}))
    undo = make_planner(stub).respond(asked.model_copy(update={"message": "undo that"}))
    assert undo.kind == "navigate" and undo.navigation is not None
    assert undo.navigation.action == "undo" and undo.navigation.steps == 1


def test_a_question_about_tracks_is_answered_from_the_analysis(stub, library):
    stub.answer(
        ok(
            {
                "action": "analyze",
                "songs": [{"query": "Sunrise", "track_id": "sunrise"}],
                "asked": ["key"],
            }
        )
    )
    request = PlannerRequest(message="what key is Sunrise in?", library=library)
    reply = make_planner(stub).respond(request)

    assert (reply.kind, reply.provider, reply.plan) == ("analysis", "gemini", None)
    assert reply.text == "Sunrise — Lumen Coast: C major (8B)."
    schema = stub.seen[0].body["generationConfig"]["responseSchema"]["properties"]
    assert "analyze" in schema["action"]["enum"]
    assert set(schema["asked"]["items"]["enum"]) == {
        "all",
        "key",
        "bpm",
        "meter",
        "loudness",
        "length",
        "structure",
    }


def test_a_feedback_request_is_met_as_the_local_readers_is(stub, library):
    """The model fills the same `feedback` intent; the builder resolves it alike, and the turn
    tells the model which track's report the chat is on."""
    said = "how does my master compare to Sunrise?"
    stub.answer(
        ok(
            {
                "action": "feedback",
                "feedback": {"reference": {"query": "Sunrise", "track_id": "sunrise"}},
            }
        )
    )
    request = PlannerRequest(message=said, library=library, feedback_track_id="night_drive")
    reply = make_planner(stub).respond(request)

    assert (reply.kind, reply.provider) == ("feedback", "gemini")
    assert reply.feedback is not None
    assert (reply.feedback.track_id, reply.feedback.reference_track_id) == (
        "night_drive",
        "sunrise",
    )
    assert reply.feedback == LocalPlanner().respond(request).feedback
    schema = stub.seen[0].body["generationConfig"]["responseSchema"]["properties"]
    assert "feedback" in schema["action"]["enum"]
    assert {"track", "reference", "type", "genre", "follow_up"} <= set(
        schema["feedback"]["properties"]
    )
    turn = json.loads(stub.seen[0].body["contents"][0]["parts"][0]["text"])
    assert turn["feedback_track"] == "night_drive"


# --- retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "delay_s"),
    [
        (failure(429, "RESOURCE_EXHAUSTED", Retry_After="1"), 1.0),
        (failure(429, "RESOURCE_EXHAUSTED", [retry_info("0.6s")]), 0.6),
    ],
    ids=["retry-after-header", "retry-info"],
)
def test_rate_limit_waits_the_servers_delay_then_succeeds(stub, request_, answer, delay_s):
    stub.answer(answer, ok())
    reply, elapsed = timed(make_planner(stub), request_)

    assert (reply.provider, reply.fallback_reason) == ("gemini", None)
    assert len(stub.seen) == 2
    gap = stub.seen[1].at - stub.seen[0].at
    assert delay_s <= gap < delay_s + 0.5
    assert elapsed < TEST_CONFIG["GEMINI_DEADLINE_SECONDS"]


def test_unavailable_is_retried_with_backoff(stub, request_):
    stub.answer(failure(503, "UNAVAILABLE"), ok())
    reply = make_planner(stub).respond(request_)

    assert (reply.provider, reply.fallback_reason) == ("gemini", None)
    assert len(stub.seen) == 2
    backoff = TEST_CONFIG["GEMINI_BACKOFF_SECONDS"]
    assert backoff / 2 <= stub.seen[1].at - stub.seen[0].at < backoff + 0.5


def test_rate_limit_longer_than_the_deadline_falls_back_at_once(stub, request_):
    stub.answer(failure(429, "RESOURCE_EXHAUSTED", [retry_info("60s")]), ok())
    reply, elapsed = timed(make_planner(stub), request_)

    assert (reply.provider, reply.fallback_reason) == ("local", RATE_LIMITED)
    assert len(stub.seen) == 1
    assert elapsed < 1.0


# --- fallback ---------------------------------------------------------------------------------


def assert_local_fallback(reply: Any, request: PlannerRequest, code: str) -> None:
    """The local planner's own reply, marked with the code and a note saying so."""
    local = LocalPlanner().respond(request)
    assert (reply.provider, reply.fallback_reason) == ("local", code)
    assert reply.kind == local.kind and reply.plan == local.plan
    assert (
        reply.notes[-1]
        == f"The cloud planner was unavailable ({code}); the local planner answered."
    )


def test_persistent_unavailable_falls_back_after_the_retries(stub, request_):
    stub.answer(failure(503, "UNAVAILABLE"))
    reply = make_planner(stub).respond(request_)

    assert_local_fallback(reply, request_, TEMPORARILY_UNAVAILABLE)
    assert len(stub.seen) == 1 + TEST_CONFIG["GEMINI_MAX_RETRIES"]


@pytest.mark.parametrize(
    "answer",
    [
        Scripted(200, candidate('{"action": "mix", "songs": [')),
        Scripted(200, candidate(json.dumps({"action": "dance", "tempo": "fast"}))),
        Scripted(200, candidate(json.dumps({**INTENT, "bpm": 999}))),
        Scripted(200, {"candidates": [], "promptFeedback": {"blockReason": "SAFETY"}}),
        Scripted(200, b"<html>not json</html>"),
        failure(400, "INVALID_ARGUMENT"),
        failure(403, "PERMISSION_DENIED"),
    ],
    ids=[
        "malformed-json",
        "schema-violating",
        "out-of-range",
        "no-candidates",
        "body-not-json",
        "400",
        "403",
    ],
)
def test_upstream_errors_fall_back_without_retrying(stub, request_, answer):
    stub.answer(answer, ok())
    reply = make_planner(stub).respond(request_)

    assert_local_fallback(reply, request_, UPSTREAM_ERROR)
    assert len(stub.seen) == 1


def test_timeout_falls_back_within_the_deadline(stub, request_):
    stub.answer(Scripted(200, candidate(json.dumps(INTENT)), stall_s=30))
    planner = make_planner(stub, GEMINI_TIMEOUT_SECONDS=0.3, GEMINI_MAX_RETRIES=1)
    reply, elapsed = timed(planner, request_)

    assert_local_fallback(reply, request_, TEMPORARILY_UNAVAILABLE)
    assert len(stub.seen) == 2
    assert 0.6 <= elapsed < 2.0


def test_the_deadline_bounds_every_attempt(stub, request_):
    stub.answer(Scripted(200, candidate(json.dumps(INTENT)), stall_s=30))
    planner = make_planner(stub, GEMINI_TIMEOUT_SECONDS=5.0, GEMINI_DEADLINE_SECONDS=0.5)
    reply, elapsed = timed(planner, request_)

    assert reply.fallback_reason == TEMPORARILY_UNAVAILABLE
    assert elapsed < 1.5


def test_unreachable_endpoint_falls_back(stub, request_):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    planner = make_planner(stub, GEMINI_BASE_URL=f"http://127.0.0.1:{closed_port}")
    reply = planner.respond(request_)

    assert reply.fallback_reason == TEMPORARILY_UNAVAILABLE
    assert stub.seen == []


def test_the_key_is_never_logged(stub, request_, caplog):
    stub.answer(failure(401, "UNAUTHENTICATED"))
    with caplog.at_level(logging.DEBUG):
        reply = make_planner(stub).respond(request_)

    assert reply.fallback_reason == UPSTREAM_ERROR
    assert "UNAUTHENTICATED" in caplog.text
    assert API_KEY not in caplog.text
    assert API_KEY not in repr(settings_from(gemini_config(stub)))


# --- retry delays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "details", "expected"),
    [
        ({}, [], None),
        ({"Retry-After": "3"}, [], 3.0),
        ({}, [retry_info("1.5s")], 1.5),
        ({"Retry-After": "1"}, [retry_info("2s")], 2.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, [], 0.0),
        ({"Retry-After": "soon"}, [retry_info("later")], None),
    ],
)
def test_retry_delay_reads_header_and_retry_info(headers, details, expected):
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": details}}
    response = httpx2.Response(429, headers=headers, json=body)
    assert retry_delay(errors.APIError(429, body, response)) == expected


# --- configuration and health -----------------------------------------------------------------


def test_planner_for_picks_the_configured_provider(stub):
    assert isinstance(planner_for({"PLANNER_PROVIDER": "local"}), LocalPlanner)
    assert isinstance(planner_for(gemini_config(stub)), GeminiPlanner)
    with pytest.raises(ConfigError, match="GEMINI_API_KEY"):
        planner_for(gemini_config(stub, GEMINI_API_KEY=None))
    with pytest.raises(ConfigError, match="PLANNER_PROVIDER"):
        planner_for({"PLANNER_PROVIDER": "oracle"})


def test_config_reads_the_gemini_settings():
    config = load_config(
        {
            "GEMINI_API_KEY": API_KEY,
            "GEMINI_MODEL": "gemini-2.5-pro",
            "GEMINI_BASE_URL": "http://proxy.internal",
            "GEMINI_TIMEOUT_SECONDS": "7.5",
            "GEMINI_MAX_RETRIES": "4",
            "GEMINI_DEADLINE_SECONDS": "30",
            "GEMINI_BACKOFF_SECONDS": "0.5",
            "FLASK_SECRET_KEY": "f" * 40,
            "JWT_SECRET_KEY": "j" * 40,
        }
    )
    settings = settings_from(config)
    assert (settings.model, settings.base_url) == ("gemini-2.5-pro", "http://proxy.internal")
    assert (settings.timeout_s, settings.max_retries) == (7.5, 4)
    assert (settings.deadline_s, settings.backoff_s) == (30.0, 0.5)
    defaults = load_config({"FLASK_SECRET_KEY": "f" * 40, "JWT_SECRET_KEY": "j" * 40})
    assert (defaults["GEMINI_MODEL"], defaults["GEMINI_BASE_URL"]) == ("gemini-2.5-flash", None)


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({}, "disabled"),
        ({"PLANNER_PROVIDER": "gemini", "GEMINI_API_KEY": API_KEY}, "ok"),
        ({"PLANNER_PROVIDER": "gemini", "GEMINI_API_KEY": None}, "down"),
        ({"PLANNER_PROVIDER": "oracle"}, "down"),
    ],
)
def test_health_reports_the_ai_provider(make_app, live_worker, overrides, status):
    app = make_app(**overrides)
    body = app.test_client().get("/api/v1/health").get_json()
    assert body["checks"]["ai"]["status"] == status
    assert API_KEY not in json.dumps(body)
