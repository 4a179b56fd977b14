"""Auth and health request latency in-process (SQLite), with production password hashing."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


def _timed(call: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 400, response.get_json()
    return samples


def _record_live_worker() -> None:
    """Health answers 200 only with a live worker; stand one in, as its heartbeat row."""
    from intellimix.db_types import utcnow
    from intellimix.extensions import db
    from intellimix.runs.models import WorkerHeartbeat

    db.session.add(WorkerHeartbeat(id="bench:0", lanes={}, last_seen_at=utcnow()))
    db.session.commit()


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as instance:
        os.environ["INSTANCE_DIR"] = instance
        from flask_migrate import upgrade

        from intellimix import create_app

        app = create_app(
            {
                "AUTH_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            upgrade(directory=app.config["MIGRATIONS_DIR"])
            _record_live_worker()
        client = app.test_client()
        credentials = {"name": "Bench", "email": "bench@example.com", "password": "bench password"}
        tokens = client.post("/api/v1/auth/register", json=credentials).get_json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        login = _timed(lambda: client.post("/api/v1/auth/login", json=credentials), 20)
        me = _timed(lambda: client.get("/api/v1/auth/me", headers=bearer), 500)
        health = _timed(lambda: client.get("/api/v1/health"), 500)
    return {
        "password_hash": app.config["PASSWORD_HASH_METHOD"],
        **{f"login_{k}": v for k, v in _percentiles(login).items()},
        **{f"me_{k}": v for k, v in _percentiles(me).items()},
        **{f"health_{k}": v for k, v in _percentiles(health).items()},
    }
