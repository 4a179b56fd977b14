"""Helpers for the chat tests: a person with an analysed library, runs executed on the spot."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from intellimix.chats.models import MixVersion
from intellimix.extensions import db
from intellimix.history import service as history
from intellimix.library.models import Track
from intellimix.runs.queue import Delivery
from intellimix.runs.registry import lane_of
from intellimix.runs.worker import execute_delivery

from .planning_library import fixture_library

CHATS = "/api/v1/mix-chats"


@dataclass
class Person:
    id: str
    headers: dict[str, str]
    tracks: dict[str, str]  # fixture ref → track id


def person(app: Flask, api: Any, email: str = "ada@example.com", *, library: bool = True) -> Person:
    body = api.register(email=email)
    user_id = body["user"]["id"]
    return Person(
        user_id, api.bearer(body["access_token"]), add_library(app, user_id) if library else {}
    )


def add_library(app: Flask, user_id: str) -> dict[str, str]:
    """The planning fixture's tracks as ready, analysed Track rows (plans need no audio)."""
    ids = {}
    with app.app_context():
        for entry in fixture_library():
            track = Track(
                user_id=user_id,
                title=entry.title,
                artist=entry.artist,
                source="upload",
                duration_s=entry.duration_s,
                status="ready",
                analysis={
                    "duration_s": entry.duration_s,
                    "bpm": entry.bpm,
                    "key": entry.key,
                    "sections": [s.model_dump() for s in entry.sections],
                    "downbeats": entry.downbeats,
                    "phrases": [{"start_s": t, "bars": 8} for t in entry.phrase_starts],
                    "energy_curve": [entry.energy],
                },
            )
            db.session.add(track)
            db.session.flush()
            ids[entry.id] = track.id
        db.session.commit()
    return ids


def execute(app: Flask, run_id: str) -> None:
    """Run one queued run to its end in this process, as a worker would."""
    with app.app_context():
        from intellimix.runs.models import Run

        kind = db.session.get(Run, run_id).kind
        execute_delivery(app, Delivery(run_id, lane_of(kind)), "test-worker", threading.Event())


def post(client: FlaskClient, who: Person, thread_id: str, body: dict, **headers: str) -> Any:
    return client.post(
        f"{CHATS}/{thread_id}/messages", json=body, headers={**who.headers, **headers}
    )


def answer(client: FlaskClient, who: Person, run_id: str) -> dict:
    """The run's assistant message, as the polling fallback shows it."""
    run = client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=who.headers).get_json()["run"]
    return dict(run["assistant_message"])


def say(app: Flask, client: FlaskClient, who: Person, thread_id: str, body: dict) -> dict:
    """Post, run the answer, and return the finished assistant message."""
    response = post(client, who, thread_id, body)
    assert response.status_code == 202, response.get_json()
    run_id = response.get_json()["run"]["id"]
    execute(app, run_id)
    return answer(client, who, run_id)


def thread(client: FlaskClient, who: Person, **body: Any) -> dict:
    response = client.post(CHATS, json=body, headers=who.headers)
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def delivered_qa(*, checks: list[dict], measured: dict) -> dict:
    """A version's `qa` as mixdown.deliver() stores it: every attempt, the last one decisive."""
    passed = all(check["passed"] for check in checks)
    attempt = {"passed": passed, "checks": checks, "measured": measured}
    return {"passed": passed, "attempts": [{"attempt": 1, "master": {}, "qa": attempt}]}


def fake_render(app: Flask, who: Person, thread_id: str, draft_id: str, tmp_path: Path) -> str:
    """What a render run leaves behind (a Job with files and a MixVersion), without audio work."""
    from intellimix.chats.models import PlanDraft

    with app.app_context():
        draft = db.session.get(PlanDraft, draft_id)
        job = history.create_job(user_id=who.id, type="render", input={}, run_id=None)
        for name, role in (("mix.wav", "mix"), ("mix.mp3", "mix_mp3"), ("qa.json", "qa")):
            source = tmp_path / f"{job.id}-{name}"
            source.write_bytes(b"RIFF0000" if name.endswith("wav") else b"{}")
            history.add_file(job, source, name=name, role=role)
        history.finish_job(job)
        version = MixVersion(
            thread_id=thread_id,
            draft_id=draft_id,
            job_id=job.id,
            plan=draft.plan,
            outputs=list(job.outputs),
            qa=delivered_qa(checks=[], measured={"duration_s": 180.0, "lufs": -14.1}),
        )
        db.session.add(version)
        db.session.commit()
        return version.id
