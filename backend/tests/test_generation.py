"""POST /generate-ai and the `generate` run: prompts checked up front, files in history, a
ready library track."""

from __future__ import annotations

import json
import threading

import pytest
from flask import Flask

from intellimix.audio.errors import AudioError
from intellimix.extensions import db
from intellimix.history.models import Job
from intellimix.library.models import Track
from intellimix.library.serializers import WAVEFORM_FIELDS
from intellimix.runs import service as runs
from intellimix.runs.models import Run
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio.test_analysis import FIELDS as ANALYSIS_FIELDS

STEMS = ("drums", "bass", "harmony", "lead", "fx")


@pytest.fixture
def user(api):
    body = api.register()
    return body["user"]["id"], api.bearer(body["access_token"])


def _work(app: Flask, run_id: str) -> None:
    """What a worker does with a delivered run, in this process."""
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())


def _generate(client, headers, **body):
    return client.post("/api/v1/generate-ai", json=body, headers=headers)


def _add_track(app: Flask, user_id: str, **fields) -> str:
    with app.app_context():
        track = Track(user_id=user_id, title="Reference", source="upload", **fields)
        db.session.add(track)
        db.session.commit()
        return track.id


@pytest.mark.database
def test_generate_end_to_end(app, api, user, tmp_path):
    user_id, headers = user
    response = _generate(api.client, headers, prompt="house in A minor at 124 bpm", duration_s=20)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert (body["run"]["kind"], body["run"]["status"]) == ("generate", "queued")
    assert (body["spec"]["genre"], body["spec"]["bpm"], body["spec"]["key"]) == (
        "house",
        124.0,
        "A minor",
    )
    _work(app, body["run"]["id"])

    run = _finished(api, headers, body["run"]["id"])
    assert set(run["result"]) == {"track_id", "job_id", "qa_passed", "similarity"}
    assert run["result"]["similarity"] is None  # no reference
    with app.app_context():
        percents = [e.data["progress_percent"] for e in runs.events_after(run["id"], 0)]
    assert percents == sorted(percents), "progress only moves forward"

    track = api.client.get(f"/api/v1/tracks/{run['result']['track_id']}", headers=headers)
    track = track.get_json()["track"]
    assert (track["status"], track["source"], track["artist"]) == (
        "ready",
        "generated",
        "IntelliMix",
    )
    assert track["title"] == "House in A minor · 124 BPM"
    assert track["original_filename"] == "track.wav"
    assert set(track["analysis"]) == (set(ANALYSIS_FIELDS) - WAVEFORM_FIELDS) | {"uncertain"}
    assert track["analysis"]["bpm"] > 0 and track["analysis"]["key"]
    assert api.client.get(track["audio_url"]).status_code == 200

    job = api.client.get(f"/api/v1/history/{run['result']['job_id']}", headers=headers)
    job = job.get_json()["job"]
    assert (job["type"], job["status"], job["run_id"]) == ("generate", "success", run["id"])
    assert job["input_payload"]["spec"] == body["spec"]
    roles = {f["name"]: f["role"] for f in job["outputs"]}
    assert roles == {
        "track.wav": "track",
        "track.mp3": "mix_mp3",
        **{f"stem_{name}.wav": "stem" for name in STEMS},
        "qa.json": "qa",
        "spec.json": "cues",
    }
    files = {f["name"]: f for f in job["outputs"]}
    assert job["output_url"] == files["track.mp3"]["url"].split("?")[0]
    for file in job["outputs"]:  # every url opens its file with no Authorization header
        download = api.client.get(file["url"])
        assert download.status_code == 200 and len(download.data) == file["size_bytes"]
    spec = json.loads(api.client.get(files["spec.json"]["url"]).data)
    assert spec["seed"] == body["spec"]["seed"]
    # The library knows the sections the track was composed with, not estimates of them.
    sections = track["analysis"]["sections"]
    assert [s["start_s"] for s in sections] == [round(e["start_s"], 3) for e in spec["timeline"]]
    assert [s["label"] for s in sections] == [e["role"] for e in spec["timeline"]]
    assert sections[-1]["end_s"] == track["analysis"]["duration_s"]
    assert max(s["energy"] for s in sections) == 1.0
    qa = json.loads(api.client.get(files["qa.json"]["url"]).data)
    assert qa["passed"] is run["result"]["qa_passed"]


def test_a_reference_track_lends_tempo_key_and_tonal_balance(app, api, user):
    _, headers = user
    first = _generate(api.client, headers, prompt="lo-fi in F major at 84 bpm, 20 seconds")
    _work(app, first.get_json()["run"]["id"])
    reference_id = _finished(api, headers, first.get_json()["run"]["id"])["result"]["track_id"]
    measured = api.client.get(f"/api/v1/tracks/{reference_id}", headers=headers)
    measured = measured.get_json()["track"]["analysis"]
    response = _generate(
        api.client,
        headers,
        prompt="chill lo-fi with rhodes, 15 seconds",
        seed=3,
        reference_track_id=reference_id,
    )
    assert response.status_code == 202, response.get_json()
    spec = response.get_json()["spec"]
    assert (spec["bpm"], spec["key"]) == (round(measured["bpm"], 2), measured["key"])
    _work(app, response.get_json()["run"]["id"])
    result = _finished(api, headers, response.get_json()["run"]["id"])["result"]
    assert 0.0 <= result["similarity"] <= 1.0


