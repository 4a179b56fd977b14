"""/api/v1/mix-chat-runs: one run, its cancel and retry, and its event stream.

A thread's run list lives with the chats routes (`runs` never imports `chats`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, stream_with_context
from flask_jwt_extended import get_jwt_identity, jwt_required, verify_jwt_in_request

from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.runs import service
from intellimix.runs.serializers import run_detail, run_snapshot
from intellimix.runs.sse import run_event_stream

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
    response = Response(
        stream_with_context(run_event_stream(run.id, last_seq)), mimetype="text/event-stream"
    )
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: do not hold events back
    return response


def _last_event_id() -> int:
    raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or "0"
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(
            "Last-Event-ID must be an event id (an integer).", code="INVALID_EVENT_ID"
        ) from exc
    if value < 0:
        raise ApiError("Last-Event-ID must not be negative.", code="INVALID_EVENT_ID")
    return value
