"""IntelliMix: a chat-native music mix studio."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intellimix.config import check_settings, load_config

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → error handlers."""
    # Imported here, not at the top: importing any part of the package (the framework-free
    # planner and audio engine included) must not load Flask.
    from flask import Flask

    settings = load_config()
    settings.update(config or {})
    check_settings(settings)
    # SQLite cannot create its file in a folder that does not exist yet.
    Path(settings["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=settings["INSTANCE_DIR"], static_folder=None)
    app.config.from_mapping(settings)
    # `//x` is not quietly rewritten to `/x`: a path that does not match answers 404, never 308.
    app.url_map.merge_slashes = False

    from intellimix.web import requests

    requests.configure(app)
    _init_extensions(app)
    _register_blueprints(app)

    from intellimix.web.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _init_extensions(app: Flask) -> None:
    from intellimix import models  # noqa: F401  (every table registered before Alembic looks)
    from intellimix.auth.jwt_callbacks import init_jwt
    from intellimix.extensions import cors, db, init_redis, limiter, migrate

    config = app.config
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config))
    config["JWT_TOKEN_LOCATION"] = ["headers"]  # the SSE route alone also reads ?token=
    config["JWT_QUERY_STRING_NAME"] = "token"
    # No cookies, so no CSRF claim: it is random per encoding, and a refresh token handed out
    # again inside the reuse grace window must encode to the very same string.
    config["JWT_COOKIE_CSRF_PROTECT"] = False
    config["RATELIMIT_HEADERS_ENABLED"] = True
    config.setdefault("RATELIMIT_KEY_PREFIX", "intellimix")
    # Redis down: count in this process (logged; health says `degraded`) rather than answer
    # 500 to every login. Flask-Limiter probes the storage again with a growing backoff.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("redis"):
        timeout = config["HEALTH_CHECK_TIMEOUT_SECONDS"]
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        )
    db.init_app(app)
    migrate.init_app(app, db, directory=config["MIGRATIONS_DIR"], compare_type=True)
    init_jwt(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": config["FRONTEND_ORIGINS"]}},
        expose_headers=["X-Request-ID", "Retry-After"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
    )
    limiter.init_app(app)
    init_redis(app)

    from intellimix.runs import init_runs
    from intellimix.storage import init_storage

    init_runs(app)
    init_storage(app)


def _engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    timeout = config["HEALTH_CHECK_TIMEOUT_SECONDS"]
    if config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return {"pool_pre_ping": True, "connect_args": {"connect_timeout": timeout}}
    return {}


def _register_blueprints(app: Flask) -> None:
    from flask import Blueprint

    from intellimix.auth.routes import bp as auth_bp
    from intellimix.chats.routes import bp as chats_bp
    from intellimix.feedback.routes import bp as feedback_bp
    from intellimix.generation.routes import bp as generation_bp
    from intellimix.history.routes import bp as history_bp
    from intellimix.library.routes import bp as library_bp
    from intellimix.library.sources_routes import bp as sources_bp
    from intellimix.runs.routes import bp as runs_bp
    from intellimix.tools.routes import bp as tools_bp
    from intellimix.web import health, metrics, openapi, studio

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    api.register_blueprint(health.bp)
    api.register_blueprint(openapi.bp)
    api.register_blueprint(auth_bp)
    api.register_blueprint(runs_bp)
    api.register_blueprint(library_bp)
    api.register_blueprint(sources_bp)
    api.register_blueprint(history_bp)
    api.register_blueprint(generation_bp)
    api.register_blueprint(chats_bp)
    api.register_blueprint(tools_bp)
    api.register_blueprint(feedback_bp)
    app.register_blueprint(api)
    metrics.init_app(app)  # /metrics, and the latency of every request
    studio.init_app(app)  # the built web app at `/`, and security headers on every response
