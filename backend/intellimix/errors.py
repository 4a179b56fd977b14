"""The ApiError hierarchy: failures with an HTTP status, a stable code and a safe message.

Services raise these; `intellimix.web.errors` turns them into the one JSON envelope."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error with an HTTP status, a stable code and a message safe to show a client."""

    status = 400
    code = "BAD_REQUEST"
    message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        self.headers = headers or {}  # e.g. Retry-After on a 429


class ValidationFailed(ApiError):
    status, code, message = 422, "VALIDATION_ERROR", "The request is not valid."


class Unauthorized(ApiError):
    status, code, message = 401, "AUTH_REQUIRED", "Authentication is required."


class Forbidden(ApiError):
    status, code, message = 403, "FORBIDDEN", "You may not do that."


class NotFound(ApiError):
    status, code, message = 404, "NOT_FOUND", "Not found."


class Conflict(ApiError):
    status, code, message = 409, "CONFLICT", "The request conflicts with the current state."


class PayloadTooLarge(ApiError):
    status, code, message = 413, "PAYLOAD_TOO_LARGE", "The request body is too large."


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported content type."
