"""Tempo on the output (DESIGN §5): each segment's tempo, the ramps between them, time maps.

A plan has one `target.bpm`; a segment may play at its own `bpm` instead (a tempo journey).
Tempi are counted on the set's beat grid. A segment's `beat_map` says how that grid meets the
track's own beats: `same` one to one, `half_time` one set beat per two track beats (a 174 BPM
track plays as 87: its beats 1 and 3 are the set's beats, 2 and 4 fall between them),
`double_time` two set beats per track beat (a 70 BPM track plays as 140). So a segment is
stretched by `stretch_ratio(bpm, track_bpm / track_beats_per_set_beat)`.

Inside an overlap both segments follow one tempo curve, so their beats stay locked: the
outgoing segment's tempo, then — when the tempi differ — a linear ramp (in time) over the
transition's `ramp_beats`, centred in the overlap, then the incoming segment's tempo. Without a
ramp the tempo steps at the overlap's middle — except for an `echo_out`, the DJ's way out of a
track whose tempo cannot be matched: there each segment keeps its own tempo (not locked), the
overlap lasts its beats at the outgoing tempo, and the incoming segment's beats continue the
outgoing grid from the overlap's end. Everywhere else a segment plays at its own tempo.

A segment's output therefore has a piecewise rate (source seconds per output second): its body
at `stretch`, the overlaps on the curve. `TimeMap` maps source seconds to output seconds and
back; a segment whose rate never changes keeps the exact arithmetic of one constant stretch,
so a plan with one global tempo times (and renders) exactly as before tempo journeys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from intellimix.audio.errors import MixPlanError

STRETCH_TOLERANCE = 0.005  # DESIGN §5: no stretch when the tempi are within 0.5 %
# Track beats per set beat, by beat map.
TRACK_BEATS_PER_BEAT = {"same": 1.0, "half_time": 2.0, "double_time": 0.5}
RAMP_KNOT_S = 0.005  # a ramp's time map is kept every 5 ms (exact there, linear between)
FAR_S = 1e4  # the map runs on past a segment's ends at its edge rates (pre- and post-roll)


def stretch_ratio(target_bpm: float, track_bpm: float | None) -> float:
    """Rubber Band's speed factor target/track: exactly 1.0 within 0.5 % or without a tempo."""
    if track_bpm is None:
        return 1.0  # a beatless track (a pad, a spoken intro) has no grid to sync
    for name, bpm in (("target", target_bpm), ("track", track_bpm)):
        if not (isinstance(bpm, int | float) and math.isfinite(bpm) and bpm > 0):
            raise MixPlanError(
                f"The {name} tempo {bpm!r} is not a positive BPM.", code="INVALID_TEMPO"
            )
    ratio = target_bpm / track_bpm
    return 1.0 if abs(ratio - 1.0) <= STRETCH_TOLERANCE else ratio


def transition_seconds(transition: Mapping[str, Any] | None, target_bpm: float) -> float:
    """Overlap of a transition at one steady tempo: its beats at that tempo (0 for a cut)."""
    if not transition or transition["type"] == "cut":
        return 0.0
    return float(transition["beats"]) * 60.0 / target_bpm


def segment_bpm(segment: Mapping[str, Any], target_bpm: float) -> float:
    """The tempo a segment plays at on the set's grid: its own, else the plan's."""
    own = segment.get("bpm")
    return float(target_bpm) if own is None else float(own)


def set_tempo_of(track_bpm: float | None, beat_map: str | None) -> float | None:
    """A track's own tempo counted in set beats (174 as half time counts 87)."""
    if track_bpm is None:
        return None
    return track_bpm / TRACK_BEATS_PER_BEAT[beat_map or "same"]


@dataclass(frozen=True)
class Piece:
    """A stretch of an overlap at one tempo or on a ramp: its seconds and bpm at both ends."""

    seconds: float
    from_bpm: float
    to_bpm: float

    @property
    def beats(self) -> float:
        return self.seconds * (self.from_bpm + self.to_bpm) / 120.0


