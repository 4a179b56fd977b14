"""What runs write back into a chat: the planner's reply as a draft and an assistant message, a
render as a `mix_proposal`, and an `error` message when a run fails or is cancelled. An answer
to a question about tracks (`analysis_report`) makes no draft: the active one stays as it is.
Undo, redo and "go back to plan N" (a `navigate` reply) restore an earlier plan as a new draft
(`chats.navigation`).

A placeholder is filled exactly once: once final (completed or failed) it never changes, so a
retried run answers in a new assistant message and points its run at that one instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intellimix.chats import drafts, navigation
from intellimix.chats.models import ChatMessage, ChatThread, MixVersion, PlanDraft
from intellimix.chats.proposals import (
    Review,
    mix_proposal,
    planning_proposal,
    render_summary,
    review_plan,
    song_name,
)
from intellimix.chats.serializers import draft_to_dict
from intellimix.chats.tracks import planner_library
from intellimix.db_types import utcnow
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.planner.analysis import track_report
from intellimix.planner.plan import MixPlan
from intellimix.planner.turns import AnalysisReport, LibraryTrack, PlannerReply, PlannerRequest
from intellimix.runs.errors import RunFailure
from intellimix.runs.models import Run

FINAL_STATUSES = ("completed", "failed")
CANCELLED = {"code": "RUN_CANCELLED", "message": "The request was cancelled.", "retryable": True}
FALLBACK_TEXT = "(The cloud planner was unavailable ({code}), so the offline planner answered.)"


def mark_running(run_id: str) -> None:
    """The placeholder shows the run has started."""
    run = db.session.get(Run, run_id)
    message = _placeholder(run)
    if message is not None and message.status == "queued":
        message.status = "running"
        db.session.commit()


def fill(run: Run, text: str, content: dict[str, Any], *, status: str = "completed") -> None:
    """Write the run's answer into its placeholder (or a new message if that one is final)."""
    write(run, text, content, status=status)
    db.session.commit()


def write(run: Run, text: str, content: dict[str, Any], *, status: str = "completed") -> None:
    """`fill` inside the caller's transaction (a run-completed hook commits with the run)."""
    message = _placeholder(run)
    if message is None or message.status in FINAL_STATUSES:
        message = ChatMessage(thread_id=run.thread_id, role="assistant", created_at=utcnow())
        db.session.add(message)
        db.session.flush()
        run.assistant_message_id = message.id
    message.content_text = text
    message.content_json = content
    message.status = status
    thread = db.session.get(ChatThread, run.thread_id)
    if thread is not None:
        thread.last_message_at = utcnow()


def _placeholder(run: Run | None) -> ChatMessage | None:
    if run is None or not run.assistant_message_id:
        return None
    return db.session.get(ChatMessage, run.assistant_message_id)


def settle_stopped(run: Run) -> None:
    """A failed or cancelled run's placeholder becomes an `error` message (in its transaction)."""
    if run.kind == "render":
        drafts.settle_render((run.input or {}).get("draft_id"), rendered=False)
    message = _placeholder(run)
    if message is None or message.status in FINAL_STATUSES:
        return
    error = {**CANCELLED, **(run.error or {})} if run.status == "cancelled" else run.error or {}
    message.status = "failed"
    message.content_text = error.get("message") or "Something went wrong."
    message.content_json = {
        "kind": "error",
        "code": error.get("code", "RUN_FAILED"),
        "message": message.content_text,
        "retryable": bool(error.get("retryable", False)),
    }


# --- planning ---------------------------------------------------------------------------------


def draft_message(
    draft: PlanDraft, library: Mapping[str, LibraryTrack], text: str
) -> tuple[str, dict[str, Any], Review]:
    """A `planning_draft_ready` message about a draft with a plan."""
    review = review_plan(draft.plan, library, base=drafts.base_plan(draft))
    plan = MixPlan.model_validate(draft.plan)
    content = {
        "kind": "planning_draft_ready",
        "draft_id": draft.id,
        "draft": draft_to_dict(draft, review),
        "proposal": planning_proposal(plan, review, library),
        "violations": review.violations,
        "changes": review.changes,
    }
    return text, content, review


