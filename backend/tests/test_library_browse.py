"""The library as a DJ browses it: duplicate uploads, sorting, filters (tempo, compatible keys,
genre, status) and genres, each scoped to its owner."""

from __future__ import annotations

import io as bytes_io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from intellimix.db_types import utcnow
from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.runs.models import Run

from .audio.media import tone, transcode, write_wav

pytestmark = pytest.mark.database


@pytest.fixture
def ada(api) -> tuple[str, dict[str, str]]:
    body = api.register(email="ada@example.com")
    return body["user"]["id"], api.bearer(body["access_token"])


@pytest.fixture
def bob(api) -> tuple[str, dict[str, str]]:
    body = api.register(email="bob@example.com", name="Bob")
    return body["user"]["id"], api.bearer(body["access_token"])


@pytest.fixture
def wav(tmp_path) -> Path:
    return write_wav(tmp_path / "night drive.wav", tone(seconds=1.5), 44100)


def _upload(client, headers, path: Path, *, name: str | None = None, **form: str):
    return client.post(
        "/api/v1/tracks",
        data={"file": (bytes_io.BytesIO(path.read_bytes()), name or path.name), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def _count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return db.session.query(model).count()


# --- duplicates -------------------------------------------------------------------------------


def test_the_same_file_again_answers_the_track_already_there(app, client, ada, wav):
    _, headers = ada
    first = _upload(client, headers, wav)
    assert first.status_code == 202 and first.get_json()["duplicate"] is False
    # Another name, same bytes: still the same audio.
    again = _upload(client, headers, wav, name="copy of night drive.wav")
    assert again.status_code == 200
    body = again.get_json()
    assert body["duplicate"] is True and body["run"] is None
    assert body["track"]["id"] == first.get_json()["track"]["id"]
    assert body["track"]["audio_url"]  # playable at once, like any track answer
    assert _count(app, Track) == 1 and _count(app, Run) == 1
    scratch = Path(app.config["STORAGE_DIR"]) / "scratch"
    assert not scratch.exists() or not any(scratch.iterdir()), "the duplicate left nothing behind"


def test_keep_duplicate_stores_a_second_copy(app, client, ada, wav):
    _, headers = ada
    first = _upload(client, headers, wav).get_json()["track"]
    kept = _upload(client, headers, wav, keep_duplicate="true")
    assert kept.status_code == 202
    body = kept.get_json()
    assert body["duplicate"] is False and body["run"]["kind"] == "analyze_track"
    assert body["track"]["id"] != first["id"]
    # With two copies the answer is the older one.
    assert _upload(client, headers, wav).get_json()["track"]["id"] == first["id"]
    assert _count(app, Track) == 2


def test_another_users_identical_file_is_not_a_duplicate(app, client, ada, bob, wav):
    _, ada_headers = ada
    ada_track = _upload(client, ada_headers, wav).get_json()["track"]
    answer = _upload(client, bob[1], wav)
    assert answer.status_code == 202
    body = answer.get_json()
    assert body["duplicate"] is False and body["track"]["id"] != ada_track["id"]
    assert ada_track["id"] not in answer.get_data(as_text=True)
    # Each person sees only their own copy.
    bobs = client.get("/api/v1/tracks", headers=bob[1]).get_json()
    assert [t["id"] for t in bobs["items"]] == [body["track"]["id"]]
    assert _count(app, Track) == 2


def test_a_failed_track_is_not_offered_as_the_duplicate(app, client, ada, wav):
    _, headers = ada
    failed = _upload(client, headers, wav).get_json()["track"]
    with app.app_context():
        db.session.get(Track, failed["id"]).status = "failed"
        db.session.commit()
    retry = _upload(client, headers, wav)
    assert retry.status_code == 202 and retry.get_json()["track"]["id"] != failed["id"]


def test_the_same_audio_in_another_file_is_a_new_track(client, ada, wav, tmp_path):
    """Detection compares the file's bytes: a re-encoded copy is stored as its own track."""
    _, headers = ada
    assert _upload(client, headers, wav).status_code == 202
    flac = transcode(wav, tmp_path / "night drive.flac")
    assert _upload(client, headers, flac).status_code == 202


@pytest.mark.parametrize("value", ["yes", "", "2", "true!"])
def test_keep_duplicate_takes_only_true_or_false(app, client, ada, wav, value):
    _, headers = ada
    response = _upload(client, headers, wav, keep_duplicate=value)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]["fields"][0]["field"] == "keep_duplicate"
    assert _count(app, Track) == 0


def test_tags_give_the_genre_and_the_person_can_change_it(client, ada, wav, tmp_path):
    _, headers = ada
    tagged = transcode(wav, tmp_path / "tagged.mp3", "-metadata", "genre=Deep House")
    track = _upload(client, headers, tagged).get_json()["track"]
    assert track["genre"] == "Deep House"
    changed = client.patch(
        f"/api/v1/tracks/{track['id']}", json={"genre": " Techno "}, headers=headers
    ).get_json()["track"]
    assert changed["genre"] == "Techno"
    cleared = client.patch(
        f"/api/v1/tracks/{track['id']}", json={"genre": ""}, headers=headers
    ).get_json()["track"]
    assert cleared["genre"] is None


# --- sorting and filters ----------------------------------------------------------------------

LIBRARY = [
    # title, artist, bpm, camelot, duration, genre, status, bpm confidence
    ("Amber", "Zed", 124.0, "8A", 300.0, "House", "ready", 0.9),
    ("basalt", "Moss", 128.0, "9A", 200.0, "Techno", "ready", 0.9),
    ("Cinder", None, 174.0, "3B", 250.0, "Drum & bass", "ready", 0.3),
    ("Dune", "Ash", 122.0, "8B", 100.0, "house", "ready", 0.8),
    ("Ember", "Lux", 126.0, "7A", 400.0, None, "ready", 0.9),
    ("Fjord", "Ode", None, None, None, None, "analyzing", None),
]


def _library(app: Flask, user_id: str) -> dict[str, str]:
    """The six tracks above, added an hour apart (Amber first); their ids by title."""
    ids = {}
    start = utcnow() - timedelta(days=1)
    with app.app_context():
        for index, (title, artist, bpm, camelot, duration, genre, status, sure) in enumerate(
            LIBRARY
        ):
            analysis = (
                {"bpm": bpm, "bpm_confidence": sure, "camelot": camelot, "key_confidence": 0.8}
                if bpm
                else None
            )
            track = Track(
                user_id=user_id,
                title=title,
                artist=artist,
                genre=genre,
                status=status,
                duration_s=duration,
                analysis=analysis,
                created_at=start + timedelta(hours=index),
            )
            db.session.add(track)
            db.session.flush()
            ids[title] = track.id
        db.session.commit()
    return ids


def _titles(client, headers, query: str) -> list[str]:
    response = client.get(f"/api/v1/tracks?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Fjord", "Ember", "Dune", "Cinder", "basalt", "Amber"]),  # newest first
        ("sort=added&order=asc", ["Amber", "basalt", "Cinder", "Dune", "Ember", "Fjord"]),
        ("sort=title", ["Amber", "basalt", "Cinder", "Dune", "Ember", "Fjord"]),  # any case
        ("sort=title&order=desc", ["Fjord", "Ember", "Dune", "Cinder", "basalt", "Amber"]),
        ("sort=artist", ["Dune", "Ember", "basalt", "Fjord", "Amber", "Cinder"]),
        ("sort=bpm", ["Dune", "Amber", "Ember", "basalt", "Cinder", "Fjord"]),
        # Unknown tempo stays last in either direction.
        ("sort=bpm&order=desc", ["Cinder", "basalt", "Ember", "Amber", "Dune", "Fjord"]),
        # Around the Camelot wheel: 3B, 7A, 8A, 8B, 9A, then no key.
        ("sort=key", ["Cinder", "Ember", "Amber", "Dune", "basalt", "Fjord"]),
        ("sort=duration", ["Dune", "basalt", "Cinder", "Amber", "Ember", "Fjord"]),
        ("sort=status", ["Fjord", "Ember", "Dune", "Cinder", "basalt", "Amber"]),
    ],
)
def test_sorting_by_every_column(app, client, ada, query, expected):
    user_id, headers = ada
    _library(app, user_id)
    assert _titles(client, headers, query) == expected


