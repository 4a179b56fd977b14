"""The track library: uploads (validated by decoding), app-made tracks, analysis, search, delete."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import FileStorage

from intellimix.audio import io
from intellimix.audio.errors import AudioError
from intellimix.audio.progress import Progress
from intellimix.auth.models import User
from intellimix.db_types import new_id
from intellimix.errors import ApiError, NotFound, ValidationFailed
from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.library.schemas import TrackFilters, TrackPatch
from intellimix.library.tags import read_tags
from intellimix.planner.arrange import camelot_neighbours
from intellimix.runs import fair_use
from intellimix.runs import service as runs
from intellimix.runs.errors import LeaseLost, RunFailure, ShutdownRequested
from intellimix.runs.models import Run
from intellimix.safe_text import strip_unsafe
from intellimix.sources.errors import SourceError
from intellimix.storage import get_storage

log = logging.getLogger(__name__)
MAX_FILENAME_CHARS = 500


@dataclass(frozen=True)
class NewTrack:
    """A track the app adds to a library itself (generated or demo)."""

    title: str
    artist: str | None
    original_filename: str
    genre: str | None = None


@dataclass(frozen=True)
class Uploaded:
    """An upload's answer: the new track and its analysis run, or the same file already there."""

    track: Track
    run: Run | None

    @property
    def duplicate(self) -> bool:
        return self.run is None


def upload(user_id: str, file: FileStorage | None, *, keep_duplicate: bool = False) -> Uploaded:
    """Stream the upload to storage, check it decodes within limits, start its analysis.

    A file the person's library already holds (same bytes, not failed) is not stored again:
    the answer is that track, unless `keep_duplicate` asks for a second copy.
    """
    if file is None or not file.filename:
        raise ValidationFailed(
            "Send the audio as a multipart form field named `file`.",
            details={"fields": [{"field": "file", "message": "required", "type": "missing"}]},
        )
    fair_use.ensure_allowed(user_id, "analyze_track")  # before the file is stored
    storage = get_storage()
    scratch = storage.scratch_path()
    # The name is shown and sent back as a download name: no CR/LF, NUL or bidi overrides.
    filename = strip_unsafe(file.filename).strip()[:MAX_FILENAME_CHARS] or "upload"
    try:
        if storage.save_stream(file.stream, scratch) == 0:
            raise ApiError("The uploaded file is empty.", code="EMPTY_FILE", status=415)
        digest = file_sha256(scratch)
        existing = None if keep_duplicate else find_duplicate(user_id, digest)
        if existing is not None:
            return Uploaded(existing, None)
        tags = read_tags(scratch, fallback_name=filename)
        track = Track(
            id=new_id(),
            user_id=user_id,
            title=tags.title,
            artist=tags.artist,
            genre=tags.genre,
            source="upload",
            original_filename=filename,
            status="pending",
        )
        # Probed before the row is written: the probe takes seconds, and on SQLite a pending
        # write would hold the database's one write lock all that time (other writers time out).
        store_media(
            track, scratch, max_seconds=current_app.config["MAX_TRACK_SECONDS"], sha256=digest
        )
        db.session.add(track)
        db.session.commit()
    except AudioError as exc:
        db.session.rollback()
        raise ApiError(exc.message, code=exc.code, status=exc.status) from exc
    finally:
        scratch.unlink(missing_ok=True)
    run = runs.create_run(user_id=user_id, kind="analyze_track", input={"track_id": track.id})
    return Uploaded(track, run)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def find_duplicate(user_id: str, sha256: str) -> Track | None:
    """The person's oldest track stored from the same bytes; a failed one is worth replacing."""
    return db.session.scalar(
        select(Track)
        .where(
            Track.user_id == user_id,
            Track.content_sha256 == sha256,
            Track.status != "failed",
        )
        .order_by(Track.created_at, Track.id)
        .limit(1)
    )


def store_media(
    track: Track, source: Path, *, max_seconds: float | None = None, sha256: str | None = None
) -> None:
    """Probe `source` (within `max_seconds`), move it into the track's folder, record its format
    and content hash (`sha256` when the caller has it already)."""
    info = io.probe(
        source, max_seconds=max_seconds, max_samples=current_app.config["MAX_DECODED_SAMPLES"]
    )
    track.content_sha256 = sha256 or file_sha256(source)
    track.media_file = f"tracks/{track.id}/original.{info.extension}"
    track.duration_s = info.duration_s or None
    track.sample_rate = info.sample_rate
    track.channels = info.channels
    get_storage().move_into(source, track.media_file)


def add_track(user_id: str, audio: Path, *, source: str, new: NewTrack) -> Track:
    """A track of the app's own making (e.g. generated), its audio moved in from `audio`."""
    track = _made_track(user_id, source, new)
    store_media(track, audio)  # before the row is written, as for uploads
    db.session.add(track)
    db.session.commit()
    return track


