"""Run events beyond the database: publishing, and fan-out to this process's SSE streams.

With Redis, events are published on one channel and every API process listens once. In the
embedded default the event log itself is the bus: one tailer per API process reads new rows.
Either way each stream gets its events from an in-process hub, never one connection each.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import func, select

from intellimix.extensions import db, redis_client
from intellimix.logs import run_logging
from intellimix.runs.models import RunEvent

log = logging.getLogger(__name__)
LISTENER_READY_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class PublishedEvent:
    run_id: str
    seq: int
    type: str
    data: dict[str, Any]


def publish(event: PublishedEvent) -> None:
    """Tell listening API processes about a committed event (best effort: the log is durable)."""
    channel = current_app.extensions["intellimix_event_channel"]
    client = redis_client()
    if client is None:
        return  # embedded: API processes tail the log
    try:
        client.publish(channel, json.dumps(asdict(event)))
    except redis.RedisError:
        with run_logging(event.run_id):
            log.warning("event publish failed; streams catch up from the log")


class EventHub:
    """Per-process fan-out from one listener to many subscriber queues."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._subscribers: dict[str, set[queue.Queue[PublishedEvent]]] = defaultdict(set)
        self._lock = threading.Lock()
        self._listener: threading.Thread | None = None
        self._closed = threading.Event()
        self._ready = threading.Event()

    def subscribe(self, run_id: str) -> queue.Queue[PublishedEvent]:
        inbox: queue.Queue[PublishedEvent] = queue.Queue()
        with self._lock:
            self._subscribers[run_id].add(inbox)
            if self._listener is None or not self._listener.is_alive():
                self._ready.clear()
                self._listener = threading.Thread(
                    target=self._listen, name="run-events", daemon=True
                )
                self._listener.start()
        # A stream replays from the log after subscribing; the listener must be live by then.
        self._ready.wait(timeout=LISTENER_READY_TIMEOUT_SECONDS)
        return inbox

    def unsubscribe(self, run_id: str, inbox: queue.Queue[PublishedEvent]) -> None:
        with self._lock:
            self._subscribers[run_id].discard(inbox)
            if not self._subscribers[run_id]:
                del self._subscribers[run_id]

    def close(self) -> None:
        """Stop listening (the app is going away)."""
        self._closed.set()
        if self._listener is not None:
            self._listener.join(timeout=5)

    def dispatch(self, event: PublishedEvent) -> None:
        with self._lock:
            inboxes = list(self._subscribers.get(event.run_id, ()))
        for inbox in inboxes:
            inbox.put(event)

    def _listen(self) -> None:
        client = redis_client(self.app)
        while not self._closed.is_set():
            try:
                if client is None:
                    self._tail_log()
                else:
                    self._listen_redis(client)
            except Exception:
                log.exception("run event listener failed; restarting in 1 s")
                self._closed.wait(1)

    def _listen_redis(self, client: redis.Redis) -> None:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self.app.extensions["intellimix_event_channel"])
        self._ready.set()
        try:
            while not self._closed.is_set():
                message = pubsub.get_message(timeout=0.5)
                if message is not None:
                    payload = json.loads(message["data"])
                    self.dispatch(PublishedEvent(**payload))
        finally:
            pubsub.close()

    def _tail_log(self) -> None:
        poll = self.app.config["EMBEDDED_POLL_SECONDS"]
        with self.app.app_context():
            cursor = db.session.scalar(select(func.coalesce(func.max(RunEvent.id), 0))) or 0
            db.session.rollback()
            self._ready.set()
            while not self._closed.is_set():
                rows = db.session.scalars(
                    select(RunEvent).where(RunEvent.id > cursor).order_by(RunEvent.id).limit(500)
                ).all()
                db.session.rollback()
                for row in rows:
                    cursor = row.id
                    self.dispatch(PublishedEvent(row.run_id, row.seq, row.type, row.data))
                if not rows:
                    self._closed.wait(poll)


def init_events(app: Flask) -> None:
    app.extensions["intellimix_event_channel"] = f"{app.config['MIX_CHAT_QUEUE_PREFIX']}:run-events"
    app.extensions["intellimix_event_hub"] = EventHub(app)


def get_hub() -> EventHub:
    hub: EventHub = current_app.extensions["intellimix_event_hub"]
    return hub
