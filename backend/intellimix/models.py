"""Imports every model so Alembic and the app see the whole schema."""

from intellimix.auth.models import RefreshToken, RevokedAccessToken, TokenFamily, User
from intellimix.chats.models import (
    ChatMessage,
    ChatThread,
    IdempotencyKey,
    MixVersion,
    PlanDraft,
    UserMemory,
)
from intellimix.feedback.models import FeedbackReport
from intellimix.history.models import Job
from intellimix.library.models import Track
from intellimix.runs.models import Run, RunEvent, WorkerHeartbeat

__all__ = [
    "ChatMessage",
    "ChatThread",
    "FeedbackReport",
    "IdempotencyKey",
    "Job",
    "MixVersion",
    "PlanDraft",
    "RefreshToken",
    "RevokedAccessToken",
    "Run",
    "RunEvent",
    "TokenFamily",
    "Track",
    "User",
    "UserMemory",
    "WorkerHeartbeat",
]
