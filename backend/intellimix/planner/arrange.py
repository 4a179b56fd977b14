"""Cut points, order and lengths of a plan's segments: the rules every provider's plan obeys.

A `Slot` is one segment while it is being planned: the track, its cut points, the part that must
stay (the section asked for, or the track's best part) and the transition into it. Planning is a
row of small pure functions over a list of slots:

1. `part_for` — the part of the track to play, cut on its downbeats (phrase starts preferred);
2. `order_slots` — the order asked for, an energy curve, or the most harmonic path;
3. `assign_transitions` — the transitions asked for, else the defaults;
4. `shape` — lead-ins and tails, so a blend overlaps the music around a chosen part, not the part;
5. `fit_duration` — whole phrases (then bars) added or trimmed to meet a requested length;
6. `fit_transitions` — a transition longer than half a neighbour is shortened, with a note.

Output lengths follow the renderer's own rules (`stretch_ratio`, `derive_timeline`), so the
length a plan promises is the length the render produces.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from intellimix.audio.render import derive_timeline, stretch_ratio
from intellimix.audio.tempo import set_tempo_of
from intellimix.audio.tonal import camelot_code, parse_key
from intellimix.planner.compat import camelot, energy_of, pair_score, shifted_key
from intellimix.planner.plan import BeatMap, Segment, Transition, TransitionType
from intellimix.planner.turns import (
    EnergyCurve,
    LibrarySection,
    LibraryTrack,
    Preferences,
    SongRequest,
)

BEATS_PER_BAR = 4
PHRASE_BARS = 8
FALLBACK_BPM = 120.0  # a track without a tempo is cut on a 2-second bar grid
DEFAULT_BARS = 32  # the part played from a track without sections, or after a bare start time
MIN_BARS = 4  # the shortest segment worth playing
MIN_DEFAULT_BARS = 16  # a track's best part, when it is shorter, grows back to this
DEFAULT_TYPE: TransitionType = "crossfade"
DEFAULT_BEATS = 16
# Transition lengths a DJ counts in: a shortened transition falls to the longest that fits.
ROUND_BEATS = (64, 32, 16, 8, 4, 2, 1)
# Why a transition was shortened, as its note says (a revision that only asked for a longer one
# then changed nothing, and says so with this note).
TOO_LONG_FOR_ITS_SEGMENTS = "would be longer than half of a neighbouring segment"
# Without section energies, the part that carries a track is its drop or chorus.
BEST_LABELS = ("drop", "chorus", "build", "verse", "bridge", "break", "intro", "outro")
# A chorus asked of a track that has drops instead (and the other way round) means its hook.
STAND_INS = {"chorus": "drop", "drop": "chorus", "bridge": "break", "break": "bridge"}
DURATION_TOLERANCE = 0.05  # a requested length is met within ±5 %
FIRM_TOLERANCE = 0.04  # asked-for cuts move only to get inside this (a margin under 5 %)
ORDER_SLACK = 0.02  # a listed order this close to the best-scoring one is kept
EXACT_ORDER = 10  # up to 10 tracks the best order is found exactly; longer lists greedily
EPS = 1e-6
SPAN_MARGIN_S = 0.005  # see min_span

How = Literal["default", "kept", "section", "range"]
# How firmly a part is held when a duration is fitted: default and kept parts move first.
RIGIDITY: dict[How, int] = {"default": 0, "kept": 0, "section": 1, "range": 2}


# --- the beat grid ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """Where a track may be cut: its downbeats and phrase starts, each closed by the track's end."""

    bars: tuple[float, ...]
    phrases: tuple[float, ...]
    beat_s: float  # one beat of the source at its own tempo

    @property
    def bar_s(self) -> float:
        return self.beat_s * BEATS_PER_BAR

    @property
    def end(self) -> float:
        return self.bars[-1]

    def snap(self, t: float, *, prefer_phrase: bool = False) -> float:
        """The cut point nearest t; with prefer_phrase, a phrase start within half a bar wins."""
        if prefer_phrase:
            phrase = _nearest(self.phrases, t)
            if abs(phrase - t) <= self.bar_s / 2:
                return phrase
        return _nearest(self.bars, t)

    def after(self, t: float, *, phrase: bool = False) -> float | None:
        """The first cut point strictly after t."""
        points = self.phrases if phrase else self.bars
        index = bisect.bisect_right(points, t + EPS)
        return points[index] if index < len(points) else None

    def before(self, t: float, *, phrase: bool = False) -> float | None:
        """The last cut point strictly before t."""
        points = self.phrases if phrase else self.bars
        index = bisect.bisect_left(points, t - EPS)
        return points[index - 1] if index > 0 else None

    def at_or_before(self, t: float, *, phrase: bool = False) -> float:
        """The last cut point at or before t (the first one when none is)."""
        found = self.before(t + 2 * EPS, phrase=phrase)
        return found if found is not None else (self.phrases if phrase else self.bars)[0]

    def at_or_after(self, t: float) -> float:
        """The first downbeat at or after t (the track's end when none is)."""
        found = self.after(t - 2 * EPS)
        return found if found is not None else self.end

    def step(self, t: float, *, forward: bool, phrase: bool) -> float | None:
        """The next cut point beyond t: a phrase start when asked and there is one, else a bar."""
        move = self.after if forward else self.before
        found = move(t, phrase=True) if phrase else None
        return found if found is not None else move(t)


