"""Configuration, read from the environment once per app."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from dotenv import dotenv_values, find_dotenv

# Frames × channels one decode may hold: twenty minutes of 96 kHz stereo (≈0.9 GB as float32).
# The same number as `intellimix.audio.io`'s default, which the config must not import.
DEFAULT_MAX_DECODED_SAMPLES = 1200 * 96_000 * 2

ENVIRONMENTS = ("development", "production", "test")
SECRET_NAMES = ("FLASK_SECRET_KEY", "JWT_SECRET_KEY")
MIN_SECRET_LENGTH = 32
DEFAULT_INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_WEB_DIST_DIR = Path(__file__).resolve().parents[2] / "frontend" / "dist"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def read_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Process environment over `.env` (development convenience; real variables win).

    Test runs never read `.env`: a developer's settings must not leak into the suite.
    """
    if environ is not None:
        return dict(environ)
    if os.environ.get("INTELLIMIX_ENV") == "test":
        return dict(os.environ)
    dotenv_path = find_dotenv(usecwd=True)
    file_values = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}
    return {**file_values, **os.environ}


def instance_folder(env: Mapping[str, str]) -> Path:
    """Where this installation keeps its database, secrets, media and caches."""
    return Path(env.get("INSTANCE_DIR") or DEFAULT_INSTANCE_DIR).resolve()


