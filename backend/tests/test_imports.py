"""POST /tracks/import and GET /sources/search against a real local HTTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

from intellimix.extensions import db
from intellimix.library import imports
from intellimix.runs import service as runs
from intellimix.runs.models import Run
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery
from intellimix.sources.models import SourceMetadata

from . import source_catalogue
from .audio.drum_signals import synth_drum_track
from .audio.media import tone, transcode, video_with_audio, write_wav
from .media_server import MediaServer, Route

pytestmark = pytest.mark.database
LOCAL = {"SOURCE_ALLOWED_HOSTS": ["127.0.0.1"], "SOURCE_READ_TIMEOUT_SECONDS": 0.5}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("import-media")
    mono = synth_drum_track("house", bpm=124.0, duration_s=8.0, sample_rate=44100).audio
    wav = write_wav(folder / "beat.wav", np.stack([mono, mono]), 44100)
    long_wav = write_wav(folder / "long.wav", tone(seconds=40.0, sample_rate=8000), 8000)
    return {
        "mp3": transcode(
            wav,
            folder / "beat.mp3",
            "-metadata",
            "title=Warehouse Sunrise",
            "-metadata",
            "artist=Night Driver",
        ).read_bytes(),
        "mp4": video_with_audio(wav, folder / "clip.mp4").read_bytes(),
        "long": long_wav.read_bytes(),
    }


@pytest.fixture
def server() -> Iterator[MediaServer]:
    with MediaServer() as running:
        yield running


@pytest.fixture
def local_app(app) -> Flask:
    """The test app, allowed to fetch from the tests' server on 127.0.0.1 (read lazily)."""
    app.config.update(LOCAL)
    return app


def _user(client, email="ada@example.com"):
    response = client.post(
        "/api/v1/auth/register", json={"name": "Ada", "email": email, "password": "correct horse"}
    )
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _execute(app: Flask, run_id: str) -> dict:
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())
        run = db.session.get(Run, run_id, populate_existing=True)
        stages = [event.data["progress_stage"] for event in runs.events_after(run_id, 0)]
        return {"status": run.status, "error": run.error, "result": run.result, "stages": stages}


def _import(client, headers, url):
    return client.post("/api/v1/tracks/import", json={"url": url}, headers=headers)


@pytest.mark.parametrize("kind", ["mp3", "mp4"])
def test_import_downloads_analyses_and_serves_the_track(local_app, server, media, kind):
    client = local_app.test_client()
    headers = _user(client)
    url = server.add(f"/music/warehouse_sunrise.{kind}", Route(body=media[kind]))
    response = _import(client, headers, url)
    assert response.status_code == 202, response.get_json()
    track, run = response.get_json()["track"], response.get_json()["run"]
    assert (track["source"], track["status"], track["source_url"]) == ("url", "pending", url)
    assert (run["kind"], run["status"]) == ("import_track", "queued")
    outcome = _execute(local_app, run["id"])
    assert outcome["status"] == "completed", outcome["error"]
    stages = [s for s in outcome["stages"] if s]
    assert stages[0] == "resolving" and "downloading" in stages
    assert stages.index("downloading") < stages.index("converting") < stages.index("analysing")
    detail = client.get(f"/api/v1/tracks/{track['id']}", headers=headers).get_json()["track"]
    assert detail["status"] == "ready" and abs(detail["analysis"]["bpm"] - 124.0) < 1.0
    if kind == "mp3":  # tags win over the file name
        assert (detail["title"], detail["artist"]) == ("Warehouse Sunrise", "Night Driver")
    else:
        assert detail["title"] == "warehouse sunrise"
    audio = client.get(detail["audio_url"])
    assert audio.status_code == 200 and audio.data == media[kind]


def test_the_same_link_twice_returns_the_track_without_downloading(local_app, server, media):
    client = local_app.test_client()
    headers = _user(client)
    url = server.add("/song.mp3", Route(body=media["mp3"]))
    first = _import(client, headers, url).get_json()
    _execute(local_app, first["run"]["id"])
    downloads = len(server.requests)
    again = _import(client, headers, url + "#at=0:30")  # the same song, canonically
    assert again.status_code == 200
    assert again.get_json()["track"]["id"] == first["track"]["id"]
    assert again.get_json()["run"]["id"] == first["run"]["id"]
    assert len(server.requests) == downloads
    other = _user(client, "bo@example.com")  # another person gets their own track
    theirs = _import(client, other, url)
    assert theirs.status_code == 202 and theirs.get_json()["track"]["id"] != first["track"]["id"]


