"""Posting to a chat: each post is a turn that starts the run answering it.

Posting a message writes the user's message and the assistant's placeholder (content_text
null, status queued) and starts the run that fills the placeholder, in one transaction: a
`plan` run for words, answers, revisions and timeline edits, a `render` run for an approval
or a re-render. An Idempotency-Key makes a repeated post return the first answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intellimix.chats import drafts, memory, outcomes, service
from intellimix.chats.models import ChatMessage, ChatThread, IdempotencyKey, MixVersion, PlanDraft
from intellimix.chats.proposals import Review, review_plan
from intellimix.chats.schemas import (
    AnswerIn,
    EditRunCreate,
    MessageCreate,
    PlanningAction,
    PlanningResponse,
    ThreadCreate,
    TimelineAttachment,
)
from intellimix.chats.timeline import to_plan_segments
from intellimix.chats.tracks import planner_library
from intellimix.db_types import utcnow
from intellimix.errors import Conflict, ValidationFailed
from intellimix.extensions import db
from intellimix.planner.builder import TIMELINE_QUESTION
from intellimix.planner.plan import MixPlan
from intellimix.runs import service as runs
from intellimix.runs.models import Run
from intellimix.web.http import field_errors

DEFAULT_TITLE = "New mix"
TITLE_CHARS = 60
POLL_HINT_MS = {"plan": 750, "render": 2000}


@dataclass(frozen=True)
class Posted:
    """A posted turn: the user's message (None for a re-render), the placeholder and its run."""

    user_message: ChatMessage | None
    placeholder: ChatMessage
    run: Run

    @property
    def poll_hint_ms(self) -> int:
        return POLL_HINT_MS.get(self.run.kind, 1000)


@dataclass
class _Turn:
    """What a post becomes: the user's message, and the run to start."""

    text: str
    content: dict[str, Any]
    kind: str = "plan"
    input: dict[str, Any] = field(default_factory=dict)
    approving: PlanDraft | None = None


def create_thread(user_id: str, body: ThreadCreate) -> tuple[ChatThread, Posted | None]:
    """A thread; with an initial prompt, its first message is posted and planned too."""
    title = body.title or (_title_from(body.initial_prompt) if body.initial_prompt else None)
    thread = ChatThread(user_id=user_id, title=title or DEFAULT_TITLE, archived=False)
    db.session.add(thread)
    db.session.flush()
    if body.initial_prompt is None:
        db.session.commit()
        return thread, None
    return thread, post_message(thread, MessageCreate(content=body.initial_prompt), key=None)


def _title_from(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1].rstrip() + "…"


def post_message(thread: ChatThread, body: MessageCreate, *, key: str | None) -> Posted:
    """Write the user's message and the placeholder, and start the run that answers.

    With an Idempotency-Key, a repeat of the same post returns the first answer; the key with
    a different body is a 409.
    """
    fingerprint = hashlib.sha256(
        json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()
    if key is not None:
        replay = _replay(thread, key, fingerprint)
        if replay is not None:
            return replay
    turn = _turn(thread, body)
    user_message, placeholder = _write_messages(thread, turn.text, turn.content)
    if key is not None:
        db.session.add(
            IdempotencyKey(
                user_id=thread.user_id,
                thread_id=thread.id,
                key=key,
                fingerprint=fingerprint,
                user_message_id=user_message.id,
            )
        )
        try:
            db.session.flush()
        except IntegrityError:
            # The same post is being made concurrently: answer with the one that got in first.
            db.session.rollback()
            replay = _replay(thread, key, fingerprint)
            if replay is None:
                raise
            return replay
    if turn.approving is not None:
        drafts.approve(turn.approving)
        memory.remember(thread.user_id, MixPlan.model_validate(turn.approving.plan))
    run = runs.create_run(
        user_id=thread.user_id,
        kind=turn.kind,
        input=turn.input,
        thread_id=thread.id,
        user_message_id=user_message.id,
        assistant_message_id=placeholder.id,
    )
    return Posted(user_message, placeholder, run)


def _replay(thread: ChatThread, key: str, fingerprint: str) -> Posted | None:
    stored = db.session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == thread.user_id,
            IdempotencyKey.thread_id == thread.id,
            IdempotencyKey.key == key,
        )
    )
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used for a different message.",
            code="IDEMPOTENCY_KEY_REUSED",
        )
    run = db.session.scalar(
        select(Run)
        .where(Run.user_message_id == stored.user_message_id)
        .order_by(Run.created_at)
        .limit(1)
    )
    user_message = db.session.get(ChatMessage, stored.user_message_id)
    placeholder = db.session.get(ChatMessage, run.assistant_message_id) if run else None
    if run is None or placeholder is None:
        db.session.delete(stored)  # its run is gone: the post is made anew
        db.session.flush()
        return None
    return Posted(user_message, placeholder, run)