def _nearest(points: Sequence[float], t: float) -> float:
    index = bisect.bisect_left(points, t)
    near = points[max(0, index - 1) : index + 1]
    return min(near, key=lambda p: abs(p - t))


def grid_of(track: LibraryTrack) -> Grid:
    """The track's cut grid from its analysis; a bar grid from its tempo without downbeats."""
    beat_s = 60.0 / (track.bpm or FALLBACK_BPM)
    end = track.duration_s
    # A downbeat within half a beat of the end is the end itself.
    inside = end - beat_s / 2
    bars = sorted(t for t in track.downbeats if 0.0 <= t < inside)
    if not bars:
        count = math.ceil(inside / (beat_s * BEATS_PER_BAR))
        bars = [i * beat_s * BEATS_PER_BAR for i in range(count)]
    phrases = sorted(t for t in track.phrase_starts if 0.0 <= t < inside) or bars[::PHRASE_BARS]
    # Plans store cut points in milliseconds; planning on the same numbers keeps lengths exact.
    return Grid(_ms([*bars, end]), _ms([*phrases, end]), beat_s)


def _ms(points: Sequence[float]) -> tuple[float, ...]:
    return tuple(round(t, 3) for t in points)


# --- slots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A span of a track chosen for the mix, and why."""

    start_s: float
    end_s: float
    label: str
    how: How
    reason: str


@dataclass(frozen=True)
class Slot:
    """One segment while it is planned."""

    track: LibraryTrack
    grid: Grid
    part: Part  # the span that must stay: asked for, the best part, or a kept cut
    start_s: float
    end_s: float
    transition: Transition | None = None  # into this slot; None for the first
    pitch: int = 0
    base: Segment | None = None  # the earlier plan's segment: its id, gain, EQ and effects stay
    # A tempo journey's own tempo and beat map for the slot (None: the plan's one tempo), so a
    # journey's length is fitted on the tempi it plays at.
    bpm: float | None = None
    beat_map: BeatMap = "same"


def slot_for(track: LibraryTrack, part: Part, grid: Grid | None = None) -> Slot:
    """A slot playing exactly `part`."""
    return Slot(track, grid or grid_of(track), part, part.start_s, part.end_s)


def stretch_of(slot: Slot, bpm: float) -> float:
    """The slot's stretch at the plan's tempo `bpm`, or at its own tempo in a journey."""
    if slot.bpm is None:
        return stretch_ratio(bpm, slot.track.bpm)
    return stretch_ratio(slot.bpm, set_tempo_of(slot.track.bpm, slot.beat_map))


def out_len(slot: Slot, bpm: float) -> float:
    """The slot's length on the output, stretched to the target tempo (or its own)."""
    return (slot.end_s - slot.start_s) / stretch_of(slot, bpm)


def beats_of(transition: Transition | None) -> int:
    return transition.beats if transition and transition.type != "cut" else 0


