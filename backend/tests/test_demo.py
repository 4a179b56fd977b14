"""POST /tracks/demo: the demo set joins a library once, its audio generated (and cached) by the
analysis runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from flask import Flask

from intellimix.extensions import db
from intellimix.generation.demo import DEMO_SET, ENGINE_VERSION, demo_audio, demo_spec
from intellimix.library.models import Track
from intellimix.runs import service as run_events
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio.media import write_wav


def _work(app: Flask, run_id: str) -> None:
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())


def _add_demo(api, headers):
    response = api.client.post("/api/v1/tracks/demo", headers=headers)
    return response.status_code, response.get_json()


@pytest.mark.database
def test_demo_set_end_to_end(app, api, demo_cache):
    headers = api.bearer(api.register()["access_token"])
    status, body = _add_demo(api, headers)
    assert status == 202, body
    tracks, runs = body["tracks"], body["runs"]
    assert len(tracks) == len(DEMO_SET) >= 4 and len(runs) == len(tracks)
    assert {t["original_filename"] for t in tracks} == {f"{e.slug}.wav" for e in DEMO_SET}
    assert all((t["source"], t["status"]) == ("demo", "pending") for t in tracks)
    assert all(r["kind"] == "analyze_track" for r in runs)
    for run in runs:
        _work(app, run["id"])

    ready = []
    for track in tracks:
        detail = api.client.get(f"/api/v1/tracks/{track['id']}", headers=headers)
        ready.append(detail.get_json()["track"])
    assert all(t["status"] == "ready" for t in ready), [(t["title"], t["status"]) for t in ready]
    specs = [demo_spec(entry) for entry in DEMO_SET]
    for track in ready:  # analysed with the sections the demo was composed with
        labels = [s["label"] for s in track["analysis"]["sections"]]
        assert labels[0] == "intro" and {"drop", "chorus"} & set(labels), (track["title"], labels)
        assert track["analysis"]["sections"][-1]["end_s"] == track["analysis"]["duration_s"]
    assert len({spec["genre"] for spec in specs}) == len(DEMO_SET)
    keys = [t["analysis"]["key"] for t in ready]
    tempos = [round(t["analysis"]["bpm"]) for t in ready]
    assert len(set(keys)) == len(keys) and len(set(tempos)) == len(tempos), (keys, tempos)
    for entry in DEMO_SET:
        assert (demo_cache / f"{entry.slug}-{entry.seed}-{ENGINE_VERSION}.wav").is_file()
    with app.app_context():
        events = [e.data for e in run_events.events_after(runs[0]["id"], 0)]
    assert {"generate", "rhythm"} <= {e["progress_stage"] for e in events}
    assert events[-1]["result"]["track_id"] == tracks[0]["id"]

    status, again = _add_demo(api, headers)
    assert (status, again["runs"]) == (200, [])
    assert [t["id"] for t in again["tracks"]] == [t["id"] for t in tracks]
    with app.app_context():
        assert db.session.query(Track).count() == len(DEMO_SET)


@pytest.mark.database
def test_a_deleted_demo_track_comes_back_alone_and_users_get_their_own(app, api):
    headers = api.bearer(api.register()["access_token"])
    _, first = _add_demo(api, headers)
    gone = first["tracks"][1]
    assert api.client.delete(f"/api/v1/tracks/{gone['id']}", headers=headers).status_code == 204
    status, again = _add_demo(api, headers)
    assert status == 202 and len(again["runs"]) == 1
    assert [t["original_filename"] for t in again["tracks"]] == [
        t["original_filename"] for t in first["tracks"]
    ]
    kept = {t["id"] for t in first["tracks"]} - {gone["id"]}
    ids = {t["id"] for t in again["tracks"]}
    assert kept < ids and gone["id"] not in ids

    other = api.bearer(api.register(email="other@example.com")["access_token"])
    status, theirs = _add_demo(api, other)
    assert status == 202 and len(theirs["tracks"]) == len(DEMO_SET)
    assert not {t["id"] for t in theirs["tracks"]} & {t["id"] for t in again["tracks"]}
    mine = api.client.get("/api/v1/tracks?limit=100", headers=headers).get_json()
    assert mine["total"] == len(DEMO_SET)


@pytest.mark.parametrize(
    ("payload", "content_type", "status"),
    [(b'{"extra": 1}', "application/json", 422), (b"[]", "application/json", 422)],
)
def test_a_body_if_sent_must_be_an_empty_object(api, payload, content_type, status):
    headers = api.bearer(api.register()["access_token"])
    response = api.client.post(
        "/api/v1/tracks/demo", data=payload, content_type=content_type, headers=headers
    )
    assert response.status_code == status
    ok = api.client.post("/api/v1/tracks/demo", json={}, headers=headers)
    assert ok.status_code == 202


def test_needs_a_token(client):
    assert client.post("/api/v1/tracks/demo").status_code == 401


def test_concurrent_requests_generate_an_entry_once(tmp_path, monkeypatch):
    calls = []

    def fake_generate(spec, out_dir: Path, **_kwargs):
        calls.append(spec["seed"])
        time.sleep(0.3)  # long enough for every other thread to reach the lock
        out_dir.mkdir(parents=True, exist_ok=True)
        wav = write_wav(out_dir / "track.wav", np.zeros((2, 4800), dtype=np.float32), 48000)
        return type("Outcome", (), {"track_wav": wav})()

    monkeypatch.setattr("intellimix.audio.generate.generate_track", fake_generate)
    entry = DEMO_SET[0]
    paths: list[Path] = []
    start = threading.Barrier(4)

    def fetch() -> None:
        start.wait()
        paths.append(demo_audio(entry, tmp_path / "cache"))

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [entry.seed]
    assert (
        len(set(paths)) == 1 and paths[0].name == f"{entry.slug}-{entry.seed}-{ENGINE_VERSION}.wav"
    )
    assert sorted(p.name for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")) == [
        paths[0].name
    ]
