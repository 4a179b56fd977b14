"""`intellimix generate PROMPT -o OUTDIR` and `intellimix demo -o OUTDIR` (DESIGN §2a)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from intellimix.generation.demo import DEMO_SET

CLI = str(Path(sys.executable).with_name("intellimix"))
TRACK_FILES = [
    "qa.json",
    "spec.json",
    "stems/bass.wav",
    "stems/drums.wav",
    "stems/fx.wav",
    "stems/harmony.wav",
    "stems/lead.wav",
    "track.mp3",
    "track.wav",
]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=900)


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("cli") / "night"
    return out, _cli(
        "generate",
        "techno in F minor at 130 bpm",
        "-o",
        str(out),
        "--seed",
        "42",
        "--duration",
        "15",
    )


def test_generate_writes_every_file(generated):
    out, result = generated
    assert _files(out) == TRACK_FILES, result.stderr
    spec = json.loads((out / "spec.json").read_text())
    assert (spec["seed"], spec["genre"], spec["bpm"], spec["key"]) == (42, "techno", 130, "F minor")
    passed = json.loads((out / "qa.json").read_text())["passed"]
    assert result.returncode == (0 if passed else 1), result.stderr  # exit 1: QA failed
    summary = result.stdout.splitlines()[0]
    assert "techno" in summary and "130 BPM" in summary and "F minor" in summary
    assert "seed 42" in summary and f"QA {'passed' if passed else 'FAILED'}" in summary
    assert any("note:" in line for line in result.stdout.splitlines()[1:])


def test_generate_follows_a_reference(generated, tmp_path):
    reference, _ = generated
    out = tmp_path / "follow"
    result = _cli(
        "generate",
        "techno, 15 seconds",
        "-o",
        str(out),
        "--reference",
        str(reference / "track.wav"),
    )
    assert result.returncode in (0, 1) and _files(out) == TRACK_FILES, result.stderr
    assert "reference similarity" in result.stdout
    assert "from the reference track" in result.stdout  # the notes say where bpm and key came from


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["in H major"], "INVALID_KEY"),
        ([""], "EMPTY_PROMPT"),
        (["house", "--seed", "-5"], "INVALID_SEED"),
    ],
)
def test_bad_prompts_exit_two_and_write_nothing(tmp_path, args, code):
    out = tmp_path / "out"
    result = _cli("generate", *args, "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error {code}: ")
    assert not out.exists()


def test_an_unreadable_reference_exits_two(tmp_path):
    text = tmp_path / "notes.wav"
    text.write_text("not audio\n" * 40)
    out = tmp_path / "out"
    result = _cli("generate", "house", "-o", str(out), "--reference", str(text))
    assert result.returncode == 2 and "error UNDECODABLE_AUDIO" in result.stderr
    assert not out.exists()


def test_demo_writes_the_set(tmp_path):
    result = _cli("demo", "-o", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(e.slug for e in DEMO_SET)
    passed = []
    for entry in DEMO_SET:
        assert _files(tmp_path / entry.slug) == TRACK_FILES
        spec = json.loads((tmp_path / entry.slug / "spec.json").read_text())
        assert spec["seed"] == entry.seed
        passed.append(json.loads((tmp_path / entry.slug / "qa.json").read_text())["passed"])
    assert result.returncode == (0 if all(passed) else 1), result.stderr
