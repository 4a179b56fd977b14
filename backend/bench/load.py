"""Load test of the production stack: gunicorn + PostgreSQL + Redis + 3 `intellimix worker`s.

50 simulated people (threads, raw HTTP on loopback) each: register; upload a short track and
follow its analysis run over SSE to the end; open a chat with a prompt and follow the plan run;
generate a 15-second track (the heavy render path: synthesis, mastering, encoding, QA) and
follow that run. A 503 with Retry-After is retried after that delay, as a client should (at
most RETRIES_ON_503 times; counted as `retried_503`). Reported: throughput, p50/p95 latency
of every request kind and of each run kind (posted → terminal event seen on SSE), and the
run audit from the database — every run
terminal (none lost), each claimed once and with exactly one terminal event (none
duplicated). Bounded: LOAD_PEOPLE (default 50) and LOAD_DEADLINE_SECONDS (default 1500).

Needs PostgreSQL and Redis as `bench.runs_events` does (BENCH_DATABASE_URL, BENCH_REDIS_URL).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import sys
import threading
import time
import uuid
import wave
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench.runs_events import (
    PG_SERVER_URL,
    REDIS_URL,
    _app_config,
    _base_env,
    _free_port,
    _migrate,
    _percentiles,
    _Service,
    _wait_for_http,
)
from intellimix.cli import gunicorn_command

PEOPLE = int(os.environ.get("LOAD_PEOPLE", "50"))
DEADLINE_SECONDS = float(os.environ.get("LOAD_DEADLINE_SECONDS", "1500"))
WORKERS = 3
TRACK_SECONDS = 6.0
RETRIES_ON_503 = 5


class Recorder:
    """Latencies by name, and failures, from every simulated person (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.samples[name].append(seconds * 1000)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def _tone_wav(frequency: float) -> bytes:
    rate = 22050
    t = np.arange(int(TRACK_SECONDS * rate)) / rate
    beat = (np.sin(2 * np.pi * 2 * t) > 0.9).astype(np.float32)  # 120 BPM clicks
    samples = 0.3 * np.sin(2 * np.pi * frequency * t) + 0.3 * beat * np.sin(2 * np.pi * 60 * t)
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


class Person:
    def __init__(self, index: int, port: int, recorder: Recorder) -> None:
        self.index = index
        self.port = port
        self.recorder = recorder
        self.token = ""
        self.run_ids: list[str] = []

    def call(
        self, name: str, method: str, path: str, body: bytes | None = None, ctype: str = ""
    ) -> tuple[int, Any]:
        """One request, retried like a well-behaved client while the answer is 503 + Retry-After."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if ctype:
            headers["Content-Type"] = ctype
        for _ in range(RETRIES_ON_503):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            finally:
                conn.close()
            self.recorder.add(name, time.perf_counter() - started)
            if response.status != 503 or not response.getheader("Retry-After"):
                break
            self.recorder.add("retried_503", 0.0)
            time.sleep(float(response.getheader("Retry-After") or 1))
        return response.status, json.loads(raw) if raw else None

    def json(self, name: str, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return self.call(name, method, path, json.dumps(body).encode(), "application/json")

    def follow(self, kind: str, run_id: str, posted: float) -> str:
        """Read the run's SSE stream to its end; the final status."""
        self.run_ids.append(run_id)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=DEADLINE_SECONDS)
        status = "lost"
        try:
            conn.request("GET", f"/api/v1/mix-chat-runs/{run_id}/events?token={self.token}")
            response = conn.getresponse()
            for event, data in _frames(response):
                if event == "run_update" and data.get("terminal"):
                    status = data["run"]["status"]
                if event == "stream_end":
                    break
        finally:
            conn.close()
        self.recorder.add(f"run_{kind}", time.perf_counter() - posted)
        return status

    def live(self) -> None:
        try:
            self._journey()
        except Exception as exc:  # a person's failure is a result, not the end of the test
            self.recorder.fail(f"person {self.index}: {type(exc).__name__}: {exc}")

    def _journey(self) -> None:
        email = f"load{self.index}-{uuid.uuid4().hex[:6]}@example.com"
        status, body = self.json(
            "register",
            "POST",
            "/api/v1/auth/register",
            {"name": f"Person {self.index}", "email": email, "password": "load test password"},
        )
        _expect(status, 201, body)
        self.token = body["access_token"]

        boundary = uuid.uuid4().hex
        upload = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="tone{self.index}.wav"\r\nContent-Type: audio/wav\r\n\r\n'
            ).encode()
            + _tone_wav(220 + 7 * self.index)
            + f"\r\n--{boundary}--\r\n".encode()
        )
        posted = time.perf_counter()
        status, body = self.call(
            "upload", "POST", "/api/v1/tracks", upload, f"multipart/form-data; boundary={boundary}"
        )
        _expect(status, 202, body)
        _expect_final(self.follow("analyze_track", body["run"]["id"], posted))
        status, _ = self.call("list_tracks", "GET", "/api/v1/tracks")
        _expect(status, 200, None)

        posted = time.perf_counter()
        status, body = self.json(
            "create_chat",
            "POST",
            "/api/v1/mix-chats",
            {"title": "Load", "initial_prompt": f"a one minute mix with tone{self.index}"},
        )
        _expect(status, 201, body)
        _expect_final(self.follow("plan", body["run"]["id"], posted))
        status, _ = self.call(
            "list_messages", "GET", f"/api/v1/mix-chats/{body['thread']['id']}/messages"
        )
        _expect(status, 200, None)

        posted = time.perf_counter()
        status, body = self.json(
            "generate",
            "POST",
            "/api/v1/generate-ai",
            {"prompt": "house at 124 bpm", "duration_s": 15, "seed": self.index},
        )
        _expect(status, 202, body)
        _expect_final(self.follow("generate", body["run"]["id"], posted))
        status, _ = self.call("history", "GET", "/api/v1/history")
        _expect(status, 200, None)


