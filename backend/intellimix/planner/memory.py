"""What the planner learns of a person's taste from the plans they approve (pure logic).

Learning nudges each remembered number part of the way toward the approved plan's value, so
one unusual mix does not overwrite a habit and a person's own edit stays the starting point.
Where the preferences are stored, and whether memory is on, is the chat layer's business
(`intellimix.chats.memory`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from intellimix.planner.plan import MixPlan
from intellimix.planner.turns import Preferences

NEW_WEIGHT = 0.3  # how far one approved plan moves a remembered number toward its own value
BPM_SPAN = 4.0  # one approved tempo stands for this many BPM either side


def learn(known: Preferences | None, plan: MixPlan) -> Preferences:
    """The preferences after approving `plan`."""
    known = known or Preferences()
    bpm = plan.target.bpm
    low, high = known.bpm_range or (bpm - BPM_SPAN, bpm + BPM_SPAN)
    transitions = [s.transition_in for s in plan.segments[1:] if s.transition_in is not None]
    lengths = [t.beats for t in transitions if t.type != "cut"]
    beats = round(statistics.median(lengths)) if lengths else None
    kinds = Counter(t.type for t in transitions).most_common(1)
    return known.model_copy(
        update={
            "bpm_range": (
                round(_blend(low, bpm - BPM_SPAN), 1),
                round(_blend(high, bpm + BPM_SPAN), 1),
            ),
            "transition_type": kinds[0][0] if kinds else known.transition_type,
            "transition_beats": (
                min(64, max(1, round(_blend(known.transition_beats, beats))))
                if beats is not None
                else known.transition_beats
            ),
            # Only a length the person asked for is a habit; a derived one is just the songs'.
            "duration_s": (
                round(_blend(known.duration_s, plan.target.duration_s), 1)
                if plan.target.duration_s is not None
                else known.duration_s
            ),
            "lufs": round(_blend(known.lufs, plan.target.lufs), 1),
        }
    )


def _blend(known: float | None, new: float) -> float:
    return new if known is None else known + NEW_WEIGHT * (new - known)


def read_preferences(stored: Mapping[str, Any] | None) -> Preferences:
    """Stored preferences; ones that no longer validate count as empty, never as an error."""
    try:
        return Preferences.model_validate(stored or {})
    except ValidationError:
        return Preferences()


def merge_preferences(known: Preferences, changes: Mapping[str, Any]) -> Preferences:
    """`known` with the given preferences set (None clears one), validated as a whole."""
    # A cleared preference goes back to its default (`genres: null` → no genres).
    merged = {**known.model_dump(exclude_none=True), **changes}
    return Preferences.model_validate({k: v for k, v in merged.items() if v is not None})


def dump_preferences(preferences: Preferences) -> dict[str, Any]:
    """What is stored: only the preferences that are set."""
    return preferences.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
