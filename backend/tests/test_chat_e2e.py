"""Chat-native planning end to end: a real API process and a real worker on PostgreSQL and Redis.

Everything goes over HTTP, as a client would: register, generate three tracks, ask for a mix,
revise the draft ("make the transition into <the second track> 32 beats and end on its drop"),
approve it, follow the render's events to the end, download the WAV and measure it. The worker
runs the product's own executors (generate, analyze, plan, render): nothing is stubbed.

The second generated track closes the mix, so "end on its drop" has one meaning: the mix ends
on that track's drop.
"""

from __future__ import annotations

import io
import json
import math
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile

from .processes import BACKEND_DIR, Processes, sse_frames
from .sse_client import Frame

# PostgreSQL only, as the process tests: under CI=true a missing server is an error, not a skip.
pytestmark = [pytest.mark.database, pytest.mark.parametrize("db_backend", ["postgresql"])]

API = "/api/v1"
RUN_TIMEOUT_S = 240  # the SSE stream of one run ends with `max_duration` after this
STRETCH_TOLERANCE = 0.005  # DESIGN §5: no stretch within 0.5%

# (prompt, duration_s, seed). Fixed seeds: the generator and the analysis are deterministic.
# The second track closes the mix; its analysis must find a drop (checked before planning).
TRACKS = (
    ("house in A minor 124 bpm", 60.0, 1),
    ("techno 126 bpm in C minor", 90.0, 2),
    ("synthwave in E minor 118 bpm", 60.0, 3),
)


class Client:
    """JSON over HTTP against the API process, with the person's access token once registered."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **self.headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, path: str) -> Any:
        status, body = self.call("GET", path)
        assert status == 200, (path, status, body)
        return body

    def post(self, path: str, body: dict[str, Any], expect: int = 202) -> Any:
        status, answer = self.call("POST", path, body)
        assert status == expect, (path, status, answer)
        return answer

    def download(self, url: str, *, bearer: bool) -> bytes:
        headers = self.headers if bearer else {}
        request = urllib.request.Request(self.base + url, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
            return bytes(response.read())

    def follow(self, run_id: str) -> dict[str, Any]:
        """The run's SSE stream to its end: every event in order, then a terminal snapshot."""
        frames: list[Frame] = []
        for frame in sse_frames(self.base, f"{API}/mix-chat-runs/{run_id}/events", self.headers):
            frames.append(frame)
            if frame.event == "stream_end":
                break
        assert frames and frames[-1].event == "stream_end", frames[-3:]
        assert frames[-1].data == {"reason": "terminal"}, f"run {run_id} never finished"
        updates = [f for f in frames if f.event == "run_update"]
        # From creation (seq 1) on, no event missing, none twice, in order.
        assert [f.id for f in updates] == list(range(1, len(updates) + 1)), [f.id for f in updates]
        assert all(f.data["run"]["id"] == run_id for f in updates)
        assert [f.data["terminal"] for f in updates] == [False] * (len(updates) - 1) + [True]
        last = updates[-1].data["run"]
        assert last["status"] == "completed", last
        assert updates[0].data["run"]["status"] == "queued"
        assert "running" in {f.data["run"]["status"] for f in updates}
        # The last event is the run as the polling fallback shows it.
        polled = self.get(f"{API}/mix-chat-runs/{run_id}")["run"]
        assert {k: v for k, v in polled.items() if k != "assistant_message"} == last
        return dict(polled)


