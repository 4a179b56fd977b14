"""The track library API: uploads validated by decoding, analysis runs, search, files, ownership."""

from __future__ import annotations

import io as bytes_io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from flask import Flask

from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.library.serializers import WAVEFORM_FIELDS
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio.drum_signals import synth_drum_track
from .audio.media import tone, transcode, video_with_audio, write_wav
from .audio.test_analysis import FIELDS as ANALYSIS_FIELDS

pytestmark = pytest.mark.database


@pytest.fixture
def user(api):
    body = api.register()
    return body["user"]["id"], api.bearer(body["access_token"])


@pytest.fixture(scope="module")
def beat_wav(tmp_path_factory) -> Path:
    """Ten seconds of a 124 BPM drum pattern, stereo 44.1 kHz."""
    path = tmp_path_factory.mktemp("media") / "Night Driver - Sunrise.wav"
    mono = synth_drum_track("house", bpm=124.0, duration_s=10.0, sample_rate=44100).audio
    return write_wav(path, np.stack([mono, mono]), 44100)


def _upload(client, headers, path: Path, name: str | None = None):
    with path.open("rb") as handle:
        return client.post(
            "/api/v1/tracks",
            data={"file": (bytes_io.BytesIO(handle.read()), name or path.name)},
            headers=headers,
            content_type="multipart/form-data",
        )


def _analyse(app: Flask, run_id: str) -> None:
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())


def test_upload_analyse_and_read_back(app, client, user, beat_wav):
    _, headers = user
    response = _upload(client, headers, beat_wav)
    assert response.status_code == 202
    body = response.get_json()
    track, run = body["track"], body["run"]
    assert (track["status"], run["kind"], run["status"]) == ("pending", "analyze_track", "queued")
    assert (track["title"], track["artist"]) == ("Sunrise", "Night Driver")
    assert track["channels"] == 2 and track["sample_rate"] == 44100
    _analyse(app, run["id"])
    finished = client.get(f"/api/v1/mix-chat-runs/{run['id']}", headers=headers).get_json()["run"]
    assert finished["status"] == "completed", finished["error"]
    assert finished["result"]["track_id"] == track["id"]
    detail = client.get(f"/api/v1/tracks/{track['id']}", headers=headers).get_json()["track"]
    assert detail["status"] == "ready"
    assert set(detail["analysis"]) == (set(ANALYSIS_FIELDS) - WAVEFORM_FIELDS) | {"uncertain"}
    assert abs(detail["analysis"]["bpm"] - 124.0) < 0.5
    peaks = client.get(f"/api/v1/tracks/{track['id']}/peaks", headers=headers).get_json()
    assert len(peaks["peaks"]) == 1000 and len(peaks["peaks"][0]) == 2
    assert {name: len(levels) for name, levels in peaks["bands"].items()} == {
        "low": 4000,
        "mid": 4000,
        "high": 4000,
    }
    listed = client.get("/api/v1/tracks", headers=headers).get_json()
    assert (
        listed["total"] == 1 and listed["items"][0]["analysis"]["bpm"] == detail["analysis"]["bpm"]
    )


def test_tags_win_over_the_file_name(client, user, tmp_path):
    _, headers = user
    wav = write_wav(tmp_path / "x.wav", tone(seconds=2), 44100)
    tagged = transcode(
        wav,
        tmp_path / "tagged.mp3",
        "-metadata",
        "title=Night Drive",
        "-metadata",
        "artist=Kavinsky",
    )
    track = _upload(client, headers, tagged, name="whatever_name.mp3").get_json()["track"]
    assert (track["title"], track["artist"]) == ("Night Drive", "Kavinsky")
    untagged = _upload(client, headers, wav, name="sunrise_mix.wav").get_json()["track"]
    assert (untagged["title"], untagged["artist"]) == ("sunrise mix", None)


