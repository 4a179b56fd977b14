"""The run snapshot: one shape for REST, SSE events and the event log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intellimix.db_types import isoformat
from intellimix.runs.models import TERMINAL_STATUSES, Run


def run_snapshot(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "thread_id": run.thread_id,
        "user_message_id": run.user_message_id,
        "assistant_message_id": run.assistant_message_id,
        "progress_stage": run.stage,
        "progress_percent": run.progress,
        "progress_label": run.label,
        "progress_detail": run.detail,
        "attempts": run.attempts,
        "cancel_requested": run.cancel_requested,
        "error": run.error,
        "result": run.result,
        "created_at": isoformat(run.created_at),
        "started_at": isoformat(run.started_at),
        "completed_at": isoformat(run.finished_at),
        "updated_at": isoformat(run.updated_at),
    }


# What other packages add to `GET /mix-chat-runs/<id>`, by key: a run knows nothing of what it
# belongs to, so e.g. chats registers the assistant message a run answers with (`runs` never
# imports `chats`; the dependency points the other way).
RunDetailPart = Callable[[Run], Any]
_detail_parts: dict[str, RunDetailPart] = {}


def register_run_detail(key: str, part: RunDetailPart) -> None:
    _detail_parts[key] = part


def run_detail(run: Run) -> dict[str, Any]:
    """The snapshot plus every registered part."""
    return run_snapshot(run) | {key: part(run) for key, part in _detail_parts.items()}


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES
