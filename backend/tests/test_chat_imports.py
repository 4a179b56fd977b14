"""Chat: a song asked for that the library lacks is searched for, offered, imported, planned.

The planner names such songs in `PlannerReply.unresolved_songs`. Until the builder fills that
field, `NamesMissingSongs` stands in for it: it asks the real local planner and, when the words
name "Levitating" and the library has no such track, answers with the real planner's plan of
the words without it and names "Levitating" as unresolved. Everything else is real: the
catalogue search provider, a direct-link import from the tests' HTTP server, the analysis.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from flask import Flask

from intellimix.chats import planning
from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.planner.local import LocalPlanner
from intellimix.planner.turns import PlannerReply, PlannerRequest
from intellimix.sources.models import SourceMetadata

from . import source_catalogue
from .audio.drum_signals import synth_drum_track
from .audio.media import transcode, write_wav
from .chat_support import CHATS, Person, execute, say, thread
from .media_server import MediaServer, Route

pytestmark = pytest.mark.database
WORDS = "mix Levitating into Warehouse Sunrise"
LEVITATING = "Levitating — Dua Lipa (Official Audio)"
WAREHOUSE = "Warehouse Sunrise — Night Driver"


class NamesMissingSongs:
    def respond(self, request: PlannerRequest) -> PlannerReply:
        titles = " ".join(track.title.lower() for track in request.library)
        if "levitating" in request.message.lower() and "levitating" not in titles:
            without = request.model_copy(update={"message": "mix Warehouse Sunrise"})
            reply = LocalPlanner().respond(without)
            return reply.model_copy(update={"unresolved_songs": ["Levitating"]})
        return LocalPlanner().respond(request)


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
def chat_app(app, server, monkeypatch) -> Iterator[Flask]:
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
    monkeypatch.setattr(planning, "planner_for", lambda _config: NamesMissingSongs())
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


def _latest_runs(client, who: Person, thread_id: str) -> list[dict]:
    listed = client.get(f"{CHATS}/{thread_id}/runs", headers=who.headers).get_json()
    return list(listed["items"])


def _plan_titles(message: dict) -> list[str]:
    proposal = message["content_json"]["proposal"]
    return [segment["song"] for segment in proposal["provisional_timeline"]]


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

    answered = say(
        chat_app,
        client,
        who,
        chat["id"],
        {
            "planning_response": {
                "draft_id": content["draft_id"],
                "answers": [{"question_id": question["question_id"], "selected_option_id": "c0"}],
            }
        },
    )
    assert answered["content_json"]["kind"] == "song_import"
    import_run = answered["content_json"]["run_id"]
    execute(chat_app, import_run)
    runs = {run["id"]: run for run in _latest_runs(client, who, chat["id"])}
    assert runs[import_run]["status"] == "completed", runs[import_run]["error"]
    assert server.requests == ["/levitating.mp3"]
    plan_run = runs[import_run]["result"]["plan_run_id"]
    execute(chat_app, plan_run)
    final = client.get(f"/api/v1/mix-chat-runs/{plan_run}", headers=who.headers).get_json()
    message = final["run"]["assistant_message"]
    assert message["content_json"]["kind"] == "planning_draft_ready", message
    assert set(_plan_titles(message)) == {"Levitating — Dua Lipa", WAREHOUSE}
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
    execute(chat_app, started["content_json"]["run_id"])
    runs = _latest_runs(client, who, chat["id"])
    plan_run = next(r for r in runs if r["kind"] == "plan" and r["status"] == "queued")
    execute(chat_app, plan_run["id"])
    message = client.get(f"/api/v1/mix-chat-runs/{plan_run['id']}", headers=who.headers)
    content = message.get_json()["run"]["assistant_message"]
    assert set(_plan_titles(content)) == {"Levitating — Dua Lipa", WAREHOUSE}


def test_unreachable_search_says_so_and_plans_with_the_library(chat_app, api, server):
    source_catalogue.UNREACHABLE["value"] = True
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    reply = say(chat_app, client, who, chat["id"], {"content": WORDS})
    assert reply["content_json"]["kind"] == "planning_draft_ready"
    assert "song search is not reachable right now" in reply["content_text"]
    assert _plan_titles(reply) == [WAREHOUSE]
    assert server.requests == []


def test_plan_without_it_plans_with_the_library_and_does_not_ask_again(chat_app, api, server):
    client = chat_app.test_client()
    who = _person(chat_app, api)
    chat = thread(client, who)["thread"]
    asked = say(chat_app, client, who, chat["id"], {"content": WORDS})["content_json"]
    skipped = say(
        chat_app,
        client,
        who,
        chat["id"],
        {
            "planning_response": {
                "draft_id": asked["draft_id"],
                "answers": [
                    {
                        "question_id": asked["questions"][0]["question_id"],
                        "selected_option_id": "skip",
                    }
                ],
            }
        },
    )
    plan_run = skipped["content_json"]["plan_run_id"]
    execute(chat_app, plan_run)
    message = client.get(f"/api/v1/mix-chat-runs/{plan_run}", headers=who.headers).get_json()
    content = message["run"]["assistant_message"]
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
    execute(chat_app, started["content_json"]["run_id"])
    runs = _latest_runs(client, who, chat["id"])
    plan_run = next(r for r in runs if r["kind"] == "plan" and r["status"] == "queued")
    execute(chat_app, plan_run["id"])
    message = client.get(f"/api/v1/mix-chat-runs/{plan_run['id']}", headers=who.headers)
    content = message.get_json()["run"]["assistant_message"]
    assert "could not be imported" in content["content_text"]
    assert _plan_titles(content) == [WAREHOUSE]