@pytest.mark.parametrize("channels, sample_rate", [(1, 8000), (6, 44100)])
def test_low_rate_mono_and_surround_are_accepted(
    app, client, user, tmp_path, channels, sample_rate
):
    _, headers = user
    path = write_wav(
        tmp_path / "odd.wav",
        tone(seconds=4, channels=channels, sample_rate=sample_rate),
        sample_rate,
    )
    response = _upload(client, headers, path)
    assert response.status_code == 202
    body = response.get_json()
    assert body["track"]["channels"] == channels
    _analyse(app, body["run"]["id"])
    detail = client.get(f"/api/v1/tracks/{body['track']['id']}", headers=headers).get_json()[
        "track"
    ]
    assert detail["status"] == "ready"
    assert detail["analysis"]["channels"] == channels


def test_video_upload_uses_its_audio(app, client, user, tmp_path):
    _, headers = user
    clip = video_with_audio(
        write_wav(tmp_path / "a.wav", tone(seconds=3), 44100), tmp_path / "clip.mp4"
    )
    body = _upload(client, headers, clip).get_json()
    _analyse(app, body["run"]["id"])
    detail = client.get(f"/api/v1/tracks/{body['track']['id']}", headers=headers).get_json()[
        "track"
    ]
    assert detail["status"] == "ready" and abs(detail["duration_s"] - 3.0) < 0.15


def _bad_file(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.mp3"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("definitely not audio\n" * 50)
    elif kind == "zero_length":
        path = tmp_path / "zero.wav"
        sf.write(str(path), np.zeros((0, 2), dtype=np.float32), 44100)
    elif kind == "too_long":
        path = write_wav(
            tmp_path / "long.wav", tone(seconds=31, channels=1, sample_rate=8000), 8000
        )
    elif kind == "nine_channels":
        path = write_wav(tmp_path / "nine.wav", tone(seconds=0.5, channels=9), 44100)
    elif kind == "over_size_limit":
        path = write_wav(tmp_path / "big.wav", tone(seconds=26, channels=2), 44100)  # 4.6 MB > 4 MB
    return path


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("empty", 415, "EMPTY_FILE"),
        ("text", 415, "UNDECODABLE_AUDIO"),
        ("zero_length", 422, "EMPTY_AUDIO"),
        ("too_long", 422, "TRACK_TOO_LONG"),
        ("nine_channels", 415, "TOO_MANY_CHANNELS"),
        ("over_size_limit", 413, "PAYLOAD_TOO_LARGE"),
    ],
)
def test_bad_uploads_get_the_documented_4xx(app, client, user, tmp_path, kind, status, code):
    _, headers = user
    response = _upload(client, headers, _bad_file(kind, tmp_path))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    with app.app_context():
        assert db.session.query(Track).count() == 0
    scratch = Path(app.config["STORAGE_DIR"]) / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "no upload left behind"


def test_upload_needs_a_file_field(client, user):
    _, headers = user
    response = client.post(
        "/api/v1/tracks", data={"other": "x"}, headers=headers, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"][0]["field"] == "file"


def test_truncated_mp3_never_takes_a_worker_down(app, client, user, tmp_path, beat_wav):
    _, headers = user
    full = transcode(beat_wav, tmp_path / "full.mp3")
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 3])
    body = _upload(client, headers, cut).get_json()
    _analyse(app, body["run"]["id"])
    run = client.get(f"/api/v1/mix-chat-runs/{body['run']['id']}", headers=headers).get_json()[
        "run"
    ]
    assert run["status"] in ("completed", "failed")
    if run["status"] == "failed":
        assert run["error"]["code"] and "Traceback" not in run["error"]["message"]


