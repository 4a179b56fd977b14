"""/api/v1/mix-chat-runs and the thread's run list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, stream_with_context
from flask_jwt_extended import get_jwt_identity, jwt_required, verify_jwt_in_request
from sqlalchemy import func, select

from intellimix.chats import service as chats
from intellimix.chats.models import ChatMessage
from intellimix.chats.serializers import message_to_dict
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.http import paginated, pagination
from intellimix.runs import service
from intellimix.runs.models import Run
from intellimix.runs.serializers import run_snapshot
from intellimix.runs.sse import run_event_stream

bp = Blueprint("runs", __name__)
ACTIVE_STATUSES = ("queued", "running")


@bp.get("/mix-chat-runs/<run_id>")
@jwt_required()
def get_run(run_id: str) -> dict[str, Any]:
    run = service.get_owned_run(run_id, get_jwt_identity())
    snapshot = run_snapshot(run)
    message = (
        db.session.get(ChatMessage, run.assistant_message_id) if run.assistant_message_id else None
    )
    snapshot["assistant_message"] = (
        message_to_dict(message, chats.links(run.user_id, [message])) if message else None
    )
    return {"run": snapshot}


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


@bp.get("/mix-chats/<thread_id>/runs")
@jwt_required()
def thread_runs(thread_id: str) -> dict[str, Any]:
    user_id = get_jwt_identity()
    thread = chats.get_owned_thread(thread_id, user_id)
    page, limit = pagination()
    query = select(Run).where(Run.thread_id == thread.id, Run.user_id == user_id)
    if request.args.get("active", "").lower() in ("1", "true", "yes"):
        query = query.where(Run.status.in_(ACTIVE_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = db.session.scalars(
        query.order_by(Run.created_at.desc()).offset((page - 1) * limit).limit(limit)
    ).all()
    return paginated([run_snapshot(run) for run in runs], page=page, limit=limit, total=total)


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
