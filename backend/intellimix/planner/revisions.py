"""Revisions (DESIGN §8): explicit edit operations applied to the current plan.

Everything an edit does not touch stays as it was: the other segments keep their cut points,
ids, gain, EQ, effects and transitions, and the target keeps its tempo, key and loudness. The
duration is fitted again only when an edit sets it. Song references (a query or a track id) are
read against the tracks already playing first, so "remove Home" means the Home in the mix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple, cast, get_args

from intellimix.audio.tonal import InvalidKey, normalize_key
from intellimix.planner.arrange import (
    Part,
    Slot,
    assign_transitions,
    beats_of,
    default_transition,
    grid_of,
    harmonic_order,
    harmony_sentence,
    make_transition,
    mix_length,
    mmss,
    order_by_energy,
    part_for,
    pitch_to_key,
    slot_for,
)
from intellimix.planner.compose import Settings, Story, compose, with_key
from intellimix.planner.plan import MixPlan, Segment, Transition
from intellimix.planner.songs import match_song
from intellimix.planner.turns import (
    EditOperation,
    EnergyCurve,
    LibraryTrack,
    Preferences,
    SongRequest,
)

MIN_BPM, MAX_BPM = 60.0, 200.0
MIN_LUFS, MAX_LUFS = -30.0, -5.0
MAX_DURATION_S = 3600.0
DEFAULT_CHANGE_BEATS = 16  # "longer" / "shorter" of a transition whose length is unknown


class Revision(NamedTuple):
    plan: MixPlan
    applied: list[EditOperation]
    notes: list[str]
    changes: list[str] = []  # what each applied edit did, in words


@dataclass(frozen=True)
class Unresolved:
    """A song reference that names no single library track, and the tracks it might mean."""

    where: str  # the slot, named as songs.open_song_slots does: "edits.<i>.song|track|other"
    query: str
    candidates: list[str]


# --- song references --------------------------------------------------------------------------


def resolve(
    query: str | None,
    track_id: str | None,
    library: Mapping[str, LibraryTrack],
    playing: Sequence[str] = (),
) -> tuple[str | None, list[str]]:
    """The track a reference names (tracks already playing first), or the ones it might mean."""
    for ref in (track_id, query):
        if ref in library:
            return ref, []
    if not query:
        return None, []
    if playing:
        match = match_song(query, [library[i] for i in dict.fromkeys(playing)])
        if match.track_id:
            return match.track_id, []
    match = match_song(query, list(library.values()))
    return match.track_id, list(match.candidates)


def _references(op: EditOperation) -> list[tuple[str, str | None, str | None, bool]]:
    """(field, query, track id, names a track already playing) for each song an edit names.

    Only these fields can be asked about (songs.open_song_slots names the same ones); a
    reorder or transition naming a track that is not playing is skipped with a note instead.
    """
    refs: list[tuple[str, str | None, str | None, bool]] = []
    if op.op in ("swap", "remove_track", "replace_track") and op.track is not None:
        refs.append(("track", op.track, None, True))
    if op.op == "swap" and op.other is not None:
        refs.append(("other", op.other, None, True))
    # The song an edit brings in (add, replace) comes from the library; set_section's is playing.
    playing = op.op == "set_section"
    if op.op in ("add_track", "replace_track", "set_section"):
        if op.song is not None:
            refs.append(("song", op.song.query, op.song.track_id, playing))
        elif op.op == "replace_track" and op.other is not None:
            refs.append(("other", op.other, None, False))
        elif op.op != "replace_track" and op.track is not None:
            refs.append(("track", op.track, None, playing))
    return refs


def unresolved(
    edits: Sequence[EditOperation], plan: MixPlan, library: Mapping[str, LibraryTrack]
) -> list[Unresolved]:
    """Every song reference in the edits that names no single track."""
    playing = [s.track_id for s in plan.segments]
    missing = []
    for index, op in enumerate(edits):
        for where, query, track_id, in_plan in _references(op):
            found, candidates = resolve(query, track_id, library, playing if in_plan else ())
            if found is None:
                # Nothing close to a track meant to be playing: offer the tracks that are.
                options = candidates or (list(dict.fromkeys(playing)) if in_plan else [])
                missing.append(Unresolved(f"edits.{index}.{where}", query or "", options))
    return missing


# --- the plan as slots ------------------------------------------------------------------------


def plan_slots(plan: MixPlan, library: Mapping[str, LibraryTrack]) -> tuple[list[Slot], list[str]]:
    """The plan's segments as kept slots (a segment whose track is gone is dropped)."""
    slots, notes = [], []
    for segment in plan.segments:
        track = library.get(segment.track_id)
        if track is None:
            notes.append(f"Segment {segment.id} uses a track that is no longer in the library.")
            continue
        grid = grid_of(track)
        slot = slot_for(track, _kept_part(track, segment, grid.bar_s), grid)
        slots.append(
            replace(
                slot,
                start_s=segment.source_start_s,
                # An edited timeline may overshoot the end by rounding; the track ends there.
                end_s=min(segment.source_end_s, track.duration_s),
                transition=segment.transition_in,
                pitch=segment.pitch_semitones,
                base=segment,
            )
        )
    return slots, notes