def record_reply(
    run: Run, request: PlannerRequest, reply: PlannerReply, *, draft_id: str | None
) -> dict[str, Any]:
    """The planner's reply as the thread's new draft (when it makes one) and the answer."""
    if run.thread_id is None:
        raise RunFailure("THREAD_REQUIRED", "A plan run belongs to a chat.")
    library = {track.id: track for track in request.library}
    parent = db.session.get(PlanDraft, draft_id) if draft_id else None
    current = request.current_plan.model_dump(mode="json") if request.current_plan else None
    answers = [a.model_dump(mode="json") for a in request.answers]
    text, draft = reply.text, None
    result: dict[str, Any] = {"reply": reply.kind, "provider": reply.provider}
    content: dict[str, Any]
    if reply.kind == "draft" and reply.plan is not None:
        draft = drafts.add(
            run.thread_id,
            parent=parent,
            status="draft_ready",
            plan=reply.plan.model_dump(mode="json"),
            answers=answers,
            notes=reply.notes,
            source_message_id=run.user_message_id,
        )
        text, content, _ = draft_message(draft, library, text)
        content["notes"] = reply.notes
        content["operations"] = [op.model_dump(exclude_none=True) for op in reply.operations]
    elif reply.kind == "navigate" and reply.navigation is not None:
        move = navigation.navigate(
            run.thread_id,
            reply.navigation,
            library,
            source_message_id=run.user_message_id,
        )
        draft, text = move.draft, move.text
        if draft is not None:
            text, content, _ = draft_message(draft, library, text)
        else:
            content = {"kind": "chat"}
        content["navigation"] = move.facts
    elif reply.kind in ("questions", "clarification"):
        questions = [q.model_dump(mode="json") for q in reply.questions]
        draft = drafts.add(
            run.thread_id,
            parent=parent,
            status="collecting",
            plan=current,  # a revision asked about still revises this plan once answered
            questions=questions,
            answers=answers,
            notes=reply.notes,
            source_message_id=run.user_message_id,
        )
        content = _questions_content(reply, draft, questions, run)
    elif reply.kind == "generate" and reply.generation is not None:
        content, text = _start_generation(run, reply.generation.prompt, text)
        result["generate_run_id"] = content.get("run_id")
    elif reply.kind == "suggestions":
        content, text = _suggestions(reply, library), _suggestions_text(reply, library)
    elif reply.kind == "analysis" and reply.analysis is not None:
        content = _analysis_report(reply.analysis, library)
    else:
        content = {"kind": "chat"}
    answer(run, reply, text, content)
    return {**result, "draft_id": draft.id if draft else None}


def answer(run: Run, reply: PlannerReply, text: str, content: dict[str, Any]) -> None:
    """The planner's answer into the placeholder, saying which provider answered and why the
    cloud did not when it failed."""
    if reply.fallback_reason:
        text = f"{text} {FALLBACK_TEXT.format(code=reply.fallback_reason)}"
        content["fallback_reason"] = reply.fallback_reason
    content["provider"] = reply.provider
    fill(run, text, content)


def _questions_content(
    reply: PlannerReply, draft: PlanDraft, questions: list[dict[str, Any]], run: Run
) -> dict[str, Any]:
    if reply.kind == "questions":
        return {"kind": "planning_questions", "draft_id": draft.id, "questions": questions}
    options = questions[0]["options"] if questions else []
    return {
        "kind": "clarification_question",
        "draft_id": draft.id,
        "text": reply.text,
        "quick_actions": [
            {"id": o["id"], "label": o["label"], "description": o.get("description")}
            for o in options
        ],
        # The client offers to reattach the timeline it asked about.
        "timeline_snapshot": (run.input or {}).get("attachment"),
    }


def _start_generation(run: Run, prompt: str, text: str) -> tuple[dict[str, Any], str]:
    """Queue the `generate` run the words asked for; a prompt the generator refuses is said so."""
    from intellimix.generation import service as generation
    from intellimix.generation.schemas import GenerateRequest

    try:
        started = generation.start_generation(run.user_id, GenerateRequest(prompt=prompt))
    except ApiError as exc:
        return {"kind": "chat"}, exc.message
    return {"kind": "generation_started", "run_id": started.id, "prompt": prompt}, (
        f"{text} It will appear in your library when it is ready."
    )


def _suggestions(reply: PlannerReply, library: Mapping[str, LibraryTrack]) -> dict[str, Any]:
    return {
        "kind": "suggestions",
        "suggestions": [
            {
                "track_id": s.track_id,
                "title": library[s.track_id].title,
                "artist": library[s.track_id].artist,
                "score": s.score,
                "reasons": s.reasons,
            }
            for s in reply.suggestions
            if s.track_id in library
        ],
    }


def _analysis_report(report: AnalysisReport, library: Mapping[str, LibraryTrack]) -> dict[str, Any]:
    """The facts an `analysis_report` message shows; compatibility only for two or more tracks."""
    tracks = [track_report(library[t]) for t in report.track_ids if t in library]
    content: dict[str, Any] = {
        "kind": "analysis_report",
        "tracks": tracks,
        "asked": list(report.asked),
        "not_found": list(report.not_found),
    }
    if len(tracks) >= 2:
        content["compatibility"] = [pair.model_dump() for pair in report.compatibility]
    return content


def _suggestions_text(reply: PlannerReply, library: Mapping[str, LibraryTrack]) -> str:
    lines = [
        f"{index}. {song_name(library.get(s.track_id))}: {'; '.join(s.reasons)}"
        for index, s in enumerate(reply.suggestions, start=1)
    ]
    return "\n".join([reply.text, *lines])


# --- rendering --------------------------------------------------------------------------------


def record_render(run_id: str, version: MixVersion) -> None:
    """A finished render: its draft is executed, its placeholder becomes a mix_proposal."""
    run = db.session.get(Run, run_id)
    drafts.settle_render(version.draft_id, rendered=True)
    if run is None or run.thread_id is None or not run.assistant_message_id:
        db.session.commit()
        return
    plan = MixPlan.model_validate(version.plan)
    library = planner_library(run.user_id)
    fill(run, render_summary(plan, version.qa), mix_proposal(version, library))
