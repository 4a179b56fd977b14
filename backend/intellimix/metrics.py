"""Prometheus metrics: what this process measures, and what the database knows of every run.

Two kinds of numbers:
- Measured here, in the API process: HTTP request latency and open SSE streams. With several
  gunicorn workers set `PROMETHEUS_MULTIPROC_DIR` (prometheus-client's multiprocess mode) so
  one scrape sums them all.
- Read at scrape time from the runs table, so they are true for the whole fleet whichever
  machine ran the run: runs by kind and status, queued runs per lane (the queue depth), and
  the durations of finished runs as a histogram. Workers need no metrics endpoint of their own.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString
from sqlalchemy import case, func, select

from intellimix.extensions import db
from intellimix.runs.models import Run
from intellimix.runs.registry import LANES, kinds_of, lane_of

log = logging.getLogger(__name__)

# Renders take minutes, plans a second: buckets span both.
RUN_DURATION_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 3600)

HTTP_LATENCY = Histogram(
    "intellimix_http_request_duration_seconds",
    "Time to answer an HTTP request (until the body starts, for streams).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SSE_CONNECTIONS = Gauge(
    "intellimix_sse_connections",
    "Open run event streams.",
    multiprocess_mode="livesum",
)


class RunsCollector(Collector):
    """Reads the runs table on each scrape (two aggregate queries)."""

    def collect(self) -> Iterator[Any]:
        by_status = GaugeMetricFamily(
            "intellimix_runs", "Runs in the database by kind and status.", labels=["kind", "status"]
        )
        depth = GaugeMetricFamily(
            "intellimix_queue_depth", "Runs waiting for a worker, per lane.", labels=["lane"]
        )
        queued = dict.fromkeys(LANES, 0)
        rows = db.session.execute(
            select(Run.kind, Run.status, func.count()).group_by(Run.kind, Run.status)
        ).all()
        for kind, status, count in rows:
            by_status.add_metric([kind, status], count)
            if status == "queued" and kind in self._known_kinds():
                queued[lane_of(kind)] += count
        for lane, count in queued.items():
            depth.add_metric([lane], count)
        yield by_status
        yield depth
        yield self._durations()
        db.session.close()

    @staticmethod
    def _known_kinds() -> set[str]:
        return {kind for lane in LANES for kind in kinds_of(lane)}

    def _durations(self) -> HistogramMetricFamily:
        family = HistogramMetricFamily(
            "intellimix_run_duration_seconds",
            "Time from a finished run's start to its end, by kind and outcome.",
            labels=["kind", "status"],
        )
        seconds = _duration_seconds()
        finished = Run.status.in_(("completed", "failed", "cancelled")) & Run.started_at.is_not(
            None
        )
        buckets = [
            func.sum(case((seconds <= bound, 1), else_=0)).label(f"le_{i}")
            for i, bound in enumerate(RUN_DURATION_BUCKETS)
        ]
        query = (
            select(
                Run.kind, Run.status, func.count(), func.coalesce(func.sum(seconds), 0), *buckets
            )
            .where(finished & Run.finished_at.is_not(None))
            .group_by(Run.kind, Run.status)
        )
        rows: list[Any] = list(db.session.execute(query).all())
        for kind, status, count, total, *cumulative in rows:
            points = [
                (floatToGoString(bound), int(n or 0))
                for bound, n in zip(RUN_DURATION_BUCKETS, cumulative, strict=True)
            ]
            family.add_metric(
                [kind, status], [*points, ("+Inf", int(count))], sum_value=float(total)
            )
        return family


def _duration_seconds() -> Any:
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", Run.finished_at - Run.started_at)
    return (func.julianday(Run.finished_at) - func.julianday(Run.started_at)) * 86400.0


def exposition() -> bytes:
    """The text a scrape gets: this process (or every worker of it) plus the runs table."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessMetrics())
    registry.register(RunsCollector())
    return generate_latest(registry)


class _ProcessMetrics(Collector):
    """This process's own instruments, from the default registry."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client import REGISTRY

        yield from REGISTRY.collect()
