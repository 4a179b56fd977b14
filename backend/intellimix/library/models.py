"""A person's track library."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intellimix.db_types import JSONType, UTCDateTime, new_id, utcnow
from intellimix.extensions import Base

TRACK_SOURCES = ("upload", "generated", "demo", "url")
TRACK_STATUSES = ("pending", "analyzing", "ready", "failed")


class Track(Base):
    __tablename__ = "tracks"
    # One track per song link and person: importing it again finds this one.
    __table_args__ = (
        UniqueConstraint("user_id", "source_url", name="uq_tracks_user_source_url"),
        # An upload is looked up by its content within the person's library (duplicates).
        Index("ix_tracks_user_content_sha256", "user_id", "content_sha256"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    artist: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(16), default="upload")
    source_url: Mapped[str | None] = mapped_column(String(2000))  # canonical, for `url` tracks
    original_filename: Mapped[str | None] = mapped_column(String(500))
    genre: Mapped[str | None] = mapped_column(String(100))
    media_file: Mapped[str | None] = mapped_column(String(500))
    # SHA-256 of the stored file's bytes: the same file uploaded again is found by it.
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    duration_s: Mapped[float | None] = mapped_column(Float)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
