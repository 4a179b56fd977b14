"""Chat: a song asked for that the library lacks is searched for, offered, imported, planned.

Everything is real: the local planner reads the words and plans with the library, naming the
songs it could not find (`PlannerReply.unresolved_songs`); the catalogue search provider
(tests/source_catalogue.py) is the search boundary; the import downloads from the tests' HTTP
server and analyses the file.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from flask import Flask

from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.sources.models import SourceMetadata

from . import source_catalogue
from .audio.drum_signals import synth_drum_track
from .audio.media import transcode, write_wav
from .chat_support import Person, execute, say, thread
from .media_server import MediaServer, Route

pytestmark = pytest.mark.database
WORDS = "mix Levitating into Warehouse Sunrise"
LEVITATING = "Levitating — Dua Lipa (Official Audio)"
WAREHOUSE = "Warehouse Sunrise — Night Driver"


@pytest.fixture(scope="module")
def levitating_mp3(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("levitating")
    mono = synth_drum_track("house", bpm=103.0, duration_s=20.0, sample_rate=44100).audio
    wav = write_wav(folder / "lev.wav", np.stack([mono, mono]), 44100)
    tags = ["-metadata", "title=Levitating", "-metadata", "artist=Dua Lipa"]
    return transcode(wav, folder / "lev.mp3", *tags).read_bytes()


@pytest.fixture
def server(levitating_mp3) -> Iterator[MediaServer]:
    with MediaServer() as running:
        running.add("/levitating.mp3", Route(body=levitating_mp3))
        yield running


@pytest.fixture
def chat_app(app, server) -> Iterator[Flask]:
    source_catalogue.SONGS[:] = [
        SourceMetadata(
            url=server.url("/levitating.mp3"),
            title=LEVITATING,
            artist="Dua Lipa",
            duration_s=203.0,
            thumbnail_url="https://img.example/lev.jpg",
            provider="catalogue",
        ),
        SourceMetadata(
            url=server.url("/levitating-live.mp3"), title="Levitating (Live)", provider="catalogue"
        ),
    ]
    app.config.update(
        SOURCE_ALLOWED_HOSTS=["127.0.0.1"],
        SOURCE_SEARCH_PROVIDERS=["catalogue"],
        SOURCE_PROVIDER_MODULES=["tests.source_catalogue"],
    )
    yield app
    source_catalogue.SONGS.clear()
    source_catalogue.UNREACHABLE["value"] = False


def _person(app: Flask, api) -> Person:
    body = api.register()
    user_id = body["user"]["id"]
    bar = 4 * 60 / 124
    with app.app_context():
        track = Track(
            user_id=user_id,
            title="Warehouse Sunrise",
            artist="Night Driver",
            source="upload",
            duration_s=240.0,
            status="ready",
            analysis={
                "duration_s": 240.0,
                "bpm": 124.0,
                "key": "A minor",
                "sections": [],
                "downbeats": [round(i * bar, 4) for i in range(int(240 / bar))],
                "phrases": [{"start_s": round(i * 8 * bar, 4), "bars": 8} for i in range(15)],
                "energy_curve": [0.7],
            },
        )
        db.session.add(track)
        db.session.commit()
        return Person(user_id, api.bearer(body["access_token"]), {"warehouse": track.id})


def _plan_titles(message: dict) -> list[str]:
    proposal = message["content_json"]["proposal"]
    return [segment["song"] for segment in proposal["provisional_timeline"]]


def _choose(app: Flask, client, who: Person, thread_id: str, asked: dict, option: str) -> dict:
    """Answer the import question of `asked` (a planning_questions message) with `option`."""
    content = asked["content_json"]
    question_id = content["questions"][0]["question_id"]
    answers = [{"question_id": question_id, "selected_option_id": option}]
    response = {"draft_id": content["draft_id"], "answers": answers}
    return say(app, client, who, thread_id, {"planning_response": response})


def _plan_after(app: Flask, client, who: Person, run_id: str) -> dict:
    """Run the import (or plan) run a message started, then the plan run that goes on; its
    answer."""
    execute(app, run_id)
    run = client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=who.headers).get_json()["run"]
    assert run["status"] == "completed", run["error"]
    plan_run = run["result"]["plan_run_id"] if run["kind"] == "import_songs" else run_id
    if plan_run != run_id:
        execute(app, plan_run)
    final = client.get(f"/api/v1/mix-chat-runs/{plan_run}", headers=who.headers).get_json()
    return dict(final["run"]["assistant_message"])


def test_ask_answer_import_then_plan_with_both_tracks(chat_app, api, server):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    asked = say(chat_app, client, who, chat["id"], {"content": WORDS})
    content = asked["content_json"]
    assert content["kind"] == "planning_questions"
    question = content["questions"][0]
    assert question["question"] == f'Import "{LEVITATING}" 3:23?'
    assert asked["content_text"].startswith('I couldn\'t find "Levitating" in your library.')
    assert [o["id"] for o in question["options"]] == ["c0", "c1", "skip"]
    assert question["options"][1]["label"] == 'Import "Levitating (Live)"'
    assert server.requests == []  # nothing is downloaded before the person says so

    answered = _choose(chat_app, client, who, chat["id"], asked, "c0")
    assert answered["content_json"]["kind"] == "song_import"
    message = _plan_after(chat_app, client, who, answered["content_json"]["run_id"])
    assert server.requests == ["/levitating.mp3"]
    assert message["content_json"]["kind"] == "planning_draft_ready", message
    assert _plan_titles(message) == ["Levitating — Dua Lipa", WAREHOUSE]  # in the order named
    library = client.get("/api/v1/tracks?q=levitating", headers=who.headers).get_json()
    assert library["total"] == 1 and library["items"][0]["status"] == "ready"


def test_import_automatically_skips_the_question(chat_app, api, server):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    patched = client.patch(
        "/api/v1/mix-memory", json={"import_automatically": True}, headers=who.headers
    )
    assert patched.status_code == 200
    assert patched.get_json()["memory"]["settings"] == {"import_automatically": True}
    chat = thread(client, who)["thread"]
    started = say(chat_app, client, who, chat["id"], {"content": WORDS})
    assert started["content_json"]["kind"] == "song_import"
    assert started["content_text"].startswith(f'Importing "{LEVITATING}" 3:23.')
    content = _plan_after(chat_app, client, who, started["content_json"]["run_id"])
    assert _plan_titles(content) == ["Levitating — Dua Lipa", WAREHOUSE]


def test_unreachable_search_says_so_and_plans_with_the_library(chat_app, api, server):
    source_catalogue.UNREACHABLE["value"] = True
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    reply = say(chat_app, client, who, chat["id"], {"content": WORDS})
    assert reply["content_json"]["kind"] == "planning_draft_ready"
    assert reply["content_text"].startswith('I couldn\'t find "Levitating" in your library.')
    assert "song search is not reachable right now" in reply["content_text"]
    assert _plan_titles(reply) == [WAREHOUSE]
    assert server.requests == []


def test_a_pasted_link_is_imported_and_the_plan_goes_on_with_it(chat_app, api, server):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    link = server.url("/levitating.mp3")
    words = f"mix {link} into Warehouse Sunrise"
    started = say(chat_app, client, who, chat["id"], {"content": words})
    content = started["content_json"]
    assert content["kind"] == "song_import", started
    assert content["songs"] == [{"name": link, "url": link, "title": "levitating"}]
    assert server.requests == []  # the link is imported by the run, not while answering
    message = _plan_after(chat_app, client, who, content["run_id"])
    assert message["content_json"]["kind"] == "planning_draft_ready", message
    assert _plan_titles(message) == ["Levitating — Dua Lipa", WAREHOUSE]
    # The same link again is the track in the library: planned at once, nothing downloaded.
    again = say(chat_app, client, who, chat["id"], {"content": f"{link} then Warehouse Sunrise"})
    assert again["content_json"]["kind"] == "planning_draft_ready", again
    assert _plan_titles(again) == ["Levitating — Dua Lipa", WAREHOUSE]
    assert server.requests == ["/levitating.mp3"]


def test_a_refused_link_is_said_so_and_the_plan_goes_on_without_it(chat_app, api, server):
    chat_app.config["SOURCE_ALLOWED_HOSTS"] = []  # 127.0.0.1 is a private address again
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    words = f"mix {server.url('/levitating.mp3')} into Warehouse Sunrise"
    started = say(chat_app, client, who, chat["id"], {"content": words})
    content = _plan_after(chat_app, client, who, started["content_json"]["run_id"])
    assert "could not be imported" in content["content_text"]
    assert _plan_titles(content) == [WAREHOUSE]
    assert server.requests == []


def test_a_revision_that_adds_a_missing_song_asks_imports_and_revises(chat_app, api, server):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    first = say(chat_app, client, who, chat["id"], {"content": "mix Warehouse Sunrise"})
    assert _plan_titles(first) == [WAREHOUSE]
    words = "add Levitating after Warehouse Sunrise"
    asked = say(chat_app, client, who, chat["id"], {"content": words})
    assert asked["content_json"]["kind"] == "planning_questions", asked
    assert asked["content_json"]["questions"][0]["question"] == f'Import "{LEVITATING}" 3:23?'
    answered = _choose(chat_app, client, who, chat["id"], asked, "c0")
    revised = _plan_after(chat_app, client, who, answered["content_json"]["run_id"])
    assert revised["content_json"]["kind"] == "planning_draft_ready", revised
    assert _plan_titles(revised) == [WAREHOUSE, "Levitating — Dua Lipa"]


def test_plan_without_it_plans_with_the_library_and_does_not_ask_again(chat_app, api, server):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    asked = say(chat_app, client, who, chat["id"], {"content": WORDS})
    skipped = _choose(chat_app, client, who, chat["id"], asked, "skip")
    content = _plan_after(chat_app, client, who, skipped["content_json"]["plan_run_id"])
    assert content["content_json"]["kind"] == "planning_draft_ready"
    assert _plan_titles(content) == [WAREHOUSE]
    assert server.requests == []


def test_a_failed_import_plans_on_without_it_and_says_why(chat_app, api, server):
    source_catalogue.SONGS[0] = source_catalogue.SONGS[0].__class__(
        **{**source_catalogue.SONGS[0].__dict__, "url": server.url("/gone.mp3")}
    )
    client = chat_app.test_client()
    who = _person(chat_app, api)
    client.patch("/api/v1/mix-memory", json={"import_automatically": True}, headers=who.headers)
    chat = thread(client, who)["thread"]
    started = say(chat_app, client, who, chat["id"], {"content": WORDS})
    content = _plan_after(chat_app, client, who, started["content_json"]["run_id"])
    assert "could not be imported" in content["content_text"]
    assert _plan_titles(content) == [WAREHOUSE]


def test_chat_imports_count_against_the_hourly_import_limit(chat_app, api, server):
    """The chat's imports and POST /tracks/import share one bucket: after the route's import
    the chat may not import another song this hour, and plans on with the library, saying so."""
    chat_app.config["IMPORT_RATE_LIMIT"] = "1 per hour"
    client = chat_app.test_client()
    who = _person(chat_app, api)
    imported = client.post(
        "/api/v1/tracks/import", json={"url": server.url("/levitating.mp3")}, headers=who.headers
    )
    assert imported.status_code == 202
    client.patch("/api/v1/mix-memory", json={"import_automatically": True}, headers=who.headers)
    chat = thread(client, who)["thread"]
    refused = say(
        chat_app, client, who, chat["id"], {"content": "mix Levitating Live then Warehouse Sunrise"}
    )
    assert refused["content_json"]["kind"] == "chat", refused
    assert "import limit (1 song per hour)" in refused["content_text"]
    content = _plan_after(chat_app, client, who, refused["content_json"]["plan_run_id"])
    assert content["content_json"]["kind"] == "planning_draft_ready", content
    assert "could not be imported" in content["content_text"]
    assert _plan_titles(content) == [WAREHOUSE]
    assert server.requests == []  # the route's import run was never executed; the chat's refused
    over = client.post(
        "/api/v1/tracks/import", json={"url": server.url("/other.mp3")}, headers=who.headers
    )
    assert over.status_code == 429  # the chat's attempt and the route's import used the hour


@pytest.mark.parametrize("option", ["c9", "c²", "c-1", "c", "0"])
def test_an_answer_naming_no_offered_candidate_imports_nothing(chat_app, api, server, option):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    asked = say(chat_app, client, who, chat["id"], {"content": WORDS})
    answered = _choose(chat_app, client, who, chat["id"], asked, option)
    content = _plan_after(chat_app, client, who, answered["content_json"]["plan_run_id"])
    assert _plan_titles(content) == [WAREHOUSE]
    assert server.requests == []
