"""Where workers find runs: Redis Streams in production, the runs table in the embedded default.

Delivery is at-least-once in both; the conditional claim in `service.claim` makes execution
happen once at a time, so a duplicate entry is simply acknowledged and dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

import redis
from flask import current_app
from sqlalchemy import or_, select

from intellimix.db_types import utcnow
from intellimix.extensions import db
from intellimix.runs.models import Run
from intellimix.runs.registry import Lane, kinds_of

GROUP = "workers"
STREAM_MAX_LENGTH = 100_000


@dataclass(frozen=True)
class Delivery:
    run_id: str
    lane: Lane
    entry_id: str | None = None  # the stream entry to acknowledge, when there is one


class RunQueue(Protocol):
    def enqueue(self, run_id: str, lane: Lane) -> None: ...
    def fetch(self, lane: Lane, consumer: str, *, block_seconds: float) -> Delivery | None: ...
    def ack(self, delivery: Delivery) -> None: ...
    def state_lost(self) -> bool: ...


class RedisStreamQueue:
    """One stream per lane, one consumer group; a dead consumer's entries are reclaimed."""

    def __init__(self, client: redis.Redis, *, prefix: str, visibility_timeout: float) -> None:
        self.client = client
        self.prefix = prefix
        self.visibility_ms = int(visibility_timeout * 1000)

    def stream(self, lane: Lane) -> str:
        return f"{self.prefix}:runs:{lane}"

    def enqueue(self, run_id: str, lane: Lane) -> None:
        self.client.xadd(
            self.stream(lane), {"run_id": run_id}, maxlen=STREAM_MAX_LENGTH, approximate=True
        )

    def fetch(self, lane: Lane, consumer: str, *, block_seconds: float) -> Delivery | None:
        try:
            return self._reclaim(lane, consumer) or self._read(lane, consumer, block_seconds)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._create_group(lane)  # first use, or the stream was flushed away
            return None

    def ack(self, delivery: Delivery) -> None:
        if delivery.entry_id is not None:
            self.client.xack(self.stream(delivery.lane), GROUP, delivery.entry_id)

    def state_lost(self) -> bool:
        """True once after Redis lost its data (restart without persistence, FLUSHDB).

        A marker key lives beside the streams; when it is gone, so are they.
        """
        return bool(self.client.set(f"{self.prefix}:runs:marker", "1", nx=True))

    def _reclaim(self, lane: Lane, consumer: str) -> Delivery | None:
        reply: Any = self.client.xautoclaim(
            self.stream(lane), GROUP, consumer, min_idle_time=self.visibility_ms, count=1
        )
        entries = reply[1]
        return self._delivery(lane, entries)

    def _read(self, lane: Lane, consumer: str, block_seconds: float) -> Delivery | None:
        response: Any = self.client.xreadgroup(
            GROUP,
            consumer,
            {self.stream(lane): ">"},
            count=1,
            block=max(1, int(block_seconds * 1000)),
        )
        return self._delivery(lane, response[0][1]) if response else None

    def _delivery(
        self, lane: Lane, entries: list[tuple[bytes, dict[bytes, bytes]]]
    ) -> Delivery | None:
        if not entries:
            return None
        entry_id, fields = entries[0]
        return Delivery(run_id=fields[b"run_id"].decode(), lane=lane, entry_id=entry_id.decode())

    def _create_group(self, lane: Lane) -> None:
        try:
            self.client.xgroup_create(self.stream(lane), GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise


class DatabaseQueue:
    """The embedded default: the runs table is the queue, polled briefly."""

    def __init__(self, *, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds

    def enqueue(self, run_id: str, lane: Lane) -> None:
        """Nothing to do: a queued row is already visible to every local worker."""

    def fetch(self, lane: Lane, consumer: str, *, block_seconds: float) -> Delivery | None:
        deadline = time.monotonic() + block_seconds
        kinds = kinds_of(lane)
        while True:
            run_id = db.session.scalar(
                select(Run.id)
                .where(
                    Run.kind.in_(kinds),
                    or_(
                        Run.status == "queued",
                        (Run.status == "running") & (Run.lease_expires_at < utcnow()),
                    ),
                )
                .order_by(Run.created_at)
                .limit(1)
            )
            db.session.rollback()  # end the read transaction; SQLite readers must not linger
            if run_id is not None:
                return Delivery(run_id=run_id, lane=lane)
            if time.monotonic() >= deadline:
                return None
            time.sleep(self.poll_seconds)

    def ack(self, delivery: Delivery) -> None:
        """Nothing to do: the row's status records the outcome."""

    def state_lost(self) -> bool:
        """The table cannot lose entries the way a flushed Redis can."""
        return False


def build_queue(redis_client: redis.Redis | None, config: dict) -> RunQueue:
    if redis_client is None:
        return DatabaseQueue(poll_seconds=config["EMBEDDED_POLL_SECONDS"])
    return RedisStreamQueue(
        redis_client,
        prefix=config["MIX_CHAT_QUEUE_PREFIX"],
        visibility_timeout=config["RUN_VISIBILITY_TIMEOUT_SECONDS"],
    )


def get_queue() -> RunQueue:
    queue: RunQueue = current_app.extensions["intellimix_queue"]
    return queue
