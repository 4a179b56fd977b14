"""Chats: threads and what is read from them (messages, versions, drafts, linked files).

What starts runs (posting messages, re-renders, timeline edits) is in `posting`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import and_, delete, func, or_, select

from intellimix.chats import drafts
from intellimix.chats.models import ChatMessage, ChatThread, MixVersion, PlanDraft
from intellimix.chats.proposals import Review, review_plan
from intellimix.chats.schemas import ThreadPatch
from intellimix.chats.serializers import Links, linked_ids
from intellimix.chats.tracks import planner_library
from intellimix.errors import ApiError, NotFound
from intellimix.extensions import db
from intellimix.feedback.models import FeedbackReport
from intellimix.history.models import Job
from intellimix.history.service import job_folder
from intellimix.library.models import Track
from intellimix.planner.plan import MixPlan
from intellimix.runs.models import Run
from intellimix.storage import get_storage

# --- threads ----------------------------------------------------------------------------------


def get_owned_thread(thread_id: str, user_id: str) -> ChatThread:
    thread = db.session.scalar(
        select(ChatThread).where(ChatThread.id == thread_id, ChatThread.user_id == user_id)
    )
    if thread is None:
        raise NotFound("No such chat.", code="THREAD_NOT_FOUND")
    return thread


def list_threads(
    user_id: str, *, archived: bool | None, page: int, limit: int
) -> tuple[list[ChatThread], int]:
    """Most recently active first; `archived` None lists both."""
    query = select(ChatThread).where(ChatThread.user_id == user_id)
    if archived is not None:
        query = query.where(ChatThread.archived.is_(archived))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    recent = func.coalesce(ChatThread.last_message_at, ChatThread.created_at)
    threads = db.session.scalars(
        query.order_by(recent.desc(), ChatThread.id).offset((page - 1) * limit).limit(limit)
    ).all()
    return list(threads), total


def update_thread(thread: ChatThread, patch: ThreadPatch) -> ChatThread:
    if patch.title is not None:
        thread.title = patch.title
    if patch.archived is not None:
        thread.archived = patch.archived
    db.session.commit()
    return thread


def delete_thread(thread: ChatThread) -> None:
    """The thread and everything in it: messages, drafts, runs, versions and their files.

    A run still working finds its row gone at its next checkpoint and stops.
    """
    run_ids = select(Run.id).where(Run.thread_id == thread.id)
    job_ids = set(
        db.session.scalars(select(MixVersion.job_id).where(MixVersion.thread_id == thread.id))
    ) | set(db.session.scalars(select(Job.id).where(Job.run_id.in_(run_ids))))
    job_ids.discard(None)
    db.session.execute(delete(Job).where(Job.id.in_(job_ids)))
    db.session.execute(delete(Run).where(Run.thread_id == thread.id))
    db.session.delete(thread)  # the database cascades to messages, drafts, versions, keys
    db.session.commit()
    for job_id in job_ids:
        get_storage().delete_tree(job_folder(str(job_id)))


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessagePage:
    items: list[ChatMessage]  # oldest first
    next_cursor: str | None  # where the next older page starts
    has_more: bool


def list_messages(thread: ChatThread, *, limit: int, cursor: str | None) -> MessagePage:
    """The newest `limit` messages before the cursor, returned oldest first (newest last)."""
    query = select(ChatMessage).where(ChatMessage.thread_id == thread.id)
    if cursor:
        created_at, message_id = _read_cursor(cursor)
        query = query.where(
            or_(
                ChatMessage.created_at < created_at,
                and_(ChatMessage.created_at == created_at, ChatMessage.id < message_id),
            )
        )
    rows = list(
        db.session.scalars(
            query.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _cursor(rows[-1]) if has_more else None
    return MessagePage(items=rows[::-1], next_cursor=next_cursor, has_more=has_more)


def _cursor(message: ChatMessage) -> str:
    raw = json.dumps([message.created_at.isoformat(), message.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, message_id = json.loads(raw)
        moment = datetime.fromisoformat(created_at).astimezone(UTC)
        if created_at[-6:] != "+00:00" or not isinstance(message_id, str):
            raise ValueError("not a cursor")  # this API writes UTC times and string ids
        if len(message_id) > 36 or not message_id.isascii() or not message_id.isprintable():
            raise ValueError("not a message id")
        return moment, message_id
    except (ValueError, TypeError, OverflowError) as exc:
        raise ApiError(
            "The cursor is not one this API gave out.",
            code="INVALID_CURSOR",
            details={"fields": [{"field": "cursor", "message": "unknown cursor", "type": "query"}]},
        ) from exc


def stored_plan(thread_id: str, plan_from: dict[str, str] | None) -> MixPlan | None:
    """The plan a run input's `plan_from` names, when it still exists and still validates."""
    row: PlanDraft | MixVersion | None = None
    if plan_from and "draft_id" in plan_from:
        row = db.session.get(PlanDraft, plan_from["draft_id"])
    elif plan_from and "version_id" in plan_from:
        row = db.session.get(MixVersion, plan_from["version_id"])
    if row is None or row.thread_id != thread_id or not row.plan:
        return None
    try:
        return MixPlan.model_validate(row.plan)
    except ValidationError:
        return None


# --- versions, drafts -------------------------------------------------------------------------


def list_versions(thread: ChatThread, *, page: int, limit: int) -> tuple[list[MixVersion], int]:
    query = select(MixVersion).where(MixVersion.thread_id == thread.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    versions = db.session.scalars(
        query.order_by(MixVersion.created_at.desc(), MixVersion.id)
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    return list(versions), total


def get_version(thread: ChatThread, version_id: str) -> MixVersion:
    version = db.session.scalar(
        select(MixVersion).where(MixVersion.id == version_id, MixVersion.thread_id == thread.id)
    )
    if version is None:
        raise NotFound("No such version in this chat.", code="VERSION_NOT_FOUND")
    return version


def latest_version_id(thread: ChatThread) -> str | None:
    return db.session.scalar(
        select(MixVersion.id)
        .where(MixVersion.thread_id == thread.id)
        .order_by(MixVersion.created_at.desc())
        .limit(1)
    )


def draft_review(thread: ChatThread, draft: PlanDraft) -> Review:
    return review_plan(draft.plan, planner_library(thread.user_id), base=drafts.base_plan(draft))


def links(
    user_id: str, messages: Sequence[ChatMessage] = (), versions: Sequence[MixVersion] = ()
) -> Links:
    """The jobs, tracks and reports these messages and versions link to, the person's own only."""
    ids = linked_ids(messages, versions)
    jobs: list[Job] = []
    tracks: list[Track] = []
    reports: list[FeedbackReport] = []
    if ids.jobs:
        owned_jobs = select(Job).where(Job.user_id == user_id, Job.id.in_(ids.jobs))
        jobs = list(db.session.scalars(owned_jobs))
    if ids.tracks:
        owned_tracks = select(Track).where(Track.user_id == user_id, Track.id.in_(ids.tracks))
        tracks = list(db.session.scalars(owned_tracks))
    if ids.reports:
        owned_reports = select(FeedbackReport).where(
            FeedbackReport.user_id == user_id, FeedbackReport.id.in_(ids.reports)
        )
        reports = list(db.session.scalars(owned_reports))
    return Links(
        jobs={j.id: j for j in jobs},
        tracks={t.id: t for t in tracks},
        reports={r.id: r for r in reports},
    )
