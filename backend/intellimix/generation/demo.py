"""The demo set: a few fixed prompts the engine turns into tracks, so a new library has music.

Nothing is precomputed or committed. A track's audio is generated the first time anyone needs
it and kept in a cache folder, `<slug>-<seed>-<ENGINE_VERSION>.wav`; bump `ENGINE_VERSION`
whenever the engine's sound changes, so stale audio is never served. No Flask in here: the
command line uses the same entries.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intellimix.audio.progress import Progress
from intellimix.planner.intent import parse_prompt

ENGINE_VERSION = 1
DEMO_ARTIST = "IntelliMix"


@dataclass(frozen=True)
class DemoEntry:
    slug: str
    title: str
    prompt: str
    seed: int
    duration_s: float

    @property
    def filename(self) -> str:
        return f"{self.slug}.wav"


# Distinct genres, keys (no two share a scale, so a key detector cannot confuse relatives)
# and tempos (no two an octave apart, so a beat tracker cannot confuse them either).
DEMO_SET: tuple[DemoEntry, ...] = (
    DemoEntry(
        slug="warehouse-sunrise",
        title="Warehouse Sunrise",
        prompt="groovy house in A minor at 124 bpm with chord stabs and pads",
        seed=124_001,
        duration_s=46,
    ),
    DemoEntry(
        slug="night-runner",
        title="Night Runner",
        prompt="energetic drum and bass in D minor at 174 bpm with a reese bass",
        seed=174_002,
        duration_s=44,
    ),
    DemoEntry(
        slug="paper-lanterns",
        title="Paper Lanterns",
        prompt="chill lo-fi in Eb major at 90 bpm with rhodes and vinyl crackle",
        seed=90_003,
        duration_s=64,
    ),
    DemoEntry(
        slug="neon-coastline",
        title="Neon Coastline",
        prompt="nostalgic synthwave in E minor at 100 bpm with arps and a lead synth",
        seed=100_004,
        duration_s=58,
    ),
    DemoEntry(
        slug="velvet-smoke",
        title="Velvet Smoke",
        prompt="dark trap in C# minor at 140 bpm with 808s and hi-hat rolls",
        seed=140_005,
        duration_s=55,
    ),
)
DEMO_BY_SLUG: dict[str, DemoEntry] = {entry.slug: entry for entry in DEMO_SET}


def demo_spec(entry: DemoEntry) -> dict[str, Any]:
    """The GenerationSpec of an entry, as a mapping for `generate_track`."""
    return parse_prompt(entry.prompt, seed=entry.seed, duration_s=entry.duration_s).model_dump()


def demo_audio(entry: DemoEntry, cache_dir: Path, *, progress: Progress | None = None) -> Path:
    """The entry's WAV from the cache, generated (once, whoever asks) when absent."""
    from intellimix.audio.generate import generate_track

    target = cache_dir / f"{entry.slug}-{entry.seed}-{ENGINE_VERSION}.wav"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / f".{target.stem}.lock"):
        if target.exists():  # another worker made it while we waited for the lock
            return target
        with tempfile.TemporaryDirectory(dir=cache_dir, prefix=f".{entry.slug}-") as scratch:
            outcome = generate_track(demo_spec(entry), Path(scratch), progress=progress)
            # A reader sees the whole file or none: the rename is atomic on one disk.
            os.replace(outcome.track_wav, target)
    return target


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, held across processes until the block ends."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
