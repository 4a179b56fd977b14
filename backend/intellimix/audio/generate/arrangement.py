"""The time grid of a generated track: sections in bars, beats in samples, and who plays where.

A spec's structure (`[{section, bars}]`, 4/4, whole 8-bar phrases) becomes an `Arrangement`:
sections placed on a bar grid at the spec's tempo, each with a `role` that says how it behaves
in a dance arrangement, and `level(section, stem)` — how strongly each stem plays there
(0 = tacet). Every renderer reads the same grid, so drums, bass, harmony, lead and fx line up
to the sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

BEATS_PER_BAR = 4
STEPS_PER_BEAT = 4  # sixteenth notes

Role = Literal["intro", "build", "drop", "break", "outro", "verse"]
Stem = Literal["drums", "bass", "harmony", "lead", "fx"]
STEMS: tuple[Stem, ...] = ("drums", "bass", "harmony", "lead", "fx")

# Section names a spec may use, read as the role they play. Choruses, hooks and "main" parts
# are where everything plays (a drop); bridges thin out like a break.
ROLE_OF: dict[str, Role] = {
    "intro": "intro",
    "build": "build",
    "drop": "drop",
    "chorus": "drop",
    "hook": "drop",
    "main": "drop",
    "break": "break",
    "bridge": "break",
    "verse": "verse",
    "outro": "outro",
}

# How strongly each stem plays in each role. Intros and outros keep the drums (a DJ mixes in
# and out over a beat), breaks drop them to a whisper, drops have everything.
LAYERS: dict[Role, dict[Stem, float]] = {
    "intro": {"drums": 0.8, "bass": 0.0, "harmony": 0.6, "lead": 0.0, "fx": 1.0},
    "build": {"drums": 0.9, "bass": 0.6, "harmony": 0.8, "lead": 0.5, "fx": 1.0},
    "drop": {"drums": 1.0, "bass": 1.0, "harmony": 0.9, "lead": 1.0, "fx": 1.0},
    "break": {"drums": 0.3, "bass": 0.4, "harmony": 1.0, "lead": 0.6, "fx": 1.0},
    "verse": {"drums": 0.9, "bass": 0.9, "harmony": 0.8, "lead": 0.4, "fx": 1.0},
    "outro": {"drums": 0.8, "bass": 0.5, "harmony": 0.6, "lead": 0.0, "fx": 1.0},
}


@dataclass(frozen=True)
class SectionSpan:
    """One section on the bar grid."""

    index: int
    name: str
    role: Role
    start_bar: int
    bars: int

    @property
    def end_bar(self) -> int:
        return self.start_bar + self.bars

    @property
    def start_beat(self) -> int:
        return self.start_bar * BEATS_PER_BAR

    @property
    def end_beat(self) -> int:
        return self.end_bar * BEATS_PER_BAR


@dataclass(frozen=True)
class Arrangement:
    """Sections on a bar grid at one tempo and sample rate."""

    bpm: float
    sample_rate: int
    sections: tuple[SectionSpan, ...]

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm

    @property
    def total_bars(self) -> int:
        return self.sections[-1].end_bar

    @property
    def total_beats(self) -> int:
        return self.total_bars * BEATS_PER_BAR

    @property
    def duration_s(self) -> float:
        return self.total_beats * self.beat_s

    @property
    def n_samples(self) -> int:
        return round(self.duration_s * self.sample_rate)

    def time_s(self, beat: float) -> float:
        """Seconds from the start at `beat` (beats counted from 0, fractions allowed)."""
        return beat * self.beat_s

    def sample(self, beat: float) -> int:
        """The sample index at `beat`, rounded to the nearest sample."""
        return round(beat * self.beat_s * self.sample_rate)

    def samples(self, beats: float) -> int:
        """A duration of `beats` in samples."""
        return round(beats * self.beat_s * self.sample_rate)

    def section_at_bar(self, bar: int) -> SectionSpan:
        for section in self.sections:
            if section.start_bar <= bar < section.end_bar:
                return section
        raise IndexError(f"bar {bar} is outside the arrangement")

    def next_section(self, section: SectionSpan) -> SectionSpan | None:
        following = section.index + 1
        return self.sections[following] if following < len(self.sections) else None

    def level(self, section: SectionSpan, stem: Stem) -> float:
        return LAYERS[section.role][stem]


def arrange(structure: Sequence[Mapping[str, Any]], *, bpm: float, sample_rate: int) -> Arrangement:
    """The spec's structure placed on the bar grid (names outside ROLE_OF play as a verse)."""
    if bpm <= 0 or sample_rate <= 0:
        raise ValueError("bpm and sample_rate must be positive")
    if not structure:
        raise ValueError("the structure has no sections")
    sections = []
    bar = 0
    for index, part in enumerate(structure):
        bars = int(part["bars"])
        if bars <= 0:
            raise ValueError(f"structure[{index}] has no bars")
        name = str(part["section"])
        sections.append(
            SectionSpan(
                index=index,
                name=name,
                role=ROLE_OF.get(name.lower(), "verse"),
                start_bar=bar,
                bars=bars,
            )
        )
        bar += bars
    return Arrangement(bpm=float(bpm), sample_rate=sample_rate, sections=tuple(sections))
