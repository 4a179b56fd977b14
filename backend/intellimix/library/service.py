"""The track library: uploads (validated by decoding), search, rename, delete."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from werkzeug.datastructures import FileStorage

from intellimix.audio import io
from intellimix.audio.errors import AudioError
from intellimix.errors import ApiError, NotFound, ValidationFailed
from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.library.schemas import TrackPatch
from intellimix.library.tags import read_title_artist
from intellimix.runs import service as runs
from intellimix.runs.models import Run
from intellimix.storage import get_storage

log = logging.getLogger(__name__)
MAX_FILENAME_CHARS = 500


def upload(user_id: str, file: FileStorage | None) -> tuple[Track, Run]:
    """Stream the upload to storage, check it decodes within limits, start its analysis."""
    if file is None or not file.filename:
        raise ValidationFailed(
            "Send the audio as a multipart form field named `file`.",
            details={"fields": [{"field": "file", "message": "required", "type": "missing"}]},
        )
    storage = get_storage()
    scratch = storage.scratch_path()
    try:
        if storage.save_stream(file.stream, scratch) == 0:
            raise ApiError("The uploaded file is empty.", code="EMPTY_FILE", status=415)
        info = io.probe(scratch, max_seconds=current_app.config["MAX_TRACK_SECONDS"])
        title, artist = read_title_artist(scratch, fallback_name=file.filename)
        track = Track(
            user_id=user_id,
            title=title,
            artist=artist,
            source="upload",
            original_filename=file.filename[:MAX_FILENAME_CHARS],
            duration_s=info.duration_s or None,
            sample_rate=info.sample_rate,
            channels=info.channels,
            status="pending",
        )
        db.session.add(track)
        db.session.flush()
        track.media_file = f"tracks/{track.id}/original.{info.extension}"
        storage.move_into(scratch, track.media_file)
        db.session.commit()
    except AudioError as exc:
        raise ApiError(exc.message, code=exc.code, status=exc.status) from exc
    finally:
        scratch.unlink(missing_ok=True)
    run = runs.create_run(user_id=user_id, kind="analyze_track", input={"track_id": track.id})
    return track, run


def get_owned_track(track_id: str, user_id: str) -> Track:
    track = db.session.scalar(select(Track).where(Track.id == track_id, Track.user_id == user_id))
    if track is None:
        raise NotFound("No such track.", code="TRACK_NOT_FOUND")
    return track


def search(user_id: str, query: str, *, page: int, limit: int) -> tuple[list[Track], int]:
    statement = select(Track).where(Track.user_id == user_id)
    if query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(func.lower(Track.title).like(pattern), func.lower(Track.artist).like(pattern))
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    tracks = db.session.scalars(
        statement.order_by(Track.created_at.desc(), Track.id)
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    return list(tracks), total


def rename(track: Track, patch: TrackPatch) -> Track:
    if patch.title is not None:
        track.title = patch.title
    if "artist" in patch.model_fields_set:
        track.artist = patch.artist or None
    db.session.commit()
    return track


def delete(track: Track) -> None:
    """Delete the row and its files; a running analysis finds the track gone and stops."""
    folder = str(Path(track.media_file).parent) if track.media_file else None
    db.session.delete(track)
    db.session.commit()
    if folder:
        get_storage().delete_tree(folder)


def peaks(track: Track) -> list[list[float]]:
    analysis = track.analysis or {}
    if track.status != "ready" or "peaks" not in analysis:
        raise ApiError(
            f"The track is {track.status}; its waveform is ready once analysis finishes.",
            code="TRACK_NOT_READY",
            status=409,
        )
    return list(analysis["peaks"])
