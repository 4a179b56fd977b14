"""The procedural generator end to end: prompt → spec → stems → master → QA → files.

Forty prompts over the ten genres are generated once per session (30-second sketches) and
measured again from the delivered files: tempo and key by the library's own analysis, QA by
the render engine's checks, every stem non-silent, and the genres told apart by how their
drums measure, not by their label.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from intellimix.audio import io
from intellimix.audio.analysis import analyze_file
from intellimix.audio.errors import AudioError
from intellimix.audio.generate import GenerationOutcome, generate_track
from intellimix.audio.generate.arrangement import STEMS
from intellimix.planner.intent import GenerationSpec, parse_prompt
from tests.audio.generation_prompts import PROMPTS

TEMPO_TOLERANCE_BPM = 1.0
MIN_HIT_RATE = 0.95
STEM_FLOOR_DBFS = -50.0  # a stem whose peak is under this counts as silent


@dataclass(frozen=True)
class Generated:
    prompt: str
    spec: GenerationSpec
    outcome: GenerationOutcome
    analysis: dict[str, Any]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Generated]]:
    folder = tmp_path_factory.mktemp("generated")
    results = []
    for index, prompt in enumerate(PROMPTS):
        spec = parse_prompt(prompt)
        outcome = generate_track(spec.model_dump(), folder / f"{index:02d}")
        results.append(Generated(prompt, spec, outcome, analyze_file(outcome.track_wav)))
    yield results


def _by_prompt(generated: list[Generated], prompt: str) -> Generated:
    return next(g for g in generated if g.prompt == prompt)


@pytest.mark.parametrize("prompt", PROMPTS)
def test_every_track_passes_qa_and_every_stem_sounds(
    generated: list[Generated], prompt: str
) -> None:
    item = _by_prompt(generated, prompt)
    failed = [c["name"] for c in item.outcome.qa["attempts"][-1]["qa"]["checks"] if not c["passed"]]
    assert item.outcome.qa["passed"], f"QA failed {failed}"
    assert set(item.outcome.stems) == set(STEMS)
    for name, path in item.outcome.stems.items():
        peak = float(np.max(np.abs(io.decode(path).samples)))
        assert 20 * np.log10(max(peak, 1e-12)) > STEM_FLOOR_DBFS, f"{name} stem is silent"
    assert item.analysis["duration_s"] == pytest.approx(item.spec.duration_s, abs=0.05)


def test_tempo_and_key_measure_as_specified(generated: list[Generated]) -> None:
    tempo_misses = [
        (g.prompt, g.spec.bpm, g.analysis["bpm"])
        for g in generated
        if g.analysis["bpm"] is None or abs(g.analysis["bpm"] - g.spec.bpm) > TEMPO_TOLERANCE_BPM
    ]
    key_misses = [
        (g.prompt, g.spec.key, g.analysis["key"])
        for g in generated
        if g.analysis["key"] != g.spec.key
    ]
    allowed = int(len(generated) * (1 - MIN_HIT_RATE))
    assert len(tempo_misses) <= allowed, tempo_misses
    assert len(key_misses) <= allowed, key_misses


def test_spec_json_records_the_seed_and_the_timeline(generated: list[Generated]) -> None:
    item = generated[0]
    record = json.loads(item.outcome.spec_json.read_text())
    assert record["seed"] == item.spec.seed
    assert record["timeline"][-1]["end_s"] == pytest.approx(item.spec.duration_s, abs=1e-3)
    assert [s["section"] for s in record["timeline"]] == [s.section for s in item.spec.structure]


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_files_and_another_seed_another_track(tmp_path: Path) -> None:
    prompt = "techno at 130 bpm in F minor, 20 seconds"
    first = generate_track(parse_prompt(prompt, seed=11).model_dump(), tmp_path / "a")
    again = generate_track(parse_prompt(prompt, seed=11).model_dump(), tmp_path / "b")
    other = generate_track(parse_prompt(prompt, seed=12).model_dump(), tmp_path / "c")
    assert _digests(first.out_dir) == _digests(again.out_dir)
    assert len(_digests(first.out_dir)) == 9  # track wav+mp3, five stems, spec, qa
    differing = {
        name
        for name, digest in _digests(other.out_dir).items()
        if digest != _digests(first.out_dir)[name]
    }
    assert {"track.wav", "track.mp3", "stems/drums.wav", "stems/lead.wav"} <= differing


def test_reference_track_tonal_balance_is_matched(
    generated: list[Generated], tmp_path: Path
) -> None:
    # A bright, hard dubstep master as the reference for a mellow lo-fi prompt.
    reference = _by_prompt(generated, "dubstep with wobble bass at 140 bpm in E minor, 30 seconds")
    spec = parse_prompt("chill lo-fi with rhodes, 30 seconds", seed=3)
    outcome = generate_track(spec.model_dump(), tmp_path, reference=reference.outcome.track_wav)
    master_report = outcome.qa["attempts"][-1]["master"]
    assert outcome.similarity is not None and outcome.similarity >= 0.85
    assert outcome.similarity > master_report["reference_similarity_before"]
    assert outcome.qa["passed"]


@pytest.mark.parametrize(
    ("spec_patch", "code"),
    [
        ({"key": "H major"}, "INVALID_SPEC"),
        ({"structure": []}, "INVALID_SPEC"),
        ({"bpm": "fast"}, "INVALID_SPEC"),
    ],
)
def test_an_unusable_spec_is_a_coded_error(
    spec_patch: dict[str, Any], code: str, tmp_path: Path
) -> None:
    spec = {**parse_prompt("house, 20 seconds").model_dump(), **spec_patch}
    with pytest.raises(AudioError) as caught:
        generate_track(spec, tmp_path)
    assert caught.value.code == code
    assert not any(tmp_path.iterdir())