def mix_length(slots: Sequence[Slot], bpm: float) -> float:
    """The mix's length: where derive_timeline ends the last segment."""
    if not slots:
        return 0.0
    plan = {
        "target": {"bpm": bpm},
        "segments": [
            {
                "id": str(index),
                "track_id": slot.track.id,
                "source_start_s": slot.start_s,
                "source_end_s": slot.end_s,
                "transition_in": slot.transition.model_dump() if slot.transition else None,
                **({"bpm": slot.bpm, "beat_map": slot.beat_map} if slot.bpm is not None else {}),
            }
            for index, slot in enumerate(slots)
        ],
    }
    bpms = {slot.track.id: slot.track.bpm for slot in slots}
    return float(derive_timeline(plan, bpms)[-1]["end_s"])


def mmss(seconds: float) -> str:
    """1:05 for 65 s."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


# --- 1. which part of a track -----------------------------------------------------------------


def part_for(track: LibraryTrack, grid: Grid, song: SongRequest | None) -> tuple[Part, list[str]]:
    """The part a song request asks for (a time range, a section, an end), else the best part."""
    notes: list[str] = []
    if song is not None and (song.start_s is not None or song.end_s is not None):
        part = _range_part(track, grid, song.start_s, song.end_s, notes)
    elif song is not None and song.section is not None:
        part = _section_part(track, grid, song.section, song.occurrence, notes)
    else:
        part = best_part(track, grid)
    if song is not None and song.end_on_section is not None:
        part = _ending_on(track, grid, part, song.end_on_section, notes)
    return part, notes


def _range_part(
    track: LibraryTrack, grid: Grid, start_s: float | None, end_s: float | None, notes: list[str]
) -> Part:
    start = grid.snap(start_s or 0.0)
    if start >= grid.end:
        notes.append(f"{track.title} is only {mmss(track.duration_s)} long; using its best part.")
        return best_part(track, grid)
    if end_s is None:
        end = grid.snap(min(start + DEFAULT_BARS * grid.bar_s, grid.end))
    else:
        end = grid.snap(min(end_s, grid.end))
        if end_s > track.duration_s + grid.beat_s:
            notes.append(f"{track.title} ends at {mmss(track.duration_s)}; the cut stops there.")
    if end <= start:
        end = grid.after(start) or grid.end
    label = f"{mmss(start)}–{mmss(end)}"
    return Part(start, end, label, "range", "the time range asked for")


def _matching(track: LibraryTrack, label: str) -> list[LibrarySection]:
    return [s for s in track.sections if s.label.lower() == label]


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}.get(n, f"{n}th")


def _section_span(grid: Grid, section: LibrarySection) -> tuple[float, float]:
    start = grid.snap(section.start_s, prefer_phrase=True)
    end = grid.snap(section.end_s, prefer_phrase=True)
    return start, end if end > start else (grid.after(start) or grid.end)


def _section_part(
    track: LibraryTrack, grid: Grid, label: str, occurrence: int | None, notes: list[str]
) -> Part:
    label = label.lower()
    matches = _matching(track, label)
    if not matches and label in STAND_INS:
        stand_in = STAND_INS[label]
        matches = _matching(track, stand_in)
        if matches:
            notes.append(f"{track.title} has no {label}; its {stand_in} plays instead.")
            label = stand_in
    if not matches:
        notes.append(f"{track.title} has no {label}; its best part plays instead.")
        return best_part(track, grid)
    index = (occurrence or 1) - 1
    if index >= len(matches):
        notes.append(
            f"{track.title} has {len(matches)} {label}(s), not {occurrence}; using the last."
        )
        index = len(matches) - 1
    start, end = _section_span(grid, matches[index])
    which = f"its {_ordinal(index + 1)} {label}" if len(matches) > 1 else f"its {label}"
    return Part(start, end, label, "section", f"{which}, as asked")


def best_part(track: LibraryTrack, grid: Grid) -> Part:
    """The part that carries a track: its most energetic section, else its first drop/chorus."""
    sections = [s for s in track.sections if s.end_s > s.start_s]
    if not sections:
        length = min(DEFAULT_BARS * grid.bar_s, track.duration_s)
        start = grid.snap(max(0.0, (track.duration_s - length) / 2), prefer_phrase=True)
        end = grid.snap(min(start + length, grid.end))
        return Part(start, end, "", "default", "the middle of the track (no sections analysed)")
    measured = [s for s in sections if s.energy is not None]
    if measured:
        best = max(measured, key=lambda s: s.energy or 0.0)
        why = "its most energetic section"
    else:
        rank = {label: index for index, label in enumerate(BEST_LABELS)}
        best = min(sections, key=lambda s: rank.get(s.label.lower(), len(rank)))
        why = "the part that carries the track"
    start, end = _section_span(grid, best)
    label = best.label.lower()
    reason = f"its {label} ({mmss(start)}–{mmss(end)}), {why}"
    if end - start < MIN_DEFAULT_BARS * grid.bar_s - EPS:
        # A short hook lands better after the phrases that lead into it.
        start = grid.at_or_before(end - MIN_DEFAULT_BARS * grid.bar_s, phrase=True)
        end = max(end, grid.at_or_after(start + MIN_DEFAULT_BARS * grid.bar_s))
        reason += ", with the bars leading into it"
    return Part(start, end, label, "default", reason)


def _ending_on(track: LibraryTrack, grid: Grid, part: Part, label: str, notes: list[str]) -> Part:
    spans = [_section_span(grid, s) for s in _matching(track, label.lower())]
    ends = [end for _, end in spans if end > part.start_s + grid.bar_s]
    if not ends:
        notes.append(f"{track.title} has no {label} after {mmss(part.start_s)}; kept its cut.")
        return part
    end = ends[0]
    span = part.label if part.label == label else f"{part.label or mmss(part.start_s)} to {label}"
    return Part(
        part.start_s,
        end,
        span[:40],
        "range" if part.how == "range" else "section",
        f"ending on its {label}, as asked",
    )


# --- 2. order ---------------------------------------------------------------------------------


def order_by_energy(slots: Sequence[Slot], curve: EnergyCurve) -> list[Slot]:
    """Slots along an energy curve; flat keeps them as they are (stable for equal energies)."""
    if curve == "flat":
        return list(slots)
    rising = sorted(slots, key=lambda s: energy_of(s.track))
    if curve == "rising":
        return rising
    if curve == "falling":
        return rising[::-1]
    # A peak: every other track on the way up, the rest on the way down.
    return rising[0::2] + rising[1::2][::-1]


def camelot_neighbours(key_a: str | None, key_b: str | None) -> bool:
    """Keys a DJ blends without a clash: the same Camelot code, one step around the wheel in the
    same mode, or the relative major/minor (same number, other letter)."""
    code_a, code_b = _camelot(key_a), _camelot(key_b)
    if not code_a or not code_b:
        return False
    number_a, number_b = int(code_a[:-1]), int(code_b[:-1])
    if code_a[-1] == code_b[-1]:
        return (number_a - number_b) % 12 in (0, 1, 11)
    return number_a == number_b


def harmonic_order(slots: Sequence[Slot]) -> list[Slot]:
    """The order with the most Camelot-compatible neighbours, then the best key and tempo steps;
    the listed order when it is as compatible and about as good."""
    count = len(slots)
    if count <= 2:
        return list(slots)
    keys = [shifted_key(s.track, s.pitch) for s in slots]
    # Each pair is scored once: key_relation is the costly part, the search only adds.
    fits = [[camelot_neighbours(a, b) for b in keys] for a in keys]
    scores = [
        [pair_score(a.track, b.track, shift_a=a.pitch, shift_b=b.pitch) for b in slots]
        for a in slots
    ]

    def value(order: Sequence[int]) -> tuple[int, float]:
        steps = list(itertools.pairwise(order))
        return sum(fits[i][j] for i, j in steps), sum(scores[i][j] for i, j in steps)

    listed = tuple(range(count))
    best = _best_path(fits, scores) if count <= EXACT_ORDER else _greedy_path(fits, scores)
    kept, found = value(listed), value(best)
    chosen = listed if kept[0] >= found[0] and kept[1] >= found[1] - ORDER_SLACK else best
    return [slots[i] for i in chosen]


def _best_path(fits: list[list[bool]], scores: list[list[float]]) -> tuple[int, ...]:
    """The exact best Hamiltonian path (Held–Karp over subsets): most compatible steps first,
    then the highest total pair score."""
    count = len(fits)
    Best = tuple[tuple[int, float], tuple[int, ...]]
    table: dict[tuple[int, int], Best] = {(1 << i, i): ((0, 0.0), (i,)) for i in range(count)}
    for size in range(2, count + 1):
        for members in itertools.combinations(range(count), size):
            mask = sum(1 << i for i in members)
            for last in members:
                before = mask & ~(1 << last)
                options = []
                for prev in members:
                    if prev == last or (before, prev) not in table:
                        continue
                    (fit, score), path = table[(before, prev)]
                    step = (fit + fits[prev][last], score + scores[prev][last])
                    options.append((step, (*path, last)))
                if options:
                    table[(mask, last)] = max(options)
    full = (1 << count) - 1
    return max(table[(full, last)] for last in range(count))[1]


def _greedy_path(fits: list[list[bool]], scores: list[list[float]]) -> tuple[int, ...]:
    """A long list: from the first track, always the most compatible next one."""
    path, rest = [0], list(range(1, len(fits)))
    while rest:
        following = max(rest, key=lambda j: (fits[path[-1]][j], scores[path[-1]][j]))
        path.append(following)
        rest.remove(following)
    return tuple(path)


def order_slots(
    slots: Sequence[Slot], *, fixed: bool, energy: EnergyCurve | None
) -> tuple[list[Slot], str]:
    """The play order and a sentence saying why: as given, along an energy curve, or harmonic."""
    curve = energy if energy in ("rising", "falling", "peak") else None
    if fixed or len(slots) <= 1:
        if curve and order_by_energy(slots, curve) != list(slots):
            return list(slots), f"Your order is kept as given, though it is not {curve} in energy."
        return list(slots), "The tracks play in the order you gave."
    if curve:
        ordered = order_by_energy(slots, curve)
        shown = " → ".join(f"{s.track.title} {energy_of(s.track):.2f}" for s in ordered)
        return ordered, f"Ordered for a {curve} energy curve ({shown})."
    ordered = harmonic_order(slots)
    lead = "Your order is kept" if ordered == list(slots) else "Ordered by key"
    return ordered, f"{lead}: {harmony_sentence(ordered)}"


def harmony_sentence(slots: Sequence[Slot]) -> str:
    """How the keys step: '8A → 9A → 9B, every step a Camelot neighbour.' or which ones clash."""
    keys = [shifted_key(s.track, s.pitch) for s in slots]
    codes = [_camelot(key) for key in keys]
    steps = f"{' → '.join(codes)}, " if all(codes) else ""
    clashes = [
        f"{a.track.title} → {b.track.title}"
        for (a, b), (key_a, key_b) in zip(
            itertools.pairwise(slots), itertools.pairwise(keys), strict=True
        )
        if not camelot_neighbours(key_a, key_b)
    ]
    if not clashes:
        return f"{steps}every step a Camelot neighbour."
    return (
        f"{steps}{len(clashes)} of {len(slots) - 1} steps clash in key ({'; '.join(clashes)}); "
        "no order of these tracks has fewer."
    )


def _camelot(key: str | None) -> str:
    return camelot(key) or ""


# --- tempo and key ----------------------------------------------------------------------------


def choose_bpm(
    tracks: Sequence[LibraryTrack], asked: float | None, preferences: Preferences | None
) -> tuple[float, str]:
    """The target tempo and why: asked, else the tracks' median kept inside the remembered range."""
    if asked is not None:
        return float(asked), f"{asked:g} BPM, as asked."
    known = [t.bpm for t in tracks if t.bpm]
    bpm = round(statistics.median(known), 1) if known else FALLBACK_BPM
    why = "the tracks' median tempo, so no track is stretched far" if known else "a default"
    if preferences and preferences.bpm_range:
        low, high = preferences.bpm_range
        clamped = min(max(bpm, low), high)
        if clamped != bpm:
            bpm, why = clamped, f"inside your usual {low:g}–{high:g} BPM"
    return bpm, f"{bpm:g} BPM: {why}."


