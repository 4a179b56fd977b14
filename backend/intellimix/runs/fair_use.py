"""Fair use of the heavy lane: per person, a cap on heavy runs waiting or running and on heavy
runs started per hour. Counted from the runs table, so every API process agrees."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from intellimix.db_types import aggregate_datetime, utcnow
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.runs.models import Run
from intellimix.runs.registry import kinds_of, lane_of

WINDOW = timedelta(hours=1)
# No run finishes on a schedule: a person over the queue cap is told to look again in a minute.
QUEUE_RETRY_SECONDS = 60


@dataclass(frozen=True)
class Quota:
    limit: int
    used: int
    reset_in_seconds: int | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"limit": self.limit, "used": self.used, "remaining": self.remaining}
        if self.reset_in_seconds is not None:
            body["reset_in_seconds"] = self.reset_in_seconds
        return body


def quotas(user_id: str) -> dict[str, Quota]:
    """The person's heavy-run quotas as they stand."""
    config = current_app.config
    heavy = kinds_of("heavy")
    waiting = db.session.scalar(
        select(func.count())
        .select_from(Run)
        .where(Run.user_id == user_id, Run.kind.in_(heavy), Run.status.in_(("queued", "running")))
    )
    since = utcnow() - WINDOW
    recent = db.session.execute(
        select(func.count(), func.min(Run.created_at)).where(
            Run.user_id == user_id, Run.kind.in_(heavy), Run.created_at >= since
        )
    ).one()
    oldest = recent[1]
    reset = None
    if oldest is not None:
        reset = max(1, math.ceil((aggregate_datetime(oldest) + WINDOW - utcnow()).total_seconds()))
    return {
        "queued_heavy_runs": Quota(config["FAIR_USE_QUEUED_HEAVY_RUNS"], int(waiting or 0)),
        "heavy_runs_per_hour": Quota(
            config["FAIR_USE_HEAVY_RUNS_PER_HOUR"], int(recent[0] or 0), reset
        ),
    }


def ensure_allowed(user_id: str, kind: str, *, count: int = 1) -> None:
    """429 with Retry-After when starting `count` more runs of `kind` would go over a quota."""
    if lane_of(kind) != "heavy":
        return  # planning turns are cheap and interactive; the auth limits guard accounts
    current = quotas(user_id)
    queued, hourly = current["queued_heavy_runs"], current["heavy_runs_per_hour"]
    if queued.used + count > queued.limit:
        raise _over(
            f"You already have {queued.used} analyses, renders or generations waiting or running "
            f"(at most {queued.limit}); start more once some have finished.",
            "queued_heavy_runs",
            queued,
            QUEUE_RETRY_SECONDS,
        )
    if hourly.used + count > hourly.limit:
        raise _over(
            f"You started {hourly.used} analyses, renders or generations in the last hour "
            f"(at most {hourly.limit} per hour).",
            "heavy_runs_per_hour",
            hourly,
            hourly.reset_in_seconds or QUEUE_RETRY_SECONDS,
        )


def _over(message: str, name: str, quota: Quota, retry_after: int) -> ApiError:
    return ApiError(
        message,
        code="RUN_QUOTA_EXCEEDED",
        status=429,
        details={"quota": name, **quota.to_dict(), "retry_after_seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )
