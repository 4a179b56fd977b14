"""The IntelliMix client's utilities (trim-and-join, downloads): runs, answered when they end."""

from __future__ import annotations

import io as bytes_io
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import select

from intellimix.audio import io
from intellimix.extensions import db
from intellimix.runs.models import Run
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery
from intellimix.tools.convert import has_video
from intellimix.tools.schemas import clock_seconds

from .audio.drum_signals import synth_drum_track
from .audio.media import transcode, video_with_audio, write_wav
from .media_server import MediaServer, Route

pytestmark = pytest.mark.database
BPM = 120.0
BEAT_S = 60.0 / BPM


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("tools-media")
    out = {}
    for name, style in (("one", "house"), ("two", "techno")):
        mono = synth_drum_track(style, bpm=BPM, duration_s=10.0, sample_rate=44100).audio
        wav = write_wav(folder / f"{name}.wav", np.stack([mono, mono]), 44100)
        out[name] = transcode(wav, folder / f"{name}.mp3").read_bytes()
        if name == "one":
            out["video"] = video_with_audio(wav, folder / "clip.mp4").read_bytes()
    return out


@pytest.fixture
def server(media) -> Iterator[MediaServer]:
    with MediaServer() as running:
        running.add("/one.mp3", Route(body=media["one"]))
        running.add("/two.mp3", Route(body=media["two"]))
        running.add("/clip.mp4", Route(body=media["video"]))
        running.add("/page.mp3", Route(body=b"<!doctype html><title>no</title>" * 64))
        yield running


@pytest.fixture
def local_app(app) -> Flask:
    app.config.update(SOURCE_ALLOWED_HOSTS=["127.0.0.1"], TOOLS_POLL_SECONDS=0.05)
    return app


@pytest.fixture
def worker(local_app) -> Iterator[None]:
    """Executes queued runs on a thread while the request waits, as a worker process would."""
    stop = threading.Event()

    def loop() -> None:
        with local_app.app_context():
            while not stop.is_set():
                queued = db.session.scalars(select(Run.id).where(Run.status == "queued")).all()
                db.session.rollback()
                for run_id in queued:
                    execute_delivery(local_app, Delivery(run_id, "heavy"), "test-worker", stop)
                stop.wait(0.05)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(60)


def _user(client):
    response = client.post(
        "/api/v1/auth/register",
        json={"name": "Ada", "email": "ada@example.com", "password": "correct horse"},
    )
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _fetch(client, path: str, tmp_path: Path, name: str) -> Path:
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    target = tmp_path / name
    target.write_bytes(response.data)
    return target