def pitch_to_key(track: LibraryTrack, target_key: str) -> int | None:
    """The smallest shift that puts the track on the target's Camelot number (same or relative)."""
    if track.key is None:
        return None
    number = camelot_code(*parse_key(target_key))[:-1]
    # Ties between up and down go down: a lowered track sounds less processed.
    for shift in sorted(range(-6, 7), key=lambda s: (abs(s), s)):
        key = shifted_key(track, shift)
        if key and camelot_code(*parse_key(key))[:-1] == number:
            return shift
    return None


# --- 3. transitions ---------------------------------------------------------------------------


def default_transition(preferences: Preferences | None) -> Transition:
    """Crossfade over 16 beats unless the person's remembered defaults say otherwise."""
    kind = (preferences.transition_type if preferences else None) or DEFAULT_TYPE
    beats = (preferences.transition_beats if preferences else None) or DEFAULT_BEATS
    return make_transition(kind, beats, Transition(type=DEFAULT_TYPE, beats=DEFAULT_BEATS))


def make_transition(kind: TransitionType | None, beats: int | None, base: Transition) -> Transition:
    """A transition from the words; what they leave open comes from `base`."""
    if kind == "cut" or (kind is None and beats == 0):
        return Transition(type="cut", beats=0)
    if kind is None and beats is None:
        return base
    kind = kind or (base.type if base.type != "cut" else DEFAULT_TYPE)
    length = beats or beats_of(base) or DEFAULT_BEATS
    return Transition(type=kind, beats=min(max(length, 1), 64))


