"""What every stem renderer reads: the spec's musical facts on one arrangement grid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from intellimix.audio import tonal
from intellimix.audio.generate import synth
from intellimix.audio.generate.arrangement import Arrangement, arrange

SAMPLE_RATE = 48_000


@dataclass(frozen=True)
class SynthContext:
    """A generation spec read for synthesis (see `intellimix.planner.intent.GenerationSpec`)."""

    genre: str
    bpm: float
    tonic_pc: int  # 0 = C … 11 = B
    mode: str  # "major" | "minor"
    mood: str
    energy: float  # 0..1
    instruments: tuple[str, ...]
    seed: int
    arrangement: Arrangement
    take: int = 0  # a retake after QA measured the track off-tempo or off-key

    @property
    def sample_rate(self) -> int:
        return self.arrangement.sample_rate

    @property
    def n_samples(self) -> int:
        return self.arrangement.n_samples

    def rng(self, *stream: str | int) -> np.random.Generator:
        """This track's random stream for one part, e.g. `ctx.rng("drums", "hats")`."""
        if self.take:
            return synth.rng(self.seed, f"take-{self.take}", *stream)
        return synth.rng(self.seed, *stream)

    def has(self, *instruments: str) -> bool:
        """Whether the spec asks for any of these instruments."""
        return any(name in self.instruments for name in instruments)

    def silence(self) -> np.ndarray:
        """An empty stereo stem as long as the arrangement."""
        return np.zeros((2, self.n_samples), dtype=np.float32)


def context_from_spec(spec: Mapping[str, Any], *, sample_rate: int = SAMPLE_RATE) -> SynthContext:
    """A SynthContext from a GenerationSpec (as a mapping, e.g. `spec.model_dump()`)."""
    tonic_pc, mode = tonal.parse_key(str(spec["key"]))
    return SynthContext(
        genre=str(spec["genre"]),
        bpm=float(spec["bpm"]),
        tonic_pc=tonic_pc,
        mode=mode,
        mood=str(spec["mood"]),
        energy=float(spec["energy"]),
        instruments=tuple(str(name) for name in spec["instruments"]),
        seed=int(spec["seed"]),
        arrangement=arrange(spec["structure"], bpm=float(spec["bpm"]), sample_rate=sample_rate),
    )
