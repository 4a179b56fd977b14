"""GET /api/v1/health: each component ok, down or disabled — measured, never assumed."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

from intellimix.extensions import db, redis_handle

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

Check = dict[str, str]


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
    client = redis_handle.client
    if client is None:
        return _status("disabled", "embedded mode: runs are fed from the database")
    try:
        client.ping()
        return _status("ok", "redis reachable")
    except Exception as exc:
        log.warning("health: redis unreachable: %s", type(exc).__name__)
        return _status("down", f"redis unreachable ({type(exc).__name__})")


def check_worker() -> Check:
    return _status("disabled", "no run worker is part of this build yet")


def check_ai() -> Check:
    provider = current_app.config["PLANNER_PROVIDER"]
    if provider == "local":
        return _status("disabled", "local planner; no cloud provider configured")
    return _status("disabled", f"cloud provider {provider!r} is not available in this build")


@bp.get("/health")
def health() -> tuple[dict[str, Any], int]:
    checks = {
        "database": check_database(),
        "queue": check_queue(),
        "worker": check_worker(),
        "ai": check_ai(),
    }
    down = [name for name, check in checks.items() if check["status"] == "down"]
    body: dict[str, Any] = {
        "status": "down" if down else "ok",
        "checks": checks,
        "version": version("intellimix"),
    }
    if down:
        body["down"] = down
    return body, 503 if down else 200