def test_a_failed_import_is_tried_again_on_the_same_track(local_app, server, media):
    client = local_app.test_client()
    headers = _user(client)
    url = server.url("/later.mp3")
    first = _import(client, headers, url).get_json()
    failed = _execute(local_app, first["run"]["id"])
    assert failed["error"]["code"] == "SOURCE_NOT_FOUND"
    track = client.get(f"/api/v1/tracks/{first['track']['id']}", headers=headers).get_json()
    assert track["track"]["status"] == "failed"
    server.add("/later.mp3", Route(body=media["mp3"]))
    again = _import(client, headers, url)
    assert again.status_code == 202 and again.get_json()["track"]["id"] == first["track"]["id"]
    assert _execute(local_app, again.get_json()["run"]["id"])["status"] == "completed"


@pytest.mark.parametrize(
    ("route", "code"),
    [
        (Route(status=404, body=b"gone"), "SOURCE_NOT_FOUND"),
        (Route(body=b"<html><body>This is a web page</body></html>" * 40), "UNDECODABLE_AUDIO"),
        (Route(stall=True), "SOURCE_TIMEOUT"),
    ],
    ids=["404", "html-as-mp3", "stalled"],
)
def test_failed_downloads_fail_the_run_and_the_track(local_app, server, route, code, tmp_path):
    client = local_app.test_client()
    headers = _user(client)
    url = server.add("/bad.mp3", route)
    body = _import(client, headers, url).get_json()
    outcome = _execute(local_app, body["run"]["id"])
    assert (outcome["status"], outcome["error"]["code"]) == ("failed", code)
    track = client.get(f"/api/v1/tracks/{body['track']['id']}", headers=headers).get_json()
    assert track["track"]["status"] == "failed"
    scratch = Path(local_app.config["STORAGE_DIR"]) / "scratch"
    assert not scratch.exists() or list(scratch.iterdir()) == []


def test_too_long_audio_fails_with_the_upload_code(local_app, server, media):
    client = local_app.test_client()
    headers = _user(client)
    url = server.add("/long.wav", Route(body=media["long"]))
    outcome = _execute(local_app, _import(client, headers, url).get_json()["run"]["id"])
    assert outcome["error"]["code"] == "TRACK_TOO_LONG"


def test_a_redirect_to_a_private_address_fails_the_run(local_app, server, media):
    client = local_app.test_client()
    headers = _user(client)
    server.add("/song.mp3", Route(body=media["mp3"]))
    url = server.redirect("/go", server.url("/song.mp3", host="127.0.0.2"))
    outcome = _execute(local_app, _import(client, headers, url).get_json()["run"]["id"])
    assert outcome["error"]["code"] == "SOURCE_REFUSED"
    assert server.requests == ["/go"]


def test_cancelling_stops_the_download_and_deletes_the_partial_file(local_app, server):
    client = local_app.test_client()
    headers = _user(client)
    run_ids: list[str] = []

    def cancel_midway() -> Iterator[bytes]:
        yield b"\0" * (1200 * 1024)
        with local_app.app_context():
            runs.request_cancel(db.session.get(Run, run_ids[0]))
        for _ in range(20):  # at a network's pace: the cancel lands at the next progress report
            time.sleep(imports.REPORT_INTERVAL_S / 4)
            yield b"\0" * (1200 * 1024)

    url = server.add("/endless.mp3", Route(body=cancel_midway))
    body = _import(client, headers, url).get_json()
    run_ids.append(body["run"]["id"])
    outcome = _execute(local_app, body["run"]["id"])
    assert outcome["status"] == "cancelled", outcome
    scratch = Path(local_app.config["STORAGE_DIR"]) / "scratch"
    assert list(scratch.iterdir()) == []
    track = client.get(f"/api/v1/tracks/{body['track']['id']}", headers=headers).get_json()
    assert track["track"]["status"] == "failed"


