"""`intellimix serve` — the embedded default that `make run` starts — on a real socket."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).with_name("intellimix"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FLASK_SECRET_KEY", "JWT_SECRET_KEY"}}
    env.update({"INTELLIMIX_ENV": "development", "INSTANCE_DIR": str(instance), **extra})
    return env


def _get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port)],
        env=_clean_env(tmp_path / "instance"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get_json(f"{base}/api/v1/health")[0] == 200:  # API and embedded worker both up
                break
        # A timeout too: the gevent worker accepts connections while it still imports the app.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        assert process.poll() is None, process.stdout.read().decode()
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("intellimix serve was not healthy within 60 s")
    yield base, tmp_path / "instance"
    process.send_signal(signal.SIGTERM)
    # Graceful: the embedded worker may still be warming up (numba compiles) when told to stop.
    process.wait(timeout=90)


def test_serve_migrates_and_answers_health(server):
    base, instance = server
    status, body = _get_json(f"{base}/api/v1/health")
    assert status == 200
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "ok"  # the embedded worker beside the API
    assert (instance / "intellimix.db").exists()
    assert (instance / "secrets.json").exists()
    request = urllib.request.Request(
        f"{base}/api/v1/auth/register",
        data=json.dumps(
            {"name": "Ada", "email": "ada@example.com", "password": "long enough"}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        assert response.headers["Server"].startswith("gunicorn")


def test_production_without_secrets_fails_fast(tmp_path):
    result = subprocess.run(
        [CLI, "serve", "--port", str(_free_port())],
        env=_clean_env(tmp_path, INTELLIMIX_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "FLASK_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
