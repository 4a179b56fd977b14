"""Slots → a validated MixPlan, with the words that explain it (DESIGN §5, §8).

New plans and revisions end here: lead-ins and tails, the duration fit (when one is asked for),
transitions that fit their neighbours, segments, a title, summary and rationale, then
`validate_plan` against the tracks. `compatibility` and `warnings` read any finished plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from pydantic import ValidationError

from intellimix.audio.tempo import TRACK_BEATS_PER_BEAT, derive_timeline
from intellimix.planner.arrange import (
    DURATION_TOLERANCE,
    Slot,
    beats_of,
    fit_duration,
    fit_transitions,
    mix_length,
    mmss,
    pitch_to_key,
    shape,
)
from intellimix.planner.compat import key_fit, pair_score, shifted_key, tempo_ratio
from intellimix.planner.journey import needs_journey, tempo_journey
from intellimix.planner.plan import (
    MAX_STRETCH,
    MixPlan,
    Segment,
    Target,
    TrackFacts,
    Transition,
    validate_plan,
)
from intellimix.planner.turns import LibraryTrack, TransitionCompatibility

DEFAULT_LUFS = -14.0  # streaming loudness
STRETCH_WARNING = 0.08  # beyond ±8 % a stretch is audible on vocals and hats
PITCH_WARNING_SEMITONES = 2  # beyond ±2 semitones a key shift is audible on voices
TITLE_TRACKS = 3  # titles name up to three tracks


@dataclass(frozen=True)
class Settings:
    """The plan's target: tempo, key, length and loudness, and what was kept from before."""

    bpm: float
    key: str | None = None
    duration_s: float | None = None
    lufs: float = DEFAULT_LUFS
    kept: Target | None = None  # an earlier target: its true peak, sample rate and depth stay
    journey: bool = False  # the tempo was not asked for: far-apart tracks may keep their own
    default_transition: Transition | None = None  # the one a journey may turn into an echo-out


@dataclass(frozen=True)
class Story:
    """Why the plan is the way it is, sentence by sentence."""

    order: str = ""
    tempo: str = ""
    changes: list[str] = field(default_factory=list)  # for a revision: what changed
    use_case: str | None = None
    title: str | None = None  # a title to keep


def with_key(slots: Sequence[Slot], key: str | None) -> tuple[list[Slot], list[str]]:
    """Each slot shifted onto the target key's Camelot number; no shifts without a target key."""
    if key is None:
        return [replace(slot, pitch=0) for slot in slots], []
    shifted, notes = [], []
    for slot in slots:
        shift = pitch_to_key(slot.track, key)
        if shift is None:
            notes.append(f"{slot.track.title} has no detected key, so it is not shifted.")
        shifted.append(replace(slot, pitch=shift or 0))
    return shifted, notes


def compose(
    slots: Sequence[Slot], settings: Settings, story: Story, *, refit: bool
) -> tuple[MixPlan, list[str]]:
    """The finished, validated plan from ordered slots, and notes on anything adjusted."""
    shaped = shape(slots, settings.bpm)
    fitted, fit_notes = shaped, list[str]()
    if refit and settings.duration_s:
        fitted, fit_notes = fit_duration(shaped, settings.bpm, settings.duration_s)
    fitted, transition_notes = fit_transitions(fitted, settings.bpm)
    notes = fit_notes + transition_notes
    segments = _segments(fitted)
    target = Target(
        **{
            **(settings.kept.model_dump() if settings.kept else {}),
            "bpm": settings.bpm,
            "key": settings.key,
            "duration_s": settings.duration_s,
            "lufs": settings.lufs,
        }
    )
    length = mix_length(fitted, target.bpm)
    plan = MixPlan(
        title=(story.title or _title(fitted, story.use_case))[:200],
        summary=_summary(fitted, target, length)[:2000],
        rationale=_rationale(fitted, target, story, notes)[:4000],
        target=target,
        segments=segments,
    )
    tracks = {slot.track.id: slot.track for slot in fitted}
    facts = track_facts(tracks.values())
    journey = (
        _journey(
            plan,
            fitted,
            tracks,
            settings,
            length,
            _Refit(bool(refit and settings.duration_s), shaped, story, fit_notes, transition_notes),
        )
        if settings.journey
        else None
    )
    if journey is not None:
        journeyed, journey_notes = journey
        return journeyed, journey_notes
    return validate_plan(plan.model_dump(), facts), notes


