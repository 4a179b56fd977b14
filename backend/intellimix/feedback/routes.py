"""/api/v1 feedback routes: ask for a report on a track, read it as JSON or PDF, fix it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_jwt_extended import get_jwt_identity, jwt_required, verify_jwt_in_request

from intellimix.feedback import service
from intellimix.feedback.pdf import render_pdf
from intellimix.feedback.schemas import FeedbackRequest, FixRequest
from intellimix.feedback.serializers import PDF_NAME, PDF_SCOPE, feedback_to_dict
from intellimix.runs.serializers import run_snapshot
from intellimix.web.file_tokens import verify_file_token
from intellimix.web.http import parse_body

bp = Blueprint("feedback", __name__)
TRACK = "/tracks/<string(length=36):track_id>"
FEEDBACK = "/feedback/<string(length=36):feedback_id>"


@bp.post(f"{TRACK}/feedback")
@jwt_required()
def request_feedback(track_id: str) -> tuple[dict[str, Any], int]:
    body = parse_body(FeedbackRequest)
    run = service.request_feedback(
        get_jwt_identity(),
        track_id,
        type=body.type,
        genre=body.genre,
        reference_track_id=body.reference_track_id,
        detail=body.detail,
    )
    return {"run": run_snapshot(run)}, 202


@bp.get(f"{TRACK}/feedback")
@jwt_required()
def list_feedback(track_id: str) -> dict[str, Any]:
    rows = service.track_reports(get_jwt_identity(), track_id)
    return {"items": [feedback_to_dict(row, with_report=False) for row in rows]}


@bp.get("/feedback/genres")
@jwt_required()
def genres() -> dict[str, Any]:
    """The genres with a measured target, and where each target comes from."""
    return {"genres": service.genres()}


@bp.get(FEEDBACK)
@jwt_required()
def get_feedback(feedback_id: str) -> dict[str, Any]:
    return {"feedback": feedback_to_dict(service.get_owned_report(feedback_id, get_jwt_identity()))}


@bp.get(f"{FEEDBACK}.pdf")
def feedback_pdf(feedback_id: str) -> Response:
    """The report as a PDF; Bearer token or the signed `pdf_url`."""
    token = request.args.get("token")
    if token:
        user_id = verify_file_token(token, scope=PDF_SCOPE, object_id=feedback_id, name=PDF_NAME)
    else:
        verify_jwt_in_request(locations=["headers"])
        user_id = get_jwt_identity()
    row = service.get_owned_report(feedback_id, user_id)
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    return Response(
        render_pdf(row.report, title=service.report_title(row)),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="feedback-{row.id[:8]}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.post(f"{FEEDBACK}/fix")
@jwt_required()
def fix(feedback_id: str) -> tuple[dict[str, Any], int]:
    if request.content_length:
        parse_body(FixRequest)
    return {"run": run_snapshot(service.request_fix(get_jwt_identity(), feedback_id))}, 202