def _kept_part(track: LibraryTrack, segment: Segment, bar_s: float) -> Part:
    """The labelled section a kept segment plays (what a duration fit trims around), if any."""
    start, end = segment.source_start_s, segment.source_end_s
    for section in track.sections:
        inside = section.start_s >= start - bar_s and section.end_s <= end + bar_s
        if section.label.lower() == segment.label.lower() and inside:
            core = (max(section.start_s, start), min(section.end_s, end))
            reason = f"its {section.label}, kept"
            return Part(core[0], core[1], segment.label, "kept", reason)
    return Part(start, end, segment.label, "kept", "kept as it was")


# --- edits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    slots: tuple[Slot, ...]
    settings: Settings
    fallback: Transition
    refit: bool = False
    changes: tuple[str, ...] = ()


Library = Mapping[str, LibraryTrack]
Outcome = _Draft | str  # a string says why the edit could not be applied
Handler = Callable[[_Draft, EditOperation, Library], Outcome]


def apply_edits(
    plan: MixPlan,
    edits: Sequence[EditOperation],
    library: Sequence[LibraryTrack] | Mapping[str, LibraryTrack],
    *,
    preferences: Preferences | None = None,
) -> Revision:
    """The plan with the edits applied in order, the edits that applied, and notes."""
    tracks = library if isinstance(library, Mapping) else {t.id: t for t in library}
    slots, notes = plan_slots(plan, tracks)
    target = plan.target
    fallback = default_transition(preferences)
    draft = _Draft(
        tuple(slots),
        Settings(
            target.bpm,
            target.key,
            target.duration_s,
            target.lufs,
            kept=target,
            # A journey stays one (tempi chosen afresh for the revised tracks).
            journey=plan.is_journey,
            default_transition=fallback,
        ),
        fallback,
    )
    applied = []
    for op in edits:
        outcome = _HANDLERS[op.op](draft, op, tracks)
        if isinstance(outcome, str):
            notes.append(outcome)
        else:
            draft = outcome
            applied.append(op)
    if not draft.slots:
        return Revision(plan, [], [*notes, "A mix needs at least one track; nothing changed."])
    same_tracks = [s.track.id for s in draft.slots] == [s.track_id for s in plan.segments]
    story = Story(changes=list(draft.changes), title=plan.title if same_tracks else None)
    revised, compose_notes = compose(draft.slots, draft.settings, story, refit=draft.refit)
    return Revision(revised, applied, notes + compose_notes, list(draft.changes))


def _find(draft: _Draft, ref: str | None, library: Library, index: int | None = None) -> int | None:
    """The 0-based slot a reference names: a 1-based position (-1 = last), else a song."""
    if index is not None:
        position = index - 1 if index > 0 else len(draft.slots) + index
        return position if 0 <= position < len(draft.slots) else None
    playing = [s.track.id for s in draft.slots]
    track_id, _ = resolve(ref, None, library, playing)
    return playing.index(track_id) if track_id in playing else None


def _ref_text(op: EditOperation) -> str:
    return f"track {op.index}" if op.index is not None else f"'{op.track}'"