def _write_messages(
    thread: ChatThread, text: str | None, content: dict[str, Any] | None
) -> tuple[ChatMessage, ChatMessage]:
    """The user's message and, a microsecond later, the assistant's placeholder."""
    now = utcnow()
    if thread.title == DEFAULT_TITLE and text and thread.last_message_at is None:
        thread.title = _title_from(text)
    user_message = ChatMessage(
        thread_id=thread.id,
        role="user",
        content_text=text,
        content_json=content,
        status="completed",
        created_at=now,
    )
    db.session.add(user_message)
    # Strictly later, so newest-last order never depends on how ids compare.
    return user_message, new_placeholder(thread, now + timedelta(microseconds=1))


def new_placeholder(thread: ChatThread, at: datetime) -> ChatMessage:
    """The assistant message a run fills when it finishes (content_text null until then)."""
    placeholder = ChatMessage(
        thread_id=thread.id, role="assistant", content_text=None, status="queued", created_at=at
    )
    thread.last_message_at = at
    db.session.add(placeholder)
    db.session.flush()
    return placeholder


def _turn(thread: ChatThread, body: MessageCreate) -> _Turn:
    if body.planning_response is not None:
        return _answer_turn(thread, body.planning_response)
    if body.planning_action is not None:
        action = body.planning_action
        if action.action == "approve_plan":
            return _approve_turn(thread, action)
        return _revise_turn(thread, action)
    return _words_turn(thread, body)


def _words_turn(thread: ChatThread, body: MessageCreate) -> _Turn:
    text = body.content or ""
    content: dict[str, Any] = {"kind": "prompt"}
    draft = drafts.owned(thread.id, body.draft_id) if body.draft_id else drafts.active(thread.id)
    if body.attachments:
        attachment = body.attachments[0]
        content["attachments"] = [attachment.model_dump(mode="json", exclude_none=True)]
        if body.timeline_resolution:
            content["timeline_resolution"] = body.timeline_resolution
        return _attachment_turn(
            thread, draft, text, content, attachment, body.timeline_resolution, "attachments.0"
        )
    plan_from = None if body.planning_target == "new_draft" else _plan_source(thread, draft)
    return _Turn(text, content, input=_plan_input(text, draft, plan_from))


def _attachment_turn(
    thread: ChatThread,
    draft: PlanDraft | None,
    text: str,
    content: dict[str, Any],
    attachment: TimelineAttachment,
    resolution: str | None,
    where: str,
) -> _Turn:
    """Words with an edited timeline. Without words it is a plain timeline edit; answering the
    clarification about it without words repeats the words that were asked about."""
    plan_from = _attachment_source(thread, attachment)
    reference = service.stored_plan(thread.id, plan_from)
    segments = _segments(attachment.segments, reference, f"{where}.segments")
    if not text and resolution is not None and draft is not None:
        text = _asked_words(draft)
    answers = [{"question_id": TIMELINE_QUESTION, "selected_option_id": resolution}]
    return _Turn(
        text,
        content,
        input={
            **_plan_input(text, draft, plan_from, answers if resolution else []),
            "attached_segments": segments,
            "attachment": attachment.model_dump(mode="json", exclude_none=True),
            "edit": not text,
        },
    )


def _asked_words(draft: PlanDraft) -> str:
    """The words of the message a clarification about a timeline asked about."""
    asked = {q.get("question_id") for q in draft.questions or []}
    if draft.status != "collecting" or TIMELINE_QUESTION not in asked:
        return ""
    source = db.session.get(ChatMessage, draft.source_message_id or "")
    return (source.content_text or "") if source else ""


def _answer_turn(thread: ChatThread, response: PlanningResponse) -> _Turn:
    draft = drafts.owned(thread.id, response.draft_id)
    if draft.status != "collecting":
        raise Conflict(
            f"This draft is {draft.status}; it is not waiting for answers.",
            code="DRAFT_NOT_COLLECTING",
        )
    answers = _checked_answers(draft, response)
    content = {"kind": "planning_response", "draft_id": draft.id, "answers": answers}
    text = _answers_text(draft, response)
    timeline = next((a for a in response.answers if a.question_id == TIMELINE_QUESTION), None)
    source = db.session.get(ChatMessage, draft.source_message_id or "")
    attached = ((source.content_json or {}).get("attachments") or [None])[0] if source else None
    if timeline is not None and attached is not None:
        # The clarification asked about a message with a timeline: the answer replays both.
        attachment = TimelineAttachment.model_validate(attached)
        turn = _attachment_turn(
            thread, draft, "", content, attachment, timeline.selected_option_id, "answers"
        )
        return _Turn(text, content, input=turn.input)
    plan_from = {"draft_id": draft.id} if draft.plan else None
    return _Turn(text, content, input=_plan_input(text, draft, plan_from, answers))