def _frames(response: http.client.HTTPResponse) -> Iterator[tuple[str, dict[str, Any]]]:
    event, data = "", ""
    while line := response.readline():
        text = line.decode().rstrip("\r\n")
        if text.startswith("event:"):
            event = text[6:].strip()
        elif text.startswith("data:"):
            data += text[5:].strip()
        elif not text and event:
            yield event, json.loads(data or "{}")
            event, data = "", ""


def _expect(status: int, wanted: int, body: Any) -> None:
    if status != wanted:
        raise RuntimeError(f"HTTP {status} (wanted {wanted}): {body}")


def _expect_final(status: str) -> None:
    if status != "completed":
        raise RuntimeError(f"run ended {status}")


def _audit(database_url: str, run_ids: list[str]) -> dict[str, Any]:
    """From the database: none lost (all terminal), none duplicated (one claim, one end)."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        runs = conn.execute("SELECT id, kind, status, attempts FROM runs").fetchall()
        ends = dict(
            conn.execute(
                "SELECT run_id, count(*) FROM run_events "
                "WHERE type IN ('completed', 'failed', 'cancelled') GROUP BY run_id"
            ).fetchall()
        )
        jobs = dict(
            conn.execute(
                "SELECT run_id, count(*) FROM jobs WHERE run_id IS NOT NULL GROUP BY run_id"
            ).fetchall()
        )
    by_status: dict[str, int] = defaultdict(int)
    for _, kind, status, _attempts in runs:
        by_status[f"{kind}:{status}"] += 1
    known = {row[0] for row in runs}
    return {
        "runs_in_database": len(runs),
        "runs_followed": len(run_ids),
        "runs_by_kind_status": dict(sorted(by_status.items())),
        "runs_lost": sum(1 for row in runs if row[2] not in ("completed", "failed", "cancelled"))
        + sum(1 for run_id in run_ids if run_id not in known),
        "runs_claimed_more_than_once": sum(1 for row in runs if row[3] != 1),
        "runs_with_other_than_one_end_event": sum(1 for row in runs if ends.get(row[0]) != 1),
        "runs_with_more_than_one_job": sum(1 for count in jobs.values() if count > 1),
    }


def run() -> dict[str, Any]:
    import psycopg
    import redis

    if str(Path(__file__).resolve().parent.parent) not in sys.path:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    workdir = Path(os.environ.get("LOAD_WORKDIR") or f"/tmp/intellimix-load-{uuid.uuid4().hex[:8]}")
    logdir = workdir / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    name = f"intellimix_load_{uuid.uuid4().hex[:12]}"
    database_url = PG_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    prefix = f"load-{uuid.uuid4().hex[:8]}"
    redis_client = redis.Redis.from_url(REDIS_URL)
    services: list[_Service] = []
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        redis_client.flushdb()
        sa_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        _migrate(_app_config(sa_url, REDIS_URL, prefix))
        env = _base_env(
            workdir / "instance",
            DATABASE_URL=database_url,
            MIX_CHAT_QUEUE_URL=REDIS_URL,
            MIX_CHAT_QUEUE_PREFIX=prefix,
            STORAGE_DIR=str(workdir / "storage"),
            RUN_EXECUTOR_MODULES="",
            RUN_LEASE_SECONDS="30",
            WORKER_WARM_UP="false",
            MAX_TRACK_SECONDS="1200",
        )
        port = _free_port()
        api = _Service("api", gunicorn_command(bind=f"127.0.0.1:{port}", workers=2), env, logdir)
        services.append(api)
        for n in range(WORKERS):
            services.append(
                _Service(
                    f"worker-{n}",
                    [sys.executable, "-m", "intellimix", "worker"]
                    + ["--interactive-slots", "2", "--heavy-slots", "1"],
                    env,
                    logdir,
                )
            )
        _wait_for_http(api, port, timeout=120)
        recorder = Recorder()
        people = [Person(i, port, recorder) for i in range(PEOPLE)]
        threads = [threading.Thread(target=p.live, name=f"person-{p.index}") for p in people]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
            time.sleep(0.05)  # arrivals over 2.5 s, not one instant
        for thread in threads:
            thread.join(timeout=max(1.0, DEADLINE_SECONDS - (time.perf_counter() - started)))
        elapsed = time.perf_counter() - started
        for service in services:
            service.check_alive()
        run_ids = [run_id for p in people for run_id in p.run_ids]
        requests = sum(len(v) for k, v in recorder.samples.items() if not k.startswith("run_"))
        result: dict[str, Any] = {
            "people": PEOPLE,
            "worker_processes": WORKERS,
            "elapsed_s": round(elapsed, 1),
            "people_finished": PEOPLE - len(recorder.failures),
            "failures": recorder.failures[:10],
            "requests": requests,
            "requests_per_s": round(requests / elapsed, 2),
            "runs_completed_per_min": round(60 * len(run_ids) / elapsed, 1),
        }
        for key in sorted(recorder.samples):
            result.update(_percentiles(key, recorder.samples[key]))
        result.update(_audit(database_url, run_ids))
        return result
    finally:
        for service in services:
            service.stop()
        with psycopg.connect(PG_SERVER_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis_client.flushdb()
        redis_client.close()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
