"""The worker: consumers per lane (threads for interactive, processes for heavy), leases,
heartbeats, reconciliation and graceful shutdown. Embedded and production share all of it;
only the queue differs (see `queue.py`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete

from intellimix.db_types import utcnow
from intellimix.extensions import db
from intellimix.logs import run_logging
from intellimix.runs import service, watchdog
from intellimix.runs.context import RunContext
from intellimix.runs.errors import LeaseLost, RunCancelled, RunFailure, ShutdownRequested
from intellimix.runs.models import WorkerHeartbeat
from intellimix.runs.queue import Delivery, get_queue
from intellimix.runs.registry import Lane, get_executor, run_warm_ups
from intellimix.runs.scratch import remove_run_scratch

log = logging.getLogger(__name__)
FETCH_BLOCK_SECONDS = 1.0
# Builds the whole app (every executor registered) inside a heavy child process; passed in by
# the caller so `runs` does not import the app that assembles every package.
AppFactory = Callable[[Mapping[str, Any]], Flask]


def execute_delivery(app: Flask, delivery: Delivery, owner: str, stopping: threading.Event) -> None:
    """Claim, execute and settle one delivered run; always acknowledge the delivery."""
    config = app.config
    queue = get_queue()
    run = service.claim(
        delivery.run_id,
        owner,
        lease_seconds=config["RUN_LEASE_SECONDS"],
        max_attempts=config["MAX_RUN_ATTEMPTS"],
    )
    if run is None:
        queue.ack(delivery)  # finished, cancelled, or held by a live worker: not ours
        return
    context = RunContext(app, run, owner, stopping)
    keeper = _LeaseKeeper(app, context)
    keeper.start()
    try:
        with run_logging(run.id):
            log.info("run started (%s, attempt %d)", run.kind, run.attempts)
            _execute(context)
    finally:
        keeper.stop()
        queue.ack(delivery)
        remove_run_scratch(context.run_id)


def _execute(context: RunContext) -> None:
    run_id, owner = context.run_id, context.owner
    found = get_executor(context.kind)
    try:
        if found is None:
            raise RunFailure("NO_EXECUTOR", f"This worker cannot run {context.kind!r} runs.")
        result = found.execute(context)
        context.checkpoint()
        settled = service.complete(run_id, owner, result)
        log.info("run completed" if settled else "run finished after losing its lease")
    except RunCancelled:
        db.session.rollback()
        service.finish_cancelled(run_id, owner)
        log.info("run cancelled")
    except LeaseLost:
        db.session.rollback()
        log.warning("lease lost; another worker owns the run now")
    except ShutdownRequested:
        db.session.rollback()
        service.release(run_id, owner)
        log.info("run released to the queue (worker stopping)")
    except RunFailure as failure:
        db.session.rollback()
        service.fail(
            run_id, owner, code=failure.code, message=failure.message, retryable=failure.retryable
        )
        log.info("run failed: %s", failure.code)
    except MemoryError:
        db.session.rollback()
        log.warning("run needed more memory than the slot may use")
        service.fail(
            run_id,
            owner,
            code="OUT_OF_MEMORY",
            message="The run needed more memory than a worker slot may use.",
        )
    except Exception:
        db.session.rollback()
        log.exception("run crashed")
        service.fail(
            run_id, owner, code="RUN_FAILED", message="The run failed unexpectedly.", retryable=True
        )


class _LeaseKeeper(threading.Thread):
    """Renews the lease while the executor works; flags the context when the lease is lost."""

    def __init__(self, app: Flask, context: RunContext) -> None:
        super().__init__(name=f"lease-{context.run_id[:8]}", daemon=True)
        self.app = app
        self.context = context
        self.interval = app.config["RUN_LEASE_SECONDS"] / 3
        self._done = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            while not self._done.wait(self.interval):
                try:
                    kept = service.heartbeat(
                        self.context.run_id,
                        self.context.owner,
                        lease_seconds=self.app.config["RUN_LEASE_SECONDS"],
                    )
                except Exception:
                    db.session.rollback()
                    log.exception("lease renewal failed; retrying")
                    continue
                if not kept:
                    self.context.lease_lost.set()
                    return

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def consume(app: Flask, lane: Lane, owner: str, stopping: threading.Event) -> None:
    """One slot: fetch, execute, repeat until the worker stops."""
    parent = os.getppid()
    with app.app_context():
        queue = get_queue()
        while not stopping.is_set():
            try:
                delivery = queue.fetch(lane, owner, block_seconds=FETCH_BLOCK_SECONDS)
            except Exception:
                db.session.rollback()
                log.exception("fetching from the %s lane failed; retrying in 1 s", lane)
                time.sleep(1)
                continue
            if delivery is not None:
                execute_delivery(app, delivery, owner, stopping)
            if lane == "heavy" and os.getppid() != parent:
                log.warning("worker parent is gone; heavy slot exits")
                return


def _heavy_slot(app_factory: AppFactory, overrides: Mapping[str, Any], owner: str) -> None:
    """Entry point of a heavy child process: its own app, its own interpreter lock."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C reaches it too
    app = app_factory(dict(overrides))
    _limit_memory(app.config["HEAVY_SLOT_MEMORY_MB"])
    if app.config["WORKER_WARM_UP"]:
        started = time.perf_counter()
        try:
            run_warm_ups()
            log.info("heavy slot %s warm in %.1f s", owner, time.perf_counter() - started)
        except Exception:  # a cold slot is slower, not broken
            log.exception("warm-up failed; the first run pays the compilation")
    consume(app, "heavy", owner, stopping)


