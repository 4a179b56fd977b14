"""SSE ends for finished runs and for tokens that stopped being valid (issue 17, finding 8)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import time_machine

from intellimix.db_types import utcnow
from intellimix.runs import service
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .sse_client import parse_frames, until_end

pytestmark = pytest.mark.database


def _email() -> str:
    return f"s-{uuid.uuid4().hex[:8]}@example.com"


def _finished_run(app, user_id: str) -> tuple[str, int]:
    with app.app_context():
        run_id = service.create_run(user_id=user_id, kind="test_heavy", input={"steps": 2}).id
        execute_delivery(app, Delivery(run_id, "heavy"), "w", threading.Event())
        last = service.events_after(run_id, 0)[-1].seq
    return run_id, last


def _stream(client, run_id: str, headers: dict[str, str]):
    return client.get(f"/api/v1/mix-chat-runs/{run_id}/events", headers=headers, buffered=False)


@pytest.mark.parametrize("past_the_end", [0, 1, 1000])
def test_reconnecting_at_or_past_a_finished_runs_end_gets_stream_end_at_once(
    make_app, past_the_end
):
    # A heartbeat longer than the test: any ping would mean the stream kept waiting.
    app = make_app(MIX_CHAT_SSE_HEARTBEAT_SECONDS=60)
    client = app.test_client()
    body = client.post(
        "/api/v1/auth/register",
        json={"name": "S", "email": _email(), "password": "long enough"},
    ).get_json()
    run_id, last = _finished_run(app, body["user"]["id"])
    response = _stream(
        client,
        run_id,
        {
            "Authorization": f"Bearer {body['access_token']}",
            "Last-Event-ID": str(last + past_the_end),
        },
    )
    frames = until_end(parse_frames(response.response))
    assert [f.event for f in frames] == ["stream_end"]
    assert frames[0].data == {"reason": "terminal"}
    response.close()


def _registered(app):
    return (
        app.test_client()
        .post(
            "/api/v1/auth/register",
            json={"name": "S", "email": _email(), "password": "long enough"},
        )
        .get_json()
    )


def test_a_stream_closes_at_the_heartbeat_after_logout(make_app):
    app = make_app(MIX_CHAT_SSE_HEARTBEAT_SECONDS=0.1, MIX_CHAT_SSE_MAX_SECONDS=30)
    client = app.test_client()
    body = _registered(app)
    with app.app_context():
        run_id = service.create_run(user_id=body["user"]["id"], kind="test_heavy", input={}).id
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    response = _stream(client, run_id, bearer)
    frames = parse_frames(response.response)
    assert next(frames).event == "run_update"
    logout = app.test_client().post(
        "/api/v1/auth/logout", json={"refresh_token": body["refresh_token"]}, headers=bearer
    )
    assert logout.status_code == 204
    rest = until_end(frames)
    assert rest[-1].event == "stream_end" and rest[-1].data == {"reason": "token_revoked"}
    response.close()


def test_a_stream_closes_at_the_heartbeat_after_its_token_expires(make_app):
    app = make_app(MIX_CHAT_SSE_HEARTBEAT_SECONDS=0.1, MIX_CHAT_SSE_MAX_SECONDS=30)
    client = app.test_client()
    body = _registered(app)
    with app.app_context():
        run_id = service.create_run(user_id=body["user"]["id"], kind="test_heavy", input={}).id
    response = _stream(client, run_id, {"Authorization": f"Bearer {body['access_token']}"})
    frames = parse_frames(response.response)
    assert next(frames).event == "run_update"
    with time_machine.travel(utcnow() + timedelta(minutes=16), tick=True):
        rest = until_end(frames)
    assert rest[-1].data == {"reason": "token_expired"}
    response.close()
