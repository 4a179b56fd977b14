"""Feedback reports as the API shows them: the report, its PDF link and any fix's files."""

from __future__ import annotations

from typing import Any

from flask import url_for

from intellimix.db_types import isoformat
from intellimix.extensions import db
from intellimix.feedback.models import FeedbackReport
from intellimix.history.models import Job
from intellimix.history.serializers import file_objects
from intellimix.web.file_tokens import sign_file

PDF_SCOPE = "feedback-pdf"
PDF_NAME = "report.pdf"


def pdf_url(row: FeedbackReport) -> str:
    token = sign_file(user_id=row.user_id, scope=PDF_SCOPE, object_id=row.id, name=PDF_NAME)
    return url_for("api.feedback.feedback_pdf", feedback_id=row.id, token=token)


def feedback_to_dict(row: FeedbackReport, *, with_report: bool = True) -> dict[str, Any]:
    job = db.session.get(Job, row.job_id) if row.job_id else None
    report = row.report
    body: dict[str, Any] = {
        "id": row.id,
        "track_id": row.track_id,
        "reference_track_id": row.reference_track_id,
        "parent_id": row.parent_id,
        "run_id": row.run_id,
        "type": row.type,
        "genre": row.genre,
        "detail": row.detail,
        "overall_score": report["overall_score"],
        "summary": report["summary"],
        "pdf_url": pdf_url(row),
        "files": file_objects(job) if job is not None else [],
        "created_at": isoformat(row.created_at),
    }
    if with_report:
        body["report"] = report
    return body