@dataclass(frozen=True)
class HandOver:
    """The tempo curve both segments follow through one overlap.

    Not `locked`: an echo-out between two tempi without a ramp, where each segment keeps its
    own tempo and the overlap counts the outgoing one's beats (see the module docstring).
    """

    beats: float
    ramp_beats: float
    from_bpm: float
    to_bpm: float
    locked: bool = True

    @property
    def steady(self) -> bool:
        return self.from_bpm == self.to_bpm

    @property
    def changes(self) -> bool:
        """Whether both segments play a changing tempo through the overlap."""
        return self.locked and not self.steady and self.beats > 0

    @property
    def pieces(self) -> list[Piece]:
        if not self.locked:
            return [Piece(float(self.beats) * 60.0 / self.from_bpm, self.from_bpm, self.from_bpm)]
        if self.steady or self.beats == 0:
            # The arithmetic of one global tempo (transition_seconds), so old plans time alike.
            return [Piece(float(self.beats) * 60.0 / self.to_bpm, self.to_bpm, self.to_bpm)]
        side = (self.beats - self.ramp_beats) / 2
        pieces = [
            Piece(side * 60.0 / self.from_bpm, self.from_bpm, self.from_bpm),
            Piece(
                self.ramp_beats * 120.0 / (self.from_bpm + self.to_bpm), self.from_bpm, self.to_bpm
            ),
            Piece(side * 60.0 / self.to_bpm, self.to_bpm, self.to_bpm),
        ]
        return [piece for piece in pieces if piece.seconds > 0]

    @property
    def seconds(self) -> float:
        return sum(piece.seconds for piece in self.pieces)

    def bpm_at(self, seconds: float) -> float:
        """The tempo `seconds` after the overlap starts (the incoming tempo past its end)."""
        for piece in self.pieces:
            if seconds < piece.seconds:
                return piece.from_bpm + (piece.to_bpm - piece.from_bpm) * seconds / piece.seconds
            seconds -= piece.seconds
        return self.to_bpm

    def seconds_at_beat(self, beat: float) -> float:
        """Seconds after the overlap starts at which `beat` beats of it have passed."""
        elapsed = 0.0
        for piece in self.pieces:
            if beat <= piece.beats or piece is self.pieces[-1]:
                if piece.from_bpm == piece.to_bpm:
                    return elapsed + beat * 60.0 / piece.from_bpm
                # beats = (a·t + (b − a)·t² / (2·D)) / 60 on a ramp from a to b over D seconds
                a, b, d = piece.from_bpm, piece.to_bpm, piece.seconds
                k = (b - a) / (2 * d)
                return elapsed + (-a + math.sqrt(a * a + 4 * k * 60.0 * beat)) / (2 * k)
            beat -= piece.beats
            elapsed += piece.seconds
        return elapsed


def hand_over(transition: Mapping[str, Any] | None, from_bpm: float, to_bpm: float) -> HandOver:
    """The curve of the overlap into a segment (a cut or no transition: an empty overlap)."""
    if not transition or transition["type"] == "cut":
        return HandOver(0, 0, from_bpm, to_bpm)
    beats = transition["beats"]
    ramp = min(float(transition.get("ramp_beats") or 0), float(beats))
    locked = not (transition["type"] == "echo_out" and ramp == 0 and from_bpm != to_bpm)
    return HandOver(beats, ramp, from_bpm, to_bpm, locked)


