"""What an executor sees of its run: input, and checkpoints that report progress."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask

from intellimix.runs import service
from intellimix.runs.errors import LeaseLost, RunCancelled, ShutdownRequested
from intellimix.runs.models import Run
from intellimix.runs.scratch import attempt_scratch


class RunContext:
    """Handed to an executor. `progress()` is the checkpoint where cancel and shutdown land."""

    def __init__(self, app: Flask, run: Run, owner: str, stopping: threading.Event) -> None:
        self.app = app
        self.run_id = run.id
        self.kind = run.kind
        self.user_id = run.user_id
        self.thread_id = run.thread_id
        self.input: dict[str, Any] = dict(run.input or {})
        self.attempt = run.attempts
        self.owner = owner
        self.lease_lost = threading.Event()
        self._stopping = stopping
        self._grace = float(app.config["RUN_SHUTDOWN_GRACE_SECONDS"])
        self._stop_seen_at: float | None = None

    def progress(
        self,
        stage: str,
        percent: float,
        label: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Record progress; raises when the run must stop here (cancelled, lease lost, shutdown)."""
        self.checkpoint()
        run = service.progress(
            self.run_id, self.owner, stage=stage, percent=int(percent), label=label, detail=detail
        )
        if run is None:
            raise LeaseLost()
        if run.cancel_requested:
            raise RunCancelled()

    def scratch_path(self) -> Path:
        """This attempt's scratch folder (not created): removed when the run stops, and by the
        worker or the next attempt when this one dies."""
        return attempt_scratch(self.run_id, self.attempt)

    def checkpoint(self) -> None:
        """Stop points that need no database write."""
        if self.lease_lost.is_set():
            raise LeaseLost()
        if self._stopping.is_set():
            if self._stop_seen_at is None:
                self._stop_seen_at = time.monotonic()
            if time.monotonic() - self._stop_seen_at >= self._grace:
                raise ShutdownRequested()