def ensure_tracks(
    user_id: str, *, source: str, wanted: Sequence[NewTrack]
) -> tuple[list[Track], list[Track]]:
    """The person's `source` tracks named as `wanted`, missing ones added: (all, added)."""
    # Holding the person's row makes two concurrent calls add each track once (PostgreSQL;
    # SQLite ignores FOR UPDATE and relies on its single writer).
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    names = [new.original_filename for new in wanted]
    present = {
        track.original_filename: track
        for track in db.session.scalars(
            select(Track)
            .where(
                Track.user_id == user_id,
                Track.source == source,
                Track.original_filename.in_(names),
            )
            .order_by(Track.created_at)
        )
    }
    added = [
        _made_track(user_id, source, new) for new in wanted if new.original_filename not in present
    ]
    db.session.add_all(added)
    db.session.commit()
    by_name = {**present, **{track.original_filename: track for track in added}}
    return [by_name[name] for name in names], added


def _made_track(user_id: str, source: str, new: NewTrack) -> Track:
    return Track(
        id=new_id(),  # known before the row is written: its media folder is named by it
        user_id=user_id,
        title=new.title,
        artist=new.artist,
        genre=new.genre,
        source=source,
        original_filename=new.original_filename,
        status="pending",
    )


@contextmanager
def analysing(track_id: str, user_id: str, *, status: str = "analyzing") -> Iterator[Track]:
    """The track of an analysis (or import) run, marked `status` for the block's work.

    An audio or source problem fails the run and leaves the track `failed`; so does any crash
    or a cancel. An interrupted run (lease lost, shutdown) leaves it `pending` for the next
    attempt.
    """
    track = _run_track(track_id, user_id)
    track.status = status
    db.session.commit()
    try:
        yield track
    except AudioError as exc:
        _set_status(track_id, "failed")
        raise RunFailure(exc.code, exc.message) from exc
    except SourceError as exc:
        _set_status(track_id, "failed")
        raise RunFailure(exc.code, exc.message, retryable=exc.retryable) from exc
    except (LeaseLost, ShutdownRequested):
        _set_status(track_id, "pending")
        raise
    except BaseException:
        _set_status(track_id, "failed")
        raise


def analyze(
    track: Track, *, progress: Progress, arrangement: Mapping[str, Any] | None = None
) -> Track:
    """Analyse the track's stored audio and keep the result on it (inside `analysing`).

    A track the generator made comes with its `arrangement` (the GenerationSpec): its sections
    are then the ones it was composed with, not estimates.
    """
    from intellimix.audio.analysis import analyze_file

    # The duration limit guards what people bring; the app's own audio is bounded by what it
    # makes.
    brought = track.source in ("upload", "url")
    limit = current_app.config["MAX_TRACK_SECONDS"] if brought else None
    track_id, user_id = track.id, track.user_id
    analysis = analyze_file(
        get_storage().path(track.media_file or ""),
        max_seconds=limit,
        max_samples=current_app.config["MAX_DECODED_SAMPLES"],
        progress=progress,
    )
    if arrangement is not None:
        from intellimix.audio.generate import arranged_sections

        analysis["sections"] = arranged_sections(
            arrangement, energy_curve=analysis["energy_curve"], duration_s=analysis["duration_s"]
        )
    track = _run_track(track_id, user_id)  # it may have been deleted meanwhile
    track.analysis = analysis
    track.duration_s = analysis["duration_s"]
    track.status = "ready"
    db.session.commit()
    return track


def _run_track(track_id: str, user_id: str) -> Track:
    track = db.session.get(Track, track_id, populate_existing=True)
    if track is None or track.user_id != user_id:
        raise RunFailure("TRACK_NOT_FOUND", "The track was deleted before its analysis finished.")
    return track


def mark_unfinished_analysis_failed(track_id: str, user_id: str) -> None:
    """Inside the transaction that stops an analysis run: its track cannot become ready now."""
    db.session.execute(
        update(Track)
        .execution_options(synchronize_session=False)
        .where(
            Track.id == track_id,
            Track.user_id == user_id,
            Track.status.in_(("pending", "analyzing")),
        )
        .values(status="failed")
    )


def _set_status(track_id: str, status: str) -> None:
    db.session.rollback()
    track = db.session.get(Track, track_id)
    if track is not None:
        track.status = status
        db.session.commit()


def get_owned_track(track_id: str, user_id: str) -> Track:
    track = db.session.scalar(select(Track).where(Track.id == track_id, Track.user_id == user_id))
    if track is None:
        raise NotFound("No such track.", code="TRACK_NOT_FOUND")
    return track