def _retransition(draft: _Draft, slots: Sequence[Slot], change: str) -> _Draft:
    placed, _ = assign_transitions(slots, [], draft.fallback)
    return replace(draft, slots=tuple(placed), changes=(*draft.changes, change))


def _new_slot(draft: _Draft, song: SongRequest, library: Library) -> tuple[Slot | None, list[str]]:
    track_id, _ = resolve(song.query, song.track_id, library)
    if track_id is None:
        return None, [f"'{song.query}' is not a track in your library."]
    track = library[track_id]
    grid = grid_of(track)
    part, notes = part_for(track, grid, song)
    pitch = pitch_to_key(track, draft.settings.key) if draft.settings.key else 0
    return replace(slot_for(track, part, grid), pitch=pitch or 0), notes


def _reorder(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    picked = [i for ref in op.tracks if (i := _find(draft, ref, library)) is not None]
    order = list(dict.fromkeys(picked))
    if not order:
        return "The new order names no track in the mix."
    ordered = [draft.slots[i] for i in order]
    ordered += [s for i, s in enumerate(draft.slots) if i not in order]
    names = ", ".join(s.track.title for s in ordered)
    return _retransition(draft, ordered, f"New order: {names}.")


def _swap(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    first = _find(draft, op.track, library, op.index)
    second = _find(draft, op.other, library, op.other_index)
    if first is None or second is None or first == second:
        return "A swap needs two different tracks from the mix."
    slots = list(draft.slots)
    slots[first], slots[second] = slots[second], slots[first]
    change = f"Swapped {slots[second].track.title} and {slots[first].track.title}."
    return _retransition(draft, slots, change)


def _add(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    song = op.song or SongRequest(query=op.track or "")
    playing = next((i for i, s in enumerate(draft.slots) if s.track.id == song.track_id), None)
    if playing is not None:
        title = draft.slots[playing].track.title
        return f"{title} already plays in the mix (track {playing + 1}), so nothing was added."
    slot, notes = _new_slot(draft, song, library)
    if slot is None:
        return notes[0]
    at = len(draft.slots) if op.position is None else min(op.position, len(draft.slots))
    slot = replace(slot, transition=draft.fallback)
    slots = [*draft.slots[:at], slot, *draft.slots[at:]]
    where = "at the end" if at == len(draft.slots) else f"at position {at + 1}"
    return _kept_around(
        draft, slots, f"Added {slot.track.title} {where}. {' '.join(notes)}".strip()
    )


def _remove(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    index = _find(draft, op.track, library, op.index)
    if index is None:
        return f"{_ref_text(op)} is not in the mix, so nothing was removed."
    gone = draft.slots[index].track
    slots = [s for s in draft.slots if s.track.id != gone.id]
    if not slots:
        return f"{gone.title} is the only track in the mix, so it stays."
    return _kept_around(draft, slots, f"Removed {gone.title}.")


def _kept_around(draft: _Draft, slots: Sequence[Slot], change: str) -> _Draft:
    """Tracks came or went: the transitions around the change are the defaults, the others are
    kept as they were, and a length the person set is met again."""
    placed = [
        s if i == 0 or s.transition is not None else replace(s, transition=draft.fallback)
        for i, s in enumerate(slots)
    ]
    placed[0] = replace(placed[0], transition=None)
    refit = draft.refit or draft.settings.duration_s is not None
    return replace(draft, slots=tuple(placed), refit=refit, changes=(*draft.changes, change))


def _replace(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    index = _find(draft, op.track, library, op.index)
    song = op.song or SongRequest(query=op.other or "")
    if index is None:
        return f"{_ref_text(op)} is not in the mix, so nothing was replaced."
    slot, notes = _new_slot(draft, song, library)
    if slot is None:
        return notes[0]
    old = draft.slots[index]
    if old.track.id == slot.track.id:
        return f"{old.track.title} is already track {index + 1}, so nothing was replaced."
    slot = replace(slot, transition=old.transition)
    slots = [*draft.slots[:index], slot, *draft.slots[index + 1 :]]
    change = f"Replaced {old.track.title} with {slot.track.title}. {' '.join(notes)}"
    return replace(draft, slots=tuple(slots), changes=(*draft.changes, change.strip()))


def _set_section(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    song = op.song or SongRequest(query=op.track or "")
    ref = song.track_id or song.query or op.track
    if op.index is not None:
        index = _find(draft, None, library, op.index)
    else:
        index = _find(draft, ref, library) if ref else (0 if len(draft.slots) == 1 else None)
    if index is None:
        return f"'{ref}' is not in the mix; add it first."
    old = draft.slots[index]
    song = song.model_copy(update={"track_id": old.track.id})
    slot, notes = _new_slot(draft, song, library)
    if slot is None:
        return notes[0]
    slot = replace(slot, transition=old.transition, pitch=old.pitch, base=old.base)
    slots = [*draft.slots[:index], slot, *draft.slots[index + 1 :]]
    change = f"{slot.track.title} now plays {slot.part.reason}. {' '.join(notes)}"
    return replace(draft, slots=tuple(slots), changes=(*draft.changes, change.strip()))


def _set_bpm(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    if op.number is None:
        return "A tempo change needs a BPM."
    asked = op.number
    if op.relative is not None and draft.settings.journey:
        return (
            "This mix is a tempo journey: each track plays near its own tempo, so there is no "
            'one tempo to nudge. Say a tempo ("at 126 BPM") to play every track at it.'
        )
    if op.relative == "add":
        asked = draft.settings.bpm + op.number
    elif op.relative == "scale":
        asked = draft.settings.bpm * op.number
    bpm = round(min(max(asked, MIN_BPM), MAX_BPM), 1)
    settings = replace(draft.settings, bpm=bpm, journey=False)  # one tempo, as asked
    return replace(draft, settings=settings, changes=(*draft.changes, f"Tempo now {bpm:g} BPM."))


def _set_key(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    try:
        key = normalize_key(op.text or "")
    except InvalidKey as exc:
        return exc.message
    slots, notes = with_key(draft.slots, key)
    change = " ".join([f"Key now {key}.", *notes])
    settings = replace(draft.settings, key=key)
    return replace(draft, slots=tuple(slots), settings=settings, changes=(*draft.changes, change))


def _set_duration(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    if op.number is None:
        return "A length change needs a duration."
    now = mix_length(list(draft.slots), draft.settings.bpm)
    if op.relative == "add":
        asked = now + op.number
    elif op.relative == "scale":
        asked = now * op.number
    else:
        asked = op.number
    if asked <= 0:
        return "That would leave nothing to play, so the length stays."
    seconds = min(asked, MAX_DURATION_S)
    settings = replace(draft.settings, duration_s=seconds)
    change = f"Length now about {mmss(seconds)}."
    return replace(draft, settings=settings, refit=True, changes=(*draft.changes, change))


def _set_lufs(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    if op.number is None:
        return "A loudness change needs a LUFS value."
    asked = draft.settings.lufs + op.number if op.relative == "add" else op.number
    lufs = min(max(asked, MIN_LUFS), MAX_LUFS)
    settings = replace(draft.settings, lufs=lufs)
    return replace(draft, settings=settings, changes=(*draft.changes, f"Loudness {lufs:g} LUFS."))


def _set_transition(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    asked = op.transition
    if asked is None:
        return "A transition change needs a type or a length."
    targets = range(1, len(draft.slots))
    if len(draft.slots) < 2:
        return "A mix of one track has no transition to change."
    if asked.index is not None:
        index = asked.index if asked.index > 0 else len(draft.slots) + asked.index
        if not 1 <= index < len(draft.slots):
            count = len(draft.slots) - 1
            plural = "s" if count != 1 else ""
            return (
                f"The mix has {count} transition{plural}, so there is no transition {asked.index}."
            )
        targets = range(index, index + 1)
    elif asked.into is not None:
        into = _find(draft, asked.into, library)
        if into is None or into == 0:
            return f"No transition leads into '{asked.into}'."
        targets = range(into, into + 1)
    slots = list(draft.slots)
    for index in targets:
        current = slots[index].transition or draft.fallback
        beats = asked.beats
        if beats is None and asked.change is not None:
            now = beats_of(current) or DEFAULT_CHANGE_BEATS
            beats = min(now * 2, 64) if asked.change == "longer" else max(now // 2, 1)
        made = make_transition(asked.type, beats, current)
        slots[index] = replace(slots[index], transition=made)
    said = ", ".join(f"into {slots[i].track.title}: {_said(slots[i].transition)}" for i in targets)
    return replace(draft, slots=tuple(slots), changes=(*draft.changes, f"Transitions {said}."))


def _said(transition: Transition | None) -> str:
    if transition is None or transition.type == "cut":
        return "a cut"
    return f"{transition.beats}-beat {transition.type.replace('_', ' ')}"


def _set_energy(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    if op.text not in get_args(EnergyCurve):
        return f"'{op.text}' is not an energy curve (rising, falling, flat or peak)."
    curve = cast(EnergyCurve, op.text)
    ordered = order_by_energy(draft.slots, curve)
    return _retransition(draft, ordered, f"Reordered for a {curve} energy curve.")


def _order_by(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    slots = list(draft.slots)
    if len(slots) < 2:
        return "A mix of one track has no order to change."
    if op.text == "harmonic":
        ordered = harmonic_order(slots)
        change = f"Ordered by key: {harmony_sentence(ordered)}"
    elif op.text in ("tempo_up", "tempo_down"):
        ordered = sorted(slots, key=lambda s: s.track.bpm or 0.0, reverse=op.text == "tempo_down")
        tempi = " → ".join(f"{s.track.bpm:g}" for s in ordered if s.track.bpm)
        way = "slowest to fastest" if op.text == "tempo_up" else "fastest to slowest"
        change = f"Ordered {way} ({tempi} BPM)."
    elif op.text == "reverse":
        ordered = slots[::-1]
        change = "Reversed the order."
    else:
        return f"'{op.text}' is not an order I know (harmonic, tempo_up, tempo_down, reverse)."
    if [s.track.id for s in ordered] == [s.track.id for s in slots]:
        return replace(
            draft, changes=(*draft.changes, f"The order stays: {change[0].lower()}{change[1:]}")
        )
    return _retransition(draft, ordered, change)


def _move(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    index = _find(draft, op.track, library, op.index)
    if index is None:
        return f"{_ref_text(op)} is not in the mix, so nothing moved."
    slots = list(draft.slots)
    moving = slots.pop(index)
    at = len(slots) if op.position is None or op.position < 0 else min(op.position, len(slots))
    slots.insert(at, moving)
    if at == index:
        return f"{moving.track.title} is already there."
    where = (
        "to the start"
        if at == 0
        else "to the end"
        if at == len(slots) - 1
        else f"to position {at + 1}"
    )
    return _retransition(draft, slots, f"Moved {moving.track.title} {where}.")


def _set_pitch(draft: _Draft, op: EditOperation, library: Library) -> Outcome:
    if op.number is None or not float(op.number).is_integer():
        return "A pitch shift needs whole semitones."
    targets = [i for i in range(len(draft.slots))]
    if op.index is not None or op.track is not None:
        index = _find(draft, op.track, library, op.index)
        if index is None:
            return f"{_ref_text(op)} is not in the mix, so nothing was shifted."
        targets = [index]
    slots = list(draft.slots)
    shifted = []
    for index in targets:
        pitch = max(-12, min(12, slots[index].pitch + int(op.number)))
        slots[index] = replace(slots[index], pitch=pitch)
        shifted.append(f"{slots[index].track.title} {pitch:+d}")
    change = f"Pitch: {', '.join(shifted)} semitone{'s' if abs(int(op.number)) != 1 else ''}."
    return replace(draft, slots=tuple(slots), changes=(*draft.changes, change))


_HANDLERS: dict[str, Handler] = {
    "order_by": _order_by,
    "move_track": _move,
    "set_pitch": _set_pitch,
    "reorder": _reorder,
    "swap": _swap,
    "add_track": _add,
    "remove_track": _remove,
    "replace_track": _replace,
    "set_section": _set_section,
    "set_bpm": _set_bpm,
    "set_key": _set_key,
    "set_duration": _set_duration,
    "set_lufs": _set_lufs,
    "set_transition": _set_transition,
    "set_energy": _set_energy,
}
