"""Tempo journeys the planner proposes (DESIGN §5): per-segment tempi when one tempo is too far.

When every track plays within ±8 % of the plan's one tempo, the plan keeps that tempo. Otherwise
each segment plays near its own track's tempo — on the set's grid at half or double time when
that is closer to the segment before — within ±8 % of it, overlaps included: through a blend both
segments follow one tempo curve that ramps over the whole overlap from one tempo to the other,
so each tempo must suit both tracks. Two tracks too far apart for that (no tempo within 8 % of
both) are handed over with a short echo-out, each keeping its own tempo: the outgoing track
rings out on its echo while the incoming one starts on its grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from intellimix.audio.tempo import TRACK_BEATS_PER_BEAT
from intellimix.planner.plan import BeatMap, Segment, Transition

JOURNEY_STRETCH = 0.08  # a turntable's ±8 %: beyond it vocals and hats sound processed
# Two tracks too far apart to ramp: half a bar of overlap, its last beat echoing on.
ECHO_OUT = Transition(type="echo_out", beats=2)
BEAT_MAPS: tuple[BeatMap, ...] = ("same", "half_time", "double_time")


@dataclass(frozen=True)
class _Played:
    """A segment's track tempo counted on the set's grid, and the beat map that counts it."""

    bpm: float | None
    beat_map: BeatMap

    def window(self) -> tuple[float, float]:
        assert self.bpm is not None
        return self.bpm * (1 - JOURNEY_STRETCH), self.bpm * (1 + JOURNEY_STRETCH)


def needs_journey(
    track_bpms: Sequence[float | None], bpm: float, *, limit: float = JOURNEY_STRETCH
) -> bool:
    """Whether some track would be stretched past the limit (±8 %) at the one tempo."""
    return any(b is not None and abs(bpm / b - 1) > limit + 1e-9 for b in track_bpms)


def tempo_journey(
    segments: Sequence[Segment],
    track_bpms: Mapping[str, float | None],
    *,
    names: Mapping[str, str],
    replaceable: Transition | None,
) -> tuple[list[Segment], list[str]]:
    """The segments with their own tempi, ramps and echo-outs, and a sentence on each change.

    Only a blend equal to `replaceable` (the plan's default transition) becomes an echo-out; a
    blend the person asked for stays, its ramp stretching both sides beyond ±8 % inside it (the
    plan validation refuses it past ±16 %, and the caller keeps one tempo then).
    """
    played = _beat_maps(segments, track_bpms)
    far = [
        index > 0 and _blended(segments[index]) and not _shareable(played[index - 1], played[index])
        for index in range(len(segments))
    ]
    # Blends whose two tempi must suit both tracks: every blend but those too far apart.
    shared = [_blended(s) and not f for s, f in zip(segments, far, strict=True)]
    echo = [f and segments[i].transition_in == replaceable for i, f in enumerate(far)]
    notes = []
    for index in range(1, len(segments)):
        if far[index]:
            pair = f"{_name(segments[index - 1], names, played[index - 1])} → "
            pair += _name(segments[index], names, played[index])
            notes.append(_far_note(pair, segments[index], echo[index]))
    while True:
        windows = [_window(played, shared, index) for index in range(len(segments))]
        clash = next((i for i, w in enumerate(windows) if w is not None and w[0] > w[1]), None)
        if clash is None:
            break
        # Three tracks whose tempi share no range: the wider step no longer has to share one.
        steps = [i for i in (clash, clash + 1) if i < len(shared) and shared[i]]
        wider = max(steps, key=lambda i: _step(played[i - 1], played[i]))
        shared[wider] = False
        echo[wider] = segments[wider].transition_in == replaceable
        if echo[wider]:
            notes.append(
                f"The hand-over into {_name(segments[wider], names, played[wider])} is an "
                "echo-out: no tempo suits the tracks either side of it within ±8 %."
            )
    tempi = [_tempo(p, w) for p, w in zip(played, windows, strict=True)]
    result = []
    for index, segment in enumerate(segments):
        transition = segment.transition_in
        if index and transition is not None and echo[index]:
            transition = ECHO_OUT
        elif (
            index and not shared[index] and transition is not None and transition.type == "echo_out"
        ):
            # An echo-out between tempi that share no range (the pair's own, or with its
            # neighbours'): each side keeps its own, no ramp — also once it is made longer.
            pass
        elif index and transition is not None and tempi[index] != tempi[index - 1]:
            transition = transition.model_copy(update={"ramp_beats": transition.beats})
        result.append(
            segment.model_copy(
                update={
                    "bpm": tempi[index],
                    "beat_map": played[index].beat_map,
                    "transition_in": transition,
                }
            )
        )
    return result, notes


def _far_note(pair: str, segment: Segment, echoed: bool) -> str:
    """What happens to a hand-over between two tracks too far apart to ramp."""
    if echoed:
        return (
            f"{pair} is too far apart to ramp within ±8 %, so the first echoes out and the "
            "second starts on its own tempo."
        )
    if segment.transition_in is not None and segment.transition_in.type == "echo_out":
        return f"{pair} keeps its echo-out, each track at its own tempo."
    return (
        f"{pair} keeps the transition asked for; its tempo ramp stretches both tracks beyond "
        "±8 % inside it."
    )


def _name(segment: Segment, names: Mapping[str, str], played: _Played) -> str:
    tempo = f" ({played.bpm:.0f} BPM)" if played.bpm else ""
    return f"{names.get(segment.track_id, segment.track_id)}{tempo}"


def _beat_maps(
    segments: Sequence[Segment], track_bpms: Mapping[str, float | None]
) -> list[_Played]:
    """Each segment's track on the set's grid: as it is, or at half or double time only where
    that lets it blend with the one before and its own tempo would not (174 after 90 plays as
    87). A track that blends either way, or neither way, is counted as it is: choosing the
    nearer count each time would walk the set's numbers away from every track's own (124 after
    87 counted as 62, then 100 as 50)."""
    played: list[_Played] = []
    before: _Played | None = None
    for segment in segments:
        track_bpm = track_bpms.get(segment.track_id)
        if track_bpm is None:
            played.append(_Played(None, "same"))
            continue
        same, *other_counts = (
            _Played(track_bpm / TRACK_BEATS_PER_BEAT[name], name) for name in BEAT_MAPS
        )
        chosen = same
        if before is not None and before.bpm is not None and not _shareable(before, same):
            blending = [p for p in other_counts if _shareable(before, p)]
            reference = before.bpm
            if blending:
                chosen = min(blending, key=lambda p: _ratio(p.bpm or reference, reference))
        played.append(chosen)
        before = chosen
    return played


def _blended(segment: Segment) -> bool:
    return segment.transition_in is not None and segment.transition_in.beats > 0


def _ratio(a: float, b: float) -> float:
    return max(a, b) / min(a, b)


def _step(a: _Played, b: _Played) -> float:
    return _ratio(a.bpm or 1.0, b.bpm or 1.0)


def _shareable(a: _Played, b: _Played) -> bool:
    """Two tracks that one tempo plays within ±8 % of both (a beatless one suits any)."""
    if a.bpm is None or b.bpm is None:
        return True
    (low_a, high_a), (low_b, high_b) = a.window(), b.window()
    return max(low_a, low_b) <= min(high_a, high_b)


def _window(played: list[_Played], shared: list[bool], index: int) -> tuple[float, float] | None:
    """Tempi this segment may take: near its own track and, across each blend, its neighbour's."""
    if played[index].bpm is None:
        return None
    low, high = played[index].window()
    for other, blended in (
        (index - 1, shared[index]),
        (index + 1, index + 1 < len(shared) and shared[index + 1]),
    ):
        if blended and 0 <= other < len(played) and played[other].bpm is not None:
            other_low, other_high = played[other].window()
            low, high = max(low, other_low), min(high, other_high)
    return low, high


def _tempo(played: _Played, window: tuple[float, float] | None) -> float | None:
    """The tempo in the window nearest the track's own."""
    if played.bpm is None or window is None:
        return None
    low, high = window
    tempo = min(max(played.bpm, low), high)
    if tempo == played.bpm:
        return tempo
    # Two decimals, rounded into the window.
    rounded = round(tempo, 2)
    return min(max(rounded, round(low + 0.005, 2)), round(high - 0.005, 2))
