"""Flask extensions, created unbound and attached in `create_app`."""

from __future__ import annotations

import sqlite3
from typing import Any

import redis
from flask import Flask, current_app
from flask_cors import CORS
from flask_jwt_extended import JWTManager, get_jwt_identity
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    """Declarative base shared by every model; named constraints keep SQLite migrations possible."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
cors = CORS()
limiter = Limiter(key_func=get_remote_address)


def person_key(user_id: str) -> str:
    """The rate-limit key of a person: work a signed-in person starts counts per person."""
    return f"user:{user_id}"


def signed_in_person() -> str:
    """`key_func` of a limit that sits inside `jwt_required`."""
    return person_key(get_jwt_identity())


def init_redis(app: Flask) -> None:
    """Each app gets its own client, or None in the embedded default (no `MIX_CHAT_QUEUE_URL`)."""
    url = app.config.get("MIX_CHAT_QUEUE_URL")
    timeout = app.config["HEALTH_CHECK_TIMEOUT_SECONDS"]
    app.extensions["intellimix_redis"] = (
        redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        if url
        else None
    )


def redis_client(app: Flask | None = None) -> redis.Redis | None:
    """The Redis client of `app` (default: the current app)."""
    client: redis.Redis | None = (app or current_app).extensions["intellimix_redis"]
    return client


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL + busy timeout let the API and worker processes share one SQLite file safely."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