@dataclass(frozen=True)
class _Refit:
    """What a journey needs to fit an asked length again on its own tempi."""

    active: bool  # a length was asked for and is fitted
    shaped: Sequence[Slot]  # the slots before the one-tempo duration fit
    story: Story
    fit_notes: list[str]  # the one-tempo fit's
    transition_notes: list[str]  # transitions shortened for one tempo: the journey keeps them


def _journey(
    plan: MixPlan,
    slots: Sequence[Slot],
    tracks: Mapping[str, LibraryTrack],
    settings: Settings,
    length: float,
    refit: _Refit,
) -> tuple[MixPlan, list[str]] | None:
    """The plan as a tempo journey and all the notes on it, when one tempo stretches a track
    past ±8 % and the journey helps.

    An asked length is fitted again on the journey's own tempi, ramps and echo-outs, from the
    slots as they were before the one-tempo fit (`_fitted_journey`). One tempo stays when the
    journey would echo out of a blend that one tempo keeps within the ±16 % a plan allows (a
    stretched blend beats an echo-out), when the journey breaks the plan's rules (segments too
    short for an asked blend's ramp), or when it misses an asked length that one tempo meets
    within that ±16 %.
    """
    bpms = {t.id: t.bpm for t in tracks.values()}
    if not needs_journey(list(bpms.values()), plan.target.bpm):
        return None
    segments, notes = tempo_journey(
        plan.segments,
        bpms,
        names={t.id: t.title for t in tracks.values()},
        replaceable=settings.default_transition,
    )
    replaced = any(
        before.transition_in is not None
        and after.transition_in is not None
        and before.transition_in.type != after.transition_in.type
        for before, after in zip(plan.segments, segments, strict=True)
    )
    if replaced and not needs_journey(list(bpms.values()), plan.target.bpm, limit=MAX_STRETCH):
        return None
    facts = track_facts(tracks.values())
    fitted = _fitted_journey(plan, segments, settings, refit, facts)
    if fitted is not None:
        journeyed, slots, base_notes = fitted
    else:
        try:
            journeyed = validate_plan(
                plan.model_copy(update={"segments": segments}).model_dump(), facts
            )
        except ValidationError:
            return None
        base_notes = refit.fit_notes + refit.transition_notes
    journey_length = _mix_end(journeyed, tracks)
    wanted = settings.duration_s
    # An asked length one tempo meets wins over the journey, unless one tempo meets it only by
    # stretching a track past the ±16 % a plan allows (a 44 s track slowed 43 % lasts 77 s).
    if (
        wanted
        and abs(journey_length - wanted) > max(abs(length - wanted), DURATION_TOLERANCE * wanted)
        and not needs_journey(list(bpms.values()), plan.target.bpm, limit=MAX_STRETCH)
    ):
        return None
    rationale = " ".join([journeyed.rationale, _journey_sentence(journeyed), *notes])
    words = {
        "summary": _summary(slots, journeyed, journey_length)[:2000],
        "rationale": rationale[:4000],
    }
    return journeyed.model_copy(update=words), base_notes + notes


def _fitted_journey(
    plan: MixPlan,
    segments: Sequence[Segment],
    settings: Settings,
    refit: _Refit,
    facts: Mapping[str, TrackFacts],
) -> tuple[MixPlan, list[Slot], list[str]] | None:
    """The journey with an asked length fitted on its own tempi: its plan, slots and the notes
    on the plan; None when no length is fitted, or the fit breaks the plan's rules.

    The cut points move on each track's grid as in the one-tempo fit (`fit_duration`), from
    the same slots, but each segment counts at its journey tempo and beat map, its overlaps as
    the journey's ramps and echo-outs: one tempo's 16-beat blends turned 2-beat echo-outs make
    the mix longer, and a track played slower than one tempo plays longer.
    """
    if not refit.active or settings.duration_s is None:
        return None
    journey = [
        replace(slot, transition=segment.transition_in, bpm=segment.bpm, beat_map=segment.beat_map)
        for slot, segment in zip(refit.shaped, segments, strict=True)
    ]
    fitted, fit_notes = fit_duration(journey, settings.bpm, settings.duration_s)
    notes = fit_notes + refit.transition_notes
    cut = [
        segment.model_copy(
            update={
                "source_start_s": round(slot.start_s, 3),
                "source_end_s": round(min(slot.end_s, slot.track.duration_s), 3),
            }
        )
        for slot, segment in zip(fitted, segments, strict=True)
    ]
    rationale = _rationale(fitted, plan.target, refit.story, notes)[:4000]
    try:
        journeyed = validate_plan(
            plan.model_copy(update={"segments": cut, "rationale": rationale}).model_dump(), facts
        )
    except ValidationError:
        return None
    return journeyed, fitted, notes