def test_sorting_pages_through_the_whole_library(app, client, ada):
    user_id, headers = ada
    _library(app, user_id)
    pages = [_titles(client, headers, f"sort=bpm&limit=4&page={page}") for page in (1, 2)]
    assert pages == [["Dune", "Amber", "Ember", "basalt"], ["Cinder", "Fjord"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bpm_min=124&bpm_max=128", {"Amber", "basalt", "Ember"}),
        ("bpm_min=150", {"Cinder"}),
        ("bpm_max=123.5", {"Dune"}),
        ("genre=HOUSE", {"Amber", "Dune"}),
        ("genre=drum%20%26%20bass", {"Cinder"}),
        ("status=analyzing", {"Fjord"}),
        ("status=ready&bpm_min=125&q=mb", {"Ember"}),
        ("bpm_min=&genre=", {"Amber", "basalt", "Cinder", "Dune", "Ember", "Fjord"}),
    ],
)
def test_filters(app, client, ada, query, expected):
    user_id, headers = ada
    _library(app, user_id)
    assert set(_titles(client, headers, query)) == expected


def test_keys_compatible_with_a_track_are_its_camelot_neighbours(app, client, ada):
    user_id, headers = ada
    ids = _library(app, user_id)
    # 8A mixes with 8A, 7A, 9A and 8B; 3B does not, and a track without a key never does.
    found = _titles(client, headers, f"compatible_with={ids['Amber']}&sort=key")
    assert found == ["Ember", "Amber", "Dune", "basalt"]
    listed = client.get(f"/api/v1/tracks?compatible_with={ids['Amber']}", headers=headers)
    assert listed.get_json()["total"] == 4
    # Combined with a tempo range, as a DJ narrows a next track down.
    narrowed = _titles(client, headers, f"compatible_with={ids['Amber']}&bpm_min=125")
    assert set(narrowed) == {"basalt", "Ember"}


