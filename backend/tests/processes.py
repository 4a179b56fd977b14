"""Real worker and API processes for the run tests, wired to this test's database and Redis."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from intellimix.cli import gunicorn_command

from .sse_client import Frame, parse_frames

BACKEND_DIR = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Processes:
    """Starts workers and API servers; whatever it started is killed at the end of the test."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started: list[subprocess.Popen[bytes]] = []

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            args,
            cwd=BACKEND_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill -9 takes its children too
        )
        self.started.append(process)
        return process

    def worker(self, *, interactive: int = 1, heavy: int = 1) -> subprocess.Popen[bytes]:
        return self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "intellimix",
                "worker",
                "--interactive-slots",
                str(interactive),
                "--heavy-slots",
                str(heavy),
            ],
        )

    def api(self) -> str:
        port = free_port()
        process = self._spawn(
            "api",
            gunicorn_command(bind=f"127.0.0.1:{port}", workers=1),
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "API process exited"
            try:
                urllib.request.urlopen(f"{base}/api/v1/health", timeout=2)
                return base
            except urllib.error.HTTPError:
                return base  # answering (503 until a worker reports) is enough
            # A timeout too: the gevent worker accepts connections while it still imports the app.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise TimeoutError("API did not come up")

    @staticmethod
    def kill_hard(process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    @staticmethod
    def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> int:
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout=timeout)

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def sse_frames(base: str, path: str, headers: dict[str, str]) -> Iterator[Frame]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    assert response.status == 200, response.read()

    def lines() -> Iterator[bytes]:
        while True:
            line = response.readline()
            if not line:
                return
            yield line

    try:
        yield from parse_frames(lines())
    finally:
        connection.close()


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
