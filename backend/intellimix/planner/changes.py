"""What changed between two plans, as data (`plan_changes`) and in a sentence (`describe_changes`).

Segments are matched by id: the planner keeps a segment's id through every revision, so a
segment present in both plans is the same segment, however it moved. A transition belongs to
the segment it leads into, and is numbered by the boundary it sits on in the new plan: transition
N leads into segment N+1 (1-based). Derived text (summary, rationale) is not compared.

Pure and framework-free: the chat layer stores the changes with each draft so the studio can
highlight them, and the planner says them in its reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from intellimix.audio.render import MixPlanError, derive_timeline
from intellimix.planner.plan import Effects, Eq, MixPlan, Segment, Target, Transition

SegmentAspect = Literal["track", "part", "pitch", "gain", "eq", "effects"]
TargetField = Literal[
    "bpm", "key", "duration_s", "lufs", "true_peak_db", "sample_rate", "bit_depth"
]
TARGET_FIELDS: tuple[TargetField, ...] = get_args(TargetField)
SECONDS_EPS = 1e-3  # cut points within a millisecond are the same cut
DB_EPS = 0.05  # gains, EQ bands and loudness within this are the same
AMOUNT_EPS = 0.005  # effect amounts (0..1)
LENGTH_EPS = 0.5  # a mix length within half a second is "the same length"
MAX_CLAUSES = 6  # a description lists this many changes, then counts the rest
MAX_NAMED_SEGMENTS = 4  # more segments than this with the same kind of change are counted
MAX_ORDER_NAMES = 6  # a new order longer than this is not spelled out

TRANSITION_NAMES = {
    "cut": "cut",
    "crossfade": "crossfade",
    "bass_swap": "bass swap",
    "filter_sweep": "filter sweep",
    "echo_out": "echo out",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SegmentRef(_Model):
    """A segment as it stands in one plan (position is 1-based in that plan)."""

    segment_id: str
    track_id: str
    position: int


class PartChange(_Model):
    old_start_s: float
    old_end_s: float
    new_start_s: float
    new_end_s: float
    old_label: str
    new_label: str


class SegmentChange(_Model):
    """A segment in both plans whose content changed; only the changed aspects are set."""

    segment_id: str
    track_id: str  # in the new plan
    position: int  # 1-based, in the new plan
    old_position: int
    aspects: list[SegmentAspect]
    old_track_id: str | None = None  # set when the segment now plays another track
    part: PartChange | None = None
    old_pitch: int | None = None
    new_pitch: int | None = None
    old_gain_db: float | None = None
    new_gain_db: float | None = None
    old_eq: Eq | None = None
    new_eq: Eq | None = None
    old_effects: Effects | None = None
    new_effects: Effects | None = None


class TransitionChange(_Model):
    """The transition into a segment that is in both plans, changed.

    `index` N is the boundary in the new plan: the transition into segment N+1. `old` is None
    when the segment was first in the old plan (it had no transition in).
    """

    index: int
    segment_id: str
    old: Transition | None
    new: Transition


class TargetChange(_Model):
    field: TargetField
    old: Any
    new: Any


class PlanChanges(_Model):
    first: bool = Field(description="True when there was no plan before: everything is added.")
    added: list[SegmentRef] = Field(default_factory=list)
    removed: list[SegmentRef] = Field(default_factory=list)  # positions in the old plan
    changed: list[SegmentChange] = Field(default_factory=list)
    transitions: list[TransitionChange] = Field(default_factory=list)
    order_changed: bool = False
    order: list[SegmentRef] = Field(default_factory=list)  # the new plan's segments
    target: list[TargetChange] = Field(default_factory=list)
    old_title: str | None = None  # both set when the title changed
    new_title: str | None = None
    old_length_s: float | None = None  # the mixes' lengths, when track tempi were given
    new_length_s: float | None = None
    # Both set when a tempo journey began, ended or changed its range ("87–140 BPM (a tempo
    # journey)", "124 BPM"): the segments' own tempi changed, which `target` does not show.
    old_tempo: str | None = None
    new_tempo: str | None = None

    @property
    def unchanged(self) -> bool:
        return not (
            self.first
            or self.added
            or self.removed
            or self.changed
            or self.transitions
            or self.order_changed
            or self.target
            or self.new_title is not None
            or self.new_tempo is not None
        )


# --- the comparison ---------------------------------------------------------------------------


def plan_changes(
    old: MixPlan | None,
    new: MixPlan,
    *,
    track_bpms: Mapping[str, float | None] | None = None,
) -> PlanChanges:
    """What `new` changes of `old`. With `track_bpms` (track id → tempo) the mixes' lengths are
    measured too, as the renderer places the segments."""
    new_refs = _refs(new.segments)
    new_length = mix_length(new, track_bpms)
    if old is None:
        return PlanChanges(
            first=True,
            added=list(new_refs.values()),
            order=list(new_refs.values()),
            new_length_s=new_length,
        )
    old_refs = _refs(old.segments)
    old_by_id = {s.id: s for s in old.segments}
    kept = [s for s in new.segments if s.id in old_by_id]
    changed = [
        change
        for segment in kept
        if (change := _segment_change(old_by_id[segment.id], segment, old_refs, new_refs))
    ]
    title_changed = old.title != new.title
    journey_changed = old.is_journey != new.is_journey or (
        new.is_journey and old.tempo_text() != new.tempo_text()
    )
    return PlanChanges(
        first=False,
        added=[ref for sid, ref in new_refs.items() if sid not in old_refs],
        removed=[ref for sid, ref in old_refs.items() if sid not in new_refs],
        changed=changed,
        transitions=_transition_changes(old_by_id, new.segments),
        order_changed=[s.id for s in old.segments if s.id in new_refs] != [s.id for s in kept],
        order=list(new_refs.values()),
        target=_target_changes(old.target, new.target),
        old_title=old.title if title_changed else None,
        new_title=new.title if title_changed else None,
        old_length_s=mix_length(old, track_bpms),
        new_length_s=new_length,
        old_tempo=old.tempo_text() if journey_changed else None,
        new_tempo=new.tempo_text() if journey_changed else None,
    )


def mix_length(plan: MixPlan, track_bpms: Mapping[str, float | None] | None) -> float | None:
    """The plan's output length as the renderer lays it out; None without every track's tempo
    (a track known to have none, a None tempo, plays unstretched)."""
    if track_bpms is None or any(s.track_id not in track_bpms for s in plan.segments):
        return None
    try:
        timeline = derive_timeline(plan.model_dump(), track_bpms)
    except MixPlanError:
        return None
    return round(float(timeline[-1]["end_s"]), 3)


def _refs(segments: Sequence[Segment]) -> dict[str, SegmentRef]:
    return {
        s.id: SegmentRef(segment_id=s.id, track_id=s.track_id, position=index)
        for index, s in enumerate(segments, start=1)
    }


def _segment_change(
    old: Segment,
    new: Segment,
    old_refs: Mapping[str, SegmentRef],
    new_refs: Mapping[str, SegmentRef],
) -> SegmentChange | None:
    aspects: list[SegmentAspect] = []
    fields: dict[str, Any] = {}
    if old.track_id != new.track_id:
        aspects.append("track")
        fields["old_track_id"] = old.track_id
    if (
        abs(old.source_start_s - new.source_start_s) > SECONDS_EPS
        or abs(old.source_end_s - new.source_end_s) > SECONDS_EPS
        or old.label != new.label
    ):
        aspects.append("part")
        fields["part"] = PartChange(
            old_start_s=old.source_start_s,
            old_end_s=old.source_end_s,
            new_start_s=new.source_start_s,
            new_end_s=new.source_end_s,
            old_label=old.label,
            new_label=new.label,
        )
    if old.pitch_semitones != new.pitch_semitones:
        aspects.append("pitch")
        fields.update(old_pitch=old.pitch_semitones, new_pitch=new.pitch_semitones)
    if abs(old.gain_db - new.gain_db) > DB_EPS:
        aspects.append("gain")
        fields.update(old_gain_db=old.gain_db, new_gain_db=new.gain_db)
    if _differs(old.eq.model_dump(), new.eq.model_dump(), DB_EPS):
        aspects.append("eq")
        fields.update(old_eq=old.eq, new_eq=new.eq)
    if _differs(old.effects.model_dump(), new.effects.model_dump(), AMOUNT_EPS):
        aspects.append("effects")
        fields.update(old_effects=old.effects, new_effects=new.effects)
    if not aspects:
        return None
    return SegmentChange(
        segment_id=new.id,
        track_id=new.track_id,
        position=new_refs[new.id].position,
        old_position=old_refs[old.id].position,
        aspects=aspects,
        **fields,
    )


def _differs(old: Mapping[str, float], new: Mapping[str, float], eps: float) -> bool:
    return any(abs(old[name] - new[name]) > eps for name in old)


def _transition_changes(
    old_by_id: Mapping[str, Segment], segments: Sequence[Segment]
) -> list[TransitionChange]:
    """Boundaries of the new plan whose incoming segment was there before, with another
    transition. A segment that is new has no earlier transition to compare with."""
    changes = []
    for index, segment in enumerate(segments[1:], start=1):
        before = old_by_id.get(segment.id)
        new = segment.transition_in
        if before is None or new is None or before.transition_in == new:
            continue
        changes.append(
            TransitionChange(index=index, segment_id=segment.id, old=before.transition_in, new=new)
        )
    return changes


def _target_changes(old: Target, new: Target) -> list[TargetChange]:
    changes = []
    for name in TARGET_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        numbers = isinstance(before, int | float) and isinstance(after, int | float)
        if (abs(before - after) > DB_EPS) if numbers else before != after:
            changes.append(TargetChange(field=name, old=before, new=after))
    return changes


# --- the sentence -----------------------------------------------------------------------------


def describe_changes(
    changes: PlanChanges, titles: Mapping[str, str], *, say_length: bool = True
) -> str:
    """One sentence that says exactly what changed, e.g. "Transition 2 → 16-beat filter sweep;
    everything else unchanged." or "Removed Sunrise; the mix is now 2:41."

    The title is mentioned only when nothing about the segments changed: a title that follows
    the tracks changes with them, and saying so adds nothing. `say_length=False` leaves out
    "the mix is now …" (an undo says the length it returns to instead).
    """
    if changes.first:
        count = len(changes.added)
        length = f" ({mmss(changes.new_length_s)})" if changes.new_length_s is not None else ""
        return f"A new plan of {count} track{'s' if count != 1 else ''}{length}."
    if changes.unchanged:
        return "Nothing changed."
    names = _Names(changes, titles)
    clauses = [
        *_structure_clauses(changes, names),
        *_segment_clauses(changes.changed, names),
        *_transition_clauses(changes),
        *_tempo_clauses(changes),
        *(_target_clause(change) for change in changes.target if change.field != "bpm"),
    ]
    segments_touched = bool(changes.added or changes.removed or changes.changed)
    if changes.new_title is not None and not segments_touched:
        clauses.append(f"renamed to “{changes.new_title}”")
    if len(clauses) > MAX_CLAUSES:
        rest = len(clauses) - (MAX_CLAUSES - 1)
        clauses = [*clauses[: MAX_CLAUSES - 1], f"plus {rest} more changes"]
    tail = _length_clause(changes) if say_length else None
    if tail is None and _only_transitions(changes):
        tail = "everything else unchanged"
    sentence = "; ".join([*clauses, *([tail] if tail else [])])
    return sentence[0].upper() + sentence[1:] + "."


def mmss(seconds: float) -> str:
    """2:41 for 161 s."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class _Names:
    """How a segment is called: its track's title, with its position when the title repeats."""

    def __init__(self, changes: PlanChanges, titles: Mapping[str, str]) -> None:
        self.titles = titles
        seen = [self.title(ref.track_id) for ref in [*changes.order, *changes.removed]]
        self.repeated = {title for title in seen if seen.count(title) > 1}

    def title(self, track_id: str) -> str:
        return self.titles.get(track_id) or "an unknown track"

    def of(self, track_id: str, position: int) -> str:
        if track_id not in self.titles:
            return f"track {position}"
        title = self.title(track_id)
        return f"{title} (track {position})" if title in self.repeated else title