def _mix_end(plan: MixPlan, tracks: Mapping[str, LibraryTrack]) -> float:
    """Where the plan's last segment ends on the output."""
    return float(
        derive_timeline(plan.model_dump(), {t.id: t.bpm for t in tracks.values()})[-1]["end_s"]
    )


def track_facts(tracks: Iterable[LibraryTrack]) -> dict[str, TrackFacts]:
    """What validate_plan needs to know about each track."""
    return {t.id: TrackFacts(duration_s=t.duration_s, bpm=t.bpm) for t in tracks}


def _segments(slots: Sequence[Slot]) -> list[Segment]:
    taken = {slot.base.id for slot in slots if slot.base}
    fresh = (f"s{n}" for n in range(1, 10_000) if f"s{n}" not in taken)
    segments = []
    for index, slot in enumerate(slots):
        # Tempi are chosen afresh for every plan (tempo_journey), never kept from the last one.
        base = (
            slot.base.model_dump(exclude={"bpm", "beat_map"}) if slot.base else {"id": next(fresh)}
        )
        segments.append(
            Segment.model_validate(
                {
                    **base,
                    "track_id": slot.track.id,
                    "label": slot.part.label[:40],
                    "source_start_s": round(slot.start_s, 3),
                    "source_end_s": round(min(slot.end_s, slot.track.duration_s), 3),
                    "pitch_semitones": slot.pitch,
                    "transition_in": slot.transition.model_dump(exclude={"ramp_beats"})
                    if index and slot.transition
                    else None,
                }
            )
        )
    return segments


# --- words ------------------------------------------------------------------------------------


def _title(slots: Sequence[Slot], use_case: str | None) -> str:
    tracks = list({slot.track.id: slot.track for slot in slots}.values())
    titles = [t.title for t in tracks]
    # Two tracks of the same title ("Home" and "Home") are told apart by artist.
    names = [
        f"{t.title} ({t.artist})" if titles.count(t.title) > 1 and t.artist else t.title
        for t in tracks
    ]
    if len(names) == 1:
        span = names[0]
    elif len(names) <= TITLE_TRACKS:
        span = " into ".join(names)
    else:
        span = f"{names[0]} to {names[-1]}"
    return f"{use_case.strip().capitalize()} mix: {span}" if use_case else span


def _summary(slots: Sequence[Slot], plan: MixPlan | Target, length: float) -> str:
    target = plan.target if isinstance(plan, MixPlan) else plan
    count = len({slot.track.id for slot in slots})
    key = f" in {target.key}" if target.key else ""
    tempo = plan.tempo_text() if isinstance(plan, MixPlan) else f"{target.bpm:g} BPM"
    return (
        f"{count} track{'s' if count != 1 else ''}, {mmss(length)} at {tempo}{key}, "
        f"mastered to {target.lufs:g} LUFS."
    )


def _journey_sentence(plan: MixPlan) -> str:
    steps = " → ".join(
        f"{s.bpm:.0f}" + (f" ({s.beat_map.replace('_', ' ')})" if s.beat_map != "same" else "")
        for s in plan.segments
        if s.bpm
    )
    return (
        f"A tempo journey ({steps} BPM): each track within ±8 % of its own tempo, the tempo "
        "ramping through each blend."
    )


def _rationale(slots: Sequence[Slot], target: Target, story: Story, notes: list[str]) -> str:
    lines = list(story.changes)
    if story.order:
        lines.append(story.order)
    lines += [
        f"{slot.track.title} {mmss(slot.start_s)}–{mmss(slot.end_s)}: {slot.part.reason}."
        for slot in slots
    ]
    if story.tempo:
        lines.append(f"Tempo {story.tempo}")
    lines.append(_key_sentence(slots, target))
    lines.append(_transition_sentence(slots))
    lines += notes
    return " ".join(line for line in lines if line)


