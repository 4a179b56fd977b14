"""Server-Sent Events for one run: replay after Last-Event-ID, then live, then stream_end."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app
from sqlalchemy import select

from intellimix.extensions import db
from intellimix.metrics import SSE_CONNECTIONS
from intellimix.runs.events import PublishedEvent, get_hub
from intellimix.runs.models import Run
from intellimix.runs.serializers import is_terminal
from intellimix.runs.service import events_after

# Why a stream may no longer go on (None: it may); asked at every heartbeat.
StreamGuard = Callable[[], str | None]


def _frame(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _update(seq: int, snapshot: dict[str, Any]) -> tuple[str, bool]:
    terminal = is_terminal(snapshot["status"])
    return _frame("run_update", {"run": snapshot, "terminal": terminal}, seq), terminal


def _already_over(run_id: str) -> bool:
    """The run is finished (a client resuming at or past its last event gets nothing more)."""
    status = db.session.scalar(select(Run.status).where(Run.id == run_id))
    db.session.close()
    return status is not None and is_terminal(status)


def run_event_stream(
    run_id: str, last_seq: int, *, guard: StreamGuard | None = None
) -> Iterator[str]:
    """Yields SSE frames. Subscribes before replaying, so nothing falls between the two.

    `guard` is asked at every heartbeat; a reason from it (a revoked or expired token) ends
    the stream with `stream_end` carrying that reason.
    """
    config = current_app.config
    heartbeat = config["MIX_CHAT_SSE_HEARTBEAT_SECONDS"]
    deadline = time.monotonic() + config["MIX_CHAT_SSE_MAX_SECONDS"]
    hub = get_hub()
    inbox = hub.subscribe(run_id)
    SSE_CONNECTIONS.inc()

    def catch_up() -> Iterator[tuple[str, bool]]:
        nonlocal last_seq
        stored = events_after(run_id, last_seq)
        db.session.close()  # hold no connection while the stream idles
        for row in stored:
            last_seq = row.seq
            yield _update(row.seq, row.data)

    try:
        yield "retry: 2000\n\n"
        replayed = False
        for frame, terminal in catch_up():
            replayed = True
            yield frame
            if terminal:
                yield _frame("stream_end", {"reason": "terminal"})
                return
        if not replayed and _already_over(run_id):
            # EventSource reconnects with the final event's id: end at once, not after an hour.
            yield _frame("stream_end", {"reason": "terminal"})
            return
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = (guard() if guard is not None else None) or "max_duration"
                yield _frame("stream_end", {"reason": reason})
                return
            try:
                event: PublishedEvent | None = inbox.get(timeout=min(heartbeat, remaining))
            except queue.Empty:
                event = None
            if event is not None and event.seq == last_seq + 1:
                last_seq = event.seq
                frame, terminal = _update(event.seq, event.data)
                updates = [(frame, terminal)]
            elif event is not None and event.seq <= last_seq:
                continue  # already sent (replay and live overlap)
            else:
                # A gap, or a quiet interval: the log is the truth, read what we missed.
                updates = list(catch_up())
                if event is None:
                    stop = guard() if guard is not None else None
                    if stop is not None:
                        for frame, _terminal in updates:
                            yield frame
                        yield _frame("stream_end", {"reason": stop})
                        return
                    updates.append((_frame("ping", {}), False))
            for frame, terminal in updates:
                yield frame
                if terminal:
                    yield _frame("stream_end", {"reason": "terminal"})
                    return
    finally:
        SSE_CONNECTIONS.dec()
        hub.unsubscribe(run_id, inbox)
