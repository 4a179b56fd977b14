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

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from intellimix.audio.tempo import TRACK_BEATS_PER_BEAT, hand_over, set_tempo_of, timed_segments
from intellimix.audio.tonal import InvalidKey, normalize_key

TransitionType = Literal["cut", "crossfade", "bass_swap", "filter_sweep", "echo_out"]
BeatMap = Literal["same", "half_time", "double_time"]

Finite = Annotated[float, Field(allow_inf_nan=False)]


MAX_SEGMENTS = 64  # a plan's segments at most (a long set, not a library dump)
MIN_BPM, MAX_BPM = 40.0, 250.0  # a segment's own tempo
# A segment on its own tempo is never stretched further than a CDJ's ±16 % tempo range: beyond
# it Rubber Band's artefacts are plain on vocals and hats, and half or double time, a cut or
# an echo-out is the better plan. (The planner keeps to ±8 %, a turntable's range.)
MAX_STRETCH = 0.16


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Tempo-journey fields at these values are left out of a dumped plan, so a plan with one
# global tempo is stored (and compared, and shown) exactly as before tempo journeys.
_NEUTRAL = {"ramp_beats": 0, "bpm": None, "beat_map": "same"}


def _without_neutral(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in _NEUTRAL or v != _NEUTRAL[k]}
    return data


class Transition(_Model):
    type: TransitionType
    beats: Annotated[int, Field(ge=0, le=64)]
    # Beats over which the tempo moves from the outgoing segment's to the incoming one's,
    # centred in the overlap: at most `beats`.
    ramp_beats: Annotated[int, Field(ge=0, le=64)] = 0

    @field_validator("ramp_beats")
    @classmethod
    def _ramp_inside_overlap(cls, ramp_beats: int, info: ValidationInfo) -> int:
        beats = info.data.get("beats")
        if beats is not None and ramp_beats > beats:
            raise ValueError(f"a {ramp_beats}-beat ramp is longer than its {beats}-beat overlap")
        return ramp_beats

    @model_validator(mode="after")
    def _length_fits_type(self) -> Transition:
        if self.type == "cut" and self.beats != 0:
            raise ValueError("a cut has beats 0")
        if self.type != "cut" and self.beats < 1:
            raise ValueError(f"a {self.type} lasts 1–64 beats")
        return self

    @model_serializer(mode="wrap")
    def serialize_without_neutral_tempo(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_neutral(handler(self))


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
    # The segment's own tempo on the set's grid (None: target.bpm) and how that grid meets the
    # track's beats: half_time counts every other track beat (174 plays as 87), double_time
    # two set beats per track beat (70 plays as 140).
    bpm: Annotated[Finite, Field(ge=MIN_BPM, le=MAX_BPM)] | None = None
    beat_map: BeatMap = "same"

    @model_validator(mode="after")
    def _positive_length(self) -> Segment:
        if self.source_end_s <= self.source_start_s:
            raise ValueError("source_end_s must be after source_start_s")
        return self

    @model_serializer(mode="wrap")
    def serialize_without_neutral_tempo(self, handler: SerializerFunctionWrapHandler) -> Any:
        return _without_neutral(handler(self))


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

    @property
    def is_journey(self) -> bool:
        """A tempo journey: some segment plays at its own tempo."""
        return any(segment.bpm is not None for segment in self.segments)

    def tempo_text(self) -> str:
        """The tempo as said to a person: 124 BPM, or a journey's range to the whole BPM."""
        if not self.is_journey:
            return f"{self.target.bpm:g} BPM"
        tempi = [segment.bpm or self.target.bpm for segment in self.segments]
        low, high = round(min(tempi)), round(max(tempi))
        return f"{low} BPM" if low == high else f"{low}–{high} BPM (a tempo journey)"

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


def validate_plan(data: Any, tracks: Mapping[str, TrackFacts] | None = None) -> MixPlan:
    """Parse and check a plan against its tracks; raises pydantic.ValidationError with paths."""
    plan = MixPlan.model_validate(data)
    problems = list(_track_problems(plan, tracks)) if tracks is not None else []
    problems += _transition_problems(plan, tracks)
    problems += _stretch_problems(plan, tracks) if tracks is not None else []
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
    timeline = [
        entry
        for entry, _ in timed_segments(
            plan.model_dump(), {s.track_id: _bpm(tracks, s.track_id) for s in plan.segments}
        )
    ]
    lengths = [entry["end_s"] - entry["start_s"] for entry in timeline]
    problems: list[Problem] = []
    for index in range(1, len(plan.segments)):
        overlap = timeline[index]["transition_in_s"]
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


def _stretch_problems(plan: MixPlan, tracks: Mapping[str, TrackFacts]) -> list[Problem]:
    """A segment on its own tempo stays within MAX_STRETCH of its track, overlaps included.

    Segments on the plan's one target tempo are not limited: plans from before tempo journeys
    stay valid, and a DJ may force one tempo on purpose (the planner warns beyond ±8 %).
    """
    problems: list[Problem] = []
    segments = plan.segments
    for index, segment in enumerate(segments):
        track_bpm = _bpm(tracks, segment.track_id)
        own = set_tempo_of(track_bpm, segment.beat_map)
        if segment.bpm is None or own is None:
            continue
        # Through an overlap the segment follows its neighbour's tempo as well.
        heard = [segment.bpm]
        if index and _follows_neighbour(plan, index):
            heard.append(_tempo(plan, index - 1))
        if index + 1 < len(segments) and _follows_neighbour(plan, index + 1):
            heard.append(_tempo(plan, index + 1))
        worst = max(heard, key=lambda bpm: abs(bpm / own - 1))
        if abs(worst / own - 1) > MAX_STRETCH + 1e-9:
            where = "" if worst == segment.bpm else f" in an overlap at {worst:g} BPM"
            problems.append(
                (
                    ("segments", index, "bpm"),
                    f"its track ({own:g} BPM) would be stretched "
                    f"{worst / own - 1:+.0%}{where}; the limit is ±{MAX_STRETCH:.0%}"
                    + _closer_map(
                        segment.bpm, own * TRACK_BEATS_PER_BEAT[segment.beat_map], segment.beat_map
                    ),
                )
            )
    return problems


def _follows_neighbour(plan: MixPlan, index: int) -> bool:
    """Whether the overlap into segment `index` makes both sides follow one tempo curve."""
    transition = plan.segments[index].transition_in
    if transition is None or not transition.beats:
        return False
    tempo = hand_over(transition.model_dump(), _tempo(plan, index - 1), _tempo(plan, index))
    return tempo.locked


def _tempo(plan: MixPlan, index: int) -> float:
    bpm = plan.segments[index].bpm
    return plan.target.bpm if bpm is None else bpm


def _closer_map(bpm: float, track_bpm: float, beat_map: BeatMap) -> str:
    """A hint naming the beat map that would stretch least, when it is not the one chosen."""
    change = {m: bpm * per_beat / track_bpm - 1 for m, per_beat in TRACK_BEATS_PER_BEAT.items()}
    best = min(change, key=lambda m: abs(change[m]))
    if best == beat_map:
        return ""
    return f" (as beat_map {best!r} it would be {change[best]:+.0%})"


def _bpm(tracks: Mapping[str, TrackFacts] | None, track_id: str) -> float | None:
    track = tracks.get(track_id) if tracks else None
    return track.bpm if track else None
