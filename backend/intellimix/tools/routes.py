"""The utility routes the IntelliMix web client calls (its trimmer and video downloader)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask_jwt_extended import get_jwt_identity, jwt_required

from intellimix.errors import ValidationFailed
from intellimix.extensions import limiter, signed_in_person
from intellimix.tools import service
from intellimix.tools.csv_clips import clips_from_csv
from intellimix.tools.schemas import DownloadRequest, ProcessArrayRequest
from intellimix.web.http import parse_body

bp = Blueprint("tools", __name__)

per_user = limiter.limit(
    lambda: current_app.config["IMPORT_RATE_LIMIT"],
    key_func=signed_in_person,
    scope="tools",
)


@bp.post("/process-array")
@jwt_required()
@per_user
def process_array() -> dict[str, Any]:
    """`{urls: [{url, start, end}]}` → the clips joined: `{merged_file_path, message}`."""
    clips = parse_body(ProcessArrayRequest).urls
    run = service.wait_for(service.start_mix(get_jwt_identity(), clips))
    return service.answer(run, path_key="merged_file_path", done=f"Joined {len(clips)} clips.")


@bp.post("/process-csv")
@jwt_required()
@per_user
def process_csv() -> dict[str, Any]:
    """Multipart `file`: a CSV of url,start,end rows → as `/process-array`."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(
            "Send the CSV as a multipart form field named `file`.",
            details={"fields": [{"field": "file", "message": "required", "type": "missing"}]},
        )
    clips = clips_from_csv(upload.read())
    run = service.wait_for(service.start_mix(get_jwt_identity(), clips))
    return service.answer(run, path_key="merged_file_path", done=f"Joined {len(clips)} clips.")


@bp.post("/download-audio")
@jwt_required()
@per_user
def download_audio() -> dict[str, Any]:
    """`{url, format}` → `{filepath, message}`; format mp3, wav, m4a or `mp4-audio` (.m4a)."""
    body = parse_body(DownloadRequest)
    fmt = "m4a" if body.format == "mp4" else body.format  # audio only, whatever was asked
    run = service.wait_for(service.start_download(get_jwt_identity(), body.url, fmt, video=False))
    return service.answer(run, path_key="filepath", done="Audio downloaded.")


@bp.post("/download-video")
@jwt_required()
@per_user
def download_video() -> dict[str, Any]:
    """`{url, format}` → `{filepath, message}`; `mp4` keeps the picture, others are audio."""
    body = parse_body(DownloadRequest)
    run = service.wait_for(
        service.start_download(get_jwt_identity(), body.url, body.format, video=True)
    )
    return service.answer(run, path_key="filepath", done="Video downloaded.")