@pytest.fixture
def cluster(app, database_url, redis_url, redis_db, tmp_path) -> Iterator[Processes]:
    """A worker with the product's executors and an API server, sharing one storage folder.

    `app` truncates this test's PostgreSQL database; nothing else here uses it.
    """
    env = {k: v for k, v in os.environ.items() if k != "RUN_EXECUTOR_MODULES"}
    env.update(
        DATABASE_URL=database_url,
        MIX_CHAT_QUEUE_URL=redis_url,
        MIX_CHAT_QUEUE_PREFIX=f"t{uuid.uuid4().hex[:8]}",
        STORAGE_DIR=str(tmp_path / "storage"),
        PYTHONPATH=str(BACKEND_DIR),
        EMBEDDED_WORKER="false",
        MIX_CHAT_SSE_HEARTBEAT_SECONDS="1",
        MIX_CHAT_SSE_MAX_SECONDS=str(RUN_TIMEOUT_S),
        AUTH_RATE_LIMIT_PER_ADDRESS="10000 per minute",
        PASSWORD_HASH_METHOD="scrypt:1024:8:1",
        LOG_LEVEL="INFO",
    )
    processes = Processes(env, tmp_path)
    yield processes
    processes.close()


def _expected_timeline(plan: dict[str, Any], bpms: dict[str, float]) -> list[tuple[float, float]]:
    """Output spans by DESIGN §5: stretch by target/track BPM; each segment starts where the
    previous one's transition begins."""
    target = plan["target"]["bpm"]
    spans: list[tuple[float, float]] = []
    end = 0.0
    for segment in plan["segments"]:
        ratio = target / bpms[segment["track_id"]]
        stretch = 1.0 if abs(ratio - 1.0) <= STRETCH_TOLERANCE else ratio
        transition = segment["transition_in"]
        overlap = 0.0 if not transition else transition["beats"] * 60.0 / target
        start = end - overlap
        end = start + (segment["source_end_s"] - segment["source_start_s"]) / stretch
        spans.append((start, end))
    return spans


def _true_peak_db(samples: np.ndarray) -> float:
    """Peak of the 4× oversampled signal (BS.1770-4 Annex 2), in dBTP."""
    oversampled = scipy.signal.resample_poly(samples, 4, 1, axis=0)
    return 20.0 * math.log10(float(np.max(np.abs(oversampled))))


