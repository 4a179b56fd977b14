"""Runs: durable background work with progress events (DESIGN §7)."""

from __future__ import annotations

from flask import Flask

from intellimix.extensions import redis_client
from intellimix.runs.events import init_events
from intellimix.runs.queue import build_queue
from intellimix.runs.registry import load_executors


def init_runs(app: Flask) -> None:
    load_executors(app.config["RUN_EXECUTOR_MODULES"])
    app.extensions["intellimix_queue"] = build_queue(redis_client(app), app.config)
    init_events(app)