def load_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from environment variables."""
    env = read_environment(environ)
    app_env = env.get("INTELLIMIX_ENV", "development")
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"INTELLIMIX_ENV must be one of {', '.join(ENVIRONMENTS)}")
    instance_dir = instance_folder(env)
    queue_url = env.get("MIX_CHAT_QUEUE_URL", "").strip()

    config: dict[str, Any] = {
        "ENV_NAME": app_env,
        "INSTANCE_DIR": str(instance_dir),
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance_dir),
        "STORAGE_DIR": str(Path(env.get("STORAGE_DIR") or instance_dir / "storage").resolve()),
        "DEMO_CACHE_DIR": str(
            Path(env.get("DEMO_CACHE_DIR") or instance_dir / "demo-cache").resolve()
        ),
        "MIGRATIONS_DIR": str(DEFAULT_MIGRATIONS_DIR),
        "WEB_DIST_DIR": str(Path(env.get("WEB_DIST_DIR") or DEFAULT_WEB_DIST_DIR).resolve()),
        "FRONTEND_ORIGINS": _csv(env.get("FRONTEND_ORIGIN", "http://localhost:5173")),
        "MIX_CHAT_QUEUE_URL": queue_url or None,
        "PLANNER_PROVIDER": env.get("PLANNER_PROVIDER", "local"),
        # Off: approved plans teach nothing, and planning uses no remembered preferences.
        "AI_USER_MEMORY_ENABLED": env.get("AI_USER_MEMORY_ENABLED", "true").lower()
        in ("1", "true", "yes"),
        "GEMINI_API_KEY": env.get("GEMINI_API_KEY") or None,
        "GEMINI_MODEL": env.get("GEMINI_MODEL") or "gemini-2.5-flash",
        "GEMINI_BASE_URL": env.get("GEMINI_BASE_URL") or None,
        "GEMINI_TIMEOUT_SECONDS": _number(env, "GEMINI_TIMEOUT_SECONDS", 20.0),
        "GEMINI_MAX_RETRIES": _number(env, "GEMINI_MAX_RETRIES", 2),
        "GEMINI_DEADLINE_SECONDS": _number(env, "GEMINI_DEADLINE_SECONDS", 45.0),
        "GEMINI_BACKOFF_SECONDS": _number(env, "GEMINI_BACKOFF_SECONDS", 1.0),
        "JWT_ACCESS_TOKEN_MINUTES": _number(env, "JWT_ACCESS_TOKEN_MINUTES", 15),
        "JWT_REFRESH_TOKEN_DAYS": _number(env, "JWT_REFRESH_TOKEN_DAYS", 30),
        # Off: a refresh answers a new access token and the same refresh token, for clients
        # (like the IntelliMix web client) that never store a rotated one.
        "JWT_REFRESH_ROTATION": env.get("JWT_REFRESH_ROTATION", "true").lower()
        in ("1", "true", "yes"),
        "JWT_REFRESH_REUSE_GRACE_SECONDS": _number(env, "JWT_REFRESH_REUSE_GRACE_SECONDS", 30.0),
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:1"),
        "AUTH_RATE_LIMIT_PER_ADDRESS": env.get("AUTH_RATE_LIMIT_PER_ADDRESS", "60 per minute"),
        "AUTH_FAILURE_LIMIT_PER_EMAIL": env.get("AUTH_FAILURE_LIMIT_PER_EMAIL", "10 per minute"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or queue_url or "memory://",
        "TRUSTED_PROXY_COUNT": _number(env, "TRUSTED_PROXY_COUNT", 0),
        "MAX_UPLOAD_MB": _number(env, "MAX_UPLOAD_MB", 200),
        "MAX_JSON_BODY_KB": _number(env, "MAX_JSON_BODY_KB", 1024),
        "MAX_TRACK_SECONDS": _number(env, "MAX_TRACK_SECONDS", 1200),
        # Hosts links may point to even on a private network (by name, e.g. a LAN media server).
        "SOURCE_ALLOWED_HOSTS": [h.lower() for h in _csv(env.get("SOURCE_ALLOWED_HOSTS", ""))],
        "SOURCE_MAX_MB": _number(env, "SOURCE_MAX_MB", 200),
        "SOURCE_CONNECT_TIMEOUT_SECONDS": _number(env, "SOURCE_CONNECT_TIMEOUT_SECONDS", 10.0),
        "SOURCE_READ_TIMEOUT_SECONDS": _number(env, "SOURCE_READ_TIMEOUT_SECONDS", 30.0),
        "SOURCE_DOWNLOAD_TIMEOUT_SECONDS": _number(env, "SOURCE_DOWNLOAD_TIMEOUT_SECONDS", 600.0),
        "SOURCE_SEARCH_PROVIDERS": _csv(env.get("SOURCE_SEARCH_PROVIDERS", "youtube")),
        "SOURCE_PROVIDER_MODULES": _csv(env.get("SOURCE_PROVIDER_MODULES", "")),
        "IMPORT_RATE_LIMIT": env.get("IMPORT_RATE_LIMIT", "30 per hour"),
        # How long /process-array, /process-csv and /download-* wait for their run to end.
        "TOOLS_WAIT_SECONDS": _number(env, "TOOLS_WAIT_SECONDS", 600.0),
        "TOOLS_POLL_SECONDS": _number(env, "TOOLS_POLL_SECONDS", 0.25),
        "SOURCE_SEARCH_RATE_LIMIT": env.get("SOURCE_SEARCH_RATE_LIMIT", "60 per minute"),
        "MAX_DECODED_SAMPLES": _number(env, "MAX_DECODED_SAMPLES", DEFAULT_MAX_DECODED_SAMPLES),
        "FILE_TOKEN_TTL_SECONDS": _number(env, "FILE_TOKEN_TTL_SECONDS", 900),
        "HEALTH_CHECK_TIMEOUT_SECONDS": _number(env, "HEALTH_CHECK_TIMEOUT_SECONDS", 3),
        "MIX_CHAT_QUEUE_PREFIX": env.get("MIX_CHAT_QUEUE_PREFIX", "intellimix"),
        "RUN_EXECUTOR_MODULES": _csv(env.get("RUN_EXECUTOR_MODULES", "")),
        "MAX_RUN_ATTEMPTS": _number(env, "MAX_RUN_ATTEMPTS", 3),
        "RUN_LEASE_SECONDS": _number(env, "RUN_LEASE_SECONDS", 30.0),
        "RUN_VISIBILITY_TIMEOUT_SECONDS": _number(env, "RUN_VISIBILITY_TIMEOUT_SECONDS", 60.0),
        "RUN_SHUTDOWN_GRACE_SECONDS": _number(env, "RUN_SHUTDOWN_GRACE_SECONDS", 20.0),
        "WORKER_HEARTBEAT_SECONDS": _number(env, "WORKER_HEARTBEAT_SECONDS", 5.0),
        "RUN_STALL_SECONDS": _number(env, "RUN_STALL_SECONDS", 600.0),
        "RUN_TIME_BUDGETS": _budgets(
            env.get("RUN_TIME_BUDGETS", "analyze_track=900,render=1800,generate=1800")
        ),
        "RUN_DEFAULT_TIME_BUDGET_SECONDS": _number(env, "RUN_DEFAULT_TIME_BUDGET_SECONDS", 3600.0),
        "RUN_CANCEL_GRACE_SECONDS": _number(env, "RUN_CANCEL_GRACE_SECONDS", 15.0),
        "HEAVY_SLOT_MEMORY_MB": _number(env, "HEAVY_SLOT_MEMORY_MB", 8192),
        "FAIR_USE_QUEUED_HEAVY_RUNS": _number(env, "FAIR_USE_QUEUED_HEAVY_RUNS", 10),
        "FAIR_USE_HEAVY_RUNS_PER_HOUR": _number(env, "FAIR_USE_HEAVY_RUNS_PER_HOUR", 60),
        "WORKER_INTERACTIVE_SLOTS": _number(env, "WORKER_INTERACTIVE_SLOTS", 2),
        "WORKER_HEAVY_SLOTS": _number(env, "WORKER_HEAVY_SLOTS", 1),
        "WORKER_WARM_UP": env.get("WORKER_WARM_UP", "true").lower() in ("1", "true", "yes"),
        "EMBEDDED_WORKER": env.get("EMBEDDED_WORKER", "true").lower() in ("1", "true", "yes"),
        "EMBEDDED_POLL_SECONDS": _number(env, "EMBEDDED_POLL_SECONDS", 0.05),
        "MIX_CHAT_SSE_HEARTBEAT_SECONDS": _number(env, "MIX_CHAT_SSE_HEARTBEAT_SECONDS", 15.0),
        "MIX_CHAT_SSE_MAX_SECONDS": _number(env, "MIX_CHAT_SSE_MAX_SECONDS", 3600.0),
        # local: files under STORAGE_DIR; s3: objects in S3_BUCKET (STORAGE_DIR is scratch/cache).
        "STORAGE_BACKEND": env.get("STORAGE_BACKEND", "local").lower(),
        "S3_BUCKET": env.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("S3_REGION") or "us-east-1",
        "S3_PREFIX": env.get("S3_PREFIX", ""),
        # Empty: /metrics answers loopback clients only (a Prometheus beside the app).
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "LOG_FORMAT": env.get("LOG_FORMAT", "json" if app_env == "production" else "text"),
    }
    config.update(_secrets(env, app_env, instance_dir))
    return config


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse settings that would quietly weaken the service (also for programmatic config)."""
    if config["JWT_ACCESS_TOKEN_MINUTES"] < 1:
        # 0 made flask-jwt-extended issue access tokens without any expiry.
        raise ConfigError("JWT_ACCESS_TOKEN_MINUTES must be at least 1")
    if config["JWT_REFRESH_TOKEN_DAYS"] < 1:
        raise ConfigError("JWT_REFRESH_TOKEN_DAYS must be at least 1")


