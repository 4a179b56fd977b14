"""The watchdog and the memory ceiling in real worker processes (issue 17, finding 1)."""

from __future__ import annotations

import pytest

from .test_workers import _all_done, _create, _runs, _user, _wait, cluster  # noqa: F401

pytestmark = pytest.mark.parametrize("db_backend", ["postgresql"])


def test_a_hung_heavy_run_is_killed_failed_and_the_slot_serves_the_next(cluster):  # noqa: F811
    app, processes = cluster
    processes.env.update(RUN_STALL_SECONDS="2")
    user_id = _user(app)
    hung = _create(app, user_id, kind="test_hang")
    processes.worker(interactive=0, heavy=1)
    _wait(_all_done(app, [hung]), timeout=60, what="the watchdog")
    run = _runs(app, [hung])[hung]
    assert (run.status, run.error["code"]) == ("failed", "RUN_STALLED")
    after = _create(app, user_id, steps=2)
    _wait(_all_done(app, [after]), timeout=60, what="the restarted slot")
    assert _runs(app, [after])[after].status == "completed"


def test_cancel_of_a_run_that_never_reaches_a_checkpoint_is_forced(cluster):  # noqa: F811
    app, processes = cluster
    processes.env.update(RUN_CANCEL_GRACE_SECONDS="1", RUN_STALL_SECONDS="600")
    body = (
        app.test_client()
        .post(
            "/api/v1/auth/register",
            json={"name": "K", "email": "k@example.com", "password": "long enough"},
        )
        .get_json()
    )
    hung = _create(app, body["user"]["id"], kind="test_hang")
    processes.worker(interactive=0, heavy=1)
    _wait(lambda: _runs(app, [hung])[hung].progress >= 10, timeout=60, what="the run to start")
    response = app.test_client().post(
        f"/api/v1/mix-chat-runs/{hung}/cancel",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert response.status_code == 200
    _wait(_all_done(app, [hung]), timeout=30, what="the forced cancel")
    assert _runs(app, [hung])[hung].status == "cancelled"


def test_a_run_over_the_slot_memory_ceiling_fails_with_a_code(cluster):  # noqa: F811
    app, processes = cluster
    processes.env.update(HEAVY_SLOT_MEMORY_MB="3072")
    user_id = _user(app)
    greedy = _create(app, user_id, kind="test_alloc", megabytes=4096)
    processes.worker(interactive=0, heavy=1)
    _wait(_all_done(app, [greedy]), timeout=60, what="the allocation to fail")
    run = _runs(app, [greedy])[greedy]
    assert (run.status, run.error["code"]) == ("failed", "OUT_OF_MEMORY")
