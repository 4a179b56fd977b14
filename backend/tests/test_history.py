"""History (jobs) and /files: ownership, signed per-file tokens, Range, no paths from requests."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from intellimix.history import service

pytestmark = pytest.mark.database


def _job_with_files(app: Flask, user_id: str, tmp_path, type_: str = "render") -> str:
    with app.app_context():
        job = service.create_job(user_id=user_id, type=type_, input={"plan": "p"}, run_id=None)
        for name, role, content in (
            ("mix.wav", "mix", b"RIFF" + bytes(range(256)) * 8),
            ("mix.mp3", "mix_mp3", b"ID3" + b"\x00" * 500),
            ("stem_a.wav", "stem", b"RIFFstem"),
            ("qa.json", "qa", b'{"passed": true}'),
        ):
            source = tmp_path / f"{job.id}-{name}"
            source.write_bytes(content)
            service.add_file(job, source, name=name, role=role)
        service.finish_job(job)
        return job.id


@pytest.fixture
def owner(api):
    body = api.register(email="owner@example.com")
    return body["user"]["id"], api.bearer(body["access_token"])


def test_history_lists_filters_and_signs_every_file(app, api, owner, tmp_path):
    user_id, headers = owner
    render_id = _job_with_files(app, user_id, tmp_path)
    _job_with_files(app, user_id, tmp_path, type_="generate")
    listing = api.client.get("/api/v1/history?type=render", headers=headers).get_json()
    assert [item["id"] for item in listing["items"]] == [render_id]
    job = listing["items"][0]
    assert (job["type"], job["generation_type"], job["status"]) == (
        "render",
        "ai_parody",
        "success",
    )
    assert job["output_url"] == f"/api/v1/files/{render_id}/mix.mp3"  # no query (issue 17)
    assert {f["name"] for f in job["outputs"]} == {"mix.wav", "mix.mp3", "stem_a.wav", "qa.json"}
    assert all("token=" in f["url"] for f in job["outputs"])
    assert api.client.get("/api/v1/history", headers=headers).get_json()["total"] == 2
    for file in job["outputs"]:  # each url opens its file with no Authorization header
        assert api.client.get(file["url"]).status_code == 200


def test_file_by_bearer_with_range_types_and_download(app, api, owner, tmp_path):
    user_id, headers = owner
    job_id = _job_with_files(app, user_id, tmp_path)
    whole = api.client.get(f"/api/v1/files/{job_id}/mix.wav", headers=headers)
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    part = api.client.get(
        f"/api/v1/files/{job_id}/mix.wav", headers={**headers, "Range": "bytes=4-13"}
    )
    assert part.status_code == 206 and part.data == whole.data[4:14]
    assert (
        api.client.get(f"/api/v1/files/{job_id}/mix.mp3", headers=headers).mimetype == "audio/mpeg"
    )
    download = api.client.get(f"/api/v1/files/{job_id}/qa.json?download=1", headers=headers)
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/json"


@pytest.mark.parametrize(
    "name",
    ["unknown.wav", "..", "..%2F..%2Fsecrets.json", "%2Fetc%2Fpasswd", "mix.wav%00", "MIX.WAV"],
)
def test_unknown_and_hostile_names_are_not_found(app, api, owner, tmp_path, name):
    user_id, headers = owner
    job_id = _job_with_files(app, user_id, tmp_path)
    response = api.client.get(f"/api/v1/files/{job_id}/{name}", headers=headers)
    if "%00" in name:  # control characters are refused before any lookup
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "INVALID_CHARACTERS"
        return
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] in ("FILE_NOT_FOUND", "NOT_FOUND")


@pytest.mark.parametrize(
    "path", ["/api/v1/files/../../instance/secrets.json", "/api/v1/files//etc/passwd"]
)
def test_paths_outside_jobs_are_not_found(api, owner, path):
    _, headers = owner
    assert api.client.get(path, headers=headers).status_code == 404


def test_signed_tokens_are_for_one_file_and_expire(make_app, db_backend, tmp_path):
    app = make_app(FILE_TOKEN_TTL_SECONDS=1)
    client = app.test_client()
    body = client.post(
        "/api/v1/auth/register",
        json={"name": "A", "email": "a@example.com", "password": "long enough"},
    ).get_json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    job_id = _job_with_files(app, body["user"]["id"], tmp_path)
    files = {
        f["name"]: f["url"]
        for f in client.get(f"/api/v1/history/{job_id}", headers=headers).get_json()["job"][
            "outputs"
        ]
    }
    token_of_mix = files["mix.wav"].split("token=")[1]
    other_file = client.get(f"/api/v1/files/{job_id}/mix.mp3?token={token_of_mix}")
    assert (
        other_file.status_code == 401
        and other_file.get_json()["error"]["code"] == "FILE_TOKEN_INVALID"
    )
    assert client.get(files["mix.wav"]).status_code == 200
    time.sleep(2.1)
    expired = client.get(files["mix.wav"])
    assert (
        expired.status_code == 401 and expired.get_json()["error"]["code"] == "FILE_TOKEN_EXPIRED"
    )
    assert client.get(f"/api/v1/files/{job_id}/mix.wav").status_code == 401  # neither token


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/history/{job}"),
        ("delete", "/api/v1/history/{job}"),
        ("get", "/api/v1/files/{job}/mix.wav"),
    ],
)
def test_another_users_job_and_files_are_not_found(app, api, owner, tmp_path, method, path):
    user_id, owner_headers = owner
    job_id = _job_with_files(app, user_id, tmp_path)
    intruder = api.bearer(api.register(email="intruder@example.com")["access_token"])
    response = getattr(api.client, method)(path.format(job=job_id), headers=intruder)
    assert response.status_code == 404
    assert api.client.get(f"/api/v1/history/{job_id}", headers=owner_headers).status_code == 200


def test_delete_removes_the_files(app, api, owner, tmp_path):
    user_id, headers = owner
    job_id = _job_with_files(app, user_id, tmp_path)
    folder = tmp_path / "storage" / "jobs" / job_id
    assert folder.is_dir()
    assert api.client.delete(f"/api/v1/history/{job_id}", headers=headers).status_code == 204
    assert not folder.exists()
    assert api.client.get(f"/api/v1/files/{job_id}/mix.wav", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("code", "cancelled"), [("RUN_CANCELLED", True), ("RENDER_FAILED", False), (None, False)]
)
def test_a_cancelled_job_says_so_apart_from_a_failure(app, api, owner, code, cancelled):
    user_id, headers = owner
    with app.app_context():
        job = service.create_job(user_id=user_id, type="render", input={}, run_id=None)
        if code:
            service.fail_job(job.id, code, "The render stopped.")
        job_id = job.id
    shown = api.client.get(f"/api/v1/history/{job_id}", headers=headers).get_json()["job"]
    assert shown["status"] == ("failed" if code else "processing")  # the IntelliMix client's three
    assert (shown["error_code"], shown["cancelled"]) == (code, cancelled)
