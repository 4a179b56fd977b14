"""Run events and queue latency against real services (DESIGN §7).

1. Publish → SSE client latency on ONE gunicorn gevent worker process, with 1 stream and with
   500 concurrent streams (50 runs × 10 streams each). Events are appended and published by the
   service (claim, `service.progress`, complete) in this process. `latency` runs from the moment
   the service hands the event to Redis PUBLISH (stamped by wrapping `events.publish` here) to
   the client's receipt; `e2e_latency` from just before `service.progress` (its
   `detail.t_publish`), so it adds the database transaction. The clients (asyncio, raw HTTP/1.1
   with a chunked body) run in a child process, so the publisher threads never delay them.
   The publisher is the limit on this rate: `service.progress` costs ~3 ms of Python CPU, so
   `*_published_per_s` reports the rate actually reached.
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
import os
import queue
import random
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

from intellimix.cli import gunicorn_command

BACKEND_DIR = Path(__file__).resolve().parent.parent
PG_SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
SECRET = "bench-secret-key-0123456789abcdef0123456789"

EVENTS_PER_RUN = 20  # progress events per run, after the claim (seq 2); completion follows
EVENT_INTERVAL_SECONDS = 0.05  # between two events of the same run
PUBLISHER_THREADS = 2  # more threads only add GIL queueing to the publish stamps, not rate
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
        if self._log.closed:
            return  # stopped already; its group id may belong to someone else by now
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
# These run in a child process, `python -m bench.runs_events` (see `_ClientProcess`).


class _StreamStats:
    def __init__(self) -> None:
        self.frames: list[tuple[int, float]] = []  # (seq, receive time) of each run_update
        self.e2e_ms: list[float] = []  # from detail.t_publish (service.progress call start)
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
        duplicate = any(seen == seq for seen, _ in stats.frames)
        stats.frames.append((seq, received))
        if seq == 1:
            on_first.set()
        run = json.loads(fields["data"])["run"]
        detail = run.get("progress_detail") or {}
        # Only progress events: the completion snapshot still carries the last progress detail.
        if run["status"] == "running" and "t_publish" in detail and not duplicate:
            stats.e2e_ms.append((received - float(detail["t_publish"])) * 1000)


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _clients(port: int, token: str, run_ids: list[str], timeout: float) -> None:
    stats = [_StreamStats() for _ in run_ids]
    firsts = [asyncio.Event() for _ in run_ids]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(_sse_stream(port, token, run_id, stat, first))
        for run_id, stat, first in zip(run_ids, stats, firsts, strict=True)
    ]
    await asyncio.gather(*(first.wait() for first in firsts))
    _say({"ready": True, "connect_all_s": time.perf_counter() - started})
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    cpu = (time.process_time() - cpu_started) / max(1e-9, time.perf_counter() - wall_started)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    _say(
        {
            "frames": [stat.frames for stat in stats],
            "e2e_ms": [ms for stat in stats for ms in stat.e2e_ms],
            "cpu_pct": round(cpu * 100, 1),
            "pings": sum(stat.pings for stat in stats),
            "ended": [stat.ended for stat in stats],
            "errors": [stat.error for stat in stats if stat.error],
            "timed_out": len(pending),
        }
    )


def _client_main() -> None:
    """Entry point of the client process: the job as JSON on stdin, JSON lines on stdout."""
    job = json.loads(sys.stdin.read())
    _raise_open_files_limit()
    try:
        asyncio.run(_clients(job["port"], job["token"], job["run_ids"], job["timeout"]))
    except Exception as exc:
        _say({"error": f"{type(exc).__name__}: {exc}"})


class _ClientProcess:
    """The SSE clients in their own interpreter, so the publisher threads never delay them."""

    def __init__(self, job: dict[str, Any], logdir: Path) -> None:
        self._stderr = (logdir / "sse-clients.log").open("ab")
        env = {**os.environ, "PYTHONPATH": str(BACKEND_DIR), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.runs_events"],
            cwd=BACKEND_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(job).encode())
        self.proc.stdin.close()
        self._lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stdout: Any) -> None:
        for line in stdout:
            self._lines.put(line)

    def message(self, timeout: float, waiting_for: str) -> dict[str, Any]:
        try:
            message: dict[str, Any] = json.loads(self._lines.get(timeout=timeout))
        except queue.Empty:
            raise RuntimeError(f"SSE clients: no {waiting_for} within {timeout:.0f} s") from None
        if "error" in message:
            raise RuntimeError(f"SSE clients failed: {message['error']}")
        return message

    def stop(self) -> None:
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        finally:
            self._stderr.close()


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


def _cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of these processes (Linux /proc), None where unreadable."""
    total = 0.0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return total


def _children(pid: int) -> list[int]:
    try:
        return [
            int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        ]
    except OSError:
        return []


@contextlib.contextmanager
def _stamped_publish(stamps: dict[tuple[str, int], float]) -> Iterator[None]:
    """Record when each event is handed to Redis PUBLISH (the service's last step)."""
    from intellimix.runs import events

    original = events.publish

    def publish(event: Any) -> None:
        stamps[(event.run_id, event.seq)] = time.time()
        original(event)

    events.publish = publish
    try:
        yield
    finally:
        events.publish = original