def assign_transitions(
    slots: Sequence[Slot],
    asked: Sequence[tuple[str | None, TransitionType | None, int | None]],
    fallback: Transition,
) -> tuple[list[Slot], list[str]]:
    """Every transition: asked ones (by the track they lead into, or all) else the fallback."""
    notes: list[str] = []
    result = [replace(slot, transition=None) for slot in slots[:1]]
    result += [replace(slot, transition=slot.transition or fallback) for slot in slots[1:]]
    for into, kind, beats in asked:
        targets = [i for i, s in enumerate(result) if into is None or s.track.id == into]
        if into is not None and targets == [0]:
            notes.append(f"{result[0].track.title} opens the mix, so nothing transitions into it.")
        for index in targets:
            if index == 0:
                continue
            current = result[index].transition or fallback
            made = make_transition(kind, beats, current)
            result[index] = replace(result[index], transition=made)
    return result, notes


# --- 4. lead-ins and tails --------------------------------------------------------------------


def _neighbour_beats(slots: Sequence[Slot], index: int) -> tuple[int, int]:
    incoming = beats_of(slots[index].transition) if index else 0
    outgoing = beats_of(slots[index + 1].transition) if index + 1 < len(slots) else 0
    return incoming, outgoing


def _source_s(slot: Slot, output_s: float, bpm: float) -> float:
    return output_s * stretch_of(slot, bpm)


def min_span(
    slot: Slot,
    incoming: int,
    outgoing: int,
    bpm: float,
    *,
    near: tuple[float, float] | None = None,
) -> float:
    """The shortest source span that keeps both transitions within half the segment.

    `near`: in a tempo journey, the slowest and fastest tempo either side of the slot's
    overlaps (`_near_tempi`). An overlap lasts its beats at a tempo between its two sides' (a
    ramp) or at the outgoing one (an echo-out), so never longer than at the slowest; through a
    ramp the track plays at most at the fastest one's rate.
    """
    # A span of exactly twice the overlap is at the limit; cut points rounded to the millisecond
    # can tip it over, so such a part grows by a bar instead.
    beats = 2 * max(incoming, outgoing)
    if near is None:
        source = _source_s(slot, beats * 60.0 / bpm + SPAN_MARGIN_S, bpm)
    else:
        slowest, fastest = near
        own = set_tempo_of(slot.track.bpm, slot.beat_map)
        rate = max(stretch_of(slot, bpm), fastest / own if own else 1.0)
        source = (beats * 60.0 / slowest + SPAN_MARGIN_S) * rate
    return max(source, MIN_BARS * slot.grid.bar_s)


def _near_tempi(slots: Sequence[Slot], index: int, bpm: float) -> tuple[float, float] | None:
    """The slowest and fastest tempo of a slot and its neighbours, when a journey sets them
    (a beatless track's segment plays at the plan's `bpm`)."""
    near = slots[max(0, index - 1) : index + 2]
    if all(slot.bpm is None for slot in near):
        return None
    tempi = [bpm if slot.bpm is None else slot.bpm for slot in near]
    return min(tempi), max(tempi)


