"""MixPlan (DESIGN §5): the plan a draft holds and a version renders.

The same pydantic models validate API input, plan files given to `intellimix render`, and are
the structured-output schema for a cloud model. Checks that need the tracks (known ids, cut
points inside the track, transition lengths against stretched segment lengths) run in
`validate_plan`, and report field paths like any other validation error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from intellimix.audio.render import stretch_ratio
from intellimix.audio.tonal import InvalidKey, normalize_key

TransitionType = Literal["cut", "crossfade", "bass_swap", "filter_sweep", "echo_out"]

Finite = Annotated[float, Field(allow_inf_nan=False)]


MAX_SEGMENTS = 64  # a plan's segments at most (a long set, not a library dump)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Transition(_Model):
    type: TransitionType
    beats: Annotated[int, Field(ge=0, le=64)]

    @model_validator(mode="after")
    def _length_fits_type(self) -> Transition:
        if self.type == "cut" and self.beats != 0:
            raise ValueError("a cut has beats 0")
        if self.type != "cut" and self.beats < 1:
            raise ValueError(f"a {self.type} lasts 1–64 beats")
        return self


class Eq(_Model):
    low_db: Annotated[Finite, Field(ge=-24, le=12)] = 0.0
    mid_db: Annotated[Finite, Field(ge=-24, le=12)] = 0.0
    high_db: Annotated[Finite, Field(ge=-24, le=12)] = 0.0


class Effects(_Model):
    reverb: Annotated[Finite, Field(ge=0, le=1)] = 0.0
    echo: Annotated[Finite, Field(ge=0, le=1)] = 0.0


class Segment(_Model):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    track_id: Annotated[str, Field(min_length=1, max_length=64)]
    label: Annotated[str, Field(max_length=40)] = ""
    source_start_s: Annotated[Finite, Field(ge=0)]
    source_end_s: Annotated[Finite, Field(gt=0)]
    gain_db: Annotated[Finite, Field(ge=-24, le=12)] = 0.0
    pitch_semitones: Annotated[int, Field(ge=-12, le=12)] = 0
    eq: Eq = Field(default_factory=Eq)
    effects: Effects = Field(default_factory=Effects)
    transition_in: Transition | None = None

    @model_validator(mode="after")
    def _positive_length(self) -> Segment:
        if self.source_end_s <= self.source_start_s:
            raise ValueError("source_end_s must be after source_start_s")
        return self


class Target(_Model):
    bpm: Annotated[Finite, Field(ge=60, le=200)]
    key: str | None = None
    duration_s: Annotated[Finite, Field(gt=0, le=3600)] | None = None
    lufs: Annotated[Finite, Field(ge=-30, le=-5)] = -14.0
    true_peak_db: Annotated[Finite, Field(ge=-6, le=0)] = -1.0
    sample_rate: Literal[44100, 48000] = 48000
    bit_depth: Literal[16, 24] = 24

    @field_validator("key")
    @classmethod
    def _known_key(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return normalize_key(value)
        except InvalidKey as exc:
            raise ValueError(exc.message) from exc


class MixPlan(_Model):
    schema_version: Literal[1] = 1
    title: Annotated[str, Field(max_length=200)] = "Untitled mix"
    summary: Annotated[str, Field(max_length=2000)] = ""
    rationale: Annotated[str, Field(max_length=4000)] = ""
    target: Target
    segments: Annotated[list[Segment], Field(min_length=1, max_length=MAX_SEGMENTS)]

    @field_validator("segments")
    @classmethod
    def _first_has_no_transition(cls, segments: list[Segment]) -> list[Segment]:
        if segments[0].transition_in is not None:
            raise ValueError("the first segment's transition_in must be null")
        if len({segment.id for segment in segments}) != len(segments):
            raise ValueError("segment ids must be unique")
        return segments


@dataclass(frozen=True)
class TrackFacts:
    """What validation needs to know about a track."""

    duration_s: float
    bpm: float | None


def output_length_s(segment: Segment, target_bpm: float, track_bpm: float | None) -> float:
    return (segment.source_end_s - segment.source_start_s) / stretch_ratio(target_bpm, track_bpm)


def validate_plan(data: Any, tracks: Mapping[str, TrackFacts] | None = None) -> MixPlan:
    """Parse and check a plan against its tracks; raises pydantic.ValidationError with paths."""
    plan = MixPlan.model_validate(data)
    problems = list(_track_problems(plan, tracks)) if tracks is not None else []
    problems += _transition_problems(plan, tracks)
    if problems:
        raise ValidationError.from_exception_data(
            "MixPlan",
            [
                InitErrorDetails(
                    type=PydanticCustomError("plan_invalid", message),
                    loc=loc,
                    input=None,
                )
                for loc, message in problems
            ],
        )
    return plan


Problem = tuple[tuple[str | int, ...], str]


def _track_problems(plan: MixPlan, tracks: Mapping[str, TrackFacts]) -> list[Problem]:
    problems: list[Problem] = []
    for index, segment in enumerate(plan.segments):
        track = tracks.get(segment.track_id)
        if track is None:
            problems.append(
                (("segments", index, "track_id"), f"unknown track {segment.track_id!r}")
            )
        elif segment.source_end_s > track.duration_s + 1e-3:
            problems.append(
                (
                    ("segments", index, "source_end_s"),
                    f"{segment.source_end_s:.2f} s is past the end of the track "
                    f"({track.duration_s:.2f} s)",
                )
            )
    return problems


def _transition_problems(plan: MixPlan, tracks: Mapping[str, TrackFacts] | None) -> list[Problem]:
    """A transition never lasts longer than half of either neighbour (DESIGN §5)."""
    beat_s = 60.0 / plan.target.bpm
    lengths = [
        output_length_s(segment, plan.target.bpm, _bpm(tracks, segment.track_id))
        for segment in plan.segments
    ]
    problems: list[Problem] = []
    for index in range(1, len(plan.segments)):
        transition = plan.segments[index].transition_in
        overlap = (transition.beats if transition else 0) * beat_s
        shorter = min(lengths[index - 1], lengths[index])
        if overlap > shorter / 2 + 1e-6:
            problems.append(
                (
                    ("segments", index, "transition_in", "beats"),
                    f"{overlap:.2f} s is longer than half of a neighbouring segment "
                    f"({shorter:.2f} s)",
                )
            )
    return problems


def _bpm(tracks: Mapping[str, TrackFacts] | None, track_id: str) -> float | None:
    track = tracks.get(track_id) if tracks else None
    return track.bpm if track else None