def test_three_generated_tracks_to_a_revised_rendered_mix(cluster):
    processes = cluster
    processes.worker(interactive=1, heavy=1)
    client = Client(processes.api())

    # --- a person and three generated tracks ---------------------------------------------
    registered = client.post(
        f"{API}/auth/register",
        {"name": "Ada", "email": "ada@example.com", "password": "correct horse"},
        expect=201,
    )
    client.headers = {"Authorization": f"Bearer {registered['access_token']}"}
    started = [
        client.post(f"{API}/generate-ai", {"prompt": p, "duration_s": d, "seed": s})["run"]
        for p, d, s in TRACKS
    ]
    track_ids = [client.follow(run["id"])["result"]["track_id"] for run in started]
    listed = {t["id"]: t for t in client.get(f"{API}/tracks?limit=50")["items"]}
    assert set(listed) == set(track_ids)
    tracks = [client.get(f"{API}/tracks/{track_id}")["track"] for track_id in track_ids]
    assert [t["status"] for t in tracks] == ["ready"] * 3
    assert [listed[t["id"]]["title"] for t in tracks] == [t["title"] for t in tracks]
    first, second, third = tracks
    bpms = {t["id"]: t["analysis"]["bpm"] for t in tracks}
    drops = [s for s in second["analysis"]["sections"] if s["label"] == "drop"]
    assert drops, f"the second track's analysis finds no drop: {second['analysis']['sections']}"

    # --- words to a draft: the second track closes the mix --------------------------------
    prompt = f"Mix {first['title']} into {third['title']} into {second['title']}"
    prompt += ", about 2 minutes at 124 bpm"
    created = client.post(f"{API}/mix-chats", {"initial_prompt": prompt}, expect=201)
    thread_id = created["thread"]["id"]
    message = client.follow(created["run"]["id"])["assistant_message"]
    content = message["content_json"]
    assert content["kind"] == "planning_draft_ready", message
    assert content["violations"] == []
    drafted = content["draft"]
    plan = drafted["plan"]
    order = [first["id"], third["id"], second["id"]]
    assert [s["track_id"] for s in plan["segments"]] == order
    assert plan["target"]["bpm"] == 124.0

    # --- the revision ---------------------------------------------------------------------
    revision = f"make the transition into {second['title']} 32 beats and end on its drop"
    posted = client.post(f"{API}/mix-chats/{thread_id}/messages", {"content": revision})
    message = client.follow(posted["run"]["id"])["assistant_message"]
    content = message["content_json"]
    assert content["kind"] == "planning_draft_ready", message
    assert content["violations"] == []
    draft = content["draft"]
    assert draft["id"] == content["draft_id"] != drafted["id"]
    assert draft["parent_id"] == drafted["id"] and draft["status"] == "draft_ready"
    revised = draft["plan"]
    assert [s["track_id"] for s in revised["segments"]] == order
    assert revised["target"] == plan["target"]
    # Only what was asked changed: the two segments before the closer are as they were.
    assert revised["segments"][:2] == plan["segments"][:2]
    closer = revised["segments"][-1]
    was = plan["segments"][-1]["transition_in"]
    assert closer["transition_in"] == {"type": was["type"], "beats": 32}
    # "end on its drop": the mix's last segment is the second track's, and it ends where one
    # of its drops ends, with that drop playing (cut points sit on downbeats, within half a
    # bar of a section's edge).
    half_bar = 2 * 60.0 / bpms[second["id"]]
    ending = [
        d
        for d in drops
        if abs(closer["source_end_s"] - d["end_s"]) <= half_bar + 1e-3
        and closer["source_start_s"] <= d["start_s"] + half_bar
    ]
    assert closer["label"] == "drop" and ending, (closer, drops)
    timeline = _expected_timeline(revised, bpms)
    shown_spans = [x for t in draft["timeline"] for x in (t["start_s"], t["end_s"])]
    # The draft rounds to the millisecond.
    assert shown_spans == pytest.approx([x for span in timeline for x in span], abs=2e-3)
    assert max(end for _, end in timeline) == timeline[-1][1]  # nothing plays past the closer

    # --- approve, render, follow it to the end --------------------------------------------
    approve = {"planning_action": {"draft_id": draft["id"], "action": "approve_plan"}}
    posted = client.post(f"{API}/mix-chats/{thread_id}/messages", approve)
    assert posted["run"]["kind"] == "render"
    message = client.follow(posted["run"]["id"])["assistant_message"]
    assert message["status"] == "completed", message
    content = message["content_json"]
    assert content["kind"] == "mix_proposal", message
    version = content["version"]
    assert version["id"] == content["version_id"] and version["draft_id"] == draft["id"]
    assert version["plan"] == revised  # the version rendered is exactly the plan approved
    assert version["qa"]["passed"] is True, version["qa"]
    assert [f["role"] for f in version["files"]].count("stem") == 3  # a stem per track
    shown = client.get(f"{API}/mix-chats/{thread_id}/plan-drafts/{draft['id']}")["draft"]
    assert shown["status"] == "executed"

    # --- the WAV: by its signed url and by Bearer, measured here ---------------------------
    output = content["final_output"]
    signed = client.download(output["wav_url"], bearer=False)
    job_id = output["job_id"]
    assert client.download(f"{API}/files/{job_id}/mix.wav", bearer=True) == signed
    assert client.download(output["mp3_url"], bearer=False)[:3] in (b"ID3", b"\xff\xfb")
    target = revised["target"]
    info = soundfile.info(io.BytesIO(signed))
    assert (info.samplerate, info.channels, info.subtype) == (target["sample_rate"], 2, "PCM_24")
    samples, rate = soundfile.read(io.BytesIO(signed), dtype="float64", always_2d=True)
    assert samples.shape[0] / rate == pytest.approx(timeline[-1][1], abs=0.1)
    lufs = pyloudnorm.Meter(rate).integrated_loudness(samples)
    assert lufs == pytest.approx(target["lufs"], abs=1.0)
    assert _true_peak_db(samples) <= target["true_peak_db"]