def _checked_answers(draft: PlanDraft, response: PlanningResponse) -> list[dict[str, Any]]:
    """The answers as stored and given to the planner. Several options are accepted only for a
    multi-select question of this draft, and only its own options. Whatever the client sent, a
    multi-select answer reaches the planner as `selected_option_ids` and a single-select one as
    `selected_option_id`."""
    questions = {q.get("question_id"): q for q in draft.questions or []}
    problems = []
    answers = []
    for index, answer in enumerate(response.answers):
        where = f"planning_response.answers.{index}"
        question = questions.get(answer.question_id)
        multi = bool(question and question.get("multi_select"))
        stored = answer.model_dump(mode="json")
        if question is not None and multi:
            problems += _unknown_options(question, answer, where)
            stored.update(selected_option_id=None, selected_option_ids=answer.chosen)
        elif len(answer.chosen) > 1:
            problems.append(
                _problem(f"{where}.selected_option_ids", "this question takes one option")
            )
        else:
            stored.update(selected_option_id=answer.chosen[0] if answer.chosen else None)
            stored.update(selected_option_ids=[])
        answers.append(stored)
    if problems:
        raise ValidationFailed(details={"fields": problems})
    return answers


def _unknown_options(
    question: dict[str, Any], answer: AnswerIn, where: str
) -> list[dict[str, str]]:
    options = {o.get("id") for o in question.get("options", [])}
    given = [(f"selected_option_ids.{n}", o) for n, o in enumerate(answer.selected_option_ids)]
    if answer.selected_option_id:
        given.insert(0, ("selected_option_id", answer.selected_option_id))
    return [
        _problem(f"{where}.{field}", f"{option!r} is not an option of this question")
        for field, option in given
        if option not in options
    ]


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message, "type": "value_error"}


def _answers_text(draft: PlanDraft, response: PlanningResponse) -> str:
    """The answers as words: the chosen options' labels and the free text."""
    labels = {
        (q.get("question_id"), o.get("id")): o.get("label")
        for q in draft.questions or []
        for o in q.get("options", [])
    }
    said = []
    for answer in response.answers:
        chosen = [labels.get((answer.question_id, option)) for option in answer.chosen]
        said += [part for part in (", ".join(c for c in chosen if c), answer.other_text) if part]
    return "; ".join(said) or "(no answer)"


def _approve_turn(thread: ChatThread, action: PlanningAction) -> _Turn:
    draft = drafts.owned(thread.id, action.draft_id)
    drafts.require_ready(draft)
    review = review_plan(draft.plan, planner_library(thread.user_id))
    if review.violations:
        raise Conflict(
            "The plan cannot be approved yet: " + "; ".join(review.violations),
            code="PLAN_NOT_APPROVABLE",
            details={"violations": review.violations},
        )
    title = (draft.plan or {}).get("title", "the plan")
    return _Turn(
        f"Approve {title}",
        {"kind": "planning_action", "draft_id": draft.id, "action": action.action},
        kind="render",
        input={
            "plan": draft.plan,
            "draft_id": draft.id,
            "parent_version_id": service.latest_version_id(thread),
        },
        approving=draft,
    )


def _revise_turn(thread: ChatThread, action: PlanningAction) -> _Turn:
    draft = drafts.owned(thread.id, action.draft_id)
    text = action.revision_prompt or ""
    content = {
        "kind": "planning_action",
        "draft_id": draft.id,
        "action": action.action,
        "revision_prompt": text,
    }
    plan_from = {"draft_id": draft.id} if draft.plan else _plan_source(thread, None)
    return _Turn(text, content, input=_plan_input(text, draft, plan_from))


