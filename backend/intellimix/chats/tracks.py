"""A person's analysed tracks as the planner sees them (`LibraryTrack`, from Track.analysis)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from intellimix.extensions import db
from intellimix.library.models import Track
from intellimix.planner.intent import GENRES
from intellimix.planner.turns import LibrarySection, LibraryTrack


def planner_library(user_id: str) -> dict[str, LibraryTrack]:
    """The person's ready tracks by id, oldest first (the order suggestions break ties in)."""
    tracks = db.session.scalars(
        select(Track)
        .where(Track.user_id == user_id, Track.status == "ready")
        .order_by(Track.created_at, Track.id)
    )
    return {track.id: library_track(track) for track in tracks}


def library_track(track: Track) -> LibraryTrack:
    """What the analysis says about one track; missing or odd fields are left out, not fatal."""
    analysis: Mapping[str, Any] = track.analysis or {}
    curve = [v for v in analysis.get("energy_curve") or [] if _is_number(v)]
    return LibraryTrack(
        id=track.id,
        title=track.title,
        artist=track.artist,
        duration_s=float(track.duration_s or analysis.get("duration_s") or 0.0),
        bpm=_positive(analysis.get("bpm")),
        meter=analysis.get("meter") if isinstance(analysis.get("meter"), str) else None,
        key=analysis.get("key") if isinstance(analysis.get("key"), str) else None,
        genre=_genre_of(track, analysis),
        source=track.source,
        added_at=track.created_at,
        energy=round(statistics.fmean(curve), 3) if curve else None,
        lufs_integrated=_finite(analysis.get("lufs_integrated")),
        true_peak_db=_finite(analysis.get("true_peak_db")),
        sections=[
            LibrarySection(
                label=str(s.get("label") or "section"),
                start_s=float(s["start_s"]),
                end_s=float(s["end_s"]),
                energy=float(s["energy"]) if _is_number(s.get("energy")) else None,
            )
            for s in analysis.get("sections") or []
            if isinstance(s, Mapping) and all(_is_number(s.get(k)) for k in ("start_s", "end_s"))
        ],
        downbeats=[float(t) for t in analysis.get("downbeats") or [] if _is_number(t)],
        phrase_starts=[
            float(p["start_s"])
            for p in analysis.get("phrases") or []
            if isinstance(p, Mapping) and _is_number(p.get("start_s"))
        ],
    )


def _genre_of(track: Track, analysis: Mapping[str, Any]) -> str | None:
    """The track's genre (tags, the person, or what we composed), else the analysis's, else (for
    tracks we composed before genres were stored) the genre their title names."""
    if track.genre:
        return track.genre.lower()
    if isinstance(analysis.get("genre"), str):
        return str(analysis["genre"])
    if track.source not in ("generated", "demo"):
        return None
    title = track.title.lower()
    return next((p.label for p in GENRES.values() if p.label.lower() in title), None)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> float | None:
    return float(value) if _is_number(value) and math.isfinite(value) else None


def _positive(value: Any) -> float | None:
    return float(value) if _is_number(value) and value > 0 else None
