"""Feedback reports: what the rule engine said about one of a person's tracks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from intellimix.db_types import JSONType, UTCDateTime, new_id, utcnow
from intellimix.extensions import Base

FEEDBACK_TYPES = ("mix", "master")
DETAILS = ("brief", "detailed")


class FeedbackReport(Base):
    """One report, immutable once stored; a "fix it" master gets its own report (`parent_id`)."""

    __tablename__ = "feedback_reports"
    __table_args__ = (
        Index("ix_feedback_reports_user_created", "user_id", "created_at"),
        Index("ix_feedback_reports_track", "track_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    track_id: Mapped[str] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    reference_track_id: Mapped[str | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL")
    )
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id", ondelete="SET NULL"))
    # The report a corrected master was made from, and the Job holding that master's files.
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("feedback_reports.id", ondelete="SET NULL")
    )
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(16))
    genre: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(16))
    report: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
