"""Flask-JWT-Extended hooks: who a token belongs to, whether it is revoked, how failures look."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from intellimix.auth.models import User
from intellimix.auth.service import is_access_token_revoked
from intellimix.extensions import db, jwt
from intellimix.web.errors import error_response


def _unauthorized(code: str, message: str) -> tuple[Response, int]:
    return error_response(401, code, message)


def init_jwt(app: Flask) -> None:
    jwt.init_app(app)

    @jwt.user_lookup_loader
    def load_user(_header: dict[str, Any], claims: dict[str, Any]) -> User | None:
        user = db.session.get(User, claims["sub"])
        return user if user is not None and user.is_active else None

    @jwt.token_in_blocklist_loader
    def check_revoked(_header: dict[str, Any], claims: dict[str, Any]) -> bool:
        return is_access_token_revoked(claims)

    @jwt.expired_token_loader
    def expired(_header: dict[str, Any], _claims: dict[str, Any]) -> tuple[Response, int]:
        return _unauthorized("TOKEN_EXPIRED", "The access token has expired; refresh it.")

    @jwt.invalid_token_loader
    def invalid(_reason: str) -> tuple[Response, int]:
        return _unauthorized("TOKEN_INVALID", "The access token is not valid.")

    @jwt.revoked_token_loader
    def revoked(_header: dict[str, Any], _claims: dict[str, Any]) -> tuple[Response, int]:
        return _unauthorized("TOKEN_INVALID", "The access token has been revoked.")

    @jwt.user_lookup_error_loader
    def unknown_user(_header: dict[str, Any], _claims: dict[str, Any]) -> tuple[Response, int]:
        return _unauthorized("TOKEN_INVALID", "The account behind this token is not active.")

    @jwt.unauthorized_loader
    def missing(_reason: str) -> tuple[Response, int]:
        return _unauthorized(
            "AUTH_REQUIRED", "Send an access token: Authorization: Bearer <token>."
        )
