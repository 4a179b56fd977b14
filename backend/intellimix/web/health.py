"""GET /api/v1/health: each component ok, degraded, down or disabled — measured, never assumed.

`degraded` answers 200: the service works, with something an operator should look at.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import func, select, text

from intellimix.db_types import utcnow
from intellimix.extensions import db, redis_client
from intellimix.runs.models import WorkerHeartbeat

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

Check = dict[str, str]
WORKER_STALE_INTERVALS = 3


def _status(status: str, detail: str) -> Check:
    return {"status": status, "detail": detail}


def check_database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
        return _status("ok", db.engine.dialect.name)
    except Exception as exc:  # any driver failure means "down", whatever its class
        db.session.rollback()
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return _status("down", f"{db.engine.dialect.name} unreachable ({type(exc).__name__})")


def check_queue() -> Check:
    client = redis_client()
    if client is None:
        return _status("disabled", "embedded mode: runs are fed from the database")
    try:
        client.ping()
        return _status("ok", "redis reachable")
    except Exception as exc:
        log.warning("health: redis unreachable: %s", type(exc).__name__)
        return _status("down", f"redis unreachable ({type(exc).__name__})")


def check_worker() -> Check:
    """A worker is alive when its heartbeat is younger than a few heartbeat intervals."""
    window = timedelta(
        seconds=WORKER_STALE_INTERVALS * current_app.config["WORKER_HEARTBEAT_SECONDS"]
    )
    try:
        newest = db.session.scalar(select(func.max(WorkerHeartbeat.last_seen_at)))
    except Exception as exc:
        db.session.rollback()
        return _status("down", f"heartbeats unreadable ({type(exc).__name__})")
    if newest is None:
        return _status("down", "no worker has reported")
    if newest.tzinfo is None:  # SQLite returns aggregates without the column type
        newest = datetime.fromisoformat(str(newest)).replace(tzinfo=UTC)
    age = utcnow() - newest
    if age > window:
        return _status("down", f"last worker heartbeat {age.total_seconds():.0f} s ago")
    return _status("ok", f"last heartbeat {age.total_seconds():.1f} s ago")


def check_rate_limits() -> Check:
    """`degraded` while the rate-limit storage is unreachable and counting is per process."""
    from intellimix.extensions import limiter

    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    if uri.startswith("memory"):
        return _status("ok", "in-process counters")
    if getattr(limiter, "_storage_dead", False):
        return _status("degraded", "rate-limit storage unreachable; counting in this process")
    return _status("ok", "shared counters")


def check_runs() -> Check:
    """`degraded` while a running run has reported nothing for RUN_STALL_SECONDS: a stuck slot
    (a worker's watchdog stops it; without one it would hold the slot for ever)."""
    from intellimix.runs.watchdog import stalled_runs

    try:
        stuck = stalled_runs()
    except Exception as exc:
        db.session.rollback()
        return _status("down", f"runs unreadable ({type(exc).__name__})")
    if not stuck:
        return _status("ok", "no stuck runs")
    described = ", ".join(
        f"{run.kind} run {run.id} on {run.lease_owner} silent for {quiet:.0f} s"
        for run, quiet in stuck
    )
    return _status("degraded", f"{len(stuck)} stuck slot(s): {described}")


def check_ai() -> Check:
    """From configuration alone: probing the cloud on every health request would spend quota."""
    config = current_app.config
    provider = config["PLANNER_PROVIDER"]
    if provider == "local":
        return _status("disabled", "local planner; no cloud provider configured")
    if provider != "gemini":
        return _status("down", f"unknown planner provider {provider!r}")
    if not config["GEMINI_API_KEY"]:
        return _status("down", "gemini planner configured without GEMINI_API_KEY")
    return _status("ok", f"gemini planner configured ({config['GEMINI_MODEL']}); local fallback")


@bp.get("/health")
def health() -> tuple[dict[str, Any], int]:
    checks = {
        "database": check_database(),
        "queue": check_queue(),
        "worker": check_worker(),
        "runs": check_runs(),
        "rate_limits": check_rate_limits(),
        "ai": check_ai(),
    }
    down = [name for name, check in checks.items() if check["status"] == "down"]
    degraded = any(check["status"] == "degraded" for check in checks.values())
    body: dict[str, Any] = {
        "status": "down" if down else "degraded" if degraded else "ok",
        "checks": checks,
        "version": version("intellimix"),
    }
    if down:
        body["down"] = down
    return body, 503 if down else 200