def _key_sentence(slots: Sequence[Slot], target: Target) -> str:
    if target.key is None:
        return "No target key: every track plays in its own key (clashes are listed as warnings)."
    shifts = [f"{s.track.title} {s.pitch:+d}" for s in slots if s.pitch]
    moved = f" Shifted: {', '.join(shifts)} semitones." if shifts else ""
    return f"Key {target.key}, as asked: each track sits on its Camelot number.{moved}"


def _transition_sentence(slots: Sequence[Slot]) -> str:
    kinds = [
        f"{beats_of(s.transition)}-beat {s.transition.type.replace('_', ' ')}"
        if s.transition.type != "cut"
        else "a cut"
        for s in slots[1:]
        if s.transition
    ]
    if not kinds:
        return ""
    unique = list(dict.fromkeys(kinds))
    said = unique[0] + "s" if len(unique) == 1 and len(kinds) > 1 else ", ".join(kinds)
    return f"Transitions: {said}, starting on phrase boundaries."


# --- reading a finished plan ------------------------------------------------------------------


def compatibility(
    plan: MixPlan, library: Mapping[str, LibraryTrack]
) -> list[TransitionCompatibility]:
    """Per transition: the key relation as played (after pitch shifts), tempo ratio and a score."""
    result = []
    for a, b in zip(plan.segments, plan.segments[1:], strict=False):
        track_a, track_b = library[a.track_id], library[b.track_id]
        relation = key_fit(
            shifted_key(track_a, a.pitch_semitones), shifted_key(track_b, b.pitch_semitones)
        )
        ratio = tempo_ratio(track_a.bpm, track_b.bpm)
        result.append(
            TransitionCompatibility(
                from_segment=a.id,
                to_segment=b.id,
                key_relation=relation["relation"] if relation else None,
                semitone_shift=relation["suggested_pitch_shift_semitones"] if relation else None,
                tempo_ratio=round(ratio, 3) if ratio else None,
                score=pair_score(
                    track_a, track_b, shift_a=a.pitch_semitones, shift_b=b.pitch_semitones
                ),
            )
        )
    return result


def warnings(plan: MixPlan, library: Mapping[str, LibraryTrack]) -> list[str]:
    """Key clashes (with the shift that would fix them), audible stretches and pitch shifts."""
    found = []
    for a, b in zip(plan.segments, plan.segments[1:], strict=False):
        track_a, track_b = library[a.track_id], library[b.track_id]
        key_a = shifted_key(track_a, a.pitch_semitones)
        key_b = shifted_key(track_b, b.pitch_semitones)
        relation = key_fit(key_a, key_b)
        if relation and not relation["compatible"]:
            shift = relation["suggested_pitch_shift_semitones"]
            found.append(
                f"{track_a.title} ({key_a}) into {track_b.title} ({key_b}) is not a harmonic "
                f"move ({relation['relation']}); shifting {track_b.title} {shift:+d} "
                "semitone(s) would fit."
            )
    stretched = {}
    for segment in plan.segments:
        track = library[segment.track_id]
        bpm = segment.bpm if segment.bpm is not None else plan.target.bpm
        played = bpm * TRACK_BEATS_PER_BEAT[segment.beat_map]  # in the track's own beats
        change = played / track.bpm - 1 if track.bpm else 0.0
        if abs(change) > STRETCH_WARNING and segment.track_id not in stretched:
            stretched[segment.track_id] = (
                f"{track.title} is stretched {change:+.0%} ({track.bpm:g} → "
                f"{played:g} BPM), which may sound processed."
            )
    found += stretched.values()
    for segment in plan.segments:
        if abs(segment.pitch_semitones) > PITCH_WARNING_SEMITONES:
            found.append(
                f"Segment {segment.id} ({library[segment.track_id].title}) is pitch-shifted "
                f"{segment.pitch_semitones:+d} semitones; beyond ±{PITCH_WARNING_SEMITONES} "
                "voices and instruments start to sound unnatural."
            )
    return found
