"""Feedback: requests checked before a run exists, reports stored and read by their owner.

The functions a chat turn calls are `request_feedback` and `request_fix` (each returns the
queued Run; with `chat`, the run answers into that chat turn's placeholder) and
`latest_report_for_track`; `intellimix.feedback.answers` answers follow-up questions from a
stored report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from intellimix.audio.feedback.targets import genre_targets, known_genres
from intellimix.errors import Conflict, NotFound, ValidationFailed
from intellimix.extensions import db
from intellimix.feedback.models import FeedbackReport
from intellimix.library import service as library
from intellimix.library.models import Track
from intellimix.runs import service as runs
from intellimix.runs.models import Run


@dataclass(frozen=True)
class ChatTurn:
    """The chat turn a run answers: its thread, the person's message and the placeholder."""

    thread_id: str
    user_message_id: str | None
    assistant_message_id: str | None


def request_feedback(
    user_id: str,
    track_id: str,
    *,
    type: str,
    genre: str | None = None,
    reference_track_id: str | None = None,
    detail: str = "detailed",
    chat: ChatTurn | None = None,
) -> Run:
    """Check the track, reference and genre (404 / 409 / 422), then queue a `feedback` run."""
    track = _ready_track(user_id, track_id, code="TRACK_NOT_READY", what="track")
    if reference_track_id is not None:
        if reference_track_id == track.id:
            raise ValidationFailed(
                "A track cannot be its own reference.",
                details={"fields": [_field("reference_track_id", "must be another track")]},
            )
        _ready_track(user_id, reference_track_id, code="REFERENCE_NOT_READY", what="reference")
    return runs.create_run(
        user_id=user_id,
        kind="feedback",
        input={
            "track_id": track.id,
            "type": type,
            "genre": normalize_genre(genre),
            "reference_track_id": reference_track_id,
            "detail": detail,
        },
        thread_id=chat.thread_id if chat else None,
        user_message_id=chat.user_message_id if chat else None,
        assistant_message_id=chat.assistant_message_id if chat else None,
    )


def request_fix(user_id: str, feedback_id: str, *, chat: ChatTurn | None = None) -> Run:
    """Queue a `feedback_fix` run: a corrected master of the report's track, re-judged."""
    row = get_owned_report(feedback_id, user_id)
    _ready_track(user_id, row.track_id, code="TRACK_NOT_READY", what="track")
    return runs.create_run(
        user_id=user_id,
        kind="feedback_fix",
        input={"feedback_id": row.id},
        thread_id=chat.thread_id if chat else None,
        user_message_id=chat.user_message_id if chat else None,
        assistant_message_id=chat.assistant_message_id if chat else None,
    )


def normalize_genre(genre: str | None) -> str | None:
    """A genre id of the measured targets ('Drum & Bass' → 'drum_and_bass'), else 422."""
    if genre is None:
        return None
    wanted = _spelling(genre)
    for genre_id, target in genre_targets().items():
        if wanted in (_spelling(genre_id), _spelling(target.label)):
            return genre_id
    known = known_genres()
    raise ValidationFailed(
        f"Unknown genre {genre!r}. Known genres: {', '.join(known)}.",
        code="UNKNOWN_GENRE",
        details={"fields": [_field("genre", "unknown genre")], "known_genres": known},
    )


def genres() -> list[dict[str, str]]:
    return [
        {"id": genre_id, "label": target.label, "source": target.source}
        for genre_id, target in sorted(genre_targets().items())
    ]


def get_owned_report(feedback_id: str, user_id: str) -> FeedbackReport:
    row = db.session.scalar(
        select(FeedbackReport).where(
            FeedbackReport.id == feedback_id, FeedbackReport.user_id == user_id
        )
    )
    if row is None:
        raise NotFound("No such feedback report.", code="FEEDBACK_NOT_FOUND")
    return row


def track_reports(user_id: str, track_id: str) -> list[FeedbackReport]:
    """The track's reports, newest first (404 for another person's track)."""
    library.get_owned_track(track_id, user_id)
    return list(
        db.session.scalars(
            select(FeedbackReport)
            .where(FeedbackReport.user_id == user_id, FeedbackReport.track_id == track_id)
            .order_by(FeedbackReport.created_at.desc(), FeedbackReport.id)
        )
    )


def latest_report_for_track(user_id: str, track_id: str) -> FeedbackReport | None:
    """The newest report on a track, for a chat follow-up ("what should I fix first?")."""
    reports = track_reports(user_id, track_id)
    return reports[0] if reports else None


def store_report(
    *,
    user_id: str,
    track_id: str,
    run_id: str | None,
    type: str,
    genre: str | None,
    detail: str,
    reference_track_id: str | None,
    report: dict[str, Any],
    parent_id: str | None = None,
    job_id: str | None = None,
) -> FeedbackReport:
    row = FeedbackReport(
        user_id=user_id,
        track_id=track_id,
        run_id=run_id,
        type=type,
        genre=genre,
        detail=detail,
        reference_track_id=reference_track_id,
        report=report,
        parent_id=parent_id,
        job_id=job_id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def report_title(row: FeedbackReport) -> str:
    """E.g. "Master feedback: Night Drive"."""
    track = db.session.get(Track, row.track_id)
    name = track.title if track is not None else "deleted track"
    return f"{row.type.capitalize()} feedback: {name}"


def _ready_track(user_id: str, track_id: str, *, code: str, what: str) -> Track:
    track = library.get_owned_track(track_id, user_id)
    if track.status != "ready" or not track.media_file:
        raise Conflict(
            f"The {what} is {track.status}; ask for feedback once its analysis is ready.",
            code=code,
        )
    return track


def _spelling(text: str) -> str:
    """Case, punctuation and spaces folded: 'Lo-fi', 'lofi' and 'lo_fi' are one genre."""
    return re.sub(r"[^a-z0-9]+", "", text.lower().replace("&", " and "))


def _field(name: str, message: str) -> dict[str, str]:
    return {"field": name, "message": message, "type": "value_error"}
