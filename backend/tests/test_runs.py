"""The run lifecycle against the database: claims, leases, cancel, retry, events, the API."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask

from intellimix.chats.models import ChatThread
from intellimix.extensions import db
from intellimix.runs import service
from intellimix.runs.models import Run, RunEvent
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .sse_client import parse_frames, until_end

pytestmark = pytest.mark.database


def _user(api, email="ada@example.com"):
    body = api.register(email=email)
    return body["user"]["id"], api.bearer(body["access_token"])


def _create(app: Flask, user_id: str, kind="test_heavy", **input):
    with app.app_context():
        return service.create_run(user_id=user_id, kind=kind, input=input).id


def _run(app: Flask, run_id: str) -> Run:
    with app.app_context():
        run = db.session.get(Run, run_id)
        db.session.expunge(run)
        return run


def _event_types(app: Flask, run_id: str) -> list[tuple[int, str]]:
    with app.app_context():
        return [(e.seq, e.type) for e in service.events_after(run_id, 0)]


def _execute(app: Flask, run_id: str, owner="w1", stopping=None):
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), owner, stopping or threading.Event())


def test_lifecycle_appends_contiguous_events(app, api):
    user_id, _ = _user(api)
    run_id = _create(app, user_id, steps=3)
    assert _event_types(app, run_id) == [(1, "created")]
    _execute(app, run_id)
    run = _run(app, run_id)
    assert (run.status, run.progress, run.attempts) == ("completed", 100, 1)
    assert run.result == {"steps": 3, "attempt": 1}
    assert run.lease_owner is None and run.finished_at is not None
    types = _event_types(app, run_id)
    assert [seq for seq, _ in types] == list(range(1, len(types) + 1))
    assert [t for _, t in types] == [
        "created",
        "started",
        "progress",
        "progress",
        "progress",
        "completed",
    ]
    with app.app_context():
        last = service.events_after(run_id, 0)[-1]
        assert last.data["status"] == "completed" and last.data["progress_percent"] == 100


def test_two_workers_racing_for_one_run_exactly_one_claims(app, api):
    user_id, _ = _user(api)
    run_ids = [_create(app, user_id) for _ in range(5)]
    barrier = threading.Barrier(4)

    def claim(owner: str, run_id: str) -> bool:
        with app.app_context():
            barrier.wait()
            won = service.claim(run_id, owner, lease_seconds=30, max_attempts=3) is not None
            db.session.remove()
            return won

    for run_id in run_ids:
        with ThreadPoolExecutor(4) as pool:
            wins = list(pool.map(claim, ["a", "b", "c", "d"], [run_id] * 4))
        assert wins.count(True) == 1
        assert _run(app, run_id).attempts == 1


def test_expired_lease_moves_the_run_and_the_old_owner_cannot_finish_it(app, api):
    user_id, _ = _user(api)
    run_id = _create(app, user_id)
    with app.app_context():
        assert service.claim(run_id, "dead", lease_seconds=0.2, max_attempts=3)
        assert service.claim(run_id, "alive", lease_seconds=30, max_attempts=3) is None
    time.sleep(0.3)
    with app.app_context():
        taken = service.claim(run_id, "alive", lease_seconds=30, max_attempts=3)
        assert taken is not None and taken.attempts == 2
        assert service.complete(run_id, "dead", {"from": "dead"}) is None
        assert service.heartbeat(run_id, "dead", lease_seconds=30) is False
        assert service.complete(run_id, "alive", {"from": "alive"}) is not None
    run = _run(app, run_id)
    assert (run.status, run.result, run.attempts) == ("completed", {"from": "alive"}, 2)
    assert [t for _, t in _event_types(app, run_id)].count("completed") == 1


def test_last_attempt_lost_fails_with_worker_lost(app, api):
    user_id, _ = _user(api)
    run_id = _create(app, user_id)
    with app.app_context():
        for owner in ("w1", "w2"):
            assert service.claim(run_id, owner, lease_seconds=0.05, max_attempts=2)
            time.sleep(0.1)
        requeued = service.reconcile(max_attempts=2, requeue_queued=True)
    run = _run(app, run_id)
    assert run_id not in requeued
    assert run.status == "failed" and run.error["code"] == "WORKER_LOST"


def test_reconcile_requeues_queued_and_expired_runs(app, api):
    user_id, _ = _user(api)
    queued = _create(app, user_id)
    expired = _create(app, user_id)
    with app.app_context():
        service.claim(expired, "gone", lease_seconds=0.05, max_attempts=3)
        time.sleep(0.1)
        assert set(service.reconcile(max_attempts=3, requeue_queued=True)) == {queued, expired}
        assert set(service.reconcile(max_attempts=3, requeue_queued=False)) == {expired}


def test_cancel_queued_run_is_immediate(app, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id)
    response = api.client.post(f"/api/v1/mix-chat-runs/{run_id}/cancel", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["run"]["status"] == "cancelled"
    assert _event_types(app, run_id)[-1] == (2, "cancelled")
    with app.app_context():  # a worker that still finds it in the queue leaves it alone
        assert service.claim(run_id, "w", lease_seconds=5, max_attempts=3) is None
    again = api.client.post(f"/api/v1/mix-chat-runs/{run_id}/cancel", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "RUN_FINISHED"


def test_cancel_running_run_stops_at_the_next_checkpoint(app, api, tmp_path):
    user_id, headers = _user(api)
    journal = tmp_path / "journal"
    run_id = _create(app, user_id, steps=200, delay=0.01, journal=str(journal))
    worker = threading.Thread(target=_execute, args=(app, run_id))
    worker.start()
    deadline = time.monotonic() + 10
    while _run(app, run_id).progress < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    response = api.client.post(f"/api/v1/mix-chat-runs/{run_id}/cancel", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["run"]["cancel_requested"] is True
    worker.join(timeout=10)
    run = _run(app, run_id)
    assert run.status == "cancelled" and run.progress < 100
    assert "done" not in journal.read_text()
    assert _event_types(app, run_id)[-1][1] == "cancelled"


def test_shutdown_releases_the_run_without_spending_an_attempt(make_app, db_backend):
    app = make_app(RUN_SHUTDOWN_GRACE_SECONDS=0.2)
    user_id = (
        app.test_client()
        .post(
            "/api/v1/auth/register",
            json={"name": "A", "email": "a@example.com", "password": "long enough"},
        )
        .get_json()["user"]["id"]
    )
    run_id = _create(app, user_id, steps=100, delay=0.01)
    stopping = threading.Event()
    worker = threading.Thread(target=_execute, args=(app, run_id, "w1", stopping))
    worker.start()
    time.sleep(0.1)
    stopping.set()  # the run needs ~1 s, longer than the 0.2 s grace
    worker.join(timeout=10)
    run = _run(app, run_id)
    assert (run.status, run.attempts, run.lease_owner) == ("queued", 0, None)
    _execute(app, run_id, "w2")
    assert _run(app, run_id).status == "completed"


@pytest.mark.parametrize(
    ("kind", "code", "retryable"),
    [
        ("test_fail", "TEST_FAILED", False),
        ("test_crash", "RUN_FAILED", True),
        ("unknown_kind", None, None),
    ],
)
def test_failures_are_recorded_with_codes(app, api, kind, code, retryable):
    user_id, headers = _user(api)
    if code is None:
        with app.app_context(), pytest.raises(KeyError):
            service.create_run(user_id=user_id, kind=kind, input={})
        return
    run_id = _create(app, user_id, kind=kind)
    _execute(app, run_id)
    body = api.client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()
    assert body["run"]["status"] == "failed"
    assert body["run"]["error"]["code"] == code
    assert body["run"]["error"]["retryable"] is retryable
    assert "internal detail" not in str(body)


def test_retry_starts_a_new_run_with_the_same_input(app, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id, kind="test_fail", answer=42)
    _execute(app, run_id)
    response = api.client.post(f"/api/v1/mix-chat-runs/{run_id}/retry", headers=headers)
    assert response.status_code == 202
    new = response.get_json()["run"]
    assert new["id"] != run_id and new["status"] == "queued" and new["kind"] == "test_fail"
    assert _run(app, new["id"]).input == {"answer": 42}
    ok = _create(app, user_id)
    refused = api.client.post(f"/api/v1/mix-chat-runs/{ok}/retry", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "RUN_NOT_FAILED"


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", "/cancel"), ("post", "/retry"), ("get", "/events")]
)
def test_another_users_run_is_not_found(app, api, method, suffix):
    owner_id, _ = _user(api, "owner@example.com")
    run_id = _create(app, owner_id)
    _, intruder = _user(api, "intruder@example.com")
    response = getattr(api.client, method)(
        f"/api/v1/mix-chat-runs/{run_id}{suffix}", headers=intruder
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "RUN_NOT_FOUND"
    assert _run(app, run_id).status == "queued"


def test_get_run_snapshot_shape(app, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id)
    run = api.client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()["run"]
    assert set(run) >= {
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
        "assistant_message",
    }
    assert run["created_at"].endswith("+00:00")


def _stream(client, run_id, headers=None, query=""):
    response = client.get(
        f"/api/v1/mix-chat-runs/{run_id}/events{query}", headers=headers or {}, buffered=False
    )
    return response


def test_sse_replays_after_last_event_id_then_ends(app, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id, steps=4)
    _execute(app, run_id)
    total = len(_event_types(app, run_id))
    for k in (0, 2, total - 1):
        response = _stream(api.client, run_id, {**headers, "Last-Event-ID": str(k)})
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        frames = until_end(parse_frames(response.response))
        assert [f.id for f in frames[:-1]] == list(range(k + 1, total + 1))
        assert all(f.event == "run_update" for f in frames[:-1])
        assert (
            frames[-2].data["terminal"] is True and frames[-2].data["run"]["status"] == "completed"
        )
        assert frames[-1].event == "stream_end" and frames[-1].id is None
        assert frames[-1].data == {"reason": "terminal"}
        response.close()


def test_sse_streams_live_events_of_a_running_run(app, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id, steps=10, delay=0.05)
    response = _stream(api.client, run_id, headers)
    frames = parse_frames(response.response)
    first = next(frames)
    assert first.id == 1 and first.data["run"]["status"] == "queued"
    worker = threading.Thread(target=_execute, args=(app, run_id))
    worker.start()
    rest = until_end(frames)
    worker.join()
    updates = [f for f in rest if f.event == "run_update"]
    assert [f.id for f in updates] == list(range(2, len(_event_types(app, run_id)) + 1))
    assert updates[-1].data["run"]["status"] == "completed"
    response.close()


def test_sse_pings_and_ends_at_max_duration(make_app, api, db_backend):
    app = make_app(MIX_CHAT_SSE_HEARTBEAT_SECONDS=0.1, MIX_CHAT_SSE_MAX_SECONDS=0.5)
    client = app.test_client()
    body = client.post(
        "/api/v1/auth/register",
        json={"name": "A", "email": "a@example.com", "password": "long enough"},
    ).get_json()
    run_id = _create(app, body["user"]["id"])
    response = _stream(client, run_id, query=f"?token={body['access_token']}")
    frames = until_end(parse_frames(response.response))
    assert frames[0].id == 1
    assert "ping" in [f.event for f in frames]
    assert frames[-1].data == {"reason": "max_duration"}
    response.close()


@pytest.mark.parametrize("which", ["refresh_token", "garbage", None])
def test_sse_accepts_only_access_tokens(app, api, which):
    body = api.register()
    run_id = _create(app, body["user"]["id"])
    token = {"refresh_token": body["refresh_token"], "garbage": "x.y.z", None: None}[which]
    response = _stream(api.client, run_id, query=f"?token={token}" if token else "")
    assert response.status_code == 401


@pytest.mark.parametrize("value", ["abc", "-1", "1.5"])
def test_sse_rejects_bad_last_event_id(app, api, value):
    user_id, headers = _user(api)
    run_id = _create(app, user_id)
    response = _stream(api.client, run_id, {**headers, "Last-Event-ID": value})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "INVALID_EVENT_ID"


def test_thread_active_runs(app, api):
    user_id, headers = _user(api)
    with app.app_context():
        thread = ChatThread(user_id=user_id, title="Sunrise mix")
        db.session.add(thread)
        db.session.commit()
        thread_id = thread.id
        active = service.create_run(
            user_id=user_id, kind="test_plan", input={}, thread_id=thread_id
        )
        done = service.create_run(user_id=user_id, kind="test_plan", input={}, thread_id=thread_id)
        active_id, done_id = active.id, done.id
    _execute(app, done_id)
    listing = api.client.get(f"/api/v1/mix-chats/{thread_id}/runs?active=1", headers=headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert [item["id"] for item in body["items"]] == [active_id]
    assert (body["total"], body["page"], body["has_more"]) == (1, 1, False)
    everything = api.client.get(f"/api/v1/mix-chats/{thread_id}/runs", headers=headers).get_json()
    assert {item["id"] for item in everything["items"]} == {active_id, done_id}
    _, intruder = _user(api, "intruder@example.com")
    assert (
        api.client.get(f"/api/v1/mix-chats/{thread_id}/runs", headers=intruder).status_code == 404
    )
    bad = api.client.get(f"/api/v1/mix-chats/{thread_id}/runs?limit=0", headers=headers)
    assert bad.status_code == 422


def test_user_active_runs_span_threads_and_exclude_other_users(app, api):
    user_id, headers = _user(api)
    other_id, other_headers = _user(api, "other@example.com")
    queued = _create(app, user_id, kind="test_plan")
    done = _create(app, user_id, kind="test_plan")
    foreign = _create(app, other_id, kind="test_plan")
    _execute(app, done)
    active = api.client.get("/api/v1/mix-chat-runs?active=1", headers=headers).get_json()
    assert [item["id"] for item in active["items"]] == [queued]
    everything = api.client.get("/api/v1/mix-chat-runs", headers=headers).get_json()
    assert {item["id"] for item in everything["items"]} == {queued, done}
    theirs = api.client.get("/api/v1/mix-chat-runs", headers=other_headers).get_json()
    assert [item["id"] for item in theirs["items"]] == [foreign]
    assert api.client.get("/api/v1/mix-chat-runs").status_code == 401
    bad = api.client.get("/api/v1/mix-chat-runs?page=0", headers=headers)
    assert bad.status_code == 422 and bad.get_json()["error"]["code"]


def test_every_event_is_stored_once_per_seq(app, api):
    user_id, _ = _user(api)
    run_id = _create(app, user_id, steps=3)
    _execute(app, run_id)
    with app.app_context():
        seqs = [e.seq for e in db.session.query(RunEvent).filter_by(run_id=run_id)]
    assert sorted(seqs) == list(range(1, len(seqs) + 1))