def test_search_rename_and_pagination(client, user, tmp_path):
    _, headers = user
    names = ("Daft Punk - One More Time.wav", "Kavinsky - Nightcall.wav", "Night Drive.wav")
    for index, name in enumerate(names):  # three different files: the same one is a duplicate
        wav = write_wav(tmp_path / "t.wav", tone(seconds=1.5, frequency=300.0 + 100 * index), 44100)
        assert _upload(client, headers, wav, name=name).status_code == 202
    found = client.get("/api/v1/tracks?q=night", headers=headers).get_json()
    assert {item["title"] for item in found["items"]} == {"Nightcall", "Night Drive"}
    by_artist = client.get("/api/v1/tracks?q=DAFT", headers=headers).get_json()
    assert [item["title"] for item in by_artist["items"]] == ["One More Time"]
    page = client.get("/api/v1/tracks?limit=2&page=2", headers=headers).get_json()
    assert (page["total"], page["pages"], len(page["items"]), page["has_more"]) == (3, 2, 1, False)
    track_id = found["items"][0]["id"]
    renamed = client.patch(
        f"/api/v1/tracks/{track_id}", json={"title": "  Renamed ", "artist": ""}, headers=headers
    ).get_json()["track"]
    assert (renamed["title"], renamed["artist"]) == ("Renamed", None)


@pytest.mark.parametrize(
    "payload",
    [{}, {"title": ""}, {"title": None}, {"title": 5}, {"artist": ["x"]}, {"bpm": 120}],
)
def test_invalid_renames(client, user, tmp_path, payload):
    _, headers = user
    wav = write_wav(tmp_path / "t.wav", tone(seconds=1.5), 44100)
    track_id = _upload(client, headers, wav).get_json()["track"]["id"]
    response = client.patch(f"/api/v1/tracks/{track_id}", json=payload, headers=headers)
    assert response.status_code == 422


