"""/api/v1/history and /api/v1/files: what runs produced, and the files themselves."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_jwt_extended import get_jwt_identity, jwt_required, verify_jwt_in_request

from intellimix.history import service
from intellimix.history.serializers import job_to_dict, job_types
from intellimix.storage import get_storage
from intellimix.web.file_tokens import file_user
from intellimix.web.http import paginated, pagination

bp = Blueprint("history", __name__)

CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "json": "application/json",
    "cue": "application/x-cue",
    "txt": "text/plain; charset=utf-8",
    "zip": "application/zip",
}


@bp.get("/history")
@jwt_required()
def list_history() -> dict[str, Any]:
    page, limit = pagination()
    wanted = request.args.get("type")
    jobs, total = service.list_jobs(
        get_jwt_identity(), types=job_types(wanted) if wanted else None, page=page, limit=limit
    )
    links = service.origins(jobs)
    items = [job_to_dict(job, links.get(job.id)) for job in jobs]
    return paginated(items, page=page, limit=limit, total=total)


@bp.get("/history/<job_id>")
@jwt_required()
def get_job(job_id: str) -> dict[str, Any]:
    job = service.get_owned_job(job_id, get_jwt_identity())
    return {"job": job_to_dict(job, service.origins([job]).get(job.id))}


@bp.delete("/history/<job_id>")
@jwt_required()
def delete_job(job_id: str) -> Response:
    service.delete_job(service.get_owned_job(job_id, get_jwt_identity()))
    return Response(status=204)


@bp.get("/files/<job_id>/<filename>")
def job_file(job_id: str, filename: str) -> Response:
    """One produced file, by Bearer token, the signed url of exactly this file or `?token=<access
    token>`; Range works."""
    token = request.args.get("token")
    if token:
        user_id = file_user(token, scope="job-file", object_id=job_id, name=filename)
    else:
        verify_jwt_in_request(locations=["headers"])
        user_id = get_jwt_identity()
    job = service.get_owned_job(job_id, user_id)
    record = service.file_record(job, filename)
    return get_storage().send(
        f"{service.job_folder(job.id)}/{record['name']}",
        mimetype=CONTENT_TYPES.get(record["format"], "application/octet-stream"),
        as_attachment=request.args.get("download") == "1",
        # The titled name (never a path: only a header value, encoded per RFC 6266).
        download_name=record.get("download_name") or record["name"],
    )