def _structure_clauses(changes: PlanChanges, names: _Names) -> list[str]:
    clauses = []
    if changes.removed:
        removed = [names.of(r.track_id, r.position) for r in changes.removed]
        clauses.append("removed " + _and(removed))
    if changes.added:
        titles = _and([names.title(r.track_id) for r in changes.added])
        positions = _and([str(r.position) for r in changes.added])
        plural = "s" if len(changes.added) > 1 else ""
        clauses.append(f"added {titles} as track{plural} {positions}")
    for change in changes.changed:
        if change.old_track_id is not None:
            clauses.append(
                f"replaced {names.title(change.old_track_id)} with "
                f"{names.of(change.track_id, change.position)}"
            )
    if changes.order_changed:
        if len(changes.order) <= MAX_ORDER_NAMES:
            order = [names.of(ref.track_id, ref.position) for ref in changes.order]
            clauses.append("new order: " + ", ".join(order))
        else:
            clauses.append("reordered the tracks")
    return clauses


def _segment_clauses(changed: Sequence[SegmentChange], names: _Names) -> list[str]:
    """Per changed aspect, each segment's change; many segments with one aspect are counted."""
    clauses = []
    for aspect, say in (
        ("part", _part_clause),
        ("pitch", _pitch_clause),
        ("gain", _gain_clause),
        ("eq", _eq_clause),
        ("effects", _effects_clause),
    ):
        hits = [c for c in changed if aspect in c.aspects]
        if len(hits) > MAX_NAMED_SEGMENTS:
            clauses.append(f"{_ASPECT_NAMES[aspect]} changed on {len(hits)} tracks")
            continue
        clauses += [say(c, names.of(c.track_id, c.position)) for c in hits]
    return clauses