def test_process_array_joins_clips_minus_the_transitions(local_app, server, worker, tmp_path):
    client = local_app.test_client()
    headers = _user(client)
    clips = [
        {"url": server.url("/one.mp3"), "start": "00:01", "end": "00:07"},
        {"url": server.url("/two.mp3"), "start": "00:00", "end": "00:06"},
    ]
    response = client.post("/api/v1/process-array", json={"urls": clips}, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Joined 2 clips."
    assert body["merged_file_path"].split("?")[0].endswith("/mix.mp3")
    joined = io.decode(_fetch(client, body["merged_file_path"], tmp_path, "mix.mp3"))
    plan = body["run"]["result"]["plan"]
    transitions = [s["transition_in"] for s in plan["segments"][1:]]
    assert transitions == [{"type": "crossfade", "beats": 4}]
    clips_total = (7 - 1) + (6 - 0)
    assert abs(joined.duration_s - (clips_total - 4 * BEAT_S)) <= BEAT_S
    history = client.get("/api/v1/history?type=audio_mix", headers=headers).get_json()
    assert history["total"] == 1 and history["items"][0]["status"] == "success"
    assert history["items"][0]["output_url"]
    # The clips' songs are in the library now, so joining them again downloads nothing.
    library = client.get("/api/v1/tracks", headers=headers).get_json()
    assert library["total"] == 2
    served = len(server.requests)
    again = client.post("/api/v1/process-array", json={"urls": clips}, headers=headers)
    assert again.status_code == 200 and len(server.requests) == served


def test_process_csv_reads_url_start_end_rows(local_app, server, worker, tmp_path):
    client = local_app.test_client()
    headers = _user(client)
    csv = (
        f"url,start,end\n{server.url('/one.mp3')},00:00,00:05\n{server.url('/two.mp3')},0:02,0:08\n"
    ).encode()
    response = client.post(
        "/api/v1/process-csv",
        data={"file": (bytes_io.BytesIO(csv), "clips.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    joined = io.decode(_fetch(client, response.get_json()["merged_file_path"], tmp_path, "m.mp3"))
    assert abs(joined.duration_s - (5 + 6 - 4 * BEAT_S)) <= BEAT_S


@pytest.mark.parametrize(
    ("csv", "field"),
    [
        (b"", "file"),
        (b"url,start,end\n", "file"),
        (b"\xff\xfe\x00garbage", "file"),
        (b"https://x.example/a.mp3,00:30,00:10\n", "row 0"),
        (b"https://x.example/a.mp3,1:99,2:00\n", "row 0"),
        (b"".join(b"https://x.example/a.mp3,0,10\n" for _ in range(21)), "file"),
    ],
)
def test_bad_csvs(local_app, csv, field):
    client = local_app.test_client()
    headers = _user(client)
    response = client.post(
        "/api/v1/process-csv",
        data={"file": (bytes_io.BytesIO(csv), "clips.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["details"]["fields"][0]["field"].startswith(field)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "VALIDATION_ERROR"),
        ({"urls": []}, "VALIDATION_ERROR"),
        (
            {"urls": [{"url": "https://x.example/a.mp3", "start": "00:30", "end": "00:10"}]},
            "VALIDATION_ERROR",
        ),
        ({"urls": [{"url": "https://x.example/a.mp3", "start": "soon"}]}, "VALIDATION_ERROR"),
        ({"urls": [{"start": "00:00"}]}, "VALIDATION_ERROR"),
        ({"urls": [{"url": "ftp://x.example/a.mp3"}]}, "SOURCE_REFUSED"),
        ({"urls": [{"url": "http://192.168.0.4/a.mp3"}]}, "SOURCE_REFUSED"),
    ],
)
def test_bad_process_array_bodies(local_app, body, code):
    client = local_app.test_client()
    response = client.post("/api/v1/process-array", json=body, headers=_user(client))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code
    with local_app.app_context():
        assert db.session.scalar(select(Run.id)) is None  # refused before any run


@pytest.mark.parametrize(
    ("route", "fmt", "extension"),
    [
        ("/download-audio", "mp3", "mp3"),
        ("/download-audio", "wav", "wav"),
        ("/download-audio", "mp4-audio", "m4a"),
        ("/download-video", "mp4-audio", "m4a"),
    ],
)
def test_audio_downloads_come_in_the_format_asked(
    local_app, server, worker, tmp_path, route, fmt, extension
):
    client = local_app.test_client()
    headers = _user(client)
    response = client.post(
        f"/api/v1{route}", json={"url": server.url("/clip.mp4"), "format": fmt}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    path = body["filepath"].split("?")[0]
    assert path.endswith(f"/clip.{extension}")
    saved = _fetch(client, body["filepath"], tmp_path, f"got.{extension}")
    info = io.probe(saved)
    assert info.extension == extension and abs(info.duration_s - 10.0) < 0.2
    kind = "video_download" if route == "/download-video" else "audio_download"
    history = client.get(f"/api/v1/history?type={kind}", headers=headers).get_json()
    assert history["items"][0]["input_payload"] == {"url": server.url("/clip.mp4"), "format": fmt}


def test_video_download_keeps_the_picture(local_app, server, worker, tmp_path):
    client = local_app.test_client()
    headers = _user(client)
    response = client.post(
        "/api/v1/download-video",
        json={"url": server.url("/clip.mp4"), "format": "mp4"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    saved = _fetch(client, response.get_json()["filepath"], tmp_path, "got.mp4")
    assert has_video(saved) and saved.read_bytes()[4:8] == b"ftyp"
    assert abs(io.probe(saved).duration_s - 10.0) < 0.2


@pytest.mark.parametrize(
    ("route", "path", "status", "code"),
    [
        ("/download-video", "/one.mp3", 422, "NO_VIDEO_STREAM"),
        ("/download-audio", "/page.mp3", 415, "UNDECODABLE_AUDIO"),
        ("/download-audio", "/missing.mp3", 422, "SOURCE_NOT_FOUND"),
    ],
)
def test_failed_downloads_answer_with_their_code(
    local_app, server, worker, route, path, status, code
):
    client = local_app.test_client()
    headers = _user(client)
    body = {"url": server.url(path), "format": "mp4" if "video" in route else "mp3"}
    response = client.post(f"/api/v1{route}", json=body, headers=headers)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code
    history = client.get("/api/v1/history", headers=headers).get_json()
    assert history["items"][0]["status"] == "failed"


def test_the_wait_is_bounded(local_app, server):
    local_app.config["TOOLS_WAIT_SECONDS"] = 0.2  # and no worker: the run stays queued
    client = local_app.test_client()
    response = client.post(
        "/api/v1/download-audio",
        json={"url": server.url("/one.mp3"), "format": "mp3"},
        headers=_user(client),
    )
    assert response.status_code == 504
    error = response.get_json()["error"]
    assert error["code"] == "RUN_STILL_RUNNING" and error["details"]["run"]["status"] == "queued"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:30", 30), ("1:02:03", 3723), ("2:05.5", 125.5), ("45", 45), ("7.25", 7.25)],
)
def test_clock_times(text, seconds):
    assert clock_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "1:60", "a:b", "1:2:3:4", "-5"])
def test_bad_clock_times(text):
    with pytest.raises(ValueError):
        clock_seconds(text)
