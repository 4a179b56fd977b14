"""The run snapshot: one shape for REST, SSE events and the event log."""

from __future__ import annotations

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


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES
