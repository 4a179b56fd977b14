"""The S3 storage backend against a real S3 API over HTTP: moto's server, in its own process.

The API and the worker get different STORAGE_DIRs and share only the bucket (and the
database), as they would on different machines.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from flask import Flask

from intellimix.audio import io, loudness
from intellimix.chats.models import ChatThread
from intellimix.config import ConfigError
from intellimix.extensions import db
from intellimix.runs import service as runs
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio.drum_signals import synth_drum_track
from .audio.media import write_wav
from .processes import free_port

pytestmark = pytest.mark.database


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the moto S3 server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    name = f"media-{uuid.uuid4().hex[:12]}"
    _client(s3_endpoint).create_bucket(Bucket=name)
    return name


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )


def _keys(endpoint: str, bucket: str) -> set[str]:
    listed = _client(endpoint).list_objects_v2(Bucket=bucket)
    return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture
def two_machines(
    make_app: Any, bucket: str, s3_endpoint: str, tmp_path: Path
) -> tuple[Flask, Flask]:
    """An API app and a worker app: one database and bucket, separate local folders."""
    settings = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_PREFIX": "intellimix",
    }
    api_app = make_app(**settings, STORAGE_DIR=str(tmp_path / "api-disk"))
    worker_app = make_app(**settings, STORAGE_DIR=str(tmp_path / "worker-disk"))
    return api_app, worker_app


def _drums(path: Path, style: str, bpm: float) -> Path:
    track = synth_drum_track(style, bpm=bpm, duration_s=20.0, sample_rate=44100)
    return write_wav(path, np.stack([track.audio, 0.9 * track.audio]), 44100)


def _execute(app: Flask, run_id: str) -> None:
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())


def _register(client: Any) -> tuple[str, dict[str, str]]:
    body = client.post(
        "/api/v1/auth/register",
        json={"name": "Ada", "email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "x" * 12},
    ).get_json()
    return body["user"]["id"], {"Authorization": f"Bearer {body['access_token']}"}


def _upload(client: Any, headers: dict[str, str], path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        response = client.post(
            "/api/v1/tracks",
            data={"file": (handle, path.name)},
            headers=headers,
            content_type="multipart/form-data",
        )
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def test_render_with_api_and_worker_on_different_disks_sharing_one_bucket(
    two_machines: tuple[Flask, Flask], s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    api_app, worker_app = two_machines
    client = api_app.test_client()
    user_id, headers = _register(client)
    ids = []
    for name, style, bpm in (("a.wav", "house", 120.0), ("b.wav", "techno", 128.0)):
        upload = _upload(client, headers, _drums(tmp_path / name, style, bpm))
        _execute(worker_app, upload["run"]["id"])  # the worker fetches the upload from the bucket
        ids.append(upload["track"]["id"])
        assert f"intellimix/tracks/{upload['track']['id']}/original.wav" in _keys(
            s3_endpoint, bucket
        )
    with api_app.app_context():
        thread = ChatThread(user_id=user_id, title="Mix")
        db.session.add(thread)
        db.session.commit()
        plan = {
            "title": "A into B",
            "target": {"bpm": 124.0, "lufs": -14.0, "true_peak_db": -1.0},
            "segments": [
                {"id": "s1", "track_id": ids[0], "source_start_s": 0.37, "source_end_s": 16.37},
                {
                    "id": "s2",
                    "track_id": ids[1],
                    "source_start_s": 0.37,
                    "source_end_s": 15.37,
                    "transition_in": {"type": "crossfade", "beats": 8},
                },
            ],
        }
        run_id = runs.create_run(
            user_id=user_id, kind="render", input={"plan": plan}, thread_id=thread.id
        ).id
    _execute(worker_app, run_id)

    run = client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()["run"]
    assert run["status"] == "completed", run["error"]
    job = client.get(f"/api/v1/history/{run['result']['job_id']}", headers=headers).get_json()
    files = {f["name"]: f for f in job["job"]["outputs"]}
    assert {f"intellimix/jobs/{job['job']['id']}/{name}" for name in files} <= _keys(
        s3_endpoint, bucket
    )
    assert not (tmp_path / "api-disk" / "cache" / "jobs").exists()  # nothing shared but S3
    mix = client.get(files["mix.wav"]["url"])
    assert mix.status_code == 200
    wav = tmp_path / "downloaded.wav"
    wav.write_bytes(mix.data)
    decoded = io.decode(wav)
    assert abs(loudness.integrated_loudness(decoded.samples, decoded.sample_rate) + 14.0) <= 0.5
    part = client.get(files["mix.wav"]["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(mix.data)}"
    assert part.data == mix.data[100:200]


def test_uploads_are_objects_served_with_range_and_deleted_with_the_track(
    two_machines: tuple[Flask, Flask], s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    api_app, worker_app = two_machines
    user_id, headers = _register(api_app.test_client())
    source = _drums(tmp_path / "beat.wav", "house", 120.0)
    track = _upload(api_app.test_client(), headers, source)["track"]
    key = f"intellimix/tracks/{track['id']}/original.wav"
    stored = _client(s3_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read()
    assert stored == source.read_bytes()

    # Another machine (nothing on its disk) serves it from the bucket, Range and signed link.
    other = worker_app.test_client()
    whole = other.get(track["audio_url"])
    assert whole.status_code == 200 and whole.data == stored
    assert whole.headers["Accept-Ranges"] == "bytes"
    tail = other.get(track["audio_url"], headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == stored[-10:]
    beyond = other.get(track["audio_url"], headers={"Range": f"bytes={len(stored) + 5}-"})
    assert beyond.status_code == 416
    assert other.get(track["audio_url"] + "x").status_code == 401  # the signature still rules

    deleted = api_app.test_client().delete(f"/api/v1/tracks/{track['id']}", headers=headers)
    assert deleted.status_code == 204
    assert key not in _keys(s3_endpoint, bucket)
    assert other.get(track["audio_url"]).status_code == 404


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be local or s3"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": None}, "needs S3_BUCKET"),
    ],
)
def test_bad_storage_settings_refuse_to_start(make_app: Any, settings, message) -> None:
    with pytest.raises(ConfigError, match=message):
        make_app(**settings)