@dataclass(frozen=True)
class TimeMap:
    """Where a segment's source plays on the output, in seconds both ways.

    Without knots the rate is `stretch` throughout: the exact arithmetic of a plan with one
    tempo. With knots the rate changes in the overlaps; the map runs on at the edge rates.
    """

    start_s: float
    source_start_s: float
    stretch: float
    knots_out: np.ndarray | None = None
    knots_src: np.ndarray | None = None

    @property
    def varies(self) -> bool:
        return self.knots_out is not None

    def to_output(self, source_s: Any) -> Any:
        if self.knots_out is None or self.knots_src is None:
            return self.start_s + (source_s - self.source_start_s) / self.stretch
        return np.interp(source_s, self.knots_src, self.knots_out)

    def to_source(self, output_s: Any) -> Any:
        if self.knots_out is None or self.knots_src is None:
            return self.source_start_s + (output_s - self.start_s) * self.stretch
        return np.interp(output_s, self.knots_out, self.knots_src)

    def rate_at(self, output_s: Any) -> Any:
        """Source seconds per output second at these output times."""
        if self.knots_out is None or self.knots_src is None:
            return np.full(np.shape(output_s), self.stretch)
        slopes = np.diff(self.knots_src) / np.diff(self.knots_out)
        index = np.clip(
            np.searchsorted(self.knots_out, output_s, side="right") - 1, 0, slopes.size - 1
        )
        return slopes[index]


@dataclass(frozen=True)
class _Plan:
    """A plan's tempi: each segment's bpm, its set-grid track tempo and the hand-overs."""

    tempi: list[float]
    track_tempi: list[float | None]
    hand_overs: list[HandOver | None]  # into each segment; None for the first


def _tempo_plan(plan: Mapping[str, Any], track_bpms: Mapping[str, float | None]) -> _Plan:
    target_bpm = float(plan["target"]["bpm"])
    segments = plan["segments"]
    for segment in segments:
        if segment["track_id"] not in track_bpms:
            raise MixPlanError(
                f"Segment {segment['id']} uses an unknown track.", code="UNKNOWN_TRACK"
            )
    tempi = [segment_bpm(segment, target_bpm) for segment in segments]
    return _Plan(
        tempi=tempi,
        track_tempi=[set_tempo_of(track_bpms[s["track_id"]], s.get("beat_map")) for s in segments],
        hand_overs=[None]
        + [
            hand_over(segments[i].get("transition_in"), tempi[i - 1], tempi[i])
            for i in range(1, len(segments))
        ],
    )


def _rate(bpm: float, track_bpm: float | None) -> float:
    """The exact rate at a tempo on a changing curve (no 0.5 % snap: both sides stay locked)."""
    return 1.0 if track_bpm is None else bpm / track_bpm


def _overlap_source(pieces: Sequence[Piece], track_bpm: float | None) -> list[float]:
    """Source seconds each piece of a changing overlap plays of a track."""
    if track_bpm is None:
        return [piece.seconds for piece in pieces]
    # ∫ rate dt = ∫ bpm dt / track_bpm = 60 · beats / track_bpm
    return [60.0 * piece.beats / track_bpm for piece in pieces]


def derive_timeline(
    plan: Mapping[str, Any], track_bpms: Mapping[str, float | None]
) -> list[dict[str, Any]]:
    """Output positions of every segment: each starts where the previous one's transition begins.

    Each entry also carries the segment's tempo (`bpm`) and, when the tempo changes in the
    overlap into it, `tempo_in` `{from_bpm, to_bpm, ramp_start_s, ramp_end_s}` (the ramp's
    seconds on the output; equal for a step).
    """
    return [entry for entry, _ in timed_segments(plan, track_bpms)]


def time_maps(plan: Mapping[str, Any], track_bpms: Mapping[str, float | None]) -> list[TimeMap]:
    """Each segment's time map, in plan order."""
    return [time_map for _, time_map in timed_segments(plan, track_bpms)]


