"""Chat threads, their messages, plan drafts, rendered versions, and remembered preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intellimix.db_types import JSONType, UTCDateTime, new_id, utcnow
from intellimix.extensions import Base

MESSAGE_ROLES = ("user", "assistant", "system")
MESSAGE_STATUSES = ("queued", "running", "completed", "failed")
DRAFT_STATUSES = (
    "collecting",
    "draft_ready",
    "approved",
    "superseded",
    "executed",
    "cancelled",
)


class ChatThread(Base):
    __tablename__ = "chat_threads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChatMessage(Base):
    """Immutable once final (status completed or failed)."""

    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_thread_created", "thread_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    thread_id: Mapped[str] = mapped_column(ForeignKey("chat_threads.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content_text: Mapped[str | None] = mapped_column(Text)
    content_json: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="completed")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanDraft(Base):
    __tablename__ = "plan_drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("chat_threads.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("plan_drafts.id", ondelete="SET NULL"))
    # Set on a draft that undo, redo or "go back to plan N" made: the draft whose plan it
    # restores exactly (never itself a restoring draft). See chats/navigation.py.
    restores_id: Mapped[str | None] = mapped_column(
        ForeignKey("plan_drafts.id", ondelete="SET NULL")
    )
    source_message_id: Mapped[str | None] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default="collecting")
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    questions: Mapped[list[Any] | None] = mapped_column(JSONType)
    answers: Mapped[list[Any] | None] = mapped_column(JSONType)
    notes: Mapped[list[Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MixVersion(Base):
    """Immutable: the plan exactly as rendered and what the render produced."""

    __tablename__ = "mix_versions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("chat_threads.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("mix_versions.id", ondelete="SET NULL")
    )
    draft_id: Mapped[str | None] = mapped_column(ForeignKey("plan_drafts.id", ondelete="SET NULL"))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    plan: Mapped[dict[str, Any]] = mapped_column(JSONType)
    outputs: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    qa: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyKey(Base):
    """A message post's `Idempotency-Key` (per user and thread): a repeat gets the first answer."""

    __tablename__ = "chat_idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "thread_id", "key", name="uq_chat_idempotency_keys_user_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[str] = mapped_column(ForeignKey("chat_threads.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the first body sent
    user_message_id: Mapped[str] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserMemory(Base):
    """Preferences learned from approved plans; the person can view, edit and delete them."""

    __tablename__ = "user_memories"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # What the person set themselves, not learned: `{"import_automatically": bool}`.
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
