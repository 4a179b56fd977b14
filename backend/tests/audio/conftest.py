"""Audio fixtures: Bach chorales from music21's corpus, rendered once per session and cached.

Ground truth for the chorale keys (the rule is symbolic, so it never depends on our detector):
the key signature names a major key and its relative minor; music21's symbolic analysis
(`score.analyze("key")`, Aarden-Essen profiles weighted by note durations) picks one of the two by
its correlation. A chorale is used only when that key is *also* music21's overall best key and the
lowest note of the final chord is its tonic. Chorales that fail this (Phrygian endings on the
dominant, Dorian key signatures, half-cadence endings) are ambiguous as a single global key, so
the list below holds the first 48 chorales, in music21's Riemenschneider order, that pass.
The fixture re-checks the rule and fails loudly if a music21 upgrade changes an answer.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.audio.midi_render import (
    ACOUSTIC_GRAND_PIANO,
    DEFAULT_SOUNDFONT,
    fluidsynth_available,
    render_midi,
    with_fixed_tempo,
    write_midi,
)

BACH_CHORALES: tuple[str, ...] = (
    "bach/bwv269",
    "bach/bwv347",
    "bach/bwv86.6",
    "bach/bwv267",
    "bach/bwv281",
    "bach/bwv17.7",
    "bach/bwv248.12-2",
    "bach/bwv41.6",
    "bach/bwv65.2",
    "bach/bwv33.6",
    "bach/bwv318",
    "bach/bwv302",
    "bach/bwv180.7",
    "bach/bwv28.6",
    "bach/bwv415",
    "bach/bwv148.6",
    "bach/bwv20.11",
    "bach/bwv308",
    "bach/bwv36.8-2",
    "bach/bwv32.6",
    "bach/bwv363",
    "bach/bwv256",
    "bach/bwv386",
    "bach/bwv330",
    "bach/bwv248.53-5",
    "bach/bwv385",
    "bach/bwv352",
    "bach/bwv115.6",
    "bach/bwv259",
    "bach/bwv65.7",
    "bach/bwv67.7",
    "bach/bwv377",
    "bach/bwv108.6",
    "bach/bwv248.9-1",
    "bach/bwv416",
    "bach/bwv26.6",
    "bach/bwv244.37",
    "bach/bwv91.6",
    "bach/bwv429",
    "bach/bwv122.6",
    "bach/bwv151.5",
    "bach/bwv110.7",
    "bach/bwv404",
    "bach/bwv245.3",
    "bach/bwv133.6",
    "bach/bwv159.5",
    "bach/bwv197.10",
    "bach/bwv245.11",
)
# Quarter-note tempi, cycled over the list: a spread a beat tracker must get right.
CHORALE_TEMPOS: tuple[float, ...] = (84.0, 90.0, 96.0, 100.0, 108.0, 112.0, 120.0, 126.0)
CHORALE_SAMPLE_RATE = 22050
CHORALE_GAIN = 0.5
RECIPE_VERSION = 1  # bump whenever rendering changes, so stale caches are never reused

CACHE_ROOT = (
    Path(os.environ.get("INTELLIMIX_TEST_CACHE", Path(__file__).resolve().parents[3] / ".cache"))
    / "chorales"
)


@dataclass(frozen=True)
class RenderedChorale:
    """One rendered chorale with its symbolic ground truth."""

    name: str
    wav_path: Path
    key: str  # "G major", "F# minor", "Bb major" — mir_eval-readable
    bpm: float  # quarter notes per minute, exactly as written into the MIDI file


def _recipe() -> dict[str, object]:
    return {
        "version": RECIPE_VERSION,
        "chorales": list(BACH_CHORALES),
        "tempos": list(CHORALE_TEMPOS),
        "sample_rate": CHORALE_SAMPLE_RATE,
        "gain": CHORALE_GAIN,
        "program": ACOUSTIC_GRAND_PIANO,
        "soundfont": [str(DEFAULT_SOUNDFONT), DEFAULT_SOUNDFONT.stat().st_size],
    }


def _key_text(tonic: str, mode: str) -> str:
    return f"{tonic.replace('-', 'b')} {mode}"


def unambiguous_key(score: Any) -> str | None:
    """The chorale's key by the rule in this module's docstring, or None when it is ambiguous."""
    signatures = score.recurse().getElementsByClass("KeySignature")
    if not signatures:
        return None
    signature = signatures[0]
    best = score.analyze("key")
    pair = {
        signature.asKey("major").tonicPitchNameWithCase,
        signature.asKey("minor").tonicPitchNameWithCase,
    }
    candidates = [best, *best.alternateInterpretations]
    chosen = max(
        (k for k in candidates if k.tonicPitchNameWithCase in pair),
        key=lambda k: k.correlationCoefficient,
    )
    final_chord = score.parts[-1].flatten().notes[-1]
    bass = min(final_chord.pitches, key=lambda p: p.ps)
    if chosen.tonicPitchNameWithCase != best.tonicPitchNameWithCase:
        return None
    if bass.pitchClass != chosen.tonic.pitchClass:
        return None
    return _key_text(chosen.tonic.name, chosen.mode)


def _render_all(folder: Path) -> list[dict[str, Any]]:
    from music21 import corpus  # test-only dependency, imported where it is needed

    entries: list[dict[str, Any]] = []
    jobs: list[Future[Path]] = []
    # fluidsynth runs in child processes, so two renders overlap with music21's Python work.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for index, name in enumerate(BACH_CHORALES):
            score = corpus.parse(name)
            key = unambiguous_key(score)
            if key is None:
                raise AssertionError(f"{name}: its key is no longer unambiguous; revise the list")
            bpm = CHORALE_TEMPOS[index % len(CHORALE_TEMPOS)]
            stem = name.replace("/", "_")
            midi = write_midi(
                with_fixed_tempo(score, bpm=bpm, program=ACOUSTIC_GRAND_PIANO),
                folder / f"{stem}.mid",
            )
            jobs.append(
                pool.submit(
                    render_midi,
                    midi,
                    folder / f"{stem}.wav",
                    sample_rate=CHORALE_SAMPLE_RATE,
                    gain=CHORALE_GAIN,
                )
            )
            entries.append({"name": name, "wav": f"{stem}.wav", "key": key, "bpm": bpm})
        for job in jobs:
            job.result()
    return entries


@pytest.fixture(scope="session")
def bach_chorales() -> Iterator[list[RenderedChorale]]:
    """The 48 chorales as WAVs with their keys and tempi; rendered only when not cached."""
    if not fluidsynth_available():
        pytest.fail(
            "fluidsynth or the TimGM6mb soundfont is missing: "
            "apt-get install --no-install-recommends fluidsynth timgm6mb-soundfont (.ci/run does)"
        )
    recipe = _recipe()
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]
    folder = CACHE_ROOT / digest
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "manifest.json"
    # A file lock: parallel test sessions wait for one renderer instead of racing it.
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries: list[dict[str, Any]] | None = (
            json.loads(manifest.read_text()) if manifest.is_file() else None
        )
        if entries is None or not all((folder / str(e["wav"])).is_file() for e in entries):
            entries = _render_all(folder)
            manifest.write_text(json.dumps(entries, indent=1))
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield [
        RenderedChorale(
            name=str(e["name"]),
            wav_path=folder / str(e["wav"]),
            key=str(e["key"]),
            bpm=float(e["bpm"]),
        )
        for e in entries
    ]
