"""Fair use of the heavy lane (issue 17, finding 4): per-person caps → 429 with Retry-After."""

from __future__ import annotations

import io as bytes_io
from datetime import timedelta

import pytest
import time_machine

from intellimix.db_types import utcnow
from intellimix.extensions import db
from intellimix.library.models import Track

from .audio.media import tone, write_wav
from .conftest import Api

pytestmark = pytest.mark.database


@pytest.fixture
def limited(make_app, db_backend):
    app = make_app(FAIR_USE_QUEUED_HEAVY_RUNS=3, FAIR_USE_HEAVY_RUNS_PER_HOUR=5)
    if db_backend == "postgresql":
        from sqlalchemy import text

        with app.app_context():
            tables = ", ".join(f'"{t.name}"' for t in reversed(db.metadata.sorted_tables))
            db.session.execute(text(f"TRUNCATE {tables} CASCADE"))
            db.session.commit()
    api = Api(app.test_client())
    return app, api, api.bearer(api.register()["access_token"])


def _generate(api, headers):
    return api.client.post("/api/v1/generate-ai", json={"prompt": "techno"}, headers=headers)


def test_queued_heavy_runs_are_capped_with_retry_after(limited):
    app, api, headers = limited
    assert [_generate(api, headers).status_code for _ in range(3)] == [202, 202, 202]
    refused = _generate(api, headers)
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"]["code"] == "RUN_QUOTA_EXCEEDED"
    assert body["error"]["details"]["quota"] == "queued_heavy_runs"
    assert "at most 3" in body["message"]
    assert int(refused.headers["Retry-After"]) > 0
    status = api.client.get("/api/v1/rate-limit-status", headers=headers).get_json()["limits"]
    assert status["queued_heavy_runs"] == {"limit": 3, "used": 3, "remaining": 0}


def test_another_person_is_not_held_back(limited):
    app, api, headers = limited
    for _ in range(3):
        _generate(api, headers)
    other = api.bearer(api.register(email="bob@example.com")["access_token"])
    assert _generate(api, other).status_code == 202


def test_runs_per_hour_are_capped_and_the_window_moves(limited):
    app, api, headers = limited
    started = utcnow()
    for minute in range(5):
        with time_machine.travel(started + timedelta(minutes=minute), tick=False):
            run = _generate(api, headers).get_json()["run"]
            api.client.post(f"/api/v1/mix-chat-runs/{run['id']}/cancel", headers=headers)
    with time_machine.travel(started + timedelta(minutes=10), tick=False):  # token still valid
        refused = _generate(api, headers)
        status = api.client.get("/api/v1/rate-limit-status", headers=headers).get_json()
    assert refused.status_code == 429
    assert refused.get_json()["error"]["details"]["quota"] == "heavy_runs_per_hour"
    assert int(refused.headers["Retry-After"]) == 50 * 60  # the oldest run leaves the window
    assert status["limits"]["heavy_runs_per_hour"]["remaining"] == 0
    with time_machine.travel(started + timedelta(minutes=61), tick=False):
        fresh = api.login("ada@example.com", "correct horse").get_json()["access_token"]
        assert _generate(api, api.bearer(fresh)).status_code == 202


def test_an_upload_over_the_quota_stores_nothing(limited, tmp_path):
    app, api, headers = limited
    for _ in range(3):
        _generate(api, headers)
    wav = write_wav(tmp_path / "t.wav", tone(seconds=3), 44100)
    response = api.client.post(
        "/api/v1/tracks",
        data={"file": (bytes_io.BytesIO(wav.read_bytes()), "t.wav")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 429
    with app.app_context():
        assert db.session.query(Track).count() == 0


def test_planning_turns_do_not_count(limited):
    app, api, headers = limited
    for _ in range(3):
        _generate(api, headers)
    thread = api.client.post(
        "/api/v1/mix-chats", json={"initial_prompt": "a calm mix"}, headers=headers
    )
    assert thread.status_code == 201


def test_the_status_needs_a_token(client):
    assert client.get("/api/v1/rate-limit-status").status_code == 401