_ASPECT_NAMES = {
    "part": "cut points",
    "pitch": "pitch",
    "gain": "gain",
    "eq": "EQ",
    "effects": "effects",
}


def _part_clause(change: SegmentChange, name: str) -> str:
    part = change.part
    assert part is not None  # set whenever "part" is among the aspects
    span = f"{mmss(part.new_start_s)}–{mmss(part.new_end_s)}"
    # A time range's label is the range itself: "its 4:32–5:52 (4:32–5:52)" says it twice.
    if part.new_label and part.new_label != part.old_label and part.new_label != span:
        return f"{name} now plays its {part.new_label} ({span})"
    return f"{name} now plays {span}"


def _pitch_clause(change: SegmentChange, name: str) -> str:
    old, new = change.old_pitch or 0, change.new_pitch or 0
    if new == 0:
        return f"{name} back to its original pitch"
    step = new - old
    unit = "semitone" if abs(step) == 1 else "semitones"
    return f"{name} {'up' if step > 0 else 'down'} {abs(step)} {unit}"


def _gain_clause(change: SegmentChange, name: str) -> str:
    step = (change.new_gain_db or 0.0) - (change.old_gain_db or 0.0)
    return f"{name} {_number(abs(step))} dB {'louder' if step > 0 else 'quieter'}"


