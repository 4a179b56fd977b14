"""/api/v1/mix-chat-runs: one run, its cancel and retry, and its event stream.

A thread's run list lives with the chats routes (`runs` never imports `chats`).
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, request, stream_with_context
from flask_jwt_extended import get_jwt, get_jwt_identity, jwt_required, verify_jwt_in_request

from intellimix.auth.service import is_access_token_revoked
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.runs import fair_use, service
from intellimix.runs.serializers import run_detail, run_snapshot
from intellimix.runs.sse import StreamGuard, run_event_stream
from intellimix.web.http import active_only, paginated, pagination

bp = Blueprint("runs", __name__)


@bp.get("/mix-chat-runs/<run_id>")
@jwt_required()
def get_run(run_id: str) -> dict[str, Any]:
    return {"run": run_detail(service.get_owned_run(run_id, get_jwt_identity()))}


@bp.post("/mix-chat-runs/<run_id>/cancel")
@jwt_required()
def cancel_run(run_id: str) -> dict[str, Any]:
    run = service.get_owned_run(run_id, get_jwt_identity())
    return {"run": run_snapshot(service.request_cancel(run))}


@bp.post("/mix-chat-runs/<run_id>/retry")
@jwt_required()
def retry_run(run_id: str) -> tuple[dict[str, Any], int]:
    run = service.get_owned_run(run_id, get_jwt_identity())
    return {"run": run_snapshot(service.retry(run))}, 202


@bp.get("/mix-chat-runs/<run_id>/events")
def run_events(run_id: str) -> Response:
    # EventSource cannot send headers, so `?token=` is accepted here, and only access tokens.
    verify_jwt_in_request(locations=["headers", "query_string"])
    run = service.get_owned_run(run_id, get_jwt_identity())
    last_seq = _last_event_id()
    db.session.close()
    stream = run_event_stream(run.id, last_seq, guard=_token_guard(dict(get_jwt())))
    response = Response(stream_with_context(stream), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: do not hold events back
    return response


@bp.get("/rate-limit-status")
@jwt_required()
def rate_limit_status() -> dict[str, Any]:
    """The person's fair-use quotas: how many heavy runs they may still start."""
    current = fair_use.quotas(get_jwt_identity())
    return {"limits": {name: quota.to_dict() for name, quota in current.items()}}


def _token_guard(claims: dict[str, Any]) -> StreamGuard:
    """A stream lives no longer than the access token that opened it (logout, expiry)."""

    def check() -> str | None:
        if time.time() >= claims["exp"]:
            return "token_expired"
        revoked = is_access_token_revoked(claims)
        db.session.close()  # hold no connection while the stream idles
        return "token_revoked" if revoked else None

    return check


MAX_EVENT_ID = 2**31 - 1  # the seq column is a 32-bit integer


@bp.get("/mix-chat-runs")
@jwt_required()
def user_runs() -> dict[str, Any]:
    """Every run of the signed-in user, any thread or none: what a global "working" badge reads."""
    page, limit = pagination()
    runs, total = service.list_runs(
        get_jwt_identity(), thread_id=None, active=active_only(), page=page, limit=limit
    )
    return paginated([run_snapshot(run) for run in runs], page=page, limit=limit, total=total)


def _last_event_id() -> int:
    """The seq to resume after: ASCII digits within the column's range, else 400."""
    raw = (request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or "0").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_EVENT_ID):
        raise ApiError(
            f"Last-Event-ID must be an event id (an integer from 0 to {MAX_EVENT_ID}).",
            code="INVALID_EVENT_ID",
        )
    return int(raw)
