"""The embedded default end to end: `intellimix serve` with SQLite, the database-fed worker
beside it (heavy runs in a child process, plan runs on threads) and SSE fed by the event log."""

from __future__ import annotations

import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from intellimix import create_app
from intellimix.extensions import db
from intellimix.runs import service
from intellimix.runs.models import Run, WorkerHeartbeat

from .conftest import TEST_CONFIG
from .processes import BACKEND_DIR, Processes, free_port, post_json, sse_frames
from .sse_client import until_end

CLI = str(Path(sys.executable).with_name("intellimix"))


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[str, Flask]]:
    instance = tmp_path / "instance"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"MIX_CHAT_QUEUE_URL", "DATABASE_URL", "RATELIMIT_STORAGE_URI"}
    }
    env.update(
        INSTANCE_DIR=str(instance),
        RUN_EXECUTOR_MODULES="tests.run_executors",
        PYTHONPATH=str(BACKEND_DIR),
        WORKER_HEARTBEAT_SECONDS="0.5",
        EMBEDDED_POLL_SECONDS="0.02",
        WORKER_WARM_UP="false",
        PASSWORD_HASH_METHOD="scrypt:1024:8:1",
        LOG_LEVEL="INFO",
    )
    processes = Processes(env, tmp_path)
    port = free_port()
    processes._spawn("serve", [CLI, "serve", "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2)
            break  # 200: the API and the embedded worker are both up
        # A timeout too: the gevent worker accepts connections while it still imports the app.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert time.monotonic() < deadline, "embedded studio not healthy within 60 s"
            time.sleep(0.2)
    # The test process writes to the same SQLite file, as a second process would.
    app = create_app(
        {
            **TEST_CONFIG,
            "INSTANCE_DIR": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'intellimix.db'}",
        }
    )
    yield base, app
    app.extensions["intellimix_event_hub"].close()
    processes.close()


def test_embedded_runs_execute_and_stream(embedded, tmp_path):
    base, app = embedded
    tokens = post_json(
        f"{base}/api/v1/auth/register",
        {"name": "A", "email": "embedded@example.com", "password": "long enough"},
    )
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    journal = tmp_path / "journal"
    with app.app_context():
        heavy = service.create_run(
            user_id=tokens["user"]["id"],
            kind="test_heavy",
            input={"steps": 5, "delay": 0.05, "journal": str(journal)},
        ).id
        plan = service.create_run(
            user_id=tokens["user"]["id"],
            kind="test_plan",
            input={"steps": 2, "delay": 0, "journal": str(journal)},
        ).id
    for run_id in (heavy, plan):
        frames = until_end(sse_frames(base, f"/api/v1/mix-chat-runs/{run_id}/events", auth))
        updates = [frame for frame in frames if frame.event == "run_update"]
        assert [frame.id for frame in updates] == list(range(1, len(updates) + 1))
        assert updates[-1].data["run"]["status"] == "completed"
        assert frames[-1].data == {"reason": "terminal"}
    with app.app_context():
        worker_pid = db.session.query(WorkerHeartbeat).one().id.rsplit(":", 1)[1]
        assert {run.status for run in db.session.query(Run)} == {"completed"}
    pids = {line.split()[1]: line.split()[3] for line in journal.read_text().splitlines()}
    assert pids[plan] == worker_pid, "plan runs execute on the worker's threads"
    assert pids[heavy] != worker_pid, "heavy runs execute in a child process"