def _eq_clause(change: SegmentChange, name: str) -> str:
    old, new = change.old_eq or Eq(), change.new_eq or Eq()
    bands = [
        f"{band} {_signed(getattr(new, f'{band}_db'))} dB"
        for band in ("low", "mid", "high")
        if abs(getattr(old, f"{band}_db") - getattr(new, f"{band}_db")) > DB_EPS
    ]
    return f"{name} EQ {', '.join(bands)}"


def _effects_clause(change: SegmentChange, name: str) -> str:
    old, new = change.old_effects or Effects(), change.new_effects or Effects()
    amounts = [
        f"{effect} {round(getattr(new, effect) * 100)}%"
        for effect in ("reverb", "echo")
        if abs(getattr(old, effect) - getattr(new, effect)) > AMOUNT_EPS
    ]
    return f"{name} {', '.join(amounts)}"


def _transition_clauses(changes: PlanChanges) -> list[str]:
    """Transitions that became the same thing are said together ("Transitions 1 and 3 → …")."""
    groups: dict[str, list[int]] = {}
    for change in changes.transitions:
        ramp_only = (
            change.old is not None
            and change.old.model_copy(update={"ramp_beats": change.new.ramp_beats}) == change.new
        )
        if ramp_only and changes.new_tempo is not None:
            continue  # a ramp that came or went with a journey: the tempo clause says it
        groups.setdefault(transition_name(change.new), []).append(change.index)
    boundaries = len(changes.order) - 1
    clauses = []
    for what, indexes in groups.items():
        if len(indexes) == 1:
            clauses.append(f"transition {indexes[0]} → {what}")
        elif len(indexes) == boundaries:
            clauses.append(f"all transitions → {what}")
        else:
            clauses.append(f"transitions {_and([str(i) for i in indexes])} → {what}")
    return clauses