def _sse_scenario(
    app: Any, api: _Service, port: int, token: str, user_id: str, streams: int, runs: int
) -> dict[str, Any]:
    from intellimix.extensions import db
    from intellimix.runs import service

    with app.app_context():
        run_ids = [
            service.create_run(user_id=user_id, kind="test_heavy", input={}).id for _ in range(runs)
        ]
        db.session.remove()
    stream_runs = [run_ids[index % runs] for index in range(streams)]
    budget = 60.0 + EVENTS_PER_RUN * EVENT_INTERVAL_SECONDS
    job = {"port": port, "token": token, "run_ids": stream_runs, "timeout": budget}
    server_pids = _children(api.proc.pid)  # the gunicorn worker process
    stamps: dict[tuple[str, int], float] = {}
    client = _ClientProcess(job, api.log_path.parent)
    try:
        ready = client.message(60, "replay on every stream")
        time.sleep(0.2)  # let the server settle into idle waits
        groups = max(1, min(PUBLISHER_THREADS, runs))
        calls: list[float] = []
        server_cpu = _cpu_seconds(server_pids)
        publisher_cpu = time.process_time()
        start = time.perf_counter() + 0.05
        threads = [
            threading.Thread(
                target=_publish,
                args=(app, run_ids[g::groups], g * EVENT_INTERVAL_SECONDS / groups, start, calls),
            )
            for g in range(groups)
        ]
        with _stamped_publish(stamps):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        publish_seconds = time.perf_counter() - start
        publisher_cpu = time.process_time() - publisher_cpu
        report = client.message(budget + 30, "report")
        server_cpu_after = _cpu_seconds(server_pids)
        drain_seconds = time.perf_counter() - start
    finally:
        client.stop()

    live_seqs = set(range(2, EVENTS_PER_RUN + 4))  # claim (2), progress (3…), completion
    latencies: list[float] = []
    received = lost = out_of_order = duplicates = 0
    for run_id, frames in zip(stream_runs, report["frames"], strict=True):
        live = [(seq, at) for seq, at in frames if seq >= 2]
        seqs = [seq for seq, _ in live]
        received += len(set(seqs) & live_seqs)
        lost += len(live_seqs - set(seqs))
        duplicates += len(seqs) - len(set(seqs))
        out_of_order += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
        seen: set[int] = set()
        for seq, at in live:
            if seq in seen or (run_id, seq) not in stamps:
                continue
            seen.add(seq)
            latencies.append((at - stamps[(run_id, seq)]) * 1000)
    published = runs * EVENTS_PER_RUN
    key = f"sse{streams}"
    results: dict[str, Any] = {
        f"{key}_streams": streams,
        f"{key}_runs": runs,
        f"{key}_connect_all_s": round(ready["connect_all_s"], 2),
        f"{key}_progress_events_published": published,
        f"{key}_publish_seconds": round(publish_seconds, 2),
        f"{key}_published_per_s": round(published / publish_seconds, 1),
        f"{key}_frames_per_s": round(streams * EVENTS_PER_RUN / publish_seconds, 1),
        f"{key}_event_spacing_per_run_ms": round(publish_seconds / EVENTS_PER_RUN * 1000, 1),
        f"{key}_events_expected": streams * len(live_seqs),
        f"{key}_events_received": received,
        f"{key}_lost": lost,
        f"{key}_duplicates": duplicates,
        f"{key}_out_of_order": out_of_order,
        f"{key}_streams_ended_terminal": sum(1 for end in report["ended"] if end == "terminal"),
        f"{key}_stream_errors": len(report["errors"]),
        f"{key}_timed_out": report["timed_out"],
        f"{key}_pings": report["pings"],
        **_percentiles(f"{key}_latency", latencies),
        **_percentiles(f"{key}_e2e_latency", report["e2e_ms"]),
        **{
            k: v
            for k, v in _percentiles(f"{key}_progress_call", calls).items()
            if not k.endswith("_n")
        },
        f"{key}_client_cpu_pct": report["cpu_pct"],
        f"{key}_publisher_cpu_pct": round(100 * publisher_cpu / publish_seconds, 1),
    }
    if server_cpu is not None and server_cpu_after is not None and server_pids:
        results[f"{key}_server_cpu_pct"] = round(
            100 * (server_cpu_after - server_cpu) / drain_seconds, 1
        )
    if report["errors"]:
        results[f"{key}_first_error"] = report["errors"][0]
    return results


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
    rng = random.Random(7)
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
                # A random idle gap, so creations do not phase-lock with the embedded poll.
                time.sleep(rng.uniform(0.02, 0.12))
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
            beats = db.session.scalar(select(func.count()).select_from(WorkerHeartbeat)) or 0
            db.session.rollback()
            consumers = 0
            for lane in QUEUE_KINDS:
                # A slot's first fetch creates its lane's consumer group (Redis only lists a
                # consumer once it has read an entry).
                with contextlib.suppress(redis.ResponseError):
                    if client.xinfo_groups(f"{prefix}:runs:{lane}"):
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
            gunicorn_command(bind=f"127.0.0.1:{port}", workers=1),
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
        results.update(_sse_scenario(app, api, port, token, user_id, streams=1, runs=1))
        api.check_alive()
        results.update(
            _sse_scenario(app, api, port, token, user_id, streams=MANY_STREAMS, runs=MANY_RUNS)
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
        "The publisher is CPU-bound, so the rate reached is *_published_per_s. "
        "latency = client receipt − the moment the service calls Redis PUBLISH (all live "
        "events); e2e_latency = client receipt − time.time() just before service.progress "
        "(adds the DB transaction, see progress_call). Clients: asyncio raw HTTP/1.1 chunked "
        "readers in a separate process. lost = live events (seq 2..23 per stream) never "
        "received. Queue: created_at → started_at stored on the run, "
        f"{QUEUE_RUNS_PER_LANE} runs per lane (test_plan → interactive, test_heavy → heavy), "
        "one at a time on an idle worker (1 interactive + 1 heavy slot) after one warm-up run "
        "per lane; redis = Redis Streams + PostgreSQL, embedded = SQLite file + runs-table "
        "polling every queue_embedded_poll_ms."
    )
    return results


if __name__ == "__main__":
    _client_main()