def test_loopback_without_the_allow_list_is_refused_at_once(app, client, server, media):
    headers = _user(client)
    url = server.add("/song.mp3", Route(body=media["mp3"]))
    response = _import(client, headers, url)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "SOURCE_REFUSED"
    assert server.requests == []
    assert client.get("/api/v1/tracks", headers=headers).get_json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "VALIDATION_ERROR"),
        ({"url": ""}, 422, "VALIDATION_ERROR"),
        ({"url": 42}, 422, "VALIDATION_ERROR"),
        ({"url": "https://x.example/a.mp3", "extra": 1}, 422, "VALIDATION_ERROR"),
        ({"url": "ftp://example.com/a.mp3"}, 422, "SOURCE_REFUSED"),
        ({"url": "file:///etc/passwd"}, 422, "SOURCE_REFUSED"),
        ({"url": "http://"}, 422, "SOURCE_URL_INVALID"),
        ({"url": "https://www.youtube.com/feed/trending"}, 422, "SOURCE_URL_INVALID"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, 422, "SOURCE_REFUSED"),
        ({"url": "http://10.0.0.7/song.mp3"}, 422, "SOURCE_REFUSED"),
    ],
)
def test_bad_import_requests(client, body, status, code):
    headers = _user(client)
    response = client.post("/api/v1/tracks/import", json=body, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_imports_need_a_token(client):
    response = client.post("/api/v1/tracks/import", json={"url": "https://x.example/a.mp3"})
    assert response.status_code == 401


def test_imports_are_rate_limited_per_person(local_app, server, media):
    local_app.config["IMPORT_RATE_LIMIT"] = "2 per minute"
    client = local_app.test_client()
    ada, bo = _user(client), _user(client, "bo@example.com")
    for n in range(2):
        assert _import(client, ada, server.url(f"/{n}.mp3")).status_code == 202
    limited = _import(client, ada, server.url("/2.mp3"))
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "RATE_LIMITED"
    assert _import(client, bo, server.url("/2.mp3")).status_code == 202  # per person


@pytest.fixture
def catalogue_app(local_app, server) -> Iterator[Flask]:
    source_catalogue.SONGS[:] = [
        SourceMetadata(
            url=server.url("/levitating.mp3"),
            title="Levitating — Dua Lipa (Official Audio)",
            artist="Dua Lipa",
            duration_s=203.0,
            thumbnail_url="https://img.example/levitating.jpg",
            provider="catalogue",
        ),
        SourceMetadata(
            url=server.url("/lev-live.mp3"), title="Levitating (Live)", provider="catalogue"
        ),
    ]
    local_app.config.update(
        SOURCE_SEARCH_PROVIDERS=["catalogue"], SOURCE_PROVIDER_MODULES=["tests.source_catalogue"]
    )
    yield local_app
    source_catalogue.SONGS.clear()
    source_catalogue.UNREACHABLE["value"] = False


def test_search_lists_candidates(catalogue_app):
    client = catalogue_app.test_client()
    headers = _user(client)
    found = client.get("/api/v1/sources/search?q=levitating&limit=5", headers=headers)
    assert found.status_code == 200
    items = found.get_json()["items"]
    assert [item["title"] for item in items] == [
        "Levitating — Dua Lipa (Official Audio)",
        "Levitating (Live)",
    ]
    assert set(items[0]) == {"title", "artist", "duration_s", "thumbnail_url", "url", "provider"}
    one = client.get("/api/v1/sources/search?q=levitating&limit=1", headers=headers)
    assert len(one.get_json()["items"]) == 1


def test_search_that_cannot_reach_its_providers_says_so(catalogue_app):
    client = catalogue_app.test_client()
    headers = _user(client)
    source_catalogue.UNREACHABLE["value"] = True
    down = client.get("/api/v1/sources/search?q=levitating", headers=headers)
    assert down.status_code == 503 and down.get_json()["error"]["code"] == "SEARCH_UNAVAILABLE"


def test_search_without_providers_is_unavailable(client):
    headers = _user(client)
    response = client.get("/api/v1/sources/search?q=levitating", headers=headers)
    assert response.status_code == 503


@pytest.mark.parametrize(
    "query",
    # "²" (%C2%B2) and "٣" (%D9%A3) are str.isdigit(); int() refused the first with a 500.
    [
        "",
        "q=",
        "q=a&limit=0",
        "q=a&limit=26",
        "q=a&limit=x",
        "q=a&limit=%C2%B2",
        "q=a&limit=%D9%A3",
    ],
)
def test_bad_searches(client, query):
    headers = _user(client)
    response = client.get(f"/api/v1/sources/search?{query}", headers=headers)
    assert response.status_code == 422
