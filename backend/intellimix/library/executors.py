"""The `analyze_track` run: decode, analyse, store the result on the track."""

from __future__ import annotations

from typing import Any

from flask import current_app

from intellimix.audio.errors import AudioError
from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.runs.context import RunContext
from intellimix.runs.errors import LeaseLost, RunFailure, ShutdownRequested
from intellimix.runs.registry import executor, warm_up
from intellimix.storage import get_storage


@warm_up
def _warm_analysis() -> None:
    from intellimix.audio.analysis import warm_up as warm_audio

    warm_audio()


@executor("analyze_track", lane="heavy")
def analyze_track(context: RunContext) -> dict[str, Any]:
    from intellimix.audio.analysis import analyze_file

    track = _track(context)
    track.status = "analyzing"
    db.session.commit()
    path = get_storage().path(track.media_file or "")
    try:
        analysis = analyze_file(
            path,
            max_seconds=current_app.config["MAX_TRACK_SECONDS"],
            progress=lambda stage, percent, label: context.progress(stage, percent, label),
        )
    except AudioError as exc:
        _set_status(context, "failed")
        raise RunFailure(exc.code, exc.message) from exc
    except (LeaseLost, ShutdownRequested):
        _set_status(context, "pending")  # another attempt will analyse it
        raise
    except BaseException:
        _set_status(context, "failed")
        raise
    track = _track(context)
    track.analysis = analysis
    track.duration_s = analysis["duration_s"]
    track.status = "ready"
    db.session.commit()
    return {"track_id": track.id, "bpm": analysis["bpm"], "key": analysis["key"]}


def _track(context: RunContext) -> Track:
    track = db.session.get(Track, context.input.get("track_id"))
    if track is None or track.user_id != context.user_id:
        raise RunFailure("TRACK_NOT_FOUND", "The track was deleted before its analysis finished.")
    return track


def _set_status(context: RunContext, status: str) -> None:
    db.session.rollback()
    track = db.session.get(Track, context.input.get("track_id"))
    if track is not None:
        track.status = status
        db.session.commit()
