"""Run events and queue latency against real services (DESIGN §7).

1. Publish → SSE client latency on ONE gunicorn gevent worker process, with 1 stream and with
   500 concurrent streams (50 runs × 10 streams each). Events are appended and published by the
   service (`service.progress`) in this process; `detail.t_publish` carries the wall-clock time
   taken just before the call, and the clients (asyncio, raw HTTP/1.1 with a chunked body, in a
   child process so the publisher's threads do not steal their interpreter lock) record when
   each frame arrives.
2. Enqueue → running latency (Run.created_at → Run.started_at, both stored by the service) with
   an idle `intellimix worker` on PostgreSQL + Redis Streams, per lane.
3. The same with the embedded queue: SQLite file database, the worker polling the runs table.

Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test; a
uniquely named database is created and dropped) and Redis (BENCH_REDIS_URL, default
redis://127.0.0.1:6379/14; that database index is FLUSHDB'd before and after).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import multiprocessing
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BACKEND_DIR = Path(__file__).resolve().parent.parent
PG_SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret-key-0123456789abcdef0123456789"

EVENTS_PER_RUN = 20  # progress events per run, after the claim (seq 2); completion follows
EVENT_INTERVAL_SECONDS = 0.05  # between two events of the same run
PUBLISHER_THREADS = 10
MANY_STREAMS = 500
MANY_RUNS = 50  # 10 streams per run
QUEUE_RUNS_PER_LANE = 50
QUEUE_KINDS = {"interactive": "test_plan", "heavy": "test_heavy"}
SSE_HEARTBEAT_SECONDS = 5


# --------------------------------------------------------------------------- small helpers


def _percentiles(prefix: str, samples_ms: list[float]) -> dict[str, float | int]:
    if not samples_ms:
        return {f"{prefix}_n": 0}
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return round(ordered[int(q * (len(ordered) - 1))], 2)

    return {
        f"{prefix}_n": len(ordered),
        f"{prefix}_p50_ms": round(statistics.median(ordered), 2),
        f"{prefix}_p95_ms": at(0.95),
        f"{prefix}_p99_ms": at(0.99),
        f"{prefix}_max_ms": round(ordered[-1], 2),
    }


def _raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    needed = 2 * MANY_STREAMS + 200  # client and server ends both live on this host
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise RuntimeError(f"open files limit {soft} < {needed}; raise the hard limit")
    return int(soft)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    """Environment for create_app in this process (load_config reads it); restored after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Service:
    """A child process with its own process group, output in a log file, stopped for sure."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path) -> None:
        self.name = name
        self.log_path = logdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            argv,
            cwd=BACKEND_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            # Whatever it started in its own group (gunicorn workers, heavy slots) goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self._log.close()


def _base_env(instance_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in ("DATABASE_URL", "MIX_CHAT_QUEUE_URL", "RATELIMIT_STORAGE_URI", "STORAGE_DIR")
    }
    env.update(
        INSTANCE_DIR=str(instance_dir),
        FLASK_SECRET_KEY=SECRET,
        JWT_SECRET_KEY=SECRET,
        INTELLIMIX_ENV="development",
        LOG_LEVEL="WARNING",
        EMBEDDED_WORKER="false",
        AUTH_RATE_LIMIT_PER_ADDRESS="100000 per minute",
        RUN_EXECUTOR_MODULES="tests.run_executors",
        PYTHONPATH=str(BACKEND_DIR),
        MIX_CHAT_SSE_HEARTBEAT_SECONDS=str(SSE_HEARTBEAT_SECONDS),
        RUN_LEASE_SECONDS="10",
        WORKER_HEARTBEAT_SECONDS="1",
        RUN_SHUTDOWN_GRACE_SECONDS="2",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _app_config(database_url: str, queue_url: str | None, prefix: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MIX_CHAT_QUEUE_URL": queue_url,
        "MIX_CHAT_QUEUE_PREFIX": prefix,
        "RATELIMIT_STORAGE_URI": queue_url or "memory://",
        "RUN_EXECUTOR_MODULES": ["tests.run_executors"],
        "LOG_LEVEL": "WARNING",
    }


def _migrate(config: dict[str, Any]) -> None:
    from flask_migrate import upgrade

    from intellimix import create_app
    from intellimix.extensions import db

    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        db.engine.dispose()


# --------------------------------------------------------------------------- HTTP


def _request(
    port: int, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body) if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def _wait_for_http(service: _Service, port: int, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        service.check_alive()
        try:
            _request(port, "GET", "/api/v1/health")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{service.name} did not answer within {timeout} s:\n{service.tail()}")


# --------------------------------------------------------------------------- SSE clients
# These run in a spawned child process (see `_stream_clients`).


class _StreamStats:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.latencies_ms: list[float] = []
        self.pings = 0
        self.ended: str | None = None
        self.error: str | None = None


async def _sse_stream(
    port: int, token: str, run_id: str, stats: _StreamStats, on_first: asyncio.Event
) -> None:
    writer = None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        writer.write(
            (
                f"GET /api/v1/mix-chat-runs/{run_id}/events HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                f"Authorization: Bearer {token}\r\n"
                "Accept: text/event-stream\r\n"
                "Cache-Control: no-cache\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"HTTP status {status!r}")
        chunked = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        buffer = b""
        while stats.ended is None:
            if chunked:
                size_line = await reader.readline()
                if not size_line:
                    break
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    break
            received = time.time()
            buffer += data
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                _sse_frame(block, received, stats, on_first)
        if stats.ended is None:
            stats.error = "connection closed before stream_end"
    except Exception as exc:  # reported, never raised: one broken stream must not end the rest
        stats.error = f"{type(exc).__name__}: {exc}"
    finally:
        on_first.set()  # a failed stream must not hold the "all ready" barrier
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def _sse_frame(block: bytes, received: float, stats: _StreamStats, on_first: asyncio.Event) -> None:
    fields: dict[str, str] = {}
    for line in block.decode().splitlines():
        name, _, value = line.partition(": ")
        fields[name] = value
    event = fields.get("event")
    if event == "ping":
        stats.pings += 1
    elif event == "stream_end":
        stats.ended = json.loads(fields.get("data") or "{}").get("reason", "?")
    elif event == "run_update":
        seq = int(fields["id"])
        stats.seqs.append(seq)
        if seq == 1:
            on_first.set()
        detail = json.loads(fields["data"])["run"].get("progress_detail") or {}
        if "t_publish" in detail and stats.seqs.count(seq) == 1:
            stats.latencies_ms.append((received - float(detail["t_publish"])) * 1000)


async def _clients(port: int, token: str, run_ids: list[str], conn: Any, timeout: float) -> None:
    stats = [_StreamStats() for _ in run_ids]
    firsts = [asyncio.Event() for _ in run_ids]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(_sse_stream(port, token, run_id, stat, first))
        for run_id, stat, first in zip(run_ids, stats, firsts, strict=True)
    ]
    await asyncio.gather(*(first.wait() for first in firsts))
    conn.send({"ready": True, "connect_all_s": time.perf_counter() - started})
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    conn.send(
        {
            "seqs": [stat.seqs for stat in stats],
            "latencies_ms": [ms for stat in stats for ms in stat.latencies_ms],
            "pings": sum(stat.pings for stat in stats),
            "ended": [stat.ended for stat in stats],
            "errors": [stat.error for stat in stats if stat.error],
            "timed_out": len(pending),
        }
    )


def _stream_clients(port: int, token: str, run_ids: list[str], conn: Any, timeout: float) -> None:
    """Entry point of the client process."""
    try:
        asyncio.run(_clients(port, token, run_ids, conn, timeout))
    except Exception as exc:
        conn.send({"error": f"{type(exc).__name__}: {exc}"})


# --------------------------------------------------------------------------- 1. SSE latency


def _publish(app: Any, run_ids: list[str], offset: float, start: float, calls: list[float]) -> None:
    """Claim the runs as "bench", then EVENTS_PER_RUN progress events each, then complete."""
    from intellimix.runs import service

    with app.app_context():
        for run_id in run_ids:
            assert service.claim(run_id, "bench", lease_seconds=600, max_attempts=3) is not None
        for index in range(EVENTS_PER_RUN):
            delay = start + offset + index * EVENT_INTERVAL_SECONDS - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            for run_id in run_ids:
                began = time.perf_counter()
                service.progress(
                    run_id,
                    "bench",
                    stage="bench",
                    percent=(index + 1) * 100 // EVENTS_PER_RUN,
                    label=f"event {index + 1}",
                    detail={"t_publish": time.time()},
                )
                calls.append((time.perf_counter() - began) * 1000)
        for run_id in run_ids:
            service.complete(run_id, "bench", {"events": EVENTS_PER_RUN})


def _sse_scenario(
    app: Any, port: int, token: str, user_id: str, streams: int, runs: int
) -> dict[str, Any]:
    from intellimix.extensions import db
    from intellimix.runs import service

    with app.app_context():
        run_ids = [
            service.create_run(user_id=user_id, kind="test_heavy", input={}).id for _ in range(runs)
        ]
        db.session.remove()
    stream_runs = [run_ids[index % runs] for index in range(streams)]
    parent_end, child_end = multiprocessing.get_context("spawn").Pipe()
    budget = 60.0 + EVENTS_PER_RUN * EVENT_INTERVAL_SECONDS
    client = multiprocessing.get_context("spawn").Process(
        target=_stream_clients,
        args=(port, token, stream_runs, child_end, budget),
        name="bench-sse-clients",
    )
    client.start()
    try:
        if not parent_end.poll(60):
            raise RuntimeError("SSE clients did not all receive their replay within 60 s")
        ready = parent_end.recv()
        if "error" in ready:
            raise RuntimeError(f"SSE clients failed: {ready['error']}")
        time.sleep(0.2)  # let the server settle into idle waits
        groups = max(1, min(PUBLISHER_THREADS, runs))
        calls: list[float] = []
        start = time.perf_counter() + 0.05
        threads = [
            threading.Thread(
                target=_publish,
                args=(app, run_ids[g::groups], g * EVENT_INTERVAL_SECONDS / groups, start, calls),
            )
            for g in range(groups)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        publish_seconds = time.perf_counter() - start
        if not parent_end.poll(budget + 30):
            raise RuntimeError("SSE clients did not report")
        report = parent_end.recv()
        if "error" in report:
            raise RuntimeError(f"SSE clients failed: {report['error']}")
    finally:
        client.join(timeout=10)
        if client.is_alive():
            client.kill()
            client.join()
        parent_end.close()

    expected_live = EVENTS_PER_RUN + 2  # claim (seq 2), progress, completion
    expected_seqs = set(range(2, 3 + EVENTS_PER_RUN))
    received = lost = out_of_order = duplicates = 0
    for seqs in report["seqs"]:
        live = [seq for seq in seqs if seq >= 2]
        received += len(set(live) & expected_seqs)
        lost += len(expected_seqs - set(live))
        duplicates += len(live) - len(set(live))
        out_of_order += sum(1 for a, b in zip(live, live[1:], strict=False) if b <= a)
    published = runs * EVENTS_PER_RUN
    frames = streams * expected_live
    key = f"sse{streams}"
    return {
        f"{key}_streams": streams,
        f"{key}_runs": runs,
        f"{key}_connect_all_s": round(ready["connect_all_s"], 2),
        f"{key}_progress_events_published": published,
        f"{key}_publish_seconds": round(publish_seconds, 2),
        f"{key}_published_per_s": round(published / publish_seconds, 1),
        f"{key}_frames_per_s": round(streams * EVENTS_PER_RUN / publish_seconds, 1),
        f"{key}_events_expected": frames,
        f"{key}_events_received": received,
        f"{key}_lost": lost,
        f"{key}_duplicates": duplicates,
        f"{key}_out_of_order": out_of_order,
        f"{key}_streams_ended_terminal": sum(1 for end in report["ended"] if end == "terminal"),
        f"{key}_stream_errors": len(report["errors"]),
        f"{key}_pings": report["pings"],
        **_percentiles(f"{key}_latency", report["latencies_ms"]),
        **{
            k: v
            for k, v in _percentiles(f"{key}_progress_call", calls).items()
            if not k.endswith("_n")
        },
    }


# --------------------------------------------------------------------------- 2./3. queue


def _wait_run(app: Any, run_id: str, timeout: float = 15.0) -> tuple[str, float | None]:
    """Poll until the run is terminal; (status, created→started ms)."""
    from sqlalchemy import select

    from intellimix.extensions import db
    from intellimix.runs.models import TERMINAL_STATUSES, Run

    deadline = time.monotonic() + timeout
    status = "queued"
    while time.monotonic() < deadline:
        row = db.session.execute(
            select(Run.status, Run.created_at, Run.started_at).where(Run.id == run_id)
        ).one()
        db.session.rollback()  # a fresh snapshot per poll (SQLite readers hold theirs)
        status = row.status
        if status in TERMINAL_STATUSES:
            if row.started_at is None:
                return status, None
            return status, (row.started_at - row.created_at).total_seconds() * 1000
        time.sleep(0.005)
    return status, None


def _queue_scenario(app: Any, user_id: str, worker: _Service, label: str) -> dict[str, Any]:
    from intellimix.runs import service

    results: dict[str, Any] = {}
    with app.app_context():
        for kind in QUEUE_KINDS.values():
            warm = service.create_run(user_id=user_id, kind=kind, input={"steps": 1, "delay": 0})
            status, _ = _wait_run(app, warm.id, timeout=30)
            if status != "completed":
                raise RuntimeError(f"{label} warm-up {kind} run ended {status}:\n{worker.tail()}")
        time.sleep(1.0)  # idle again
        for lane, kind in QUEUE_KINDS.items():
            samples: list[float] = []
            failures = 0
            for _ in range(QUEUE_RUNS_PER_LANE):
                run = service.create_run(user_id=user_id, kind=kind, input={"steps": 1, "delay": 0})
                status, started_ms = _wait_run(app, run.id)
                if status != "completed" or started_ms is None:
                    failures += 1
                else:
                    samples.append(started_ms)
                time.sleep(0.02)  # the slot goes back to waiting on its queue
            worker.check_alive()
            results.update(_percentiles(f"queue_{label}_{lane}_start", samples))
            results[f"queue_{label}_{lane}_failed"] = failures
    return results


def _wait_for_redis_worker(app: Any, worker: _Service, prefix: str) -> None:
    import redis
    from sqlalchemy import func, select

    from intellimix.extensions import db
    from intellimix.runs.models import WorkerHeartbeat

    client = redis.Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 60
    beats = consumers = 0
    with app.app_context():
        while time.monotonic() < deadline:
            worker.check_alive()
            beats = db.session.scalar(select(func.count()).select_from(WorkerHeartbeat))
            db.session.rollback()
            consumers = 0
            for lane in QUEUE_KINDS:
                with contextlib.suppress(redis.ResponseError):
                    if client.xinfo_consumers(f"{prefix}:runs:{lane}", "workers"):
                        consumers += 1
            if beats and consumers == len(QUEUE_KINDS):
                return
            time.sleep(0.1)
    raise RuntimeError(
        f"the worker did not start consuming (heartbeats {beats}, lanes consumed {consumers}):"
        f"\n{worker.tail()}"
    )


def _wait_for_heartbeat(app: Any, worker: _Service) -> None:
    from sqlalchemy import func, select

    from intellimix.extensions import db
    from intellimix.runs.models import WorkerHeartbeat

    deadline = time.monotonic() + 60
    with app.app_context():
        while time.monotonic() < deadline:
            worker.check_alive()
            beats = db.session.scalar(select(func.count()).select_from(WorkerHeartbeat))
            db.session.rollback()
            if beats:
                return
            time.sleep(0.1)
    raise RuntimeError(f"the worker wrote no heartbeat:\n{worker.tail()}")


def _create_user(app: Any) -> str:
    from intellimix.auth.models import User
    from intellimix.extensions import db

    with app.app_context():
        user = User(name="Bench", email="bench-embedded@example.com", password_hash="x")
        db.session.add(user)
        db.session.commit()
        return str(user.id)


# --------------------------------------------------------------------------- the benchmark


def _production_part(workdir: Path, logdir: Path) -> dict[str, Any]:
    import psycopg
    import redis

    from intellimix import create_app
    from intellimix.extensions import db

    name = f"intellimix_bench_{uuid.uuid4().hex[:12]}"
    server_url = PG_SERVER_URL
    database_url = server_url.rsplit("/", 1)[0] + f"/{name}"
    sa_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    redis_client = redis.Redis.from_url(REDIS_URL)
    services: list[_Service] = []
    app = None
    results: dict[str, Any] = {}
    instance = workdir / "instance-pg"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        redis_client.flushdb()
        config = _app_config(sa_url, REDIS_URL, prefix)
        _migrate(config)
        env = _base_env(
            instance,
            DATABASE_URL=database_url,
            MIX_CHAT_QUEUE_URL=REDIS_URL,
            MIX_CHAT_QUEUE_PREFIX=prefix,
        )

        # 1. publish → SSE client on one gunicorn gevent worker
        port = _free_port()
        api = _Service(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:intellimix.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "intellimix.wsgi:app",
            ],
            env,
            logdir,
        )
        services.append(api)
        _wait_for_http(api, port)
        status, body = _request(
            port,
            "POST",
            "/api/v1/auth/register",
            {"name": "Bench", "email": "bench@example.com", "password": "bench password 1"},
        )
        if status != 201:
            raise RuntimeError(f"register failed: {status} {body}")
        token, user_id = body["access_token"], body["user"]["id"]
        app = create_app(config)
        results.update(_sse_scenario(app, port, token, user_id, streams=1, runs=1))
        api.check_alive()
        results.update(
            _sse_scenario(app, port, token, user_id, streams=MANY_STREAMS, runs=MANY_RUNS)
        )
        api.check_alive()
        api.stop()

        # 2. enqueue → running with an idle worker on Redis Streams
        redis_client.delete(f"{prefix}:runs:interactive", f"{prefix}:runs:heavy")
        worker = _Service(
            "worker-redis",
            [sys.executable, "-m", "intellimix", "worker", "--interactive-slots", "1"]
            + ["--heavy-slots", "1"],
            env,
            logdir,
        )
        services.append(worker)
        _wait_for_redis_worker(app, worker, prefix)
        results.update(_queue_scenario(app, user_id, worker, "redis"))
        worker.stop()
    finally:
        for service in services:
            service.stop()
        if app is not None:
            app.extensions["intellimix_event_hub"].close()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis_client.flushdb()
        redis_client.close()
    return results


def _embedded_part(workdir: Path, logdir: Path) -> dict[str, Any]:
    from intellimix import create_app
    from intellimix.extensions import db

    instance = workdir / "instance-sqlite"
    instance.mkdir(parents=True, exist_ok=True)
    sqlite_url = f"sqlite:///{instance / 'bench.db'}"
    config = _app_config(sqlite_url, None, "bench-embedded")
    _migrate(config)
    env = _base_env(instance, DATABASE_URL=sqlite_url, MIX_CHAT_QUEUE_URL="")
    worker = None
    app = None
    try:
        app = create_app(config)
        poll = app.config["EMBEDDED_POLL_SECONDS"]
        user_id = _create_user(app)
        worker = _Service(
            "worker-embedded",
            [sys.executable, "-m", "intellimix", "worker", "--interactive-slots", "1"]
            + ["--heavy-slots", "1"],
            env,
            logdir,
        )
        _wait_for_heartbeat(app, worker)
        results = _queue_scenario(app, user_id, worker, "embedded")
        results["queue_embedded_poll_ms"] = round(poll * 1000, 1)
        return results
    finally:
        if worker is not None:
            worker.stop()
        if app is not None:
            app.extensions["intellimix_event_hub"].close()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def run() -> dict[str, Any]:
    if str(BACKEND_DIR) not in sys.path:
        sys.path.insert(0, str(BACKEND_DIR))  # tests.run_executors registers the test kinds
    open_files = _raise_open_files_limit()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="intellimix-bench-") as tmp:
        workdir = Path(tmp)
        logdir = workdir / "logs"
        logdir.mkdir()
        with _environ(
            INSTANCE_DIR=str(workdir / "instance-bench"),
            FLASK_SECRET_KEY=SECRET,
            JWT_SECRET_KEY=SECRET,
            INTELLIMIX_ENV="development",
        ):
            # Production first: the embedded app (no Redis) must be the last one built, since
            # the Redis client is held by a module-level handle shared by every app.
            results = _production_part(workdir, logdir)
            results.update(_embedded_part(workdir, logdir))
    results["open_files_limit"] = open_files
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["note"] = (
        "SSE: one gunicorn gevent worker (PostgreSQL + Redis pub/sub); sse1 = 1 run × 1 stream, "
        f"sse{MANY_STREAMS} = {MANY_RUNS} runs × {MANY_STREAMS // MANY_RUNS} streams. Each run: "
        f"claim (seq 2), {EVENTS_PER_RUN} service.progress events "
        f"{EVENT_INTERVAL_SECONDS * 1000:.0f} ms apart from "
        f"{PUBLISHER_THREADS} publisher threads (runs staggered), then complete. "
        "Latency = client receive time − time.time() taken just before service.progress "
        "(so it includes the DB transaction; see progress_call), clients are asyncio raw "
        "HTTP/1.1 chunked readers in a separate process. lost = expected live events "
        "(seq 2..23 per stream) not received. Queue: created_at → started_at stored on the run, "
        f"{QUEUE_RUNS_PER_LANE} runs per lane (test_plan → interactive, test_heavy → heavy), "
        "one at a time on an idle worker (1 interactive + 1 heavy slot) after one warm-up run "
        "per lane; redis = Redis Streams + PostgreSQL, embedded = SQLite file + runs-table "
        "polling every queue_embedded_poll_ms."
    )
    return results
