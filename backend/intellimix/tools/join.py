"""A MixPlan that trims clips and joins them in order, for our renderer.

Beat-aware where the clips allow: a clip's ends move to the nearest beat of its track, the
whole join plays at the first clip's tempo (others are stretched to it so the transitions'
beats line up), and neighbours overlap by an equal-power crossfade of up to
`TRANSITION_BEATS` beats, never more than half of either clip. Beatless clips keep their
exact ends and are joined with the same crossfade at a nominal tempo.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intellimix.audio.render import stretch_ratio

TRANSITION_BEATS = 4
NOMINAL_BPM = 120.0
MIN_BPM, MAX_BPM = 60.0, 200.0


@dataclass(frozen=True)
class ClipSpan:
    track_id: str
    start_s: float
    end_s: float


def join_plan(
    clips: Sequence[ClipSpan], analyses: Mapping[str, Mapping[str, Any]], *, title: str
) -> dict[str, Any]:
    """The plan (a plain mapping, valid MixPlan) and nothing else: rendering is the caller's."""
    first_bpm = analyses[clips[0].track_id].get("bpm")
    target_bpm = min(MAX_BPM, max(MIN_BPM, float(first_bpm or NOMINAL_BPM)))
    beat_s = 60.0 / target_bpm
    segments: list[dict[str, Any]] = []
    previous_length = 0.0
    for index, clip in enumerate(clips):
        analysis = analyses[clip.track_id]
        start, end = _on_beats(clip, analysis)
        length = (end - start) / stretch_ratio(target_bpm, analysis.get("bpm"))
        transition = None
        if index > 0:
            fits = math.floor(min(length, previous_length) / 2 / beat_s)
            beats = min(TRANSITION_BEATS, fits)
            transition = (
                {"type": "crossfade", "beats": beats} if beats >= 1 else {"type": "cut", "beats": 0}
            )
        segments.append(
            {
                "id": f"clip{index + 1}",
                "track_id": clip.track_id,
                "label": f"clip {index + 1}",
                "source_start_s": round(start, 4),
                "source_end_s": round(end, 4),
                "transition_in": transition,
            }
        )
        previous_length = length
    return {
        "schema_version": 1,
        "title": title[:200],
        "summary": f"{len(clips)} clips trimmed and joined in order.",
        "target": {"bpm": round(target_bpm, 3)},
        "segments": segments,
    }


def joined_length_s(plan: Mapping[str, Any], analyses: Mapping[str, Mapping[str, Any]]) -> float:
    """What the joined file lasts: every clip as played minus every transition's overlap."""
    target_bpm = float(plan["target"]["bpm"])
    total = 0.0
    for segment in plan["segments"]:
        bpm = analyses[segment["track_id"]].get("bpm")
        total += (segment["source_end_s"] - segment["source_start_s"]) / stretch_ratio(
            target_bpm, bpm
        )
        if segment["transition_in"]:
            total -= segment["transition_in"]["beats"] * 60.0 / target_bpm
    return total


def _on_beats(clip: ClipSpan, analysis: Mapping[str, Any]) -> tuple[float, float]:
    """The clip's ends on the nearest beats, kept inside the track and in order."""
    duration = float(analysis.get("duration_s") or clip.end_s)
    start, end = min(clip.start_s, duration), min(clip.end_s, duration)
    beats = [float(b) for b in analysis.get("beats") or []]
    if len(beats) >= 2 and analysis.get("bpm"):
        snapped_start, snapped_end = _nearest(beats, start), _nearest(beats, end)
        if snapped_end > snapped_start:
            start, end = snapped_start, min(snapped_end, duration)
    return start, end


def _nearest(values: list[float], x: float) -> float:
    at = bisect.bisect_left(values, x)
    candidates = values[max(0, at - 1) : at + 1]
    return min(candidates, key=lambda v: abs(v - x))