def test_peaks_before_analysis_is_a_conflict(client, user, tmp_path):
    _, headers = user
    track_id = _upload(
        client, headers, write_wav(tmp_path / "t.wav", tone(seconds=1.5), 44100)
    ).get_json()["track"]["id"]
    response = client.get(f"/api/v1/tracks/{track_id}/peaks", headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "TRACK_NOT_READY"


def test_waveform_bands_are_measured_once_for_a_track_analysed_without_them(
    app, client, user, tmp_path
):
    """Tracks analysed before band peaks existed get them from their audio on first request."""
    _, headers = user
    bass = tone(seconds=3, channels=1, frequency=60.0)
    body = _upload(client, headers, write_wav(tmp_path / "bass.wav", bass, 44100)).get_json()
    _analyse(app, body["run"]["id"])
    track_id = body["track"]["id"]
    with app.app_context():
        track = db.session.get(Track, track_id)
        track.analysis = {k: v for k, v in track.analysis.items() if k != "band_peaks"}
        db.session.commit()
    bands = client.get(f"/api/v1/tracks/{track_id}/peaks", headers=headers).get_json()["bands"]
    # A 60 Hz tone at −6 dBFS: the low band carries it (within 10 %), the highs stay silent.
    # 4000 slices of 3 s are shorter than its period, so each 40 slices (30 ms) are compared.
    low = np.array(bands["low"][400:3600]).reshape(-1, 40).max(axis=1)
    np.testing.assert_allclose(low, 0.5, rtol=0.1)
    assert max(bands["high"][400:3600]) < 0.02
    with app.app_context():
        assert db.session.get(Track, track_id).analysis["band_peaks"] == bands


def test_audio_with_range_bearer_and_signed_url(make_app, db_backend, tmp_path):
    app = make_app(FILE_TOKEN_TTL_SECONDS=1)
    client = app.test_client()
    tokens = client.post(
        "/api/v1/auth/register",
        json={"name": "A", "email": "a@example.com", "password": "long enough"},
    ).get_json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    wav = write_wav(tmp_path / "t.wav", tone(seconds=1.5), 44100)
    track = _upload(client, headers, wav).get_json()["track"]
    whole = client.get(f"/api/v1/tracks/{track['id']}/audio", headers=headers)
    assert whole.status_code == 200 and whole.data == wav.read_bytes()
    assert whole.mimetype == "audio/wav" and whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(
        f"/api/v1/tracks/{track['id']}/audio", headers={**headers, "Range": "bytes=100-199"}
    )
    assert part.status_code == 206 and part.data == wav.read_bytes()[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{wav.stat().st_size}"
    signed = client.get(track["audio_url"])  # no Authorization header: the <audio> element case
    assert signed.status_code == 200
    tampered = client.get(track["audio_url"][:-3] + "abc")
    assert (
        tampered.status_code == 401 and tampered.get_json()["error"]["code"] == "FILE_TOKEN_INVALID"
    )
    other_wav = write_wav(tmp_path / "other.wav", tone(seconds=1.5, frequency=330.0), 44100)
    other = _upload(client, headers, other_wav).get_json()["track"]
    crossed = client.get(f"/api/v1/tracks/{other['id']}/audio?" + track["audio_url"].split("?")[1])
    assert crossed.status_code == 401
    time.sleep(2.1)
    expired = client.get(track["audio_url"])
    assert (
        expired.status_code == 401 and expired.get_json()["error"]["code"] == "FILE_TOKEN_EXPIRED"
    )
    assert client.get(f"/api/v1/tracks/{track['id']}/audio").status_code == 401


def test_delete_removes_row_and_files(app, client, user, tmp_path):
    _, headers = user
    track = _upload(
        client, headers, write_wav(tmp_path / "t.wav", tone(seconds=1.5), 44100)
    ).get_json()["track"]
    folder = Path(app.config["STORAGE_DIR"]) / "tracks" / track["id"]
    assert folder.is_dir()
    assert client.delete(f"/api/v1/tracks/{track['id']}", headers=headers).status_code == 204
    assert not folder.exists()
    assert client.get(f"/api/v1/tracks/{track['id']}", headers=headers).status_code == 404


def test_analysis_of_a_deleted_track_fails_cleanly(app, client, user, tmp_path):
    _, headers = user
    body = _upload(
        client, headers, write_wav(tmp_path / "t.wav", tone(seconds=1.5), 44100)
    ).get_json()
    client.delete(f"/api/v1/tracks/{body['track']['id']}", headers=headers)
    _analyse(app, body["run"]["id"])
    run = client.get(f"/api/v1/mix-chat-runs/{body['run']['id']}", headers=headers).get_json()[
        "run"
    ]
    assert run["status"] == "failed" and run["error"]["code"] == "TRACK_NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/audio"), ("get", "/peaks"), ("delete", ""), ("patch", "")],
)
def test_another_users_track_is_not_found(api, tmp_path, method, suffix):
    owner = api.register(email="owner@example.com")
    wav = write_wav(tmp_path / "t.wav", tone(seconds=1.5), 44100)
    track = _upload(api.client, api.bearer(owner["access_token"]), wav).get_json()["track"]
    intruder = api.bearer(api.register(email="intruder@example.com")["access_token"])
    kwargs = {"json": {"title": "mine"}} if method == "patch" else {}
    response = getattr(api.client, method)(
        f"/api/v1/tracks/{track['id']}{suffix}", headers=intruder, **kwargs
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "TRACK_NOT_FOUND"
    assert (
        api.client.get(
            f"/api/v1/tracks/{track['id']}", headers=api.bearer(owner["access_token"])
        ).status_code
        == 200
    )


@pytest.mark.parametrize("db_backend", ["sqlite"])
def test_an_upload_holds_no_write_lock_while_its_file_is_checked(
    app, client, user, beat_wav, monkeypatch
):
    """Checking a file takes seconds; on SQLite a write held meanwhile locks every other writer
    (a second upload, the worker's progress) out until it times out."""
    import sqlite3

    from intellimix.library import service

    database = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    probe = service.io.probe
    writable = []

    def probe_while_writing_elsewhere(*args, **kwargs):
        other = sqlite3.connect(database, timeout=0.2)
        try:
            other.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails if it is held
            other.execute("ROLLBACK")
            writable.append(True)
        finally:
            other.close()
        return probe(*args, **kwargs)

    monkeypatch.setattr(service.io, "probe", probe_while_writing_elsewhere)
    _, headers = user
    assert _upload(client, headers, beat_wav).status_code == 202
    assert writable == [True]
