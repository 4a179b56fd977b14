"""Tracks as the API shows them, with a fresh signed audio URL each time."""

from __future__ import annotations

from typing import Any

from flask import url_for

from intellimix.db_types import isoformat
from intellimix.library.models import Track
from intellimix.web.file_tokens import sign_file

# What a list row shows of the analysis; detail shows all of it but the waveform peaks,
# which have their own endpoint.
WAVEFORM_FIELDS = frozenset({"peaks", "band_peaks"})
SUMMARY_FIELDS = (
    "bpm",
    "bpm_confidence",
    "key",
    "key_confidence",
    "camelot",
    "meter",
    "lufs_integrated",
    "true_peak_db",
    "loudness_range_lu",
)


# Under this confidence a tempo or key reading is shown as uncertain (views and plan scores
# say so instead of stating it as fact).
UNCERTAIN_BELOW = 0.5


def uncertainty(analysis: dict[str, Any]) -> dict[str, bool]:
    """Which readings of an analysis are uncertain: a tempo or key under UNCERTAIN_BELOW."""
    return {
        name: analysis.get(value) is None
        or float(analysis.get(confidence) or 0.0) < UNCERTAIN_BELOW
        for name, value, confidence in (
            ("tempo", "bpm", "bpm_confidence"),
            ("key", "key", "key_confidence"),
        )
    }


def track_to_dict(track: Track, *, detail: bool = False) -> dict[str, Any]:
    analysis = track.analysis or {}
    shown = (
        {k: v for k, v in analysis.items() if k not in WAVEFORM_FIELDS}
        if detail
        else {k: analysis[k] for k in SUMMARY_FIELDS if k in analysis}
    )
    if shown:
        shown["uncertain"] = uncertainty(analysis)
    token = sign_file(user_id=track.user_id, scope="track-audio", object_id=track.id)
    return {
        "id": track.id,
        "title": track.title,
        "artist": track.artist,
        "source": track.source,
        "source_url": track.source_url,
        "original_filename": track.original_filename,
        "genre": track.genre,
        "duration_s": track.duration_s,
        "sample_rate": track.sample_rate,
        "channels": track.channels,
        "status": track.status,
        "analysis": shown or None,
        "audio_url": url_for("api.library.track_audio", track_id=track.id, token=token),
        "created_at": isoformat(track.created_at),
        "updated_at": isoformat(track.updated_at),
    }