def _limit_memory(megabytes: int) -> None:
    """Cap the slot's address space: an allocation past it raises MemoryError in the run
    (which fails with OUT_OF_MEMORY) instead of taking the machine down. 0 = no cap."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Worker:
    """Supervises the slots of one worker process and keeps the fleet's bookkeeping."""

    def __init__(
        self,
        app: Flask,
        *,
        app_factory: AppFactory,
        interactive_slots: int,
        heavy_slots: int,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.app_factory = app_factory
        self.interactive_slots = interactive_slots
        self.heavy_slots = heavy_slots
        self.overrides = dict(overrides or {})
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._children: dict[str, multiprocessing.process.BaseProcess] = {}
        self._spawn = multiprocessing.get_context("spawn")

    def run(self) -> None:
        """Block until SIGTERM/SIGINT; then let slots finish or release their runs."""
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        with self.app.app_context():
            self._beat()
            get_queue().state_lost()  # (re)arm the marker; everything queued is re-added below
            requeued = service.reconcile(
                max_attempts=self.app.config["MAX_RUN_ATTEMPTS"], requeue_queued=True
            )
            log.info("worker %s up; reconcile re-enqueued %d run(s)", self.id, len(requeued))
        for slot in range(self.interactive_slots):
            owner = f"{self.id}:interactive:{slot}"
            thread = threading.Thread(
                target=consume, args=(self.app, "interactive", owner, self.stopping), name=owner
            )
            thread.start()
            self._threads.append(thread)
        for slot in range(self.heavy_slots):
            self._start_child(f"{self.id}:heavy:{slot}")
        try:
            self._supervise()
        finally:
            self._shutdown()

    def _supervise(self) -> None:
        beat_every = self.app.config["WORKER_HEARTBEAT_SECONDS"]
        reconcile_every = self.app.config["RUN_LEASE_SECONDS"]
        last_reconcile = time.monotonic()
        with self.app.app_context():
            while not self.stopping.wait(beat_every):
                try:
                    self._beat()
                    self._watch()
                    if time.monotonic() - last_reconcile >= reconcile_every:
                        service.reconcile(
                            max_attempts=self.app.config["MAX_RUN_ATTEMPTS"],
                            requeue_queued=get_queue().state_lost(),
                        )
                        last_reconcile = time.monotonic()
                except Exception:
                    db.session.rollback()
                    log.exception("worker bookkeeping failed; retrying")
                for owner, child in list(self._children.items()):
                    if not child.is_alive():
                        log.warning(
                            "heavy slot %s died (exit %s); restarting", owner, child.exitcode
                        )
                        self._start_child(owner)

    def _watch(self) -> None:
        """Kill the heavy slots whose run is stuck, over budget or ignoring a cancel; settle
        those runs. The supervisor restarts the slots at once."""
        for verdict in watchdog.find_overdue(self._children):
            child = self._children.get(verdict.owner)
            if child is not None and child.is_alive():
                child.kill()
                child.join(timeout=10)
            watchdog.settle(verdict)

    def _start_child(self, owner: str) -> None:
        child = self._spawn.Process(
            target=_heavy_slot,
            args=(self.app_factory, self.overrides, owner),
            name=owner,
            daemon=False,
        )
        child.start()
        self._children[owner] = child

    def _beat(self) -> None:
        lanes = {"interactive": self.interactive_slots, "heavy": self.heavy_slots}
        beat = db.session.get(WorkerHeartbeat, self.id)
        if beat is None:
            db.session.add(WorkerHeartbeat(id=self.id, lanes=lanes, last_seen_at=utcnow()))
        else:
            beat.last_seen_at = utcnow()
        stale = utcnow() - timedelta(days=1)
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_at < stale))
        db.session.commit()

    def _shutdown(self) -> None:
        log.info("worker %s stopping", self.id)
        grace = self.app.config["RUN_SHUTDOWN_GRACE_SECONDS"] + 10
        for child in self._children.values():
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)
        for thread in self._threads:
            thread.join(timeout=grace)
        for child in self._children.values():
            child.join(timeout=grace)
            if child.is_alive():
                child.kill()
        with self.app.app_context():
            db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.id == self.id))
            db.session.commit()
