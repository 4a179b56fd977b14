"""Feedback in a chat (issue 16): "give me mastering feedback on X", follow-ups, "fix it".

The planner names the track, reference, type and genre (`PlannerReply.feedback`). A new report
or a corrected master is a `feedback` / `feedback_fix` run started in the chat that takes over
the turn's placeholder: its progress shows in that message, and when it completes the message
becomes a `feedback_report` card (summary, top findings, links to the PDF and the Feedback
view) — written in the transaction that completes the run (`on_run_completed`), so the
`completed` event finds it there. A failed or cancelled run leaves an `error` message as any
chat run does. A question about the report ("why is the low end muddy?") is answered at once
from the latest report on the track in focus (`feedback_answer`).

A track the person named that is not ready is said so (still being analysed, or failed);
names are only ever looked up among the person's own tracks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from intellimix.chats import outcomes
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.feedback import answers, service
from intellimix.feedback.models import FeedbackReport
from intellimix.feedback.pdf import fix_text
from intellimix.library.models import Track
from intellimix.planner.songs import match_song
from intellimix.planner.turns import FeedbackTurn, LibraryTrack, PlannerReply, PlannerRequest
from intellimix.runs.models import Run
from intellimix.runs.registry import on_run_completed

FEEDBACK_RUNS = ("feedback", "feedback_fix")
SHOWN_FINDINGS = 3
NOT_READY = {
    "pending": "is waiting to be analysed",
    "analyzing": "is still being analysed",
    "failed": "could not be analysed",
}


def respond(run: Run, request: PlannerRequest, reply: PlannerReply) -> dict[str, Any]:
    """Start the feedback or fix run answering this turn, or answer now (a question about the
    report, or why nothing can start)."""
    asked = reply.feedback
    assert asked is not None
    result: dict[str, Any] = {"reply": "feedback", "provider": reply.provider, "draft_id": None}
    if asked.track_id is None:
        outcomes.answer(run, reply, _not_found(run.user_id, asked, reply.text), {"kind": "chat"})
        return result
    try:
        if asked.follow_up == "question":
            text, content = _from_report(run.user_id, asked, request.message)
            outcomes.answer(run, reply, text, content)
            return result
        started = _start(run, asked)
    except ApiError as exc:
        # A refusal the person can act on: an unknown genre (with the known ones), a track that
        # is no longer ready, a track as its own reference, the fair-use limit.
        outcomes.answer(run, reply, exc.message, {"kind": "chat", "code": exc.code})
        return result
    if started is None:
        title = _title(run.user_id, asked.track_id)
        text = f"There is no feedback report on {title} to fix yet: ask for one first."
        outcomes.answer(run, reply, text, {"kind": "chat"})
        return result
    return {**result, "feedback_run_id": started.id}


def _start(run: Run, asked: FeedbackTurn) -> Run | None:
    """The run that answers into this turn's placeholder (None: no report to fix)."""
    chat = service.ChatTurn(run.thread_id or "", run.user_message_id, run.assistant_message_id)
    track_id = asked.track_id or ""
    if asked.follow_up == "fix":
        latest = service.latest_report_for_track(run.user_id, track_id)
        if latest is None:
            return None
        return service.request_fix(run.user_id, latest.id, chat=chat)
    return service.request_feedback(
        run.user_id,
        track_id,
        type=asked.type,
        genre=asked.genre,
        reference_track_id=asked.reference_track_id,
        detail=asked.detail,
        chat=chat,
    )


def _from_report(user_id: str, asked: FeedbackTurn, message: str) -> tuple[str, dict[str, Any]]:
    """A follow-up answered from the latest report on the track."""
    track_id = asked.track_id or ""
    row = service.latest_report_for_track(user_id, track_id)
    title = _title(user_id, track_id)
    if row is None:
        text = (
            f"There is no feedback report on {title} yet. Ask 'give me mastering feedback on "
            f"{title}' and I'll measure it."
        )
        return text, {"kind": "chat"}
    content = {
        "kind": "feedback_answer",
        "feedback_id": row.id,
        "track_id": row.track_id,
        "track_title": title,
        "question": asked.question or message,
        "overall_score": row.report["overall_score"],
    }
    return answers.answer(row.report, asked.question or message), content


def _not_found(user_id: str, asked: FeedbackTurn, said: str) -> str:
    """Why a named track cannot be judged: not ready yet (the person's own only), or unknown."""
    waiting = db.session.scalars(
        select(Track).where(Track.user_id == user_id, Track.status != "ready")
    ).all()
    listed = [
        LibraryTrack(id=t.id, title=t.title, artist=t.artist, duration_s=0.0) for t in waiting
    ]
    for name in asked.not_found:
        found = match_song(name, listed).track_id if listed else None
        track = next((t for t in waiting if t.id == found), None)
        if track is not None:
            state = NOT_READY.get(track.status, f"is {track.status}")
            then = (
                "upload it again to try once more"
                if track.status == "failed"
                else "ask again once it shows as ready in your library"
            )
            return f"{track.title} {state}, so I can't judge it yet: {then}."
    return said


def _title(user_id: str, track_id: str) -> str:
    track = db.session.scalar(select(Track).where(Track.id == track_id, Track.user_id == user_id))
    return track.title if track is not None else "that track"


# --- a finished run ---------------------------------------------------------------------------


@on_run_completed
def _report_in_chat(run: Run) -> None:
    """A feedback or fix run that answers a chat turn: its report becomes the answer."""
    if run.kind not in FEEDBACK_RUNS or not run.thread_id or not run.assistant_message_id:
        return
    row = service.get_owned_report(str((run.result or {}).get("feedback_id")), run.user_id)
    title = service.report_title(row)
    text = answers.summarize(row.report, title=title)
    improvement = row.report.get("improvement")
    if improvement:
        text = f"{text}\n{_improvement_line(improvement)}"
    outcomes.write(run, text, report_content(row))


def report_content(row: FeedbackReport) -> dict[str, Any]:
    """What a `feedback_report` message shows; its PDF and file urls are signed when read."""
    report = row.report
    reference = report.get("reference") or {}
    genre = report.get("genre") or {}
    return {
        "kind": "feedback_report",
        "feedback_id": row.id,
        "track_id": row.track_id,
        "track_title": _title(row.user_id, row.track_id),
        "reference_track_id": row.reference_track_id,
        "reference_title": reference.get("title"),
        "type": row.type,
        "genre": genre.get("label"),
        "detail": row.detail,
        "overall_score": report["overall_score"],
        "summary": report["summary"],
        "scores": report["scores"],
        "finding_count": report["finding_count"],
        "findings": [
            {
                "area": finding["area"],
                "severity": finding["severity"],
                "title": finding["title"],
                "explanation": finding["explanation"],
                "fixes": [fix_text(fix) for fix in finding["fixes"]],
            }
            for finding in report["findings"][:SHOWN_FINDINGS]
        ],
        "fixed_from": row.parent_id,
        "job_id": row.job_id,
        "improvement": report.get("improvement"),
    }


def _improvement_line(improvement: dict[str, Any]) -> str:
    overall = improvement["overall"]
    level = improvement["loudness"]
    line = (
        f"The corrected master scores {overall['after']}/100 (was {overall['before']}); "
        f"loudness {level['before']} → {level['after']} LUFS."
    )
    if improvement["resolved"]:
        line += f" Resolved: {'; '.join(improvement['resolved'])}."
    return line