def timed_segments(
    plan: Mapping[str, Any], track_bpms: Mapping[str, float | None]
) -> list[tuple[dict[str, Any], TimeMap]]:
    """derive_timeline's entries with each segment's time map."""
    tempo = _tempo_plan(plan, track_bpms)
    segments = plan["segments"]
    result: list[tuple[dict[str, Any], TimeMap]] = []
    end = 0.0
    for index, segment in enumerate(segments):
        track_bpm = tempo.track_tempi[index]
        stretch = stretch_ratio(tempo.tempi[index], track_bpm)
        incoming = tempo.hand_overs[index]
        outgoing = tempo.hand_overs[index + 1] if index + 1 < len(segments) else None
        overlap = 0.0 if incoming is None else incoming.seconds
        start = end - overlap
        span = segment["source_end_s"] - segment["source_start_s"]
        changing_in = incoming is not None and incoming.changes
        changing_out = outgoing is not None and outgoing.changes
        end = start + span / stretch
        # A changing overlap plays the source at other rates than the body: the segment's
        # beats are fixed by its source, so its length on the output moves by the difference.
        for changing, hand in ((changing_in, incoming), (changing_out, outgoing)):
            if changing and hand is not None:
                pieces = hand.pieces
                played = _overlap_source(pieces, track_bpm)
                end += sum(p.seconds - s / stretch for p, s in zip(pieces, played, strict=True))
        entry: dict[str, Any] = {
            "segment_id": segment["id"],
            "track_id": segment["track_id"],
            "start_s": start,
            "end_s": end,
            "stretch": stretch,
            "transition_in_s": overlap,
            "bpm": tempo.tempi[index],
        }
        if incoming is not None and not incoming.steady and incoming.beats > 0:
            entry["tempo_in"] = _tempo_in(incoming, start)
        time_map = TimeMap(start, segment["source_start_s"], stretch)
        if changing_in or changing_out:
            time_map = _varying_map(
                time_map,
                end=end,
                incoming=incoming if changing_in else None,
                outgoing=outgoing if changing_out else None,
                track_bpm=track_bpm,
            )
        result.append((entry, time_map))
    return result


def _tempo_in(hand: HandOver, start: float) -> dict[str, Any]:
    """Where the tempo changes in an overlap: the ramp, the middle for a step, or — not locked —
    the overlap's end, where the outgoing segment's echo is all that is left of it."""
    if not hand.locked:
        end = start + hand.seconds
        return {
            "from_bpm": hand.from_bpm,
            "to_bpm": hand.to_bpm,
            "ramp_start_s": end,
            "ramp_end_s": end,
            "locked": False,
        }
    before = sum(p.seconds for p in hand.pieces if p.from_bpm == p.to_bpm == hand.from_bpm)
    ramp = sum(p.seconds for p in hand.pieces if p.from_bpm != p.to_bpm)
    return {
        "from_bpm": hand.from_bpm,
        "to_bpm": hand.to_bpm,
        "ramp_start_s": start + before,
        "ramp_end_s": start + before + ramp,
    }


def _varying_map(
    constant: TimeMap,
    *,
    end: float,
    incoming: HandOver | None,
    outgoing: HandOver | None,
    track_bpm: float | None,
) -> TimeMap:
    """Knots of a segment whose rate changes in an overlap: exact at every knot."""
    out = [constant.start_s]
    src = [constant.source_start_s]

    def walk(pieces: Sequence[Piece]) -> None:
        for piece in pieces:
            a, b, d = (
                _rate(piece.from_bpm, track_bpm),
                _rate(piece.to_bpm, track_bpm),
                piece.seconds,
            )
            steps = 1 if a == b else max(1, math.ceil(d / RAMP_KNOT_S))
            t0, u0 = out[-1], src[-1]
            for step in range(1, steps + 1):
                t = d * step / steps
                out.append(t0 + t)
                src.append(u0 + a * t + (b - a) * t * t / (2 * d))

    if incoming is not None:
        walk(incoming.pieces)
    body_end = end - (outgoing.seconds if outgoing is not None else 0.0)
    if body_end > out[-1]:
        src.append(src[-1] + (body_end - out[-1]) * constant.stretch)
        out.append(body_end)
    if outgoing is not None:
        walk(outgoing.pieces)
    first_rate = (src[1] - src[0]) / (out[1] - out[0])
    last_rate = (src[-1] - src[-2]) / (out[-1] - out[-2])
    knots_out = np.array([out[0] - FAR_S, *out, out[-1] + FAR_S])
    knots_src = np.array([src[0] - FAR_S * first_rate, *src, src[-1] + FAR_S * last_rate])
    return TimeMap(
        constant.start_s, constant.source_start_s, constant.stretch, knots_out, knots_src
    )