def test_compatible_with_someone_elses_track_is_not_found(app, client, ada, bob):
    ids = _library(app, ada[0])
    response = client.get(f"/api/v1/tracks?compatible_with={ids['Amber']}", headers=bob[1])
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "TRACK_NOT_FOUND"
    missing = client.get("/api/v1/tracks?compatible_with=nope", headers=ada[1])
    assert missing.status_code == 404


def test_compatible_with_a_track_without_a_key_is_a_conflict(app, client, ada):
    user_id, headers = ada
    ids = _library(app, user_id)
    response = client.get(f"/api/v1/tracks?compatible_with={ids['Fjord']}", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "TRACK_KEY_UNKNOWN"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=energy", "sort"),
        ("order=up", "order"),
        ("bpm_min=fast", "bpm_min"),
        ("bpm_min=nan", "bpm_min"),
        ("bpm_max=inf", "bpm_max"),
        ("bpm_max=1000", "bpm_max"),
        ("bpm_min=10", "bpm_min"),
        ("bpm_min=130&bpm_max=120", ""),
        ("status=done", "status"),
        ("compatible_with=" + "x" * 37, "compatible_with"),
        ("genre=" + "g" * 101, "genre"),
        ("q=" + "q" * 201, "q"),
    ],
)
def test_bad_list_parameters_are_422(client, ada, query, field):
    response = client.get(f"/api/v1/tracks?{query}", headers=ada[1])
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["fields"][0]["field"] == field


def test_genres_of_the_own_library_only(app, client, ada, bob):
    _library(app, ada[0])
    _library(app, bob[0])
    with app.app_context():
        db.session.add(Track(user_id=bob[0], title="Extra", genre="Ambient", status="ready"))
        db.session.commit()
    ada_genres = client.get("/api/v1/tracks/genres", headers=ada[1]).get_json()["items"]
    # Spellings are kept as given ("House" and "house" are two entries, the filter joins them).
    assert {(g["genre"], g["count"]) for g in ada_genres} == {
        ("House", 1),
        ("house", 1),
        ("Techno", 1),
        ("Drum & bass", 1),
    }
    bob_genres = client.get("/api/v1/tracks/genres", headers=bob[1]).get_json()["items"]
    assert "Ambient" in {g["genre"] for g in bob_genres}
    assert client.get("/api/v1/tracks/genres").status_code == 401
