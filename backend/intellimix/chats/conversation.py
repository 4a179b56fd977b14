"""What a planning turn needs from the conversation so far (issue 13): the person's recent
messages, the tracks the last answer was about (what "it", "that one" and "those" point at),
the plan before the current one (what "put it back" restores) and, when the last answer was a
feedback report or an answer from one, its track (what "fix it" and "why is the low end
muddy?" are about)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from intellimix.chats.models import ChatMessage, PlanDraft
from intellimix.extensions import db
from intellimix.planner.plan import MixPlan
from intellimix.runs.models import Run

RECENT_MESSAGES = 6
FEEDBACK_KINDS = frozenset({"feedback_report", "feedback_answer"})


@dataclass(frozen=True)
class Context:
    recent_messages: list[str] = field(default_factory=list)
    focus_track_ids: list[str] = field(default_factory=list)
    previous_plan: MixPlan | None = None
    feedback_track_id: str | None = None


def context_of(run: Run, current_draft_id: str | None) -> Context:
    """The conversation before this run's message."""
    if run.thread_id is None:
        return Context()
    asked = db.session.get(ChatMessage, run.user_message_id) if run.user_message_id else None
    earlier = select(ChatMessage).where(ChatMessage.thread_id == run.thread_id)
    if asked is not None:
        earlier = earlier.where(ChatMessage.created_at < asked.created_at)
    messages = list(
        db.session.scalars(
            earlier.order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(
                RECENT_MESSAGES * 2
            )
        )
    )
    said = [m.content_text for m in messages if m.role == "user" and m.content_text]
    answer = next((m for m in messages if m.role == "assistant" and m.status == "completed"), None)
    content = answer.content_json if answer else None
    return Context(
        recent_messages=said[:RECENT_MESSAGES][::-1],
        focus_track_ids=_focus(content),
        previous_plan=_parent_plan(current_draft_id),
        feedback_track_id=(
            content.get("track_id") if content and content.get("kind") in FEEDBACK_KINDS else None
        ),
    )


def _focus(content: dict[str, Any] | None) -> list[str]:
    """The tracks an assistant message was about."""
    if not content:
        return []
    kind = content.get("kind")
    if kind == "analysis_report":
        return [t["track_id"] for t in content.get("tracks") or [] if t.get("track_id")]
    if kind in FEEDBACK_KINDS:
        return [content["track_id"]] if content.get("track_id") else []
    if kind == "suggestions":
        return [s["track_id"] for s in content.get("suggestions") or [] if s.get("track_id")]
    if kind == "planning_draft_ready":
        changes = (content.get("draft") or {}).get("changes") or {}
        return [a["track_id"] for a in changes.get("added") or [] if a.get("track_id")]
    return []


def _parent_plan(draft_id: str | None) -> MixPlan | None:
    draft = db.session.get(PlanDraft, draft_id) if draft_id else None
    parent = db.session.get(PlanDraft, draft.parent_id) if draft and draft.parent_id else None
    if parent is None or not parent.plan:
        return None
    try:
        return MixPlan.model_validate(parent.plan)
    except ValidationError:
        return None