def shape(slots: Sequence[Slot], bpm: float) -> list[Slot]:
    """Lead-ins and tails around default parts; other parts grow only as far as a blend needs."""
    shaped = []
    for index, slot in enumerate(slots):
        incoming, outgoing = _neighbour_beats(slots, index)
        if slot.part.how == "default":
            slot = _with_lead_and_tail(slot, incoming, outgoing, bpm)
        elif slot.part.how != "range":
            slot = _grown_to(slot, min_span(slot, incoming, outgoing, bpm), incoming >= outgoing)
        shaped.append(slot)
    return shaped


def _with_lead_and_tail(slot: Slot, incoming: int, outgoing: int, bpm: float) -> Slot:
    # The blend in starts on a phrase that leaves the whole transition before the part, and the
    # blend out runs on past its end, so the chosen part itself plays clean.
    grid, start, end = slot.grid, slot.part.start_s, slot.part.end_s
    if incoming:
        start = grid.at_or_before(start - _source_s(slot, incoming * 60.0 / bpm, bpm), phrase=True)
    if outgoing:
        end = grid.at_or_after(end + _source_s(slot, outgoing * 60.0 / bpm, bpm))
    return replace(slot, start_s=min(start, slot.start_s), end_s=max(end, slot.end_s))


def _grown_to(slot: Slot, span: float, before_first: bool) -> Slot:
    """The slot widened by whole bars until it spans `span` seconds (or the whole track)."""
    grid, start, end = slot.grid, slot.start_s, slot.end_s
    for side in ("before", "after") if before_first else ("after", "before"):
        missing = span - (end - start)
        if missing <= EPS:
            break
        if side == "before":
            start = grid.at_or_before(start - missing)
        else:
            end = grid.at_or_after(end + missing)
    return replace(slot, start_s=start, end_s=end)


# --- 5. duration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    index: int
    slot: Slot
    delta: float  # change of the mix's length, seconds
    length_before: float  # the slot's length on the output before the move


def fit_duration(
    slots: Sequence[Slot], bpm: float, duration_s: float
) -> tuple[list[Slot], list[str]]:
    """Add or trim whole phrases (then bars) until the mix is as close to duration_s as it gets."""
    fitted = list(slots)
    total = mix_length(fitted, bpm)
    known: _KnownMoves = {}
    while (move := _best_move(fitted, bpm, duration_s - total, duration_s, known)) is not None:
        fitted[move.index] = move.slot
        total += move.delta
        for index in (move.index - 1, move.index, move.index + 1):
            known.pop(index, None)  # a slot's moves depend on it and its transitions only
    total = mix_length(fitted, bpm)
    notes = []
    if abs(total - duration_s) > DURATION_TOLERANCE * duration_s:
        limit = "the longest" if total < duration_s else "the shortest"
        notes.append(
            f"{mmss(duration_s)} is out of reach: {mmss(total)} is {limit} "
            "these tracks and transitions allow."
        )
    return fitted, notes


# Each slot's phrase length on the output and its moves by (level, growing, by phrase), kept
# while the slot is unchanged: a 64-segment set takes hundreds of steps, each changing one slot.
_KnownMoves = dict[int, tuple[float, dict[tuple[int, bool, bool], list[_Move]]]]


def _best_move(
    slots: list[Slot], bpm: float, gap: float, duration_s: float, known: _KnownMoves
) -> _Move | None:
    """The next step toward the target, at the gentlest level of change that still helps."""
    grow = gap > 0
    for level in range(4):
        # Time ranges, and cuts into asked-for sections, happen only outside the tolerance.
        if level >= 2 and abs(gap) <= FIRM_TOLERANCE * duration_s:
            return None
        moves = [
            move
            for index in range(len(slots))
            for move in _known_moves(slots, index, bpm, gap, level, known)
            if abs(gap - move.delta) < abs(gap) - EPS
        ]
        if moves:
            # Spread the change: grow the shortest segment, trim the longest.
            sign = 1 if grow else -1
            return min(moves, key=lambda m: (sign * m.length_before, abs(gap - m.delta)))
    return None


