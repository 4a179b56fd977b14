"""Short-lived signed tokens for one file, so an <audio> element can fetch it without a header."""

from __future__ import annotations

from typing import Any

import jwt
from flask import current_app
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from intellimix.errors import Unauthorized

SALT = "intellimix-file-token"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def sign_file(*, user_id: str, scope: str, object_id: str, name: str = "") -> str:
    """A token good for exactly this object (and file name) of this user."""
    return str(_serializer().dumps({"u": user_id, "s": scope, "o": object_id, "n": name}))


def verify_file_token(token: str, *, scope: str, object_id: str, name: str = "") -> str:
    """The user id the token was issued to, if it grants this very file; else 401."""
    try:
        claims: dict[str, Any] = _serializer().loads(
            token, max_age=current_app.config["FILE_TOKEN_TTL_SECONDS"]
        )
    except SignatureExpired as exc:
        raise Unauthorized("The file link has expired.", code="FILE_TOKEN_EXPIRED") from exc
    except BadSignature as exc:
        raise Unauthorized("The file link is not valid.", code="FILE_TOKEN_INVALID") from exc
    if (claims.get("s"), claims.get("o"), claims.get("n")) != (scope, object_id, name):
        raise Unauthorized("The file link is not valid for this file.", code="FILE_TOKEN_INVALID")
    return str(claims["u"])


def file_user(token: str, *, scope: str, object_id: str, name: str = "") -> str:
    """Who may fetch this file with `?token=`: a signed link of exactly this file, or an access
    token (the IntelliMix web client sets `token=<access token>` on every file URL it builds,
    replacing ours). Anything else → 401."""
    try:
        return verify_file_token(token, scope=scope, object_id=object_id, name=name)
    except Unauthorized as refused:
        if refused.code != "FILE_TOKEN_INVALID" or not _is_jwt(token):
            raise
    # Access tokens only, checked exactly as on any Bearer route (expiry, revocation, user).
    verify_jwt_in_request(locations=["query_string"])
    return str(get_jwt_identity())


def _is_jwt(token: str) -> bool:
    try:
        return "alg" in jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        return False
