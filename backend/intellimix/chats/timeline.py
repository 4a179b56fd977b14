"""Timelines as the IntelliMix web client edits them, and MixPlan segments (DESIGN §4, §5).

The client shows and edits segments as `{id, track_index, track_id, start_ms, end_ms,
crossfade_after_seconds, eq: {low_gain_db, …}, effects: {reverb_amount, delay_ms,
delay_feedback}}`; plans hold MixPlan segments. An attached timeline may come in either form.
What the client form cannot say (gain, pitch, a transition's type) is kept from the segment of
the reference plan with the same id and track, so editing cut points loses nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter

from intellimix.audio.render import ECHO_DELAY_BEATS, transition_seconds
from intellimix.audio.tempo import segment_bpm
from intellimix.planner.plan import MixPlan, Segment, Transition

FALLBACK_BPM = 120.0  # only to turn crossfade seconds into beats when no plan gives a tempo
MAX_BEATS = 64
_SEGMENTS = TypeAdapter(list[Segment])


def track_order(plan: MixPlan) -> list[str]:
    """The plan's tracks in order of first use: what the client's `track_index` counts."""
    return list(dict.fromkeys(segment.track_id for segment in plan.segments))


def overlap_bpm(before: Mapping[str, Any] | None, after: Mapping[str, Any], target: float) -> float:
    """The tempo a transition's beats are counted at, to say its length in seconds: the
    outgoing segment's (a tempo journey gives segments their own), the middle of a ramp's two."""
    outgoing = segment_bpm(before or {}, target)
    transition = after.get("transition_in") or {}
    if transition.get("ramp_beats"):
        return (outgoing + segment_bpm(after, target)) / 2
    return outgoing


def to_client_segments(plan: MixPlan, titles: Mapping[str, str]) -> list[dict[str, Any]]:
    """The plan's segments in the client's timeline form."""
    bpm = plan.target.bpm
    order = track_order(plan)
    rows = []
    for index, segment in enumerate(plan.segments):
        following = plan.segments[index + 1] if index + 1 < len(plan.segments) else None
        incoming = following.transition_in if following else None
        rows.append(
            {
                "id": segment.id,
                "order": index,
                "segment_name": segment.label,
                "track_index": order.index(segment.track_id),
                "track_id": segment.track_id,
                "track_title": titles.get(segment.track_id),
                "start_ms": round(segment.source_start_s * 1000),
                "end_ms": round(segment.source_end_s * 1000),
                "duration_ms": round((segment.source_end_s - segment.source_start_s) * 1000),
                "crossfade_after_seconds": round(
                    transition_seconds(
                        incoming.model_dump() if incoming else None,
                        overlap_bpm(segment.model_dump(), following.model_dump(), bpm)
                        if following
                        else bpm,
                    ),
                    3,
                ),
                "eq": {
                    "low_gain_db": segment.eq.low_db,
                    "mid_gain_db": segment.eq.mid_db,
                    "high_gain_db": segment.eq.high_db,
                },
                "effects": {
                    "reverb_amount": segment.effects.reverb,
                    "delay_ms": round(ECHO_DELAY_BEATS * 60_000 / bpm)
                    if segment.effects.echo
                    else 0,
                    "delay_feedback": segment.effects.echo,
                },
            }
        )
    return rows


def to_plan_segments(
    raw: Sequence[Mapping[str, Any]], *, reference: MixPlan | None
) -> list[Segment]:
    """Attached segments as MixPlan segments; raises pydantic.ValidationError with paths."""
    converted = [
        _from_client(raw, index, reference) if _is_client_form(item) else item
        for index, item in enumerate(raw)
    ]
    return _SEGMENTS.validate_python(converted)


def _is_client_form(item: Mapping[str, Any]) -> bool:
    return "start_ms" in item or "end_ms" in item


def _from_client(
    raw: Sequence[Mapping[str, Any]], index: int, reference: MixPlan | None
) -> dict[str, Any]:
    item = raw[index]
    track_id = item.get("track_id") or _track_at(item.get("track_index"), reference)
    segment_id = str(item.get("id") or f"s{index + 1}")
    base = _base_segment(reference, segment_id, track_id)
    eq, effects = _mapping(item.get("eq")), _mapping(item.get("effects"))
    segment = {
        **base,
        "id": segment_id,
        "track_id": track_id,
        "label": str(item.get("segment_name") or base.get("label") or "")[:40],
        "source_start_s": _seconds(item.get("start_ms")),
        "source_end_s": _seconds(item.get("end_ms")),
        "eq": {
            "low_db": eq.get("low_gain_db", base.get("eq", {}).get("low_db", 0.0)),
            "mid_db": eq.get("mid_gain_db", base.get("eq", {}).get("mid_db", 0.0)),
            "high_db": eq.get("high_gain_db", base.get("eq", {}).get("high_db", 0.0)),
        },
        "effects": {
            "reverb": effects.get("reverb_amount", base.get("effects", {}).get("reverb", 0.0)),
            "echo": _echo(effects, base),
        },
        "transition_in": None,
    }
    if index > 0:
        before = raw[index - 1]
        target = reference.target.bpm if reference else FALLBACK_BPM
        outgoing = _base_segment(reference, str(before.get("id") or ""), before.get("track_id"))
        bpm = overlap_bpm(outgoing, base, target) if base else target
        segment["transition_in"] = _transition(before.get("crossfade_after_seconds"), bpm, base)
    return segment


def _track_at(track_index: Any, reference: MixPlan | None) -> Any:
    """The track the client's `track_index` points at in the reference plan (None if none)."""
    order = track_order(reference) if reference else []
    if isinstance(track_index, int) and 0 <= track_index < len(order):
        return order[track_index]
    return None


def _base_segment(reference: MixPlan | None, segment_id: str, track_id: Any) -> dict[str, Any]:
    for segment in reference.segments if reference else []:
        if segment.id == segment_id and segment.track_id == track_id:
            return segment.model_dump()
    return {}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _seconds(milliseconds: Any) -> Any:
    """ms → s; anything else is passed on for validation to name."""
    if isinstance(milliseconds, int | float) and not isinstance(milliseconds, bool):
        return milliseconds / 1000
    return milliseconds


def _echo(effects: Mapping[str, Any], base: Mapping[str, Any]) -> Any:
    if "delay_feedback" not in effects and "delay_ms" not in effects:
        return base.get("effects", {}).get("echo", 0.0)
    if not effects.get("delay_ms"):
        return 0.0
    return effects.get("delay_feedback", 0.0)


def _transition(seconds: Any, bpm: float, base: Mapping[str, Any]) -> Any:
    """A crossfade of `seconds` as beats, keeping the reference's transition type."""
    if seconds is None:  # not given: the reference's transition stands, else a cut
        return base.get("transition_in") or Transition(type="cut", beats=0).model_dump()
    if not isinstance(seconds, int | float) or isinstance(seconds, bool):
        return {"type": "crossfade", "beats": seconds}  # validation names the bad value
    beats = min(MAX_BEATS, round(seconds * bpm / 60))
    if beats <= 0:
        return Transition(type="cut", beats=0).model_dump()
    known = base.get("transition_in") or {}
    kind = known.get("type") if known.get("type") not in (None, "cut") else "crossfade"
    # A tempo ramp through the overlap stays, as long as the shorter overlap holds it.
    return {"type": kind, "beats": beats, "ramp_beats": min(known.get("ramp_beats") or 0, beats)}
