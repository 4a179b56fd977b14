"""The watchdog's verdicts: which running runs are stuck, over budget, or ignoring a cancel.

A heavy run computes in a child process; when it stops reaching its checkpoints (a hostile file
in a numeric loop, a deadlock) its lease keeper still renews the lease, so nothing else would
ever notice. The worker that owns the slot asks `find_overdue` at each heartbeat, kills the
child of each verdict and settles the run with `settle`. Health uses `stalled_runs` to report a
stuck slot even when no watchdog is there to act.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flask import current_app
from sqlalchemy import func, select

from intellimix.db_types import aggregate_datetime, utcnow
from intellimix.extensions import db
from intellimix.logs import run_logging
from intellimix.runs import service
from intellimix.runs.models import Run, RunEvent
from intellimix.runs.scratch import remove_run_scratch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Overdue:
    run_id: str
    owner: str
    kind: str
    action: Literal["fail", "cancel"]
    code: str
    message: str


def time_budget(kind: str) -> float:
    """Seconds one attempt of `kind` may take (RUN_TIME_BUDGETS, else the default budget)."""
    config = current_app.config
    return float(config["RUN_TIME_BUDGETS"].get(kind, config["RUN_DEFAULT_TIME_BUDGET_SECONDS"]))


def find_overdue(owners: Iterable[str]) -> list[Overdue]:
    """Running runs of these lease owners that must be stopped by force, oldest first."""
    owners = list(owners)
    if not owners:
        return []
    config = current_app.config
    now = utcnow()
    verdicts = []
    for run, last_event, started, cancel_asked in _running_with_times(owners):
        if cancel_asked is not None and run.cancel_requested:
            if now - cancel_asked > timedelta(seconds=config["RUN_CANCEL_GRACE_SECONDS"]):
                verdicts.append(Overdue(run.id, run.lease_owner or "", run.kind, "cancel", "", ""))
            continue
        budget = time_budget(run.kind)
        if started is not None and now - started > timedelta(seconds=budget):
            verdicts.append(
                _failure(
                    run,
                    "RUN_TIMED_OUT",
                    f"The run took longer than its {budget:.0f} s budget and was stopped.",
                )
            )
        elif now - last_event > timedelta(seconds=config["RUN_STALL_SECONDS"]):
            verdicts.append(
                _failure(
                    run,
                    "RUN_STALLED",
                    f"The run reported no progress for {config['RUN_STALL_SECONDS']:.0f} s "
                    "and was stopped.",
                )
            )
    db.session.rollback()
    return verdicts


def stalled_runs() -> list[tuple[Run, float]]:
    """Every running run without progress for longer than RUN_STALL_SECONDS, with the seconds."""
    limit = current_app.config["RUN_STALL_SECONDS"]
    now = utcnow()
    found = []
    for run, last_event, _started, _cancel in _running_with_times(None):
        quiet = (now - last_event).total_seconds()
        if quiet > limit:
            found.append((run, quiet))
    db.session.rollback()
    return found


def settle(verdict: Overdue) -> None:
    """Stop the run of a verdict (its process is already gone) and clear what it left."""
    with run_logging(verdict.run_id):
        if verdict.action == "cancel":
            settled = service.finish_cancelled(verdict.run_id, verdict.owner)
        else:
            settled = service.fail(
                verdict.run_id, verdict.owner, code=verdict.code, message=verdict.message
            )
        remove_run_scratch(verdict.run_id)
        if settled is not None:
            log.warning("watchdog stopped the run: %s", verdict.code or "cancel not honoured")


def _failure(run: Run, code: str, message: str) -> Overdue:
    return Overdue(run.id, run.lease_owner or "", run.kind, "fail", code, message)


def _running_with_times(
    owners: list[str] | None,
) -> list[tuple[Run, datetime, datetime | None, datetime | None]]:
    """(run, its last event, this attempt's start, its cancel request) for running runs."""
    query = select(Run).where(Run.status == "running")
    if owners is not None:
        query = query.where(Run.lease_owner.in_(owners))
    runs = list(db.session.scalars(query.order_by(Run.created_at)))
    if not runs:
        return []
    ids = [run.id for run in runs]
    last_event = _latest(ids, None)
    started = _latest(ids, "started")
    cancel_asked = _latest(ids, "cancel_requested")
    return [
        (run, last_event.get(run.id, run.updated_at), started.get(run.id), cancel_asked.get(run.id))
        for run in runs
    ]


def _latest(run_ids: list[str], event_type: str | None) -> dict[str, datetime]:
    query = select(RunEvent.run_id, func.max(RunEvent.created_at)).where(
        RunEvent.run_id.in_(run_ids)
    )
    if event_type is not None:
        query = query.where(RunEvent.type == event_type)
    rows = db.session.execute(query.group_by(RunEvent.run_id)).all()
    return {run_id: aggregate_datetime(value) for run_id, value in rows if value is not None}
