"""The `plan` run (DESIGN §7, §8): one planning turn of a chat.

Its input names the words, the draft the turn continues (whose questions are pending), where
the current plan comes from, answers and an attached timeline; everything else (the library,
remembered preferences) is read when the run executes, so a retried turn sees the library
as it is then.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import current_app
from pydantic import BaseModel, ValidationError

from intellimix.chats import conversation, feedback, memory, outcomes, service, song_imports
from intellimix.chats.models import PlanDraft
from intellimix.chats.tracks import planner_library
from intellimix.extensions import db
from intellimix.planner.builder import build_reply
from intellimix.planner.plan import Segment
from intellimix.planner.providers import planner_for
from intellimix.planner.turns import Answer, MixIntent, PlannerRequest, Question
from intellimix.runs.context import RunContext
from intellimix.runs.errors import RunFailure
from intellimix.runs.models import Run
from intellimix.runs.registry import executor

EDIT_REPLIES = ("draft", "questions")
ModelT = TypeVar("ModelT", bound=BaseModel)


@executor("plan", lane="interactive")
def plan(context: RunContext) -> dict[str, Any]:
    run = db.session.get(Run, context.run_id)
    if run is None or run.thread_id is None:
        raise RunFailure("THREAD_REQUIRED", "A plan run belongs to a chat.")
    outcomes.mark_running(run.id)
    asked = db.session.get(PlanDraft, context.input.get("draft_id") or "")
    if song_imports.is_import_draft(asked) and context.input.get("answers"):
        assert asked is not None
        return song_imports.answered(run, asked)  # import what was chosen, then plan on
    if not context.input.get("edit"):
        importing = song_imports.import_links(run)  # a pasted link: import it, then plan on
        if importing is not None:
            return importing
    request = planner_request(run)
    context.progress("plan", 20, "Reading your message")
    reply = planner_for(current_app.config).respond(request)
    if context.input.get("edit") and reply.kind not in EDIT_REPLIES:
        # A timeline edit becomes a draft whatever the words (if any) read as.
        reply = build_reply(request, MixIntent(action="revise"), provider=reply.provider)
    elif reply.unresolved_songs:
        context.progress("plan", 50, "Looking for the songs your library does not have")
        offered = song_imports.offer(run, request, reply)
        if offered is not None:
            return offered
    notes = context.input.get("import_notes")
    if notes:
        reply.text = f"{reply.text} ({'; '.join(notes)}, so this plan goes on without it.)"
    context.progress("plan", 90, "Writing the answer")
    if reply.kind == "feedback" and reply.feedback is not None:
        return feedback.respond(run, request, reply)
    return outcomes.record_reply(run, request, reply, draft_id=context.input.get("draft_id"))


def planner_request(run: Run) -> PlannerRequest:
    """The turn as the planner sees it, from the run's input and the chat and library now."""
    given = run.input or {}
    draft = db.session.get(PlanDraft, given.get("draft_id") or "")
    pending = draft.questions if draft is not None and draft.status == "collecting" else None
    plan_from = given.get("plan_from") or {}
    context = conversation.context_of(run, plan_from.get("draft_id"))
    return PlannerRequest(
        message=song_imports.planner_words(run.user_id, given.get("message") or ""),
        library=list(planner_library(run.user_id).values()),
        current_plan=service.stored_plan(run.thread_id or "", given.get("plan_from")),
        pending_questions=_valid(Question, pending),
        answers=_valid(Answer, given.get("answers")),
        attached_segments=_valid(Segment, given.get("attached_segments")) or None,
        preferences=memory.planning_preferences(run.user_id),
        recent_messages=context.recent_messages,
        focus_track_ids=context.focus_track_ids,
        previous_plan=context.previous_plan,
        feedback_track_id=context.feedback_track_id,
    )


def _valid(model: type[ModelT], items: list[dict[str, Any]] | None) -> list[ModelT]:
    """Stored items that still validate (older rows may not)."""
    valid: list[ModelT] = []
    for item in items or []:
        try:
            valid.append(model.model_validate(item))
        except ValidationError:
            continue
    return valid
