"""The run lifecycle. The database row is the truth; every change appends an event and publishes it.

Each transition is a conditional UPDATE (who may change what, in which state), so two workers,
or a worker and a cancelling person, can never both win.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import has_request_context
from sqlalchemy import ColumnElement, and_, func, or_, select, update

from intellimix.db_types import utcnow
from intellimix.errors import Conflict, NotFound
from intellimix.extensions import db
from intellimix.logs import run_logging
from intellimix.runs import events, fair_use
from intellimix.runs.events import PublishedEvent
from intellimix.runs.models import Run, RunEvent
from intellimix.runs.queue import get_queue
from intellimix.runs.registry import lane_of, run_completed_hooks, run_stopped_hooks
from intellimix.runs.scratch import remove_run_scratch
from intellimix.runs.serializers import run_snapshot

log = logging.getLogger(__name__)
STOP_EVENTS = frozenset({"failed", "cancelled"})
TERMINAL_EVENTS = STOP_EVENTS | {"completed"}


def create_run(
    *,
    user_id: str,
    kind: str,
    input: dict[str, Any],
    thread_id: str | None = None,
    user_message_id: str | None = None,
    assistant_message_id: str | None = None,
    quota: bool = True,
) -> Run:
    """Queued in the database first, then enqueued; a lost enqueue is repaired by reconcile.

    A run a person starts (inside a request) counts against their fair-use quotas (429 when
    over); runs that workers start, and `quota=False` ones, do not.
    """
    lane_of(kind)  # unknown kinds fail here, before anything is stored
    if quota and has_request_context():
        fair_use.ensure_allowed(user_id, kind)
    run = Run(
        user_id=user_id,
        kind=kind,
        input=input,
        thread_id=thread_id,
        user_message_id=user_message_id,
        assistant_message_id=assistant_message_id,
        status="queued",
        progress=0,
        attempts=0,
        cancel_requested=False,
    )
    db.session.add(run)
    db.session.flush()
    event = _append_event(run, "created")
    db.session.commit()
    events.publish(event)
    _enqueue(run)
    return run


def get_owned_run(run_id: str, user_id: str) -> Run:
    run = db.session.scalar(select(Run).where(Run.id == run_id, Run.user_id == user_id))
    if run is None:
        raise NotFound("No such run.", code="RUN_NOT_FOUND")
    return run


def claim(run_id: str, owner: str, *, lease_seconds: float, max_attempts: int) -> Run | None:
    """Take a queued run, or a running one whose lease expired; None when it is not ours to take."""
    current = utcnow()
    claimable = or_(
        Run.status == "queued",
        and_(Run.status == "running", Run.lease_expires_at < current),
    )
    taken = db.session.execute(
        update(Run)
        .execution_options(synchronize_session=False)
        .where(Run.id == run_id, claimable, Run.cancel_requested.is_(False))
        .where(Run.attempts < max_attempts)
        .values(
            status="running",
            lease_owner=owner,
            lease_expires_at=current + timedelta(seconds=lease_seconds),
            attempts=Run.attempts + 1,
            started_at=func.coalesce(Run.started_at, current),
            error=None,
        )
    )
    if _rowcount(taken) != 1:
        db.session.rollback()
        _settle_unclaimable(run_id, max_attempts)
        return None
    run = _reload(run_id)
    event = _append_event(run, "started")
    db.session.commit()
    events.publish(event)
    if run.attempts > 1:
        remove_run_scratch(run_id)  # an earlier attempt died with files in flight
    return run


def heartbeat(run_id: str, owner: str, *, lease_seconds: float) -> bool:
    """Extend our lease; False means another worker owns the run now."""
    extended = db.session.execute(
        update(Run)
        .execution_options(synchronize_session=False)
        .where(*_owned_by(run_id, owner))
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
    )
    db.session.commit()
    return _rowcount(extended) == 1


def progress(
    run_id: str,
    owner: str,
    *,
    stage: str,
    percent: int,
    label: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Run | None:
    """Record progress; None when the lease is gone. The returned run tells of a cancel request."""
    return _transition(
        run_id,
        owner,
        "progress",
        stage=stage,
        progress=max(0, min(100, int(percent))),
        label=label,
        detail=detail,
    )


def complete(run_id: str, owner: str, result: dict[str, Any] | None) -> Run | None:
    return _transition(
        run_id,
        owner,
        "completed",
        status="completed",
        result=result or {},
        progress=100,
        finished_at=utcnow(),
        lease_owner=None,
        lease_expires_at=None,
    )


def fail(
    run_id: str, owner: str, *, code: str, message: str, retryable: bool = False
) -> Run | None:
    return _transition(
        run_id,
        owner,
        "failed",
        status="failed",
        error={"code": code, "message": message, "retryable": retryable},
        finished_at=utcnow(),
        lease_owner=None,
        lease_expires_at=None,
    )


def finish_cancelled(run_id: str, owner: str) -> Run | None:
    return _transition(
        run_id,
        owner,
        "cancelled",
        status="cancelled",
        finished_at=utcnow(),
        lease_owner=None,
        lease_expires_at=None,
    )


def release(run_id: str, owner: str) -> Run | None:
    """Give a run back to the queue (worker shutdown); the interrupted attempt does not count."""
    run = _transition(
        run_id,
        owner,
        "released",
        status="queued",
        attempts=Run.attempts - 1,
        lease_owner=None,
        lease_expires_at=None,
    )
    if run is not None:
        _enqueue(run)
    return run


def request_cancel(run: Run) -> Run:
    """A queued run is cancelled at once; a running one stops at its next checkpoint. One
    whose worker is gone ends cancelled at the next reconcile (an expired lease alone does not
    prove the worker dead), and a heavy one ignoring the request is stopped by the watchdog."""
    cancelled_now = db.session.execute(
        update(Run)
        .execution_options(synchronize_session=False)
        .where(Run.id == run.id, Run.status == "queued")
        .values(status="cancelled", cancel_requested=True, finished_at=utcnow())
    )
    if _rowcount(cancelled_now) != 1:
        flagged = db.session.execute(
            update(Run)
            .execution_options(synchronize_session=False)
            .where(Run.id == run.id, Run.status == "running", Run.cancel_requested.is_(False))
            .values(cancel_requested=True)
        )
        if _rowcount(flagged) != 1:
            db.session.rollback()
            current = _reload(run.id)
            if current.status == "running":  # already asked; cancelling twice is harmless
                return current
            raise Conflict(f"The run is already {current.status}.", code="RUN_FINISHED")
    current = _reload(run.id)
    event = _append_event(
        current, "cancelled" if current.status == "cancelled" else "cancel_requested"
    )
    db.session.commit()
    events.publish(event)
    if current.status == "cancelled":
        remove_run_scratch(run.id)
    return current


def retry(run: Run) -> Run:
    if run.status != "failed":
        raise Conflict("Only a failed run can be retried.", code="RUN_NOT_FAILED")
    return create_run(
        user_id=run.user_id,
        kind=run.kind,
        input=run.input,
        thread_id=run.thread_id,
        user_message_id=run.user_message_id,
        assistant_message_id=run.assistant_message_id,
    )


def reconcile(*, max_attempts: int, requeue_queued: bool) -> list[str]:
    """Repair after crashes and lost queue entries; returns the ids it re-enqueued.

    Runs whose worker died are retried or failed. Queued runs are enqueued again only when
    asked (worker start, or the queue lost its state): a duplicate entry is harmless, but
    re-adding a whole backlog on every pass would not be.
    """
    expired = db.session.scalars(
        select(Run.id).where(Run.status == "running", Run.lease_expires_at < utcnow())
    ).all()
    for run_id in expired:
        _settle_unclaimable(run_id, max_attempts)
    queued = (
        db.session.scalars(select(Run).where(Run.status == "queued").order_by(Run.created_at)).all()
        if requeue_queued
        else []
    )
    db.session.commit()
    requeued = []
    for run in queued:
        _enqueue(run)
        requeued.append(run.id)
    # A running run with an expired lease and attempts left is claimable as it stands.
    for run_id in expired:
        expired_run = db.session.get(Run, run_id)
        if expired_run is not None and expired_run.status == "running":
            _enqueue(expired_run)
            requeued.append(run_id)
    return requeued


ACTIVE_STATUSES = ("queued", "running")


def list_runs(
    user_id: str, *, thread_id: str | None, active: bool, page: int, limit: int
) -> tuple[list[Run], int]:
    """A user's runs (of one thread, when given), newest first; `active`: queued or running."""
    query = select(Run).where(Run.user_id == user_id)
    if thread_id is not None:
        query = query.where(Run.thread_id == thread_id)
    if active:
        query = query.where(Run.status.in_(ACTIVE_STATUSES))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    runs = db.session.scalars(
        query.order_by(Run.created_at.desc()).offset((page - 1) * limit).limit(limit)
    ).all()
    return list(runs), total


