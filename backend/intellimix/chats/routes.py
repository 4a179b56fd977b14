"""/api/v1/mix-chats (threads, messages, versions, drafts) and /api/v1/mix-memory.

Messages are listed newest-last: a page holds the newest `limit` messages older than
`cursor`, oldest first, and `next_cursor` (with `has_more`) fetches the page before it.
`POST …/versions/<vid>/restore` makes a version's plan the current draft again (201
`{draft, assistant_message}`), ready to approve or revise.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_jwt_extended import get_jwt_identity, jwt_required

from intellimix.chats import drafts, memory, posting, service
from intellimix.chats.models import ChatMessage, ChatThread
from intellimix.chats.schemas import (
    EditRunCreate,
    MemoryPatch,
    MessageCreate,
    RerenderRequest,
    ThreadCreate,
    ThreadPatch,
)
from intellimix.chats.serializers import (
    draft_to_dict,
    memory_to_dict,
    message_to_dict,
    thread_to_dict,
    version_to_dict,
)
from intellimix.errors import ApiError, ValidationFailed
from intellimix.extensions import db
from intellimix.runs import service as runs_service
from intellimix.runs.models import Run
from intellimix.runs.serializers import register_run_detail, run_snapshot
from intellimix.web.http import active_only, json_body, paginated, pagination, parse_body

bp = Blueprint("chats", __name__)
THREAD = "/mix-chats/<thread_id>"
VERSION = f"{THREAD}/versions/<version_id>"
MAX_KEY_CHARS = 200


@bp.post("/mix-chats")
@jwt_required()
def create_thread() -> tuple[dict[str, Any], int]:
    thread, posted = posting.create_thread(get_jwt_identity(), parse_body(ThreadCreate))
    return {"thread": _thread(thread), **(_posted(thread, posted) if posted else {})}, 201


@bp.get("/mix-chats")
@jwt_required()
def list_threads() -> dict[str, Any]:
    page, limit = pagination()
    archived = {"": False, "0": False, "false": False, "1": True, "true": True, "all": None}
    raw = request.args.get("archived", "").lower()
    if raw not in archived:
        problem = {"field": "archived", "message": "use true, false or all", "type": "query"}
        raise ValidationFailed(details={"fields": [problem]})
    threads, total = service.list_threads(
        get_jwt_identity(), archived=archived[raw], page=page, limit=limit
    )
    active = drafts.active_by_thread(t.id for t in threads)
    items = [thread_to_dict(t, active.get(t.id)) for t in threads]
    return paginated(items, page=page, limit=limit, total=total)


@bp.get(THREAD)
@jwt_required()
def get_thread(thread_id: str) -> dict[str, Any]:
    return {"thread": _thread(_owned(thread_id))}


@bp.patch(THREAD)
@jwt_required()
def update_thread(thread_id: str) -> dict[str, Any]:
    thread = _owned(thread_id)
    return {"thread": _thread(service.update_thread(thread, parse_body(ThreadPatch)))}


@bp.delete(THREAD)
@jwt_required()
def delete_thread(thread_id: str) -> Response:
    service.delete_thread(_owned(thread_id))
    return Response(status=204)


@bp.get(f"{THREAD}/messages")
@jwt_required()
def list_messages(thread_id: str) -> dict[str, Any]:
    thread = _owned(thread_id)
    _, limit = pagination(default_limit=30)
    page = service.list_messages(thread, limit=limit, cursor=request.args.get("cursor") or None)
    links = service.links(thread.user_id, page.items)
    return {
        "items": [message_to_dict(m, links) for m in page.items],
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }


@bp.post(f"{THREAD}/messages")
@jwt_required()
def post_message(thread_id: str) -> tuple[dict[str, Any], int]:
    thread = _owned(thread_id)
    body = parse_body(MessageCreate)
    posted = posting.post_message(thread, body, key=_idempotency_key())
    return _posted(thread, posted), 202


@bp.get(f"{THREAD}/runs")
@jwt_required()
def thread_runs(thread_id: str) -> dict[str, Any]:
    thread = _owned(thread_id)
    page, limit = pagination()
    runs, total = runs_service.list_runs(
        thread.user_id, thread_id=thread.id, active=active_only(), page=page, limit=limit
    )
    return paginated([run_snapshot(run) for run in runs], page=page, limit=limit, total=total)


@bp.get(f"{THREAD}/versions")
@jwt_required()
def list_versions(thread_id: str) -> dict[str, Any]:
    thread = _owned(thread_id)
    page, limit = pagination()
    versions, total = service.list_versions(thread, page=page, limit=limit)
    links = service.links(thread.user_id, versions=versions)
    items = [version_to_dict(v, links) for v in versions]
    return paginated(items, page=page, limit=limit, total=total)


@bp.get(VERSION)
@jwt_required()
def get_version(thread_id: str, version_id: str) -> dict[str, Any]:
    thread = _owned(thread_id)
    version = service.get_version(thread, version_id)
    return {"version": version_to_dict(version, service.links(thread.user_id, versions=[version]))}


@bp.post(f"{VERSION}/render")
@jwt_required()
def rerender(thread_id: str, version_id: str) -> tuple[dict[str, Any], int]:
    thread = _owned(thread_id)
    version = service.get_version(thread, version_id)
    body = (
        parse_body(RerenderRequest) if request.get_data(cache=True).strip() else RerenderRequest()
    )
    answer = posting.request_rerender(thread, version, force=body.force)
    if answer.posted is not None:
        return {"outcome": answer.outcome, **_posted(thread, answer.posted)}, 202
    links = service.links(thread.user_id, versions=[version])
    return {
        "outcome": answer.outcome,
        "run": run_snapshot(answer.running) if answer.running else None,
        "version": version_to_dict(version, links),
    }, 200


@bp.post(f"{VERSION}/edit-runs")
@jwt_required()
def edit_run(thread_id: str, version_id: str) -> tuple[dict[str, Any], int]:
    thread = _owned(thread_id)
    version = service.get_version(thread, version_id)
    posted = posting.start_edit(thread, version, parse_body(EditRunCreate))
    return _posted(thread, posted), 202


@bp.post(f"{VERSION}/restore")
@jwt_required()
def restore(thread_id: str, version_id: str) -> tuple[dict[str, Any], int]:
    thread = _owned(thread_id)
    draft, message, review = posting.restore(thread, service.get_version(thread, version_id))
    return {
        "draft": draft_to_dict(draft, review),
        "assistant_message": message_to_dict(message, service.links(thread.user_id)),
    }, 201


@bp.get(f"{THREAD}/plan-drafts/<draft_id>")
@jwt_required()
def get_draft(thread_id: str, draft_id: str) -> dict[str, Any]:
    thread = _owned(thread_id)
    draft = drafts.owned(thread.id, draft_id)
    return {"draft": draft_to_dict(draft, service.draft_review(thread, draft))}


@bp.get("/mix-memory")
@jwt_required()
def get_memory() -> dict[str, Any]:
    return {"memory": _memory(get_jwt_identity())}


@bp.patch("/mix-memory")
@jwt_required()
def update_memory() -> dict[str, Any]:
    user_id = get_jwt_identity()
    patch = parse_body(MemoryPatch)
    memory.update(user_id, patch.model_dump(mode="json", include=patch.model_fields_set))
    return {"memory": _memory(user_id)}


@bp.delete("/mix-memory")
@jwt_required()
def delete_memory() -> Response:
    if request.get_data(cache=True):
        json_body()  # no body is needed, but one that is sent must be well-formed JSON
    memory.forget(get_jwt_identity())
    return Response(status=204)


def _owned(thread_id: str) -> ChatThread:
    return service.get_owned_thread(thread_id, get_jwt_identity())


def _thread(thread: ChatThread) -> dict[str, Any]:
    return thread_to_dict(thread, drafts.active(thread.id))


def _posted(thread: ChatThread, posted: posting.Posted) -> dict[str, Any]:
    """A posted turn: `{user_message, assistant_message_placeholder, run, poll_hint_ms}`."""
    links = service.links(thread.user_id)
    return {
        "user_message": message_to_dict(posted.user_message, links)
        if posted.user_message
        else None,
        "assistant_message_placeholder": message_to_dict(posted.placeholder, links),
        "run": run_snapshot(posted.run),
        "poll_hint_ms": posted.poll_hint_ms,
    }


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 0 < len(key) <= MAX_KEY_CHARS or not key.isprintable():
        raise ApiError(
            f"Idempotency-Key must be 1–{MAX_KEY_CHARS} printable characters.",
            code="INVALID_IDEMPOTENCY_KEY",
        )
    return key


def _assistant_message(run: Run) -> dict[str, Any] | None:
    """`assistant_message` of `GET /mix-chat-runs/<id>`: the chat message the run answers with."""
    if not run.assistant_message_id:
        return None
    message = db.session.get(ChatMessage, run.assistant_message_id)
    return message_to_dict(message, service.links(run.user_id, [message])) if message else None


register_run_detail("assistant_message", _assistant_message)


def _memory(user_id: str) -> dict[str, Any]:
    stored = memory.stored(user_id)
    return memory_to_dict(stored, memory.preferences_of(stored), enabled=memory.enabled())
