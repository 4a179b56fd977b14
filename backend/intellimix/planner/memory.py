"""What the planner remembers of a person's taste (UserMemory): learned from approved plans,
used as planning defaults, viewable, editable and deletable.

Learning nudges each remembered number part of the way toward the approved plan's value, so
one unusual mix does not overwrite a habit and a person's own edit stays the starting point.
`AI_USER_MEMORY_ENABLED=false` turns both learning and use off; what is stored stays viewable.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from flask import current_app
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intellimix.extensions import db
from intellimix.planner.models import UserMemory
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


def enabled() -> bool:
    return bool(current_app.config["AI_USER_MEMORY_ENABLED"])


def stored(user_id: str) -> UserMemory | None:
    return db.session.scalar(select(UserMemory).where(UserMemory.user_id == user_id))


def preferences_of(memory: UserMemory | None) -> Preferences:
    """The stored preferences; a row that no longer validates counts as empty, never as an error."""
    try:
        return Preferences.model_validate((memory.preferences if memory else None) or {})
    except ValidationError:
        return Preferences()


def planning_preferences(user_id: str) -> Preferences | None:
    """The defaults a planning turn gets: None when memory is off or holds nothing."""
    if not enabled():
        return None
    memory = stored(user_id)
    return preferences_of(memory) if memory is not None else None


def remember(user_id: str, plan: MixPlan) -> None:
    """Learn from an approved plan, in the caller's transaction (nothing when memory is off)."""
    if not enabled():
        return
    memory = stored(user_id)
    if memory is None:
        try:
            with db.session.begin_nested():  # a concurrent first approval may insert the row
                db.session.add(UserMemory(user_id=user_id, preferences={}))
        except IntegrityError:
            pass
        memory = stored(user_id)
        assert memory is not None
    memory.preferences = _dump(learn(preferences_of(memory), plan))


def update(user_id: str, changes: dict[str, Any]) -> UserMemory:
    """Set the given preferences (None clears one), validated as a whole."""
    memory = stored(user_id) or UserMemory(user_id=user_id, preferences={})
    merged = {**preferences_of(memory).model_dump(exclude_none=True), **changes}
    memory.preferences = _dump(Preferences.model_validate(merged))
    db.session.add(memory)
    db.session.commit()
    return memory


def forget(user_id: str) -> None:
    memory = stored(user_id)
    if memory is not None:
        db.session.delete(memory)
        db.session.commit()


def _dump(preferences: Preferences) -> dict[str, Any]:
    return preferences.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
