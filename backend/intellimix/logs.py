"""Structured logging: every line carries the request id or run id it was written under."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
run_id_var: ContextVar[str | None] = ContextVar("run_id", default=None)

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s run=%(run_id)s] %(message)s"


_base_record_factory = logging.getLogRecordFactory()


def _record_with_context(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Stamp the current request and run ids on each record when it is created."""
    record = _base_record_factory(*args, **kwargs)
    record.request_id = request_id_var.get() or "-"
    record.run_id = run_id_var.get() or "-"
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "run_id": getattr(record, "run_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """Control characters as visible escapes, so no logged value can start a forged line."""
    return _UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class TextFormatter(logging.Formatter):
    """The text format with the message's control characters escaped (tracebacks stay as
    they are: they come from the code, not from a client)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = escape_controls(record.message)
        return super().formatMessage(record)


def configure_logging(*, level: str, fmt: str) -> None:
    """Install one stderr handler on the root logger (idempotent across app instances)."""
    logging.setLogRecordFactory(_record_with_context)
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_intellimix", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._intellimix = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(_TEXT_FORMAT))
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


@contextmanager
def run_logging(run_id: str) -> Iterator[None]:
    """Log lines written inside carry `run_id`."""
    token = run_id_var.set(run_id)
    try:
        yield
    finally:
        run_id_var.reset(token)
