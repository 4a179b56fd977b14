"""GET /metrics (Prometheus text format) and the HTTP latency every request records.

Protected either by `METRICS_TOKEN` (then `Authorization: Bearer <token>` is required) or,
when no token is set, by address: only loopback clients get an answer. Anyone else gets 404,
as if the route did not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST

from intellimix.errors import NotFound
from intellimix.metrics import HTTP_LATENCY, exposition

bp = Blueprint("metrics", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_observe)


@bp.get("/metrics")
def metrics() -> Response:
    if not _allowed():
        raise NotFound()
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent.encode(), token.encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None and request.endpoint != "metrics.metrics":
        # The route pattern, not the path: ids would make a series per object.
        route = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_LATENCY.labels(request.method, route, str(response.status_code)).observe(
            time.perf_counter() - started
        )
    return response
