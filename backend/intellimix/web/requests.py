"""Per-request plumbing: request ids, body size limits, one access-log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from intellimix.errors import PayloadTooLarge
from intellimix.logs import configure_logging, request_id_var
from intellimix.web.http import has_control_characters, invalid_characters

log = logging.getLogger("intellimix.access")
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def configure(app: Flask) -> None:
    config = app.config
    configure_logging(level=config["LOG_LEVEL"], fmt=config["LOG_FORMAT"])
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_MB"] * 1024 * 1024
    if config["TRUSTED_PROXY_COUNT"]:
        hops = config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_clear)


def _start() -> None:
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _CLIENT_REQUEST_ID.match(offered) else uuid.uuid4().hex
    g.request_token = request_id_var.set(g.request_id)
    g.request_started = time.perf_counter()
    _enforce_body_limit()
    _refuse_control_characters()


def _enforce_body_limit() -> None:
    """Only uploads may be large; JSON and everything else has a small ceiling.

    The ceiling holds for the bytes actually read, not only a declared Content-Length: a
    chunked body stops being read at the limit (werkzeug raises 413 from the stream).
    """
    from flask import current_app

    length = request.content_length or 0
    if request.mimetype == "multipart/form-data":
        return  # werkzeug enforces MAX_CONTENT_LENGTH while streaming the form
    limit = current_app.config["MAX_JSON_BODY_KB"] * 1024
    request.max_content_length = limit
    if length > limit:
        raise PayloadTooLarge(
            f"The body is larger than {current_app.config['MAX_JSON_BODY_KB']} KB.",
            details={"limit_bytes": limit},
        )


def _refuse_control_characters() -> None:
    """NUL and other control characters in the path (ids) or the query → 422, before any
    route could hand them to the database (PostgreSQL refuses NUL in text)."""
    if has_control_characters(request.path):
        raise invalid_characters("path")
    for name, value in request.args.items(multi=True):
        if has_control_characters(name) or has_control_characters(value):
            raise invalid_characters(name if not has_control_characters(name) else "query")


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
        elapsed_ms = (time.perf_counter() - g.request_started) * 1000
        log.info(
            "%s %s %s %.1fms",
            request.method,
            request.path,
            response.status_code,
            elapsed_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 1),
            },
        )
    return response


def _clear(_exc: BaseException | None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id_var.reset(token)
