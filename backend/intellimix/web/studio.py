"""The built web app at `/`: hashed assets cached forever, client routes answered by index.html."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.routing import PathConverter

ASSET_MAX_AGE = 31536000  # one year: Vite puts a content hash in every file name under assets/
NOT_BUILT = (
    "The IntelliMix web app is not built.\n"
    "Run `make run`, or `cd frontend && npm ci && npm run build`, then reload this page.\n"
    "The API is available under /api/v1.\n"
)

# Every response (pages, API JSON, files); the app loads nothing from other origins.
SECURITY_HEADERS = {
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class ClientPathConverter(PathConverter):
    """A path outside `/api` and `/assets`: those keep their own 404s (and the API its 405s)."""

    regex = r"(?!(?:api|assets)(?:/|$))[^/].*?"


bp = Blueprint("webapp", __name__)


def init_app(app: Flask) -> None:
    app.url_map.converters["client_path"] = ClientPathConverter
    app.register_blueprint(bp)
    app.after_request(add_security_headers)


HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["ENV_NAME"] == "production":
        # Browsers then refuse plain HTTP to this host for a year (TLS ends at the proxy).
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _dist() -> Path:
    return Path(current_app.config["WEB_DIST_DIR"])


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """A hashed build file; a missing one is a plain 404, never index.html."""
    response = send_from_directory(_dist() / "assets", filename, max_age=ASSET_MAX_AGE)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.get("/", defaults={"path": ""})
@bp.get("/<client_path:path>")
def page(path: str) -> Response:
    """A top-level build file (favicon, robots.txt), else index.html for the client router."""
    if path:
        try:
            return _revalidated(send_from_directory(_dist(), path))
        except NotFound:
            pass  # a client route such as /studio/threads/<id>
    try:
        return _revalidated(send_from_directory(_dist(), "index.html"))
    except NotFound:
        return Response(NOT_BUILT, status=503, mimetype="text/plain")


def _revalidated(response: Response) -> Response:
    """Unhashed files are checked on every load, so a new build shows up at once."""
    response.cache_control.no_cache = True
    response.cache_control.max_age = None
    return response
