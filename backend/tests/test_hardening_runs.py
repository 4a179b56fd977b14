"""Stuck and orphaned runs (issue 17, findings 1, 3 and 7): cancel of a run whose worker is gone,
Jobs of interrupted attempts, scratch, and the watchdog's verdicts with the clock moved."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from flask import Flask

from intellimix.db_types import utcnow
from intellimix.extensions import db
from intellimix.history.models import Job
from intellimix.library.models import Track
from intellimix.runs import service, watchdog
from intellimix.runs.models import Run
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery
from intellimix.storage import get_storage

pytestmark = pytest.mark.database
MAX_ATTEMPTS = 3


def _user(api):
    body = api.register()
    return body["user"]["id"], api.bearer(body["access_token"])


def _create(app: Flask, user_id: str, kind="test_heavy", **input) -> str:
    with app.app_context():
        return service.create_run(user_id=user_id, kind=kind, input=input).id


def _claim(app: Flask, run_id: str, owner="gone-worker:heavy:0") -> None:
    with app.app_context():
        assert service.claim(run_id, owner, lease_seconds=1, max_attempts=MAX_ATTEMPTS)


def _run(app: Flask, run_id: str) -> Run:
    with app.app_context():
        run = db.session.get(Run, run_id)
        db.session.expunge(run)
        return run


def _reconcile(app: Flask) -> None:
    with app.app_context():
        service.reconcile(max_attempts=MAX_ATTEMPTS, requeue_queued=False)


def _later(seconds: float):
    return time_machine.travel(utcnow() + timedelta(seconds=seconds), tick=False)


def test_cancel_of_a_run_whose_worker_died_finishes_cancelled_at_reconcile(app, client, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id)
    _claim(app, run_id)  # ...and the worker dies without a word
    response = client.post(f"/api/v1/mix-chat-runs/{run_id}/cancel", headers=headers)
    assert response.status_code == 200
    assert _run(app, run_id).status == "running"  # the lease is still valid: wait for it
    with _later(5):
        _reconcile(app)
    run = _run(app, run_id)
    assert (run.status, run.lease_owner) == ("cancelled", None)
    assert client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()["run"][
        "status"
    ] == ("cancelled")


def test_cancel_after_the_lease_expired_ends_cancelled_at_reconcile(app, client, api):
    user_id, headers = _user(api)
    run_id = _create(app, user_id)
    _claim(app, run_id)
    with _later(5):
        response = client.post(f"/api/v1/mix-chat-runs/{run_id}/cancel", headers=headers)
        assert response.status_code == 200
        _reconcile(app)
    assert _run(app, run_id).status == "cancelled"


def test_a_cancelled_orphan_analysis_leaves_its_track_failed_not_analyzing(app, client, api):
    user_id, headers = _user(api)
    with app.app_context():
        track = Track(user_id=user_id, title="t", source="upload", status="analyzing")
        db.session.add(track)
        db.session.commit()
        track_id = track.id
    run_id = _create(app, user_id, kind="analyze_track", track_id=track_id)
    _claim(app, run_id)
    client.post(f"/api/v1/mix-chat-runs/{run_id}/cancel", headers=headers)
    with _later(5):
        _reconcile(app)
    with app.app_context():
        assert db.session.get(Track, track_id).status == "failed"


def _execute(app: Flask, run_id: str, owner="w2") -> None:
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), owner, threading.Event())


def _start_job_attempt(app: Flask, run_id: str, owner: str) -> str:
    """Attempt that creates its Job and scratch, then dies (no settle, lease left to expire)."""
    from intellimix.history import service as history
    from intellimix.runs.context import RunContext

    with app.app_context():
        run = service.claim(run_id, owner, lease_seconds=1, max_attempts=MAX_ATTEMPTS)
        context = RunContext(app, run, owner, threading.Event())
        job = history.create_job(user_id=run.user_id, type="render", input={}, run_id=run_id)
        context.scratch_path().mkdir(parents=True)
        (context.scratch_path() / "mix.wav").write_bytes(b"half a render")
        return job.id


def test_a_crashed_attempts_job_is_failed_and_its_scratch_removed(app, api):
    user_id, _ = _user(api)
    run_id = _create(app, user_id, kind="test_job")
    first_job = _start_job_attempt(app, run_id, "crashed:heavy:0")
    with _later(5):
        _reconcile(app)
        _execute(app, run_id)
    assert _run(app, run_id).status == "completed"
    with app.app_context():
        jobs = {job.id: job for job in db.session.query(Job).filter(Job.run_id == run_id)}
        assert jobs[first_job].status == "failed"
        assert jobs[first_job].error["code"] == "ATTEMPT_INTERRUPTED"
        assert [job.status for job in jobs.values() if job.id != first_job] == ["success"]
        assert "processing" not in {job.status for job in jobs.values()}
        scratch = get_storage().root / "scratch"
        assert not scratch.exists() or not any(scratch.iterdir())


def test_a_run_lost_for_good_fails_its_job(app, api):
    user_id, _ = _user(api)
    run_id = _create(app, user_id, kind="test_job")
    for attempt in range(MAX_ATTEMPTS):
        with _later(5 * attempt):
            job_id = _start_job_attempt(app, run_id, f"crashed:heavy:{attempt}")
    with _later(5 * MAX_ATTEMPTS):
        _reconcile(app)
    assert _run(app, run_id).error["code"] == "WORKER_LOST"
    with app.app_context():
        statuses = {job.status for job in db.session.query(Job).filter(Job.run_id == run_id)}
        assert statuses == {"failed"}
        assert db.session.get(Job, job_id).error["code"] == "WORKER_LOST"


# --- the watchdog's verdicts ---------------------------------------------------------------


def _claimed_by_live_worker(app: Flask, user_id: str, kind="test_heavy", owner="w:heavy:0"):
    run_id = _create(app, user_id, kind=kind)
    with app.app_context():
        assert service.claim(run_id, owner, lease_seconds=3600, max_attempts=MAX_ATTEMPTS)
        service.progress(run_id, owner, stage="loudness", percent=10)
    return run_id


def _verdicts(app: Flask, seconds_later: float, owners=("w:heavy:0",)):
    with _later(seconds_later), app.app_context():
        return {v.run_id: v for v in watchdog.find_overdue(owners)}


def test_a_run_without_progress_past_the_stall_limit_is_overdue(make_app, api_factory):
    app = make_app(RUN_STALL_SECONDS=60, RUN_TIME_BUDGETS={"test_heavy": 3600})
    user_id = api_factory(app)
    run_id = _claimed_by_live_worker(app, user_id)
    assert _verdicts(app, 30) == {}
    verdict = _verdicts(app, 90)[run_id]
    assert (verdict.action, verdict.code, verdict.owner) == ("fail", "RUN_STALLED", "w:heavy:0")
    assert _verdicts(app, 90, owners=("another:heavy:0",)) == {}


def test_a_run_over_its_kinds_time_budget_is_overdue_even_while_reporting(make_app, api_factory):
    app = make_app(RUN_STALL_SECONDS=60, RUN_TIME_BUDGETS={"test_heavy": 100})
    user_id = api_factory(app)
    run_id = _claimed_by_live_worker(app, user_id)
    for seconds in (50, 95):
        with _later(seconds), app.app_context():
            service.progress(run_id, "w:heavy:0", stage="work", percent=seconds)
    verdict = _verdicts(app, 110)[run_id]
    assert (verdict.action, verdict.code) == ("fail", "RUN_TIMED_OUT")


def test_a_cancel_the_executor_never_sees_is_forced_after_the_grace(make_app, api_factory):
    app = make_app(RUN_CANCEL_GRACE_SECONDS=10, RUN_STALL_SECONDS=600)
    user_id = api_factory(app)
    run_id = _claimed_by_live_worker(app, user_id)
    with app.app_context():
        service.request_cancel(db.session.get(Run, run_id))
    assert _verdicts(app, 5) == {}
    assert _verdicts(app, 15)[run_id].action == "cancel"


def test_settling_a_verdict_fails_the_run_with_its_code_and_cleans_up(make_app, api_factory):
    app = make_app(RUN_STALL_SECONDS=60)
    user_id = api_factory(app)
    run_id = _claimed_by_live_worker(app, user_id, kind="test_job")
    with app.app_context():
        job = Job(user_id=user_id, type="render", input={}, run_id=run_id, status="processing")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    with _later(90), app.app_context():
        (verdict,) = watchdog.find_overdue(["w:heavy:0"])
        watchdog.settle(verdict)
    run = _run(app, run_id)
    assert run.status == "failed" and run.error["code"] == "RUN_STALLED"
    with app.app_context():
        assert db.session.get(Job, job_id).status == "failed"


def test_health_reports_a_stuck_slot(make_app, api_factory, live_worker_for):
    app = make_app(RUN_STALL_SECONDS=60)
    user_id = api_factory(app)
    live_worker_for(app)
    _claimed_by_live_worker(app, user_id)
    client = app.test_client()
    assert client.get("/api/v1/health").get_json()["checks"]["runs"]["status"] == "ok"
    with _later(90):
        live_worker_for(app)
        response = client.get("/api/v1/health")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["checks"]["runs"]["status"] == "degraded"
    assert "w:heavy:0" in body["checks"]["runs"]["detail"]


@pytest.fixture
def api_factory(db_backend):
    """Registers a person on `app`; returns their id (TRUNCATEs first on PostgreSQL)."""
    from sqlalchemy import text

    def register(app: Flask) -> str:
        if db_backend == "postgresql":
            with app.app_context():
                tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
                db.session.execute(text(f"TRUNCATE {tables} CASCADE"))
                db.session.commit()
        body = (
            app.test_client()
            .post(
                "/api/v1/auth/register",
                json={"name": "W", "email": "w@example.com", "password": "long enough"},
            )
            .get_json()
        )
        return str(body["user"]["id"])

    return register


@pytest.fixture
def live_worker_for():
    from intellimix.runs.models import WorkerHeartbeat

    def beat(app: Flask) -> None:
        with app.app_context():
            db.session.merge(WorkerHeartbeat(id="test-host:1", lanes={}, last_seen_at=utcnow()))
            db.session.commit()

    return beat
