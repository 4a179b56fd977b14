"""The IntelliMix web client's requests replayed over HTTP (issue 17, findings 13–15).

`IntelliMixClient` behaves as ../shared/INTELLIMIX_CLIENT.md describes the upstream client: it
keeps only the access token a refresh answers (its refresh token never changes), refreshes on
any 401 and retries once, puts `?token=<access token>` on every file URL it builds (replacing
ours), decides what plays from the URL's last path part, and shows `payload.error` when it is a
string, else `payload.message`. The server is the app on a real HTTP server in this process,
with a worker thread executing runs from the database queue, as the embedded worker does.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import time_machine
from flask import Flask
from werkzeug.serving import make_server

from intellimix.db_types import utcnow
from intellimix.runs.queue import get_queue
from intellimix.runs.worker import execute_delivery

from .audio.drum_signals import synth_drum_track
from .audio.media import write_wav
from .sse_client import parse_frames, until_end

API = "/api/v1"


class IntelliMixClient:
    """The upstream web client's HTTP behaviour, request for request."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.access_token: str | None = None
        self.refresh_token: str | None = None
        self.refreshes = 0

    def raw(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        parsed = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), data

    def call(self, method: str, path: str, body: Any = None, *, retry: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        status, _headers, data = self.raw(
            method, API + path, None if body is None else json.dumps(body).encode(), headers
        )
        if status == 401 and retry and self.refresh_token and self.refresh():
            return self.call(method, path, body, retry=False)
        payload = json.loads(data) if data else None
        if status >= 400:
            raise ClientError(status, self.shown_error(status, payload))
        return payload

    def refresh(self) -> bool:
        """POST /auth/refresh without Bearer; reads only access_token; keeps its refresh token."""
        self.refreshes += 1
        status, _headers, data = self.raw(
            "POST",
            API + "/auth/refresh",
            json.dumps({"refresh_token": self.refresh_token}).encode(),
            {"Content-Type": "application/json"},
        )
        if status >= 300:
            self.access_token = self.refresh_token = None  # logged out
            return False
        self.access_token = json.loads(data)["access_token"]
        return True

    @staticmethod
    def shown_error(status: int, payload: Any) -> str:
        if isinstance(payload, dict):
            if isinstance(payload.get("error"), str):
                return str(payload["error"])
            if payload.get("message"):
                return str(payload["message"])
        return f"Request failed with status {status}"

    def file_url(self, url: str) -> str:
        """Resolve against the API host and *set* token=<access token>, replacing any token."""
        parts = urllib.parse.urlsplit(url)
        query = dict(urllib.parse.parse_qsl(parts.query))
        query["token"] = self.access_token or ""
        return urllib.parse.urlunsplit(("", "", parts.path, urllib.parse.urlencode(query), ""))

    def fetch_file(self, url: str) -> tuple[int, bytes]:
        status, _headers, data = self.raw("GET", self.file_url(url))
        return status, data

    @staticmethod
    def plays_inline(url: str) -> bool:
        return url.split("/")[-1].endswith((".mp3", ".m4a", ".wav"))

    def poll(self, run_id: str, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.call("GET", f"/mix-chat-runs/{run_id}")["run"]
            if run["status"] in ("completed", "failed", "cancelled"):
                return dict(run)
            time.sleep(0.2)
        raise AssertionError(f"run {run_id} did not finish")

    def events(self, run_id: str) -> list:
        """EventSource: `?token=<access token>`; on a `max_duration` end it reconnects with
        `Last-Event-ID` = the last id it saw, until the run's own end."""
        parsed = urllib.parse.urlsplit(self.base)
        seen: list = []
        while True:
            connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=300)
            last = next((f.id for f in reversed(seen) if f.id is not None), None)
            headers = {} if last is None else {"Last-Event-ID": str(last)}
            path = f"{API}/mix-chat-runs/{run_id}/events?token={self.access_token}"
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            assert response.status == 200

            def lines(source: http.client.HTTPResponse = response) -> Iterator[bytes]:
                while line := source.readline():
                    yield line

            try:
                frames = until_end(parse_frames(lines()))
            finally:
                connection.close()
            seen.extend(frames)
            if frames[-1].data.get("reason") != "max_duration":
                return seen


class ClientError(Exception):
    def __init__(self, status: int, shown: str) -> None:
        super().__init__(f"{status}: {shown}")
        self.status = status
        self.shown = shown


def _work(app: Flask, stop: threading.Event) -> None:
    """The embedded worker's loop, one thread, both lanes."""
    with app.app_context():
        queue = get_queue()
        while not stop.is_set():
            for lane in ("interactive", "heavy"):
                delivery = queue.fetch(lane, "contract-worker", block_seconds=0.05)
                if delivery is not None:
                    execute_delivery(app, delivery, "contract-worker", stop)


@contextlib.contextmanager
def _serving(app: Flask, *, worker: bool) -> Iterator[str]:
    """The app on a real HTTP server; with `worker`, a thread executing its runs. The refresh
    tests run none: their time travel freezes `time.monotonic` for every thread, which would
    leave a worker's queue poll waiting for a deadline that never comes."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    working = threading.Thread(target=_work, args=(app, stop), daemon=True)
    if worker:
        working.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        stop.set()
        if worker:
            working.join(timeout=60)
        server.shutdown()


@pytest.fixture
def served(make_app) -> Iterator[tuple[Flask, str]]:
    app = make_app(MAX_TRACK_SECONDS=60)
    with _serving(app, worker=True) as base:
        yield app, base


def _register(client: IntelliMixClient) -> dict:
    body = client.call(
        "POST",
        "/auth/register",
        {"name": "Ada", "email": f"ada-{uuid.uuid4().hex[:6]}@example.com", "password": "long pw!"},
    )
    client.access_token, client.refresh_token = body["access_token"], body["refresh_token"]
    return dict(body)


def _upload(client: IntelliMixClient, path) -> str:
    boundary = "contract-boundary"
    disposition = f'form-data; name="file"; filename="{path.name}"'
    body = (
        (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: audio/wav\r\n\r\n"
        ).encode()
        + path.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _headers, data = client.raw(
        "POST",
        f"{API}/tracks",
        body,
        {
            "Authorization": f"Bearer {client.access_token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert status == 202, data
    return str(json.loads(data)["run"]["id"])


def test_the_web_clients_walk_from_sign_up_to_logout(served, tmp_path):
    app, base = served
    client = IntelliMixClient(base)

    # Sign-up, then /auth/me at start-up.
    registered = _register(client)
    assert set(registered["user"]) >= {"id", "name", "email", "created_at"}
    assert client.call("GET", "/auth/me")["user"]["id"] == registered["user"]["id"]

    # A library to mix (set up over HTTP too; the upstream client has no upload).
    for name, style, bpm in (("Night Groove", "house", 120.0), ("Day Break", "techno", 126.0)):
        track = synth_drum_track(style, bpm=bpm, duration_s=20.0, sample_rate=44100)
        wav = write_wav(tmp_path / f"{name}.wav", np.stack([track.audio, track.audio]), 44100)
        assert client.poll(_upload(client, wav))["status"] == "completed"

    # Chat: the thread list, a new thread, a prompt that needs a question answered.
    listed = client.call("GET", "/mix-chats?limit=50&page=1")
    assert {"items", "page", "limit", "total", "pages"} <= set(listed)
    thread = client.call("POST", "/mix-chats", {})["thread"]
    prompt = {
        "content": "mix Nite Grove into Day Break",  # a near name: asked about
        "mode": "refine_last",
        "planning_target": "auto",
    }
    posted = client.call("POST", f"/mix-chats/{thread['id']}/messages", prompt)
    assert {"user_message", "assistant_message_placeholder", "run"} <= set(posted)
    run = client.poll(posted["run"]["id"])
    assert {"id", "thread_id", "assistant_message_id", "status", "progress_percent"} <= set(run)
    asked = run["assistant_message"]["content_json"]
    assert asked["kind"] == "planning_questions"
    question = asked["questions"][0]
    choice = next(o for o in question["options"] if o["label"] != "Day Break")
    answers = {
        "planning_response": {
            "draft_id": asked["draft_id"],
            "answers": [
                {"question_id": question["question_id"], "selected_option_id": choice["id"]}
            ],
        }
    }
    run = client.poll(
        client.call("POST", f"/mix-chats/{thread['id']}/messages", answers)["run"]["id"]
    )
    ready = run["assistant_message"]["content_json"]
    assert ready["kind"] == "planning_draft_ready" and ready["violations"] == []
    assert isinstance(ready["proposal"], dict)
    draft = client.call("GET", f"/mix-chats/{thread['id']}/plan-drafts/{ready['draft_id']}")
    assert draft["draft"]["id"] == ready["draft_id"]

    # Approve; follow the render over SSE (?token=) and by polling.
    approve = {"planning_action": {"draft_id": ready["draft_id"], "action": "approve_plan"}}
    started = client.call("POST", f"/mix-chats/{thread['id']}/messages", approve)
    frames = client.events(started["run"]["id"])
    updates = [f for f in frames if f.event == "run_update"]
    assert updates[-1].data["terminal"] is True
    assert frames[-1].event == "stream_end" and frames[-1].data == {"reason": "terminal"}
    assert [f.id for f in updates] == sorted({f.id for f in updates})  # resumed, no repeats
    run = client.poll(started["run"]["id"])
    assert run["status"] == "completed", run
    mix = run["assistant_message"]["content_json"]
    assert isinstance(mix["proposal"], dict) and mix["final_output"]["mp3_url"]

    # The player: our signed url with the token replaced by the access token (finding 13).
    status, audio = client.fetch_file(mix["final_output"]["mp3_url"])
    assert status == 200 and audio[:3] in (b"ID3", b"\xff\xfb")

    # Edit Timeline: the editor, attach, a message that conflicts → a clarification whose
    # quick action re-attaches the timeline. The client finds the tracks for that (and for its
    # media panel) in the version list's `proposal_json.tracks`, by `track_index`.
    segments = mix["proposal"]["segments"]
    versions = client.call("GET", f"/mix-chats/{thread['id']}/versions?limit=100")["items"]
    version = next(v for v in versions if v["id"] == mix["version_id"])
    tracks = {t["track_index"]: t for t in version["proposal_json"]["tracks"]}
    assert {s["track_index"] for s in segments} <= set(tracks)
    for shown in mix["tracks"]:  # the same tracks the mix message lists
        track = tracks[shown["track_index"]]
        assert {k: track[k] for k in ("id", "title", "artist", "duration_seconds")} == {
            k: shown[k] for k in ("id", "title", "artist", "duration_seconds")
        }
        status, preview = client.fetch_file(track["preview_url"])
        assert status == 200 and preview
    for segment in segments:
        assert tracks[segment["track_index"]]["id"] == segment["track_id"]
    assert version["proposal_json"]["proposal"]["title"] == mix["proposal"]["title"]
    segments[0]["crossfade_after_seconds"] = 3.0
    attachment = {
        "type": "timeline_snapshot",
        "source_version_id": mix["version_id"],
        "segments": segments,
        "editor_metadata": {"changed_segment_ids": [segments[0]["id"]], "total_segments": 2},
    }
    conflicting = {
        "content": "make it 30 seconds long",
        "mode": "refine_last",
        "attachments": [attachment],
    }
    run = client.poll(
        client.call("POST", f"/mix-chats/{thread['id']}/messages", conflicting)["run"]["id"]
    )
    asked = run["assistant_message"]["content_json"]
    assert asked["kind"] == "clarification_question"
    assert asked["timeline_snapshot"]["source_version_id"] in {v["id"] for v in versions}
    resolution = {
        "content": "",
        "mode": "refine_last",
        "attachments": [asked["timeline_snapshot"]],
        "timeline_resolution": asked["quick_actions"][0]["id"],
    }
    run = client.poll(
        client.call("POST", f"/mix-chats/{thread['id']}/messages", resolution)["run"]["id"]
    )
    assert run["status"] == "completed"
    assert run["assistant_message"]["content_json"]["kind"] == "planning_draft_ready"

    # History (finding 14).
    history = client.call("GET", "/history?limit=12&page=1")
    item = next(i for i in history["items"] if i["generation_type"] == "ai_parody")
    assert item["status"] == "success" and isinstance(item["input_payload"]["prompt"], str)
    assert item["input_payload"]["prompt"]
    assert "?" not in item["output_url"] and client.plays_inline(item["output_url"])
    status, previewed = client.fetch_file(item["output_url"])
    assert status == 200 and previewed == audio
    only = client.call("GET", "/history?limit=12&page=1&type=ai_parody")
    assert [i["id"] for i in only["items"]] == [item["id"]]

    # Errors show the server's message, not "Request failed with status N" (finding 15).
    with pytest.raises(ClientError) as refused:
        client.call("GET", f"/mix-chat-runs/{uuid.uuid4()}")
    assert refused.value.status == 404 and refused.value.shown == "No such run."

    # Logout (result ignored), then the session is over: the retry's refresh fails too.
    client.call("POST", "/auth/logout", {"refresh_token": client.refresh_token})
    with pytest.raises(ClientError) as after:
        client.call("GET", "/auth/me")
    assert after.value.status == 401 and client.access_token is None


def test_a_file_refuses_an_access_token_of_another_person_or_a_refresh_token(served):
    app, base = served
    owner, other = IntelliMixClient(base), IntelliMixClient(base)
    _register(owner)
    _register(other)
    from intellimix.history import service as history

    with app.app_context():
        user_id = owner.call("GET", "/auth/me")["user"]["id"]
        job = history.create_job(user_id=user_id, type="render", input={}, run_id=None)
        job_id = job.id
    path = f"{API}/files/{job_id}/mix.mp3"
    assert other.fetch_file(path)[0] == 404  # another person's job: not found
    owner.access_token = owner.refresh_token  # a refresh token is no access token
    assert owner.fetch_file(path)[0] == 401


def test_three_concurrent_refreshes_with_one_token_all_succeed(make_app):
    """Rotation on: three 401s at once each refresh with the same token (finding 15)."""
    with _serving(make_app(), worker=False) as base:
        client = IntelliMixClient(base)
        tokens = _register(client)

        def refresh(_: int) -> tuple[int, dict]:
            status, _headers, data = client.raw(
                "POST",
                f"{API}/auth/refresh",
                json.dumps({"refresh_token": tokens["refresh_token"]}).encode(),
                {"Content-Type": "application/json"},
            )
            return status, json.loads(data)

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(refresh, range(3)))
        assert [status for status, _ in answers] == [200, 200, 200]
        successors = {body["refresh_token"] for _, body in answers}
        assert len(successors) == 1 and tokens["refresh_token"] not in successors
        for _, body in answers:
            client.access_token = body["access_token"]
            me = client.call("GET", "/auth/me", retry=False)
            assert me["user"]["id"] == tokens["user"]["id"]
        # Past the grace window the spent token is theft: the session ends.
        with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
            assert refresh(0)[0] == 401
            client.access_token = answers[0][1]["access_token"]
            with pytest.raises(ClientError):
                client.call("GET", "/auth/me", retry=False)


def test_rotation_off_two_refreshes_fifteen_minutes_apart_with_the_first_token(make_app):
    with _serving(make_app(JWT_REFRESH_ROTATION=False), worker=False) as base:
        client = IntelliMixClient(base)
        first_refresh = _register(client)["refresh_token"]
        start = utcnow()
        with time_machine.travel(start + timedelta(minutes=16), tick=False):
            assert client.call("GET", "/auth/me")["user"]  # 401 → refresh → retried
        with time_machine.travel(start + timedelta(minutes=32), tick=False):
            assert client.call("GET", "/auth/me")["user"]
        assert client.refreshes == 2 and client.refresh_token == first_refresh
