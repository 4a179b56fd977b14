"""Source failures with stable codes, shown to a person as they are (no upstream text)."""

from __future__ import annotations


class SourceError(Exception):
    """A link or search that cannot be served; `code` is stable, `message` safe to show."""

    code = "SOURCE_ERROR"
    status = 422
    retryable = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code


class InvalidSourceUrl(SourceError):
    code, status = "SOURCE_URL_INVALID", 422


class SourceRefused(SourceError):
    """The link points somewhere we never fetch from (private network, other scheme)."""

    code, status = "SOURCE_REFUSED", 422


class SourceNotFound(SourceError):
    code, status = "SOURCE_NOT_FOUND", 422


class SourceHttpError(SourceError):
    code, status = "SOURCE_HTTP_ERROR", 502
    retryable = True


class SourceUnreachable(SourceError):
    code, status = "SOURCE_UNREACHABLE", 502
    retryable = True


class SourceTimeout(SourceError):
    code, status = "SOURCE_TIMEOUT", 504
    retryable = True


class TooManyRedirects(SourceError):
    code, status = "SOURCE_TOO_MANY_REDIRECTS", 422


class SourceTooLarge(SourceError):
    code, status = "SOURCE_TOO_LARGE", 413


class SourceUnavailable(SourceError):
    """The video exists (or existed) but cannot be had: removed, private, age-restricted…"""

    code, status = "SOURCE_UNAVAILABLE", 422


class SearchUnavailable(SourceError):
    code, status = "SEARCH_UNAVAILABLE", 503
    retryable = True
