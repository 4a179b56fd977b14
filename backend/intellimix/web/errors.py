"""The one JSON error envelope every failure answers with: `{"error": {code, message, details}}`."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from intellimix.errors import ApiError

log = logging.getLogger(__name__)


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> tuple[Response, int]:
    """The one envelope. `message` is repeated at the top level for the IntelliMix web client,
    which shows `payload.error` when it is a string and `payload.message` otherwise."""
    body = {
        "error": {"code": code, "message": message, "details": details or {}},
        "message": message,
    }
    return jsonify(body), status


# werkzeug's names, where the API documents a different code.
_CODE_FOR_STATUS = {413: "PAYLOAD_TOO_LARGE"}


def _http_code(exc: HTTPException) -> str:
    """`405 Method Not Allowed` → `METHOD_NOT_ALLOWED`."""
    if exc.code in _CODE_FOR_STATUS:
        return _CODE_FOR_STATUS[exc.code]
    name = exc.name or "Error"
    return "".join(ch if ch.isalnum() else "_" for ch in name.upper())


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError) -> tuple[Response, int]:
        response, status = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers.update(exc.headers)
        return response, status

    @app.errorhandler(RateLimitExceeded)
    def handle_rate_limited(exc: RateLimitExceeded) -> tuple[Response, int]:
        # Flask-Limiter's after-request hook adds Retry-After and the X-RateLimit headers.
        # `exc.limit` is Flask-Limiter's wrapper (its repr names functions); its `.limit` is the
        # rate itself, which reads "10 per 1 minute".
        rate = str(exc.limit.limit)
        return error_response(
            429,
            "RATE_LIMITED",
            f"Too many requests (at most {rate}); try again later.",
            {"limit": rate},
        )

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(exc: OperationalError) -> tuple[Response, int]:
        # The database did not answer (connect timeout, restart, overload): a temporary
        # condition the client may retry, not a bug. Measured under load by bench/load.py.
        log.warning("database unavailable: %s", exc.orig or exc)
        response, status = error_response(
            503, "DATABASE_UNAVAILABLE", "The database is not answering; try again shortly."
        )
        response.headers["Retry-After"] = "5"
        return response, status

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException) -> Response:
        response, status = error_response(
            exc.code or 500, _http_code(exc), exc.description or exc.name or "Error"
        )
        # Keep headers werkzeug computed (e.g. `Allow` on 405).
        for key, value in exc.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        response.status_code = status
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return error_response(
            500, "INTERNAL_ERROR", "Something went wrong on our side; it has been logged."
        )
