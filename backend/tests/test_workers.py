"""Workers as real processes on Redis Streams and PostgreSQL: crashes, flushes, races, lanes,
SSE across API processes, shutdown and health."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from intellimix.extensions import db
from intellimix.runs import service
from intellimix.runs.models import Run, WorkerHeartbeat
from intellimix.runs.queue import get_queue

from .processes import BACKEND_DIR, Processes, post_json, sse_frames
from .sse_client import until_end

pytestmark = pytest.mark.parametrize("db_backend", ["postgresql"])


@pytest.fixture
def cluster(
    app, make_app, database_url, redis_url, redis_db, tmp_path
) -> Iterator[tuple[Flask, Processes]]:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MIX_CHAT_QUEUE_URL": redis_url,
        "MIX_CHAT_QUEUE_PREFIX": prefix,
        "RUN_EXECUTOR_MODULES": "tests.run_executors",
        "PYTHONPATH": str(BACKEND_DIR),
        "RUN_LEASE_SECONDS": "1",
        "RUN_VISIBILITY_TIMEOUT_SECONDS": "1.5",
        "RUN_SHUTDOWN_GRACE_SECONDS": "1",
        "WORKER_HEARTBEAT_SECONDS": "0.5",
        "MIX_CHAT_SSE_HEARTBEAT_SECONDS": "1",
        "AUTH_RATE_LIMIT_PER_ADDRESS": "10000 per minute",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "EMBEDDED_WORKER": "false",
        "WORKER_WARM_UP": "false",  # these runs are the tests' own; no analysis to warm
        "LOG_LEVEL": "INFO",
    }
    shared_app = make_app(MIX_CHAT_QUEUE_URL=redis_url, MIX_CHAT_QUEUE_PREFIX=prefix)
    processes = Processes(env, tmp_path)
    yield shared_app, processes
    processes.close()


def _user(app: Flask) -> str:
    body = (
        app.test_client()
        .post(
            "/api/v1/auth/register",
            json={
                "name": "A",
                "email": f"{uuid.uuid4().hex[:8]}@example.com",
                "password": "long enough",
            },
        )
        .get_json()
    )
    return body["user"]["id"]


def _create(app: Flask, user_id: str, kind: str = "test_heavy", **input) -> str:
    with app.app_context():
        return service.create_run(user_id=user_id, kind=kind, input=input).id


def _runs(app: Flask, ids: list[str]) -> dict[str, Run]:
    with app.app_context():
        found = {run.id: run for run in db.session.query(Run).filter(Run.id.in_(ids))}
        for run in found.values():
            db.session.expunge(run)
        return found


def _wait(condition: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _all_done(app: Flask, ids: list[str]) -> Callable[[], bool]:
    return lambda: all(
        run.status in ("completed", "failed", "cancelled") for run in _runs(app, ids).values()
    )


def _live_workers(app: Flask) -> int:
    with app.app_context():
        return db.session.query(WorkerHeartbeat).count()


def _journal_lines(path: Path, what: str) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split() for line in path.read_text().splitlines() if line.startswith(what)]


def test_kill_9_mid_run_another_worker_finishes_it_once(cluster, tmp_path):
    app, processes = cluster
    journal = tmp_path / "journal"
    run_id = _create(app, _user(app), steps=30, delay=0.05, journal=str(journal))
    first = processes.worker(interactive=0, heavy=1)
    _wait(lambda: _journal_lines(journal, "start"), what="the first worker to start the run")
    processes.kill_hard(first)
    processes.worker(interactive=0, heavy=1)
    _wait(_all_done(app, [run_id]), what="the second worker to finish the run")
    run = _runs(app, [run_id])[run_id]
    assert (run.status, run.attempts, run.result) == ("completed", 2, {"steps": 30, "attempt": 2})
    assert len(_journal_lines(journal, "start")) == 2
    assert len(_journal_lines(journal, "done")) == 1
    with app.app_context():
        assert [e.type for e in service.events_after(run_id, 0)].count("completed") == 1


def test_flushdb_loses_no_queued_run(cluster, redis_db):
    app, processes = cluster
    user_id = _user(app)
    ids = [_create(app, user_id, steps=1) for _ in range(4)]
    ids += [_create(app, user_id, kind="test_plan", steps=1) for _ in range(2)]
    redis_db.flushdb()  # this test run's own Redis database index, never FLUSHALL
    processes.worker(interactive=1, heavy=1)
    _wait(_all_done(app, ids), what="every run to complete after the flush")
    assert {run.status for run in _runs(app, ids).values()} == {"completed"}


def test_two_workers_racing_execute_each_run_exactly_once(cluster, tmp_path):
    app, processes = cluster
    journal = tmp_path / "journal"
    user_id = _user(app)
    processes.worker(interactive=0, heavy=2)
    processes.worker(interactive=0, heavy=2)
    # Both must be up before the runs arrive, or the first to boot drains the queue alone.
    _wait(lambda: _live_workers(app) == 2, what="both workers' heartbeats", timeout=90)
    ids = [_create(app, user_id, steps=1, delay=0.1, journal=str(journal)) for _ in range(16)]
    with app.app_context():
        for run_id in ids:  # duplicate every queue entry: both workers see every run twice
            get_queue().enqueue(run_id, "heavy")
    _wait(_all_done(app, ids), what="all runs", timeout=90)
    starts = [line[1] for line in _journal_lines(journal, "start")]
    assert sorted(starts) == sorted(ids), "each run started exactly once"
    assert {run.attempts for run in _runs(app, ids).values()} == {1}
    assert len({line[3] for line in _journal_lines(journal, "start")}) >= 2, "both workers worked"


def test_plan_lane_never_waits_behind_heavy_runs(cluster):
    app, processes = cluster
    user_id = _user(app)
    processes.worker(interactive=1, heavy=1)
    heavy = [_create(app, user_id, steps=15, delay=0.1) for _ in range(2)]
    _wait(
        lambda: any(r.status == "running" for r in _runs(app, heavy).values()), what="heavy start"
    )
    plan = _create(app, user_id, kind="test_plan", steps=1, delay=0)
    _wait(_all_done(app, [*heavy, plan]), what="all runs", timeout=60)
    runs = _runs(app, [*heavy, plan])
    assert runs[plan].finished_at < min(runs[h].finished_at for h in heavy)


def test_sse_mid_run_resumes_after_last_event_id_on_two_api_processes(cluster):
    app, processes = cluster
    first_api, second_api = processes.api(), processes.api()
    tokens = post_json(
        f"{first_api}/api/v1/auth/register",
        {"name": "A", "email": "sse@example.com", "password": "long enough"},
    )
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    run_id = _create(app, tokens["user"]["id"], steps=20, delay=0.1)
    processes.worker(interactive=0, heavy=1)
    k = 3
    _wait(lambda: _runs(app, [run_id])[run_id].progress >= 10, what="the run to be underway")
    received: dict[str, list] = {}

    def listen(base: str) -> None:
        frames = sse_frames(
            base, f"/api/v1/mix-chat-runs/{run_id}/events", {**auth, "Last-Event-ID": str(k)}
        )
        received[base] = until_end(frames)

    listeners = [threading.Thread(target=listen, args=(base,)) for base in (first_api, second_api)]
    for listener in listeners:
        listener.start()
    for listener in listeners:
        listener.join(timeout=60)
    with app.app_context():
        n = len(service.events_after(run_id, 0))
    for base in (first_api, second_api):
        frames = received[base]
        updates = [f for f in frames if f.event == "run_update"]
        assert [f.id for f in updates] == list(range(k + 1, n + 1)), base
        assert updates[-1].data["run"]["status"] == "completed"
        assert frames[-1].event == "stream_end" and frames[-1].data == {"reason": "terminal"}


def test_sigterm_releases_the_run_and_health_turns_503(cluster):
    app, processes = cluster
    client = app.test_client()
    run_id = _create(app, _user(app), steps=100, delay=0.05)
    worker = processes.worker(interactive=0, heavy=1)
    _wait(lambda: client.get("/api/v1/health").status_code == 200, what="worker heartbeat")
    _wait(lambda: _runs(app, [run_id])[run_id].status == "running", what="run start")
    assert processes.stop(worker) == 0
    run = _runs(app, [run_id])[run_id]
    assert (run.status, run.attempts) == ("queued", 0), "released, not lost"
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["down"] == ["worker"]
    processes.worker(interactive=0, heavy=1)
    _wait(_all_done(app, [run_id]), what="the released run to finish elsewhere")
    assert _runs(app, [run_id])[run_id].attempts == 1


def test_cancel_reaches_a_run_in_a_worker_process(cluster):
    app, processes = cluster
    client = app.test_client()
    body = client.post(
        "/api/v1/auth/register",
        json={"name": "C", "email": "c@example.com", "password": "long enough"},
    ).get_json()
    run_id = _create(app, body["user"]["id"], steps=100, delay=0.05)
    processes.worker(interactive=0, heavy=1)
    _wait(lambda: _runs(app, [run_id])[run_id].progress >= 5, what="run progress")
    response = client.post(
        f"/api/v1/mix-chat-runs/{run_id}/cancel",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert response.status_code == 200
    _wait(_all_done(app, [run_id]), what="cancellation")
    assert _runs(app, [run_id])[run_id].status == "cancelled"


def test_flushdb_under_a_live_worker_is_repaired_without_restart(cluster, redis_db):
    app, processes = cluster
    user_id = _user(app)
    processes.worker(interactive=0, heavy=1)
    busy = _create(app, user_id, steps=10, delay=0.1)
    _wait(lambda: _runs(app, [busy])[busy].status == "running", what="the slot to be busy")
    waiting = [_create(app, user_id, steps=1) for _ in range(3)]
    redis_db.flushdb()
    _wait(_all_done(app, [busy, *waiting]), what="every run after the flush", timeout=60)
    assert {run.status for run in _runs(app, [busy, *waiting]).values()} == {"completed"}
