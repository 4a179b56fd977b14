"""Plan drafts: the thread's active draft, new drafts that supersede it, and status changes.

A thread's active draft is its newest. A new draft supersedes the active one while that is
still open (collecting or draft_ready); approved and executed drafts stay as they are, as
history. Nothing here commits: callers own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update

from intellimix.chats.models import PlanDraft
from intellimix.db_types import utcnow
from intellimix.errors import Conflict, NotFound
from intellimix.extensions import db

OPEN_STATUSES = ("collecting", "draft_ready")


def active(thread_id: str) -> PlanDraft | None:
    return db.session.scalar(
        select(PlanDraft)
        .where(PlanDraft.thread_id == thread_id)
        .order_by(PlanDraft.created_at.desc(), PlanDraft.id.desc())
        .limit(1)
    )


def active_by_thread(thread_ids: Iterable[str]) -> dict[str, PlanDraft]:
    """The active draft of each thread that has one, in one query."""
    ids = list(thread_ids)
    if not ids:
        return {}
    newest = (
        select(PlanDraft.thread_id, func.max(PlanDraft.created_at).label("created_at"))
        .where(PlanDraft.thread_id.in_(ids))
        .group_by(PlanDraft.thread_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(PlanDraft).join(
            newest,
            (PlanDraft.thread_id == newest.c.thread_id)
            & (PlanDraft.created_at == newest.c.created_at),
        )
    )
    return {draft.thread_id: draft for draft in rows}


def owned(thread_id: str, draft_id: str) -> PlanDraft:
    """A draft of this thread (the thread is already the person's); else 404."""
    draft = db.session.scalar(
        select(PlanDraft).where(PlanDraft.id == draft_id, PlanDraft.thread_id == thread_id)
    )
    if draft is None:
        raise NotFound("No such plan draft in this chat.", code="DRAFT_NOT_FOUND")
    return draft


def add(
    thread_id: str,
    *,
    parent: PlanDraft | None,
    status: str,
    plan: dict[str, Any] | None,
    questions: list[dict[str, Any]] | None = None,
    answers: list[dict[str, Any]] | None = None,
    notes: list[str] | None = None,
    source_message_id: str | None = None,
    restores: PlanDraft | None = None,
) -> PlanDraft:
    """A new active draft; the one it replaces is superseded (and kept) while still open.
    `restores` is the draft whose plan an undo, redo or return restores."""
    current = active(thread_id)
    if current is not None and current.status in OPEN_STATUSES:
        current.status = "superseded"
    draft = PlanDraft(
        thread_id=thread_id,
        parent_id=parent.id if parent else (current.id if current else None),
        source_message_id=source_message_id,
        status=status,
        plan=plan,
        questions=questions,
        answers=answers,
        notes=notes,
        restores_id=restores.id if restores else None,
        created_at=utcnow(),
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def base_plan(draft: PlanDraft) -> dict[str, Any] | None:
    """The plan the draft was made from (its parent's), for what changed; None for a first plan."""
    parent = db.session.get(PlanDraft, draft.parent_id) if draft.parent_id else None
    return parent.plan if parent is not None and parent.thread_id == draft.thread_id else None


def require_ready(draft: PlanDraft) -> None:
    if draft.status != "draft_ready":
        raise Conflict(
            f"Only a draft that is ready can be approved; this one is {draft.status}.",
            code="DRAFT_NOT_READY",
        )


def approve(draft: PlanDraft) -> None:
    """draft_ready → approved, as one conditional update: two approvals cannot both win."""
    changed = db.session.execute(
        update(PlanDraft)
        .execution_options(synchronize_session=False)
        .where(PlanDraft.id == draft.id, PlanDraft.status == "draft_ready")
        .values(status="approved", updated_at=utcnow())
    )
    if getattr(changed, "rowcount", 0) != 1:
        db.session.refresh(draft)
        require_ready(draft)
    db.session.refresh(draft)


def settle_render(draft_id: str | None, *, rendered: bool) -> None:
    """After its render an approved draft is executed; if the render failed and the draft is
    still the active one, it is ready to approve again."""
    draft = db.session.get(PlanDraft, draft_id) if draft_id else None
    if draft is None or draft.status != "approved":
        return
    if rendered:
        draft.status = "executed"
    elif active(draft.thread_id) is draft:
        draft.status = "draft_ready"