def _database_url(env: Mapping[str, str], instance_dir: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_dir / 'intellimix.db'}"
    # Heroku-style and bare "postgresql://" URLs select psycopg 3, the driver we ship.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secrets(env: Mapping[str, str], app_env: str, instance_dir: Path) -> dict[str, str]:
    given = {name: env.get(name, "") for name in SECRET_NAMES}
    if app_env == "production":
        weak = [name for name, value in given.items() if len(value) < MIN_SECRET_LENGTH]
        if weak:
            raise ConfigError(
                f"{', '.join(weak)} must be set to at least {MIN_SECRET_LENGTH} random characters "
                "when INTELLIMIX_ENV=production"
            )
        return {"SECRET_KEY": given["FLASK_SECRET_KEY"], "JWT_SECRET_KEY": given["JWT_SECRET_KEY"]}
    persisted = _persisted_dev_secrets(instance_dir) if not all(given.values()) else {}
    resolved = {name: given[name] or persisted[name] for name in SECRET_NAMES}
    return {
        "SECRET_KEY": resolved["FLASK_SECRET_KEY"],
        "JWT_SECRET_KEY": resolved["JWT_SECRET_KEY"],
    }


def _persisted_dev_secrets(instance_dir: Path) -> dict[str, str]:
    """Generate development secrets once; every later process reads the same file."""
    path = instance_dir / "secrets.json"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".secrets.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({name: secrets.token_hex(32) for name in SECRET_NAMES}, handle)
        try:
            # link() fails when another process won the race; then its file is the truth.
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    with path.open() as handle:
        stored: dict[str, str] = json.load(handle)
    return stored


NumberT = TypeVar("NumberT", int, float)


def _number(env: Mapping[str, str], name: str, default: NumberT) -> NumberT:
    """`env[name]` parsed as the type of `default`; unset or empty gives the default."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return type(default)(raw)
    except ValueError as exc:
        kind = "an integer" if isinstance(default, int) else "a number"
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from exc


def _budgets(raw: str) -> dict[str, float]:
    """`kind=seconds,kind=seconds` → {kind: seconds}."""
    budgets = {}
    for item in _csv(raw):
        kind, _, seconds = item.partition("=")
        try:
            budgets[kind.strip()] = float(seconds)
        except ValueError as exc:
            raise ConfigError(
                f"RUN_TIME_BUDGETS must look like 'render=1800,generate=1800', got {item!r}"
            ) from exc
    return budgets


def _csv(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]