def transition_name(transition: Transition) -> str:
    """ "16-beat filter sweep", or "cut"."""
    name = TRANSITION_NAMES[transition.type]
    return name if transition.type == "cut" else f"{transition.beats}-beat {name}"


def _target_clause(change: TargetChange) -> str:
    label, unit, show = _TARGET_WORDS[change.field]
    if change.new is None:
        return f"no {label} (was {show(change.old)}{unit})"
    if change.old is None:
        return f"{label} → {show(change.new)}{unit}"
    return f"{label} {show(change.old)} → {show(change.new)}{unit}"


_TARGET_WORDS: dict[str, tuple[str, str, Any]] = {
    "bpm": ("tempo", " BPM", lambda v: _number(v)),
    "key": ("key", "", str),
    "duration_s": ("target length", "", mmss),
    "lufs": ("loudness", " LUFS", lambda v: _number(v)),
    "true_peak_db": ("true peak", " dBTP", lambda v: _number(v)),
    "sample_rate": ("sample rate", " kHz", lambda v: _number(v / 1000)),
    "bit_depth": ("bit depth", "-bit", str),
}


def _tempo_clauses(changes: PlanChanges) -> list[str]:
    """The tempo's change: the target's, or a journey's beginning, end or new range."""
    if changes.new_tempo is not None:
        return [f"tempo {changes.old_tempo} → {changes.new_tempo}"]
    return [_target_clause(change) for change in changes.target if change.field == "bpm"]


def _length_clause(changes: PlanChanges) -> str | None:
    """The new length, when the change was one that sets it (tracks, cuts, tempo, length)."""
    old, new = changes.old_length_s, changes.new_length_s
    if old is None or new is None or abs(old - new) < LENGTH_EPS:
        return None
    sets_length = (
        changes.added
        or changes.removed
        or any({"track", "part"} & set(c.aspects) for c in changes.changed)
        or any(t.field in ("bpm", "duration_s") for t in changes.target)
        or changes.new_tempo is not None
    )
    return f"the mix is now {mmss(new)}" if sets_length else None


def _only_transitions(changes: PlanChanges) -> bool:
    return bool(changes.transitions) and not (
        changes.added
        or changes.removed
        or changes.changed
        or changes.order_changed
        or changes.target
        or changes.new_title is not None
        or changes.new_tempo is not None
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _number(value: float) -> str:
    return f"{round(value, 1):g}"


def _signed(value: float) -> str:
    return f"{'+' if value > 0 else ''}{_number(value)}"
