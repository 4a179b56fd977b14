"""`intellimix analyze FILE… [--json] [--jobs N]` (DESIGN §2a)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .audio.drum_signals import synth_drum_track
from .audio.media import write_wav

CLI = str(Path(sys.executable).with_name("intellimix"))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    beat = synth_drum_track("techno", bpm=140.0, duration_s=8.0, sample_rate=44100).audio
    good = write_wav(folder / "techno.wav", np.stack([beat, beat]), 44100)
    text = folder / "notes.mp3"
    text.write_text("not audio\n" * 30)
    return good, text, folder / "missing.wav"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, "analyze", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_json_in_argument_order_with_errors(files, jobs):
    good, text, missing = files
    result = _run(str(text), str(good), str(missing), "--json", "--jobs", jobs)
    assert result.returncode == 1, result.stderr
    entries = json.loads(result.stdout)
    assert [entry["file"] for entry in entries] == [str(text), str(good), str(missing)]
    assert entries[0]["error"]["code"] == "UNDECODABLE_AUDIO"
    assert entries[2]["error"]["code"] == "FILE_NOT_FOUND"
    analysis = entries[1]["analysis"]
    assert abs(analysis["bpm"] - 140.0) < 0.1
    assert {"key", "camelot", "lufs_integrated", "sections", "peaks"} <= set(analysis)


def test_all_good_exits_zero_with_a_summary_line(files):
    good, _, _ = files
    result = _run(str(good))
    assert result.returncode == 0, result.stderr
    file_name, summary = result.stdout.strip().split(": ", 1)
    assert file_name == str(good)
    assert abs(float(summary.split(" BPM")[0]) - 140.0) < 0.1
    assert "LUFS" in summary and "dBTP" in summary


def test_usage_errors_exit_two():
    assert _run().returncode == 2
    assert _run("x.wav", "--jobs", "0").returncode == 2
