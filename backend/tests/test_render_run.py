"""The `render` run kind end to end, and `intellimix render` on a folder of tracks."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import zipfile
from io import BytesIO as io_bytes
from pathlib import Path

import numpy as np
import pytest

from intellimix.audio import io, loudness
from intellimix.chats.models import ChatThread, MixVersion
from intellimix.extensions import db
from intellimix.runs import service as runs
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio.drum_signals import synth_drum_track
from .audio.media import write_wav
from .cue_sheets import parse_cue

CLI = str(Path(sys.executable).with_name("intellimix"))


def _drums(path: Path, style: str, bpm: float, seconds: float = 20.0) -> Path:
    track = synth_drum_track(style, bpm=bpm, duration_s=seconds, sample_rate=44100)
    return write_wav(path, np.stack([track.audio, 0.9 * track.audio]), 44100)


def _plan(a: str, b: str) -> dict:
    return {
        "title": "A into B",
        "target": {"bpm": 124.0, "lufs": -14.0, "true_peak_db": -1.0},
        "segments": [
            {"id": "s1", "track_id": a, "source_start_s": 0.37, "source_end_s": 16.37},
            {
                "id": "s2",
                "track_id": b,
                "source_start_s": 0.37,
                "source_end_s": 15.37,
                "transition_in": {"type": "crossfade", "beats": 8},
            },
        ],
    }


def _execute(app, run_id):
    with app.app_context():
        execute_delivery(app, Delivery(run_id, "heavy"), "test-worker", threading.Event())


@pytest.mark.database
def test_render_run_stores_job_files_and_version(app, api, tmp_path):
    body = api.register()
    headers = api.bearer(body["access_token"])
    ids = []
    for name, style, bpm in (("a.wav", "house", 120.0), ("b.wav", "techno", 128.0)):
        path = _drums(tmp_path / name, style, bpm)
        with path.open("rb") as handle:
            upload = api.client.post(
                "/api/v1/tracks",
                data={"file": (handle, name)},
                headers=headers,
                content_type="multipart/form-data",
            ).get_json()
        _execute(app, upload["run"]["id"])
        ids.append(upload["track"]["id"])
    with app.app_context():
        thread = ChatThread(user_id=body["user"]["id"], title="Mix")
        db.session.add(thread)
        db.session.commit()
        run = runs.create_run(
            user_id=body["user"]["id"],
            kind="render",
            input={"plan": _plan(*ids)},
            thread_id=thread.id,
        )
        run_id, thread_id = run.id, thread.id
    _execute(app, run_id)
    snapshot = api.client.get(f"/api/v1/mix-chat-runs/{run_id}", headers=headers).get_json()["run"]
    assert snapshot["status"] == "completed", snapshot["error"]
    assert snapshot["result"]["qa_passed"] is True
    job = api.client.get(
        f"/api/v1/history/{snapshot['result']['job_id']}", headers=headers
    ).get_json()["job"]
    names = {f["name"]: f for f in job["outputs"]}
    assert set(names) == {
        "mix.wav",
        "mix.mp3",
        f"stem_{ids[0]}.wav",
        f"stem_{ids[1]}.wav",
        "qa.json",
        "cues.json",
        "mix.cue",
        "tracklist.txt",
        "mix.zip",
    }
    # Stored under safe names, downloaded under the mix's and the tracks' titles.
    downloads = {name: f.get("download_name") for name, f in names.items()}
    assert downloads["mix.wav"] == "A into B.wav" and downloads["mix.zip"] == "A into B.zip"
    assert downloads[f"stem_{ids[0]}.wav"] == "01 - a.wav"
    assert downloads[f"stem_{ids[1]}.wav"] == "02 - b.wav"
    assert names[f"stem_{ids[1]}.wav"]["track_id"] == ids[1]
    assert (job["thread_id"], job["version_id"]) == (thread_id, snapshot["result"]["version_id"])
    attachment = api.client.get(names["mix.wav"]["url"] + "&download=1")
    assert attachment.headers["Content-Disposition"] == 'attachment; filename="A into B.wav"'
    sheet = parse_cue(api.client.get(names["mix.cue"]["url"]).data.decode("utf-8"))
    assert sheet["file"] == "A into B.wav" and sheet["title"] == "A into B"
    assert [t["title"] for t in sheet["tracks"]] == ["a", "b"]
    assert sheet["tracks"][0]["start_s"] == 0.0 and 8.0 < sheet["tracks"][1]["start_s"] < 16.0
    listing = api.client.get(names["tracklist.txt"]["url"]).data.decode("utf-8").splitlines()
    assert listing[0].startswith("A into B (") and listing[2].startswith("0:00  a")
    bundle = zipfile.ZipFile(io_bytes(api.client.get(names["mix.zip"]["url"]).data))
    assert set(bundle.namelist()) == {
        "A into B.wav",
        "A into B.mp3",
        "A into B.cue",
        "A into B - tracklist.txt",
        "Stems/01 - a.wav",
        "Stems/02 - b.wav",
    }
    assert bundle.read("A into B.wav") == api.client.get(names["mix.wav"]["url"]).data
    wav = tmp_path / "mix.wav"
    wav.write_bytes(api.client.get(names["mix.wav"]["url"]).data)
    decoded = io.decode(wav)
    assert abs(loudness.integrated_loudness(decoded.samples, decoded.sample_rate) + 14.0) <= 0.5
    assert loudness.true_peak_db(decoded.samples, decoded.sample_rate) <= -1.0
    with app.app_context():
        version = db.session.query(MixVersion).filter_by(thread_id=thread_id).one()
        assert version.job_id == job["id"] and version.qa["passed"] is True
    with app.app_context():
        stages = {e.data["progress_stage"] for e in runs.events_after(run_id, 0)}
    assert {"stretch", "master", "encode", "qa"} <= stages


@pytest.mark.database
def test_render_run_with_an_invalid_plan_fails_with_field_paths(app, api):
    body = api.register()
    with app.app_context():
        plan = _plan("nope-a", "nope-b")
        run_id = runs.create_run(user_id=body["user"]["id"], kind="render", input={"plan": plan}).id
    _execute(app, run_id)
    snapshot = api.client.get(
        f"/api/v1/mix-chat-runs/{run_id}", headers=api.bearer(body["access_token"])
    ).get_json()["run"]
    assert snapshot["status"] == "failed"
    assert snapshot["error"]["code"] == "INVALID_PLAN"
    assert "segments.0.track_id" in snapshot["error"]["message"]


@pytest.fixture(scope="module")
def track_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tracks")
    _drums(folder / "night.wav", "house", 120.0)
    _drums(folder / "sunrise.wav", "techno", 128.0)
    return folder


def _render(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "render", *args], capture_output=True, text=True, timeout=600)


def test_cli_render_writes_every_output(track_dir, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(_plan("night", "sunrise")))
    out = tmp_path / "out"
    result = _render(str(plan), "--tracks", str(track_dir), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "cues.json",
        "mix.mp3",
        "mix.wav",
        "qa.json",
        "stems/night.wav",
        "stems/sunrise.wav",
    ]
    assert json.loads((out / "qa.json").read_text())["passed"] is True


@pytest.mark.parametrize(
    ("setup", "code"),
    [("missing", "TRACK_NOT_FOUND"), ("ambiguous", "TRACK_AMBIGUOUS"), ("invalid", "segments")],
)
def test_cli_render_refuses_before_writing(track_dir, tmp_path, setup, code):
    folder = tmp_path / "tracks"
    folder.mkdir()
    for source in track_dir.glob("*.wav"):
        (folder / source.name).write_bytes(source.read_bytes())
    plan = _plan("night", "sunrise")
    if setup == "missing":
        (folder / "sunrise.wav").unlink()
    elif setup == "ambiguous":
        io.encode_mp3(folder / "night.mp3", io.decode(folder / "night.wav").samples, 44100)
    else:
        plan["segments"][1]["transition_in"] = {"type": "crossfade", "beats": 64}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    out = tmp_path / "out"
    result = _render(str(tmp_path / "plan.json"), "--tracks", str(folder), "-o", str(out))
    assert result.returncode == 2
    assert code in result.stderr
    assert not out.exists()
