"""The feedback API: request → `feedback` run → stored report (JSON and PDF) → "fix it".

Tracks are stored through the library service and marked ready with a minimal analysis (the
analysis itself is tested elsewhere); the runs execute in-process with the real executor.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from intellimix.audio import io, loudness
from intellimix.extensions import db
from intellimix.feedback.pdf import SECTIONS, fix_text, plain
from intellimix.library import service as library
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio import feedback_signals as signals

pytestmark = pytest.mark.database


def _execute(app, run_id: str) -> None:
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())


def _track(app, tmp_path: Path, user_id: str, samples: np.ndarray, title: str, status="ready"):
    path = tmp_path / f"{title}.wav"
    io.encode_wav(path, samples, signals.RATE, bit_depth=24)
    with app.app_context():
        track = library.add_track(
            user_id,
            path,
            source="upload",
            new=library.NewTrack(title=title, artist=None, original_filename=f"{title}.wav"),
        )
        track.status = status
        track.analysis = {"bpm": signals.BPM, "key": None} if status == "ready" else None
        db.session.commit()
        return track.id


@pytest.fixture
def person(api) -> dict[str, Any]:
    body = api.register()
    return {"id": body["user"]["id"], "headers": api.bearer(body["access_token"])}


@pytest.fixture
def stranger(api) -> dict[str, Any]:
    body = api.register(email="bob@example.com", name="Bob")
    return {"id": body["user"]["id"], "headers": api.bearer(body["access_token"])}


def _run(api, person, run_id: str) -> dict[str, Any]:
    return api.client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=person["headers"]).get_json()[
        "run"
    ]


def test_feedback_run_stores_a_report_readable_as_json_and_pdf(app, api, person, tmp_path):
    track_id = _track(app, tmp_path, person["id"], signals.boosted_250(), "Warehouse Sunrise")
    ref_id = _track(app, tmp_path, person["id"], signals.clean_master(3), "Reference")
    answer = api.client.post(
        f"/api/v1/tracks/{track_id}/feedback",
        json={"type": "master", "reference_track_id": ref_id, "detail": "detailed"},
        headers=person["headers"],
    )
    assert answer.status_code == 202, answer.get_json()
    run = answer.get_json()["run"]
    assert run["kind"] == "feedback" and run["status"] == "queued"
    _execute(app, run["id"])
    run = _run(api, person, run["id"])
    assert run["status"] == "completed", run["error"]
    feedback_id = run["result"]["feedback_id"]
    body = api.client.get(f"/api/v1/feedback/{feedback_id}", headers=person["headers"]).get_json()
    feedback = body["feedback"]
    assert feedback["track_id"] == track_id and feedback["reference_track_id"] == ref_id
    report = feedback["report"]
    assert report["compared_with"]["kind"] == "reference"
    assert report["findings"][0]["area"] == "tonal_balance"
    assert run["result"]["top_finding"] == report["findings"][0]["title"]
    listed = api.client.get(f"/api/v1/tracks/{track_id}/feedback", headers=person["headers"])
    assert [item["id"] for item in listed.get_json()["items"]] == [feedback_id]

    pdf = api.client.get(feedback["pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    by_header = api.client.get(f"/api/v1/feedback/{feedback_id}.pdf", headers=person["headers"])
    assert by_header.status_code == 200 and by_header.data[:5] == b"%PDF-"


def test_bad_requests_answer_4xx(app, api, person, stranger, tmp_path):
    mine = _track(app, tmp_path, person["id"], signals.clean_master(), "Mine")
    theirs = _track(app, tmp_path, stranger["id"], signals.clean_master(), "Theirs")
    busy = _track(app, tmp_path, person["id"], signals.clean_master(), "Busy", status="analyzing")

    def post(track_id: str, body: dict[str, Any]):
        return api.client.post(
            f"/api/v1/tracks/{track_id}/feedback", json=body, headers=person["headers"]
        )

    assert post(theirs, {"type": "master"}).status_code == 404
    other_ref = post(mine, {"type": "master", "reference_track_id": theirs})
    assert other_ref.status_code == 404
    assert other_ref.get_json()["error"]["code"] == "TRACK_NOT_FOUND"
    analysing = post(busy, {"type": "mix"})
    assert analysing.status_code == 409
    assert analysing.get_json()["error"]["code"] == "TRACK_NOT_READY"
    ref_busy = post(mine, {"type": "mix", "reference_track_id": busy})
    assert ref_busy.status_code == 409
    assert ref_busy.get_json()["error"]["code"] == "REFERENCE_NOT_READY"
    genre = post(mine, {"type": "master", "genre": "polka"})
    assert genre.status_code == 422
    error = genre.get_json()["error"]
    assert error["code"] == "UNKNOWN_GENRE"
    assert "house" in error["details"]["known_genres"] and "house" in error["message"]
    assert post(mine, {"type": "master", "genre": "Drum & Bass"}).status_code == 202
    genres = api.client.get("/api/v1/feedback/genres", headers=person["headers"]).get_json()
    assert {g["id"] for g in genres["genres"]} == set(error["details"]["known_genres"])
    assert post(mine, {"type": "master", "reference_track_id": mine}).status_code == 422
    assert (
        api.client.get("/api/v1/feedback/" + "0" * 36, headers=person["headers"]).status_code == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"type": "mastering"},
        {"type": "master", "detail": "long"},
        {"type": "master", "genre": 7},
        {"type": "master", "extra": 1},
        {"type": "master", "reference_track_id": ["x"]},
    ],
)
def test_invalid_bodies_are_422(app, api, person, tmp_path, body):
    track_id = _track(app, tmp_path, person["id"], signals.clean_master(), "T")
    answer = api.client.post(
        f"/api/v1/tracks/{track_id}/feedback", json=body, headers=person["headers"]
    )
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "VALIDATION_ERROR"


def test_reports_and_pdfs_of_another_person_are_404(app, api, person, stranger, tmp_path):
    track_id = _track(app, tmp_path, person["id"], signals.too_quiet(), "Quiet")
    run = api.client.post(
        f"/api/v1/tracks/{track_id}/feedback", json={"type": "master"}, headers=person["headers"]
    ).get_json()["run"]
    _execute(app, run["id"])
    feedback_id = _run(api, person, run["id"])["result"]["feedback_id"]
    for path in (f"/api/v1/feedback/{feedback_id}", f"/api/v1/feedback/{feedback_id}.pdf"):
        answer = api.client.get(path, headers=stranger["headers"])
        assert answer.status_code == 404
        assert answer.get_json()["error"]["code"] == "FEEDBACK_NOT_FOUND"
    fix = api.client.post(f"/api/v1/feedback/{feedback_id}/fix", headers=stranger["headers"])
    assert fix.status_code == 404
    listed = api.client.get(f"/api/v1/tracks/{track_id}/feedback", headers=stranger["headers"])
    assert listed.status_code == 404
    pdf_url = api.client.get(
        f"/api/v1/feedback/{feedback_id}", headers=person["headers"]
    ).get_json()["feedback"]["pdf_url"]
    forged = pdf_url.replace(feedback_id, "f" * 36)
    assert api.client.get(forged).status_code in (401, 404)


def test_fix_it_improves_every_flagged_area_and_passes_qa(app, api, person, tmp_path):
    # Quiet, with a muddy 250 Hz and out-of-phase bass: three areas a re-master can fix.
    stems = dict(signals.song())
    bass = stems["bass"].copy()
    bass[1] *= -1.0
    stems["bass"] = bass
    defective = signals.peaking(signals.mixdown(stems), hz=250.0, gain_db=6.0, q=1.0)
    defective = signals.mastered(defective, lufs=-24.0)
    track_id = _track(app, tmp_path, person["id"], defective, "Muddy")
    ref_id = _track(app, tmp_path, person["id"], signals.clean_master(3), "Reference")
    run = api.client.post(
        f"/api/v1/tracks/{track_id}/feedback",
        json={"type": "master", "reference_track_id": ref_id},
        headers=person["headers"],
    ).get_json()["run"]
    _execute(app, run["id"])
    first_id = _run(api, person, run["id"])["result"]["feedback_id"]
    first = api.client.get(f"/api/v1/feedback/{first_id}", headers=person["headers"]).get_json()[
        "feedback"
    ]["report"]
    flagged = {f["area"] for f in first["findings"] if f["remaster_fixable"]}
    assert {"loudness", "low_end", "tonal_balance"} <= flagged

    fix = api.client.post(f"/api/v1/feedback/{first_id}/fix", headers=person["headers"])
    assert fix.status_code == 202
    _execute(app, fix.get_json()["run"]["id"])
    result = _run(api, person, fix.get_json()["run"]["id"])
    assert result["status"] == "completed", result["error"]
    assert result["result"]["qa_passed"] is True
    fixed = api.client.get(
        f"/api/v1/feedback/{result['result']['feedback_id']}", headers=person["headers"]
    ).get_json()["feedback"]
    assert fixed["parent_id"] == first_id
    assert {f["name"] for f in fixed["files"]} == {"master.wav", "master.mp3", "qa.json"}
    improvement = fixed["report"]["improvement"]
    for area in flagged:
        assert improvement["areas"][area]["after"] > improvement["areas"][area]["before"], area
    assert abs(improvement["loudness"]["after"] + 14.0) <= 0.5
    # The delivered WAV measures what the report says.
    wav = tmp_path / "master.wav"
    url = next(f["url"] for f in fixed["files"] if f["name"] == "master.wav")
    wav.write_bytes(api.client.get(url).data)
    decoded = io.decode(wav)
    assert loudness.integrated_loudness(decoded.samples, decoded.sample_rate) == pytest.approx(
        fixed["report"]["measurements"]["loudness"]["lufs_integrated"], abs=0.01
    )


def test_pdf_renders_with_every_section_chart_and_the_json_numbers(app, api, person, tmp_path):
    track_id = _track(app, tmp_path, person["id"], signals.harsh(), "Harsh")
    run = api.client.post(
        f"/api/v1/tracks/{track_id}/feedback",
        json={"type": "master", "genre": "house"},
        headers=person["headers"],
    ).get_json()["run"]
    _execute(app, run["id"])
    feedback_id = _run(api, person, run["id"])["result"]["feedback_id"]
    feedback = api.client.get(
        f"/api/v1/feedback/{feedback_id}", headers=person["headers"]
    ).get_json()["feedback"]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(api.client.get(feedback["pdf_url"]).data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    assert sorted(tmp_path.glob("page-*.png"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for section in SECTIONS:
        assert section in text, section
    images = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    assert len(images.strip().splitlines()) - 2 == 3  # the three charts
    report = feedback["report"]
    level = report["measurements"]["loudness"]
    flat = " ".join(text.split())
    for number in (level["lufs_integrated"], level["true_peak_db"], level["loudness_range_lu"]):
        assert f"{number:g}" in flat
    for score in report["scores"].values():
        assert f"{score}/100" in flat
    for finding in report["findings"]:
        assert " ".join(plain(finding["title"]).split()) in flat
        for fix in finding["fixes"]:
            assert " ".join(plain(fix_text(fix)).split()) in flat