def _finished(api, headers, run_id: str) -> dict:
    run = api.client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()["run"]
    assert run["status"] == "completed", run["error"]
    return dict(run)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"prompt": ""}, 422, "EMPTY_PROMPT", "prompt"),
        ({"prompt": "  \n\t "}, 422, "EMPTY_PROMPT", "prompt"),
        ({"prompt": "house " * 2000}, 422, "PROMPT_TOO_LONG", "prompt"),
        ({"prompt": "techno in H major"}, 422, "INVALID_KEY", "key"),
        ({"prompt": "house", "seed": -1}, 422, "INVALID_SEED", "seed"),
        ({}, 422, "VALIDATION_ERROR", "prompt"),
        ({"prompt": None}, 422, "VALIDATION_ERROR", "prompt"),
        ({"prompt": 42}, 422, "VALIDATION_ERROR", "prompt"),
        ({"prompt": "house", "seed": "7"}, 422, "VALIDATION_ERROR", "seed"),
        ({"prompt": "house", "seed": 1.5}, 422, "VALIDATION_ERROR", "seed"),
        ({"prompt": "house", "seed": True}, 422, "VALIDATION_ERROR", "seed"),
        ({"prompt": "house", "duration_s": "long"}, 422, "VALIDATION_ERROR", "duration_s"),
        (
            {"prompt": "house", "reference_track_id": 5},
            422,
            "VALIDATION_ERROR",
            "reference_track_id",
        ),
        ({"prompt": "house", "bpm": 120}, 422, "VALIDATION_ERROR", "bpm"),
    ],
)
def test_bad_requests_name_the_field_and_start_nothing(app, api, user, body, status, code, field):
    _, headers = user
    response = _generate(api.client, headers, **body)
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert [f["field"] for f in error["details"]["fields"]] == [field]
    with app.app_context():
        assert db.session.query(Run).count() == 0


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"prompt": "house", ', 400, "INVALID_JSON"),
        # NaN is not JSON: refused when the body is parsed, on every route (issue 17).
        (b'{"prompt": "house", "duration_s": NaN}', 400, "INVALID_JSON"),
    ],
)
def test_bodies_that_are_not_clean_json(api, user, raw, status, code):
    _, headers = user
    response = api.client.post(
        "/api/v1/generate-ai", data=raw, content_type="application/json", headers=headers
    )
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("prompt", "field", "value", "note"),
    [
        ("house at 999 bpm", "bpm", 200.0, "bpm 999 clamped to 200"),
        ("techno with a duration of 3 hours", "duration_s", None, "clamped to 600 s"),
    ],
)
def test_out_of_range_values_are_clamped_with_a_note(app, api, user, prompt, field, value, note):
    _, headers = user
    response = _generate(api.client, headers, prompt=prompt)
    assert response.status_code == 202, response.get_json()
    with app.app_context():
        spec = db.session.get(Run, response.get_json()["run"]["id"]).input["spec"]
    assert spec == response.get_json()["spec"]
    if value is not None:
        assert spec[field] == value
    else:
        assert spec[field] <= 600
    assert any(note in line for line in spec["notes"]), spec["notes"]


def test_reference_must_be_the_callers_own_and_analysed(app, api, user):
    user_id, headers = user
    stranger = api.register(email="stranger@example.com")["user"]["id"]
    theirs = _add_track(app, stranger, status="ready", analysis={"bpm": 128.0, "key": "G minor"})
    pending = _add_track(app, user_id, status="pending")
    ready = _add_track(app, user_id, status="ready", analysis={"bpm": 128.0, "key": "G minor"})

    response = _generate(api.client, headers, prompt="techno", reference_track_id=theirs)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "TRACK_NOT_FOUND"
    response = _generate(api.client, headers, prompt="techno", reference_track_id=pending)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "REFERENCE_NOT_READY"
    with app.app_context():
        assert db.session.query(Run).count() == 0

    measured = _generate(api.client, headers, prompt="techno", reference_track_id=ready)
    assert measured.status_code == 202
    spec = measured.get_json()["spec"]
    assert (spec["bpm"], spec["key"]) == (128.0, "G minor")
    written = _generate(
        api.client, headers, prompt="techno at 135 bpm in C minor", reference_track_id=ready
    )
    assert (written.get_json()["spec"]["bpm"], written.get_json()["spec"]["key"]) == (
        135.0,
        "C minor",
    )


def test_needs_a_token(client):
    response = client.post("/api/v1/generate-ai", json={"prompt": "house"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "AUTH_REQUIRED"


@pytest.mark.database
def test_an_audio_error_fails_the_run_and_its_job(app, api, user, monkeypatch):
    def broken(*_args, **_kwargs):
        raise AudioError("The synthesizer gave up.", code="SYNTH_FAILED")

    monkeypatch.setattr("intellimix.audio.generate.generate_track", broken)
    _, headers = user
    run_id = _generate(api.client, headers, prompt="house, 20 seconds").get_json()["run"]["id"]
    _work(app, run_id)
    run = api.client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()["run"]
    assert run["status"] == "failed"
    assert run["error"]["code"] == "SYNTH_FAILED"
    with app.app_context():
        job = db.session.query(Job).one()
        assert (job.type, job.status, job.error["code"]) == ("generate", "failed", "SYNTH_FAILED")
        assert db.session.query(Track).count() == 0