def events_after(run_id: str, after_seq: int) -> list[RunEvent]:
    return list(
        db.session.scalars(
            select(RunEvent)
            .where(RunEvent.run_id == run_id, RunEvent.seq > after_seq)
            .order_by(RunEvent.seq)
        )
    )


def _settle_unclaimable(run_id: str, max_attempts: int) -> None:
    """A run whose worker died after a cancel request ends cancelled; one that died on its last
    allowed attempt fails with WORKER_LOST."""
    if _cancel_orphan(run_id):
        return
    lost = db.session.execute(
        update(Run)
        .execution_options(synchronize_session=False)
        .where(
            Run.id == run_id,
            Run.status == "running",
            Run.lease_expires_at < utcnow(),
            Run.attempts >= max_attempts,
        )
        .values(
            status="failed",
            error={
                "code": "WORKER_LOST",
                "message": f"The worker running this stopped responding {max_attempts} times.",
                "retryable": True,
            },
            finished_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    if _rowcount(lost) != 1:
        db.session.rollback()
        return
    run = _reload(run_id)
    event = _append_event(run, "failed")
    db.session.commit()
    events.publish(event)
    remove_run_scratch(run_id)
    with run_logging(run_id):
        log.warning("run failed: worker lost %d times", max_attempts)


def _cancel_orphan(run_id: str) -> bool:
    """Finish a cancel-requested run whose lease expired (nobody will reach its checkpoint)."""
    cancelled = db.session.execute(
        update(Run)
        .execution_options(synchronize_session=False)
        .where(
            Run.id == run_id,
            Run.status == "running",
            Run.lease_expires_at < utcnow(),
            Run.cancel_requested.is_(True),
        )
        .values(status="cancelled", finished_at=utcnow(), lease_owner=None, lease_expires_at=None)
    )
    if _rowcount(cancelled) != 1:
        db.session.rollback()
        return False
    event = _append_event(_reload(run_id), "cancelled")
    db.session.commit()
    events.publish(event)
    remove_run_scratch(run_id)
    with run_logging(run_id):
        log.info("run cancelled after its worker was lost")
    return True


def _transition(run_id: str, owner: str, event_type: str, **values: Any) -> Run | None:
    changed = db.session.execute(
        update(Run)
        .execution_options(synchronize_session=False)
        .where(*_owned_by(run_id, owner))
        .values(**values)
    )
    if _rowcount(changed) != 1:
        db.session.rollback()
        return None
    run = _reload(run_id)
    event = _append_event(run, event_type)
    db.session.commit()
    events.publish(event)
    if event_type in TERMINAL_EVENTS:
        remove_run_scratch(run_id)
    return run


def _owned_by(run_id: str, owner: str) -> list[ColumnElement[bool]]:
    return [Run.id == run_id, Run.status == "running", Run.lease_owner == owner]


def _append_event(run: Run, event_type: str) -> PublishedEvent:
    """Next seq for this run. Callers have just updated (and so locked) the run's row.

    Returns the event as published, built before the commit expires the ORM objects.
    """
    if event_type in STOP_EVENTS:
        _run_hooks(run, run_stopped_hooks(), "a run-stopped hook failed")
    elif event_type == "completed":
        _run_hooks(run, run_completed_hooks(), "a run-completed hook failed")
    last = db.session.scalar(
        select(func.coalesce(func.max(RunEvent.seq), 0)).where(RunEvent.run_id == run.id)
    )
    event = PublishedEvent(
        run_id=run.id, seq=int(last or 0) + 1, type=event_type, data=run_snapshot(run)
    )
    db.session.add(RunEvent(run_id=event.run_id, seq=event.seq, type=event.type, data=event.data))
    return event


def _run_hooks(run: Run, hooks: list[Callable[[Run], None]], failure: str) -> None:
    """Features settle what a finished run leaves behind (e.g. its chat placeholder) atomically.

    A failing hook is logged and undone on its own, so it can never keep the run from ending.
    """
    for hook in hooks:
        try:
            with db.session.begin_nested():
                hook(run)
        except Exception:
            with run_logging(run.id):
                log.exception(failure)


def _reload(run_id: str) -> Run:
    run = db.session.get(Run, run_id, populate_existing=True)
    assert run is not None  # the caller's conditional update just matched this row
    return run


def _enqueue(run: Run) -> None:
    try:
        get_queue().enqueue(run.id, lane_of(run.kind))
    except Exception:
        # The run is safe in the database; reconcile re-enqueues it when the queue is back.
        with run_logging(run.id):
            log.exception("enqueue failed; run stays queued")


def _rowcount(result: Any) -> int:
    return int(result.rowcount)
