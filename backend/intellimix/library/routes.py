"""/api/v1/tracks: upload, list, detail, rename, delete, peaks, audio."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_jwt_extended import get_jwt_identity, jwt_required, verify_jwt_in_request

from intellimix.errors import NotFound, ValidationFailed
from intellimix.extensions import limiter, signed_in_person
from intellimix.generation import service as generation
from intellimix.generation.schemas import DemoRequest
from intellimix.library import imports, service
from intellimix.library.schemas import ImportRequest, TrackFilters, TrackPatch
from intellimix.library.serializers import track_to_dict
from intellimix.runs.serializers import run_snapshot
from intellimix.safe_text import strip_unsafe
from intellimix.storage import get_storage
from intellimix.web.file_tokens import file_user
from intellimix.web.http import paginated, pagination, parse_body, validate

bp = Blueprint("library", __name__, url_prefix="/tracks")
# Track ids are 36-character UUIDs; matching only that length keeps `/tracks/demo` its own
# route for every method (GET /tracks/demo is a 405, not a lookup of a track called "demo").
TRACK = "/<string(length=36):track_id>"

AUDIO_MIMETYPES = {
    "wav": "audio/wav",
    "w64": "audio/x-w64",
    "flac": "audio/flac",
    "aiff": "audio/aiff",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "caf": "audio/x-caf",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
}


# A form field says yes or no in one of these spellings.
_FORM_FLAGS = {"true": True, "1": True, "false": False, "0": False}


@bp.post("")
@jwt_required()
def upload_track() -> tuple[dict[str, Any], int]:
    """202 with the new track and its analysis run; 200 with the track already holding the same
    file (`duplicate: true`, no run) unless the form says `keep_duplicate=true`."""
    keep = request.form.get("keep_duplicate", "false").strip().lower()
    if keep not in _FORM_FLAGS:
        raise ValidationFailed(
            details={
                "fields": [{"field": "keep_duplicate", "message": "true or false", "type": "form"}]
            }
        )
    uploaded = service.upload(
        get_jwt_identity(), request.files.get("file"), keep_duplicate=_FORM_FLAGS[keep]
    )
    body = {
        "track": track_to_dict(uploaded.track),
        "run": run_snapshot(uploaded.run) if uploaded.run else None,
        "duplicate": uploaded.duplicate,
    }
    return body, 200 if uploaded.duplicate else 202


@bp.post("/import")
@jwt_required()
@limiter.shared_limit(  # shared with the imports a chat starts (imports.take_import_allowance)
    lambda: current_app.config["IMPORT_RATE_LIMIT"],
    scope=imports.IMPORT_LIMIT_SCOPE,
    key_func=signed_in_person,
)
def import_track() -> tuple[dict[str, Any], int]:
    """202 with a new `import_track` run; 200 with the track already imported from that link."""
    body = parse_body(ImportRequest)
    track, run, started = imports.start_import(get_jwt_identity(), body.url)
    answer = {"track": track_to_dict(track), "run": run_snapshot(run) if run else None}
    return answer, 202 if started else 200


@bp.post("/demo")
@jwt_required()
def add_demo_tracks() -> tuple[dict[str, Any], int]:
    """The demo set in the person's library: 202 when tracks were added, else 200."""
    if request.content_length:
        parse_body(DemoRequest)
    tracks, runs = generation.add_demo_tracks(get_jwt_identity())
    body = {"tracks": [track_to_dict(t) for t in tracks], "runs": [run_snapshot(r) for r in runs]}
    return body, 202 if runs else 200


@bp.get("")
@jwt_required()
def list_tracks() -> dict[str, Any]:
    page, limit = pagination()
    # An empty field (`bpm_min=`) is a filter left unset, as a form sends it.
    asked = {k: v for k, v in request.args.items() if v.strip() and k not in ("page", "limit")}
    filters = validate(TrackFilters, asked)
    tracks, total = service.search(get_jwt_identity(), filters, page=page, limit=limit)
    return paginated(
        [track_to_dict(track) for track in tracks], page=page, limit=limit, total=total
    )


@bp.get("/genres")
@jwt_required()
def list_genres() -> dict[str, Any]:
    """`{items: [{genre, count}]}`: the genres in the person's library, most common first."""
    found = service.genres(get_jwt_identity())
    return {"items": [{"genre": genre, "count": count} for genre, count in found]}


@bp.get(TRACK)
@jwt_required()
def get_track(track_id: str) -> dict[str, Any]:
    return {
        "track": track_to_dict(service.get_owned_track(track_id, get_jwt_identity()), detail=True)
    }


@bp.patch(TRACK)
@jwt_required()
def rename_track(track_id: str) -> dict[str, Any]:
    track = service.get_owned_track(track_id, get_jwt_identity())
    return {"track": track_to_dict(service.rename(track, parse_body(TrackPatch)), detail=True)}


@bp.delete(TRACK)
@jwt_required()
def delete_track(track_id: str) -> Response:
    service.delete(service.get_owned_track(track_id, get_jwt_identity()))
    return Response(status=204)


@bp.get(f"{TRACK}/peaks")
@jwt_required()
def track_peaks(track_id: str) -> dict[str, Any]:
    track = service.get_owned_track(track_id, get_jwt_identity())
    return {"track_id": track.id, "duration_s": track.duration_s, **service.waveform(track)}


@bp.get(f"{TRACK}/audio")
def track_audio(track_id: str) -> Response:
    """The original file, with HTTP Range; Bearer token or the signed `audio_url`."""
    token = request.args.get("token")
    if token:
        user_id = file_user(token, scope="track-audio", object_id=track_id)
    else:
        verify_jwt_in_request(locations=["headers"])
        user_id = get_jwt_identity()
    track = service.get_owned_track(track_id, user_id)
    if not track.media_file:
        raise NotFound("This track has no stored audio.", code="TRACK_NO_AUDIO")
    extension = track.media_file.rsplit(".", 1)[-1]
    return get_storage().send(
        track.media_file,
        mimetype=AUDIO_MIMETYPES.get(extension, "application/octet-stream"),
        # Cleaned again here: names stored before uploads were cleaned may hold CR/LF.
        download_name=strip_unsafe(track.original_filename or "") or f"{track.id}.{extension}",
    )