def _known_moves(
    slots: list[Slot], index: int, bpm: float, gap: float, level: int, known: _KnownMoves
) -> list[_Move]:
    if index not in known:
        slot = slots[index]
        known[index] = (PHRASE_BARS * slot.grid.bar_s / stretch_of(slot, bpm), {})
    phrase_s, mine = known[index]
    phrase = abs(gap) >= phrase_s  # bars when close
    asked = (level, gap > 0, phrase)
    if asked not in mine:
        mine[asked] = _moves(slots, index, bpm, grow=gap > 0, phrase=phrase, level=level)
    return mine[asked]


def _moves(
    slots: list[Slot], index: int, bpm: float, *, grow: bool, phrase: bool, level: int
) -> list[_Move]:
    """One step at each end of a slot, if its rigidity lets this level move it."""
    slot = slots[index]
    rigidity, grid = RIGIDITY[slot.part.how], slot.grid
    spans: list[tuple[float, float]] = []
    if grow:
        if rigidity != level:
            return []
        end = grid.step(slot.end_s, forward=True, phrase=phrase)
        start = grid.step(slot.start_s, forward=False, phrase=phrase)
        spans += [(slot.start_s, end)] if end is not None else []
        spans += [(start, slot.end_s)] if start is not None else []
    else:
        # Level 0 trims only around the part; later levels cut into it, the firmest last.
        into_part = level > 0
        if (rigidity != level - 1) if into_part else slot.part.how == "range":
            return []
        incoming, outgoing = _neighbour_beats(slots, index)
        shortest = min_span(slot, incoming, outgoing, bpm, near=_near_tempi(slots, index, bpm))
        floor_end, ceil_start = slot.start_s + shortest, slot.end_s - shortest
        if not into_part:
            floor_end = max(floor_end, slot.part.end_s)
            ceil_start = min(ceil_start, slot.part.start_s)
        # A phrase may be too much to take off where a bar still fits.
        sizes = (True, False) if phrase else (False,)
        ends = [grid.step(slot.end_s, forward=False, phrase=p) for p in sizes]
        starts = [grid.step(slot.start_s, forward=True, phrase=p) for p in sizes]
        end = next((e for e in ends if e is not None and e >= floor_end - EPS), None)
        start = next((s for s in starts if s is not None and s <= ceil_start + EPS), None)
        spans += [(slot.start_s, end)] if end is not None else []
        spans += [(start, slot.end_s)] if start is not None else []
    before = out_len(slot, bpm)
    moved = [replace(slot, start_s=start_s, end_s=end_s) for start_s, end_s in spans]
    return [_Move(index, m, out_len(m, bpm) - before, before) for m in moved]


# --- 6. transitions that fit ------------------------------------------------------------------


def fit_transitions(slots: Sequence[Slot], bpm: float) -> tuple[list[Slot], list[str]]:
    """Shorten any transition longer than half of either neighbour (DESIGN §5), saying so."""
    fitted = list(slots)
    notes = []
    for index in range(1, len(fitted)):
        transition = fitted[index].transition
        beats = beats_of(transition)
        if transition is None or not beats:
            continue
        shorter = min(out_len(fitted[index - 1], bpm), out_len(fitted[index], bpm))
        allowed = math.floor(shorter / 2 * bpm / 60.0 + 1e-9)
        if beats <= allowed:
            continue
        fits = next((b for b in ROUND_BEATS if b <= allowed), 0)
        shortened = (
            Transition(type=transition.type, beats=fits)
            if fits
            else Transition(type="cut", beats=0)
        )
        fitted[index] = replace(fitted[index], transition=shortened)
        into = fitted[index].track.title
        now = f"{fits} beats" if fits else "a cut"
        notes.append(
            f"The {transition.type.replace('_', ' ')} into {into} is {now}: "
            f"{beats} beats {TOO_LONG_FOR_ITS_SEGMENTS}."
        )
    return fitted, notes