# The Camelot wheel in order (1A, 1B, 2A … 12B): sorting by key walks around it.
CAMELOT_CODES = tuple(f"{number}{letter}" for number in range(1, 13) for letter in "AB")
_STATUS_ORDER = {"pending": 0, "analyzing": 1, "ready": 2, "failed": 3}


def search(
    user_id: str, filters: TrackFilters, *, page: int, limit: int
) -> tuple[list[Track], int]:
    """One page of the person's tracks, filtered and ordered as asked."""
    statement = select(Track).where(Track.user_id == user_id)
    query = filters.q.strip().lower()
    if query:
        pattern = f"%{query}%"
        statement = statement.where(
            or_(func.lower(Track.title).like(pattern), func.lower(Track.artist).like(pattern))
        )
    bpm = Track.analysis["bpm"].as_float()
    if filters.bpm_min is not None:
        statement = statement.where(bpm >= filters.bpm_min)
    if filters.bpm_max is not None:
        statement = statement.where(bpm <= filters.bpm_max)
    if filters.compatible_with is not None:
        reference = get_owned_track(filters.compatible_with, user_id)
        statement = statement.where(
            Track.analysis["camelot"].as_string().in_(compatible_codes(reference))
        )
    if filters.genre:
        statement = statement.where(func.lower(Track.genre) == filters.genre.lower())
    if filters.status:
        statement = statement.where(Track.status == filters.status)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    column = _sort_column(filters.sort)
    ordered = column.desc() if filters.descending else column.asc()
    tracks = db.session.scalars(
        # Unknown values (no tempo or key yet) go last whichever way the column is sorted.
        statement.order_by(ordered.nulls_last(), Track.created_at.desc(), Track.id)
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    return list(tracks), total


def compatible_codes(reference: Track) -> list[str]:
    """The Camelot codes that mix with the reference track's key (its own included)."""
    camelot = (reference.analysis or {}).get("camelot")
    if reference.status != "ready" or not isinstance(camelot, str):
        raise ApiError(
            "That track has no key yet: its analysis has not finished or found none.",
            code="TRACK_KEY_UNKNOWN",
            status=409,
        )
    return [code for code in CAMELOT_CODES if camelot_neighbours(camelot, code)]


def _sort_column(sort: str) -> ColumnElement[Any] | InstrumentedAttribute[Any]:
    if sort == "title":
        return func.lower(Track.title)
    if sort == "artist":
        return func.lower(Track.artist)
    if sort == "bpm":
        return Track.analysis["bpm"].as_float()
    if sort == "key":
        wheel = {code: index for index, code in enumerate(CAMELOT_CODES)}
        return case(wheel, value=Track.analysis["camelot"].as_string(), else_=None)
    if sort == "duration":
        return Track.duration_s
    if sort == "status":
        return case(_STATUS_ORDER, value=Track.status, else_=len(_STATUS_ORDER))
    return Track.created_at


def genres(user_id: str) -> list[tuple[str, int]]:
    """The genres of the person's tracks with how many each, most common first."""
    rows = db.session.execute(
        select(Track.genre, func.count())
        .where(Track.user_id == user_id, Track.genre.is_not(None), Track.genre != "")
        .group_by(Track.genre)
        .order_by(func.count().desc(), Track.genre)
    )
    return [(str(genre), int(count)) for genre, count in rows]


def rename(track: Track, patch: TrackPatch) -> Track:
    if patch.title is not None:
        track.title = patch.title
    if "artist" in patch.model_fields_set:
        track.artist = patch.artist or None
    if "genre" in patch.model_fields_set:
        track.genre = patch.genre or None
    db.session.commit()
    return track


def delete(track: Track) -> None:
    """Delete the row and its files; a running analysis finds the track gone and stops."""
    folder = str(Path(track.media_file).parent) if track.media_file else None
    db.session.delete(track)
    db.session.commit()
    if folder:
        get_storage().delete_tree(folder)


def waveform(track: Track) -> dict[str, Any]:
    """The track's waveform: [min, max] peaks and the three-band peaks a DJ view colours by.

    Tracks analysed before the analysis kept band peaks get them here, once: measured from the
    stored audio and kept with the analysis.
    """
    analysis = track.analysis or {}
    if track.status != "ready" or "peaks" not in analysis:
        raise ApiError(
            f"The track is {track.status}; its waveform is ready once analysis finishes.",
            code="TRACK_NOT_READY",
            status=409,
        )
    bands = analysis.get("band_peaks")
    if bands is None and track.media_file:
        from intellimix.audio.analysis import waveform_bands

        bands = waveform_bands(
            get_storage().path(track.media_file),
            max_samples=current_app.config["MAX_DECODED_SAMPLES"],
        )
        track.analysis = {**analysis, "band_peaks": bands}  # a new dict: the JSON column sees it
        db.session.commit()
    return {"peaks": list(analysis["peaks"]), "bands": bands}