def _plan_input(
    message: str,
    draft: PlanDraft | None,
    plan_from: dict[str, str] | None,
    answers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A plan run's input: the words, the draft it continues, where its current plan comes from."""
    return {
        "message": message,
        "draft_id": draft.id if draft else None,
        "plan_from": plan_from,
        "answers": answers or [],
        "attached_segments": None,
        "attachment": None,
        "edit": False,
    }


def _plan_source(thread: ChatThread, draft: PlanDraft | None) -> dict[str, str] | None:
    """The plan a turn revises: the draft's, else the latest rendered version's, else none."""
    if draft is not None and draft.plan:
        return {"draft_id": draft.id}
    version_id = service.latest_version_id(thread)
    return {"version_id": version_id} if version_id else None


def _attachment_source(thread: ChatThread, attachment: TimelineAttachment) -> dict[str, str] | None:
    """The version or draft an attached timeline was edited from (it must be in this chat)."""
    if attachment.source_version_id:
        return {"version_id": service.get_version(thread, attachment.source_version_id).id}
    if attachment.draft_id:
        return {"draft_id": drafts.owned(thread.id, attachment.draft_id).id}
    return _plan_source(thread, drafts.active(thread.id))


def _segments(raw: list[dict[str, Any]], reference: MixPlan | None, where: str) -> list[Any]:
    """Attached segments in MixPlan form (JSON), or a 422 naming each bad field."""
    try:
        segments = to_plan_segments(raw, reference=reference)
    except ValidationError as exc:
        fields = [{**e, "field": f"{where}.{e['field']}"} for e in field_errors(exc)]
        raise ValidationFailed("The timeline is not valid.", details={"fields": fields}) from exc
    return [segment.model_dump(mode="json") for segment in segments]


@dataclass(frozen=True)
class Rerender:
    """What a re-render request did: started a run, or pointed at what already answers it."""

    outcome: str  # started | in_progress | existing_result
    posted: Posted | None = None
    running: Run | None = None


def request_rerender(thread: ChatThread, version: MixVersion, *, force: bool) -> Rerender:
    """Re-render a version unless that would only duplicate something.

    A version is immutable, so rendering its plan again makes the same mix: unless `force`d,
    a render of it already under way is answered with that run, and a version whose files are
    still there with the version itself.
    """
    if not force:
        running = _active_rerender(thread, version)
        if running is not None:
            return Rerender("in_progress", running=running)
        if version.job_id is not None and version.outputs:
            return Rerender("existing_result")
    return Rerender("started", posted=rerender(thread, version))


def _active_rerender(thread: ChatThread, version: MixVersion) -> Run | None:
    active = db.session.scalars(
        select(Run)
        .where(Run.thread_id == thread.id, Run.kind == "render")
        .where(Run.status.in_(("queued", "running")))
        .order_by(Run.created_at.desc())
    )
    return next(
        (run for run in active if (run.input or {}).get("parent_version_id") == version.id), None
    )


def rerender(thread: ChatThread, version: MixVersion) -> Posted:
    """The same plan rendered again, as a new version whose parent is this one."""
    answer = new_placeholder(thread, utcnow())
    run = runs.create_run(
        user_id=thread.user_id,
        kind="render",
        input={"plan": version.plan, "draft_id": version.draft_id, "parent_version_id": version.id},
        thread_id=thread.id,
        assistant_message_id=answer.id,
    )
    return Posted(None, answer, run)


def start_edit(thread: ChatThread, version: MixVersion, body: EditRunCreate) -> Posted:
    """A `plan` run that makes the edited timeline (and the note's changes) a new draft."""
    plan_from = {"version_id": version.id}
    segments = _segments(body.segments, service.stored_plan(thread.id, plan_from), "segments")
    text = body.note or "I edited the timeline."
    content = {
        "kind": "timeline_edit",
        "source_version_id": version.id,
        "segments": body.segments,
        "note": body.note,
    }
    user_message, placeholder = _write_messages(thread, text, content)
    answers = [{"question_id": TIMELINE_QUESTION, "selected_option_id": "keep_attached_cuts"}]
    run = runs.create_run(
        user_id=thread.user_id,
        kind="plan",
        input={
            **_plan_input(body.note or "", drafts.active(thread.id), plan_from, answers),
            "attached_segments": segments,
            "edit": True,
        },
        thread_id=thread.id,
        user_message_id=user_message.id,
        assistant_message_id=placeholder.id,
    )
    return Posted(user_message, placeholder, run)


def restore(thread: ChatThread, version: MixVersion) -> tuple[PlanDraft, ChatMessage, Review]:
    """The version's plan as the current draft again (ready to approve or revise)."""
    draft = drafts.add(
        thread.id,
        parent=drafts.active(thread.id),
        status="draft_ready",
        plan=version.plan,
        notes=[f"Restored from the version of {version.created_at:%Y-%m-%d %H:%M} UTC."],
    )
    library = planner_library(thread.user_id)
    said = (
        f"{(version.plan or {}).get('title', 'This version')} is the current draft again: "
        "approve it to render, or tell me what to change."
    )
    text, content, review = outcomes.draft_message(draft, library, said)
    message = ChatMessage(
        thread_id=thread.id,
        role="assistant",
        content_text=text,
        content_json=content,
        status="completed",
        created_at=utcnow(),
    )
    thread.last_message_at = message.created_at
    db.session.add(message)
    db.session.commit()
    return draft, message, review
