"""A person's remembered preferences (the `user_memories` table): learned from approved plans,
used as planning defaults, viewable, editable and deletable. The learning itself is the
planner's (`intellimix.planner.memory`); this module stores it.

`AI_USER_MEMORY_ENABLED=false` turns both learning and use off; what is stored stays viewable.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intellimix.chats.models import UserMemory
from intellimix.extensions import db
from intellimix.planner.memory import (
    dump_preferences,
    learn,
    merge_preferences,
    read_preferences,
)
from intellimix.planner.plan import MixPlan
from intellimix.planner.turns import Preferences


def enabled() -> bool:
    return bool(current_app.config["AI_USER_MEMORY_ENABLED"])


def stored(user_id: str) -> UserMemory | None:
    return db.session.scalar(select(UserMemory).where(UserMemory.user_id == user_id))


def preferences_of(memory: UserMemory | None) -> Preferences:
    return read_preferences(memory.preferences if memory else None)


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
    memory.preferences = dump_preferences(learn(preferences_of(memory), plan))


SETTINGS = ("import_automatically",)


def update(user_id: str, changes: dict[str, Any]) -> UserMemory:
    """Set the given preferences (None clears one), validated as a whole, and settings."""
    memory = stored(user_id) or UserMemory(user_id=user_id, preferences={})
    settings = {name: changes.pop(name) for name in SETTINGS if name in changes}
    if settings:
        memory.settings = {**settings_of(memory), **settings}
    memory.preferences = dump_preferences(merge_preferences(preferences_of(memory), changes))
    db.session.add(memory)
    db.session.commit()
    return memory


def settings_of(memory: UserMemory | None) -> dict[str, Any]:
    stored_settings = (memory.settings if memory else None) or {}
    return {"import_automatically": bool(stored_settings.get("import_automatically", False))}


def imports_automatically(user_id: str) -> bool:
    """The person's standing consent to import a requested song's best search result."""
    return bool(settings_of(stored(user_id))["import_automatically"])


def forget(user_id: str) -> None:
    memory = stored(user_id)
    if memory is not None:
        db.session.delete(memory)
        db.session.commit()
