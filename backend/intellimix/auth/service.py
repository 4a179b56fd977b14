"""Accounts and tokens: registration, login, refresh-token rotation with reuse detection."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import ExpiredSignatureError, InvalidTokenError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from intellimix.auth.models import RefreshToken, RevokedAccessToken, TokenFamily, User
from intellimix.auth.schemas import LoginRequest, RegisterRequest
from intellimix.db_types import new_id, utcnow
from intellimix.errors import Conflict, Unauthorized
from intellimix.extensions import db

log = logging.getLogger(__name__)

FAMILY_CLAIM = "fam"
BAD_CREDENTIALS = "Email or password is incorrect."


class TokenExpired(Unauthorized):
    code, message = "TOKEN_EXPIRED", "The token has expired."


class TokenInvalid(Unauthorized):
    code, message = "TOKEN_INVALID", "The token is not valid."


def register(data: RegisterRequest) -> tuple[User, dict[str, str]]:
    user = User(
        name=data.name,
        email=data.email,
        password_hash=generate_password_hash(
            data.password, method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict("An account with this email already exists.", code="EMAIL_TAKEN") from exc
    tokens = _start_session(user)
    db.session.commit()
    log.info("user registered", extra={"user_id": user.id})
    return user, tokens


def login(data: LoginRequest) -> tuple[User, dict[str, str]]:
    user = db.session.scalar(select(User).where(User.email == data.email))
    # Hash even for unknown emails so response time does not reveal which accounts exist.
    stored_hash = (
        user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    )
    password_ok = check_password_hash(stored_hash, data.password)
    if user is None or not password_ok or not user.is_active:
        raise Unauthorized(BAD_CREDENTIALS, code="INVALID_CREDENTIALS")
    tokens = _start_session(user)
    db.session.commit()
    return user, tokens


def refresh(refresh_token: str) -> dict[str, str]:
    """Rotate: the presented token is spent; presenting a spent token revokes its family."""
    claims = _decode_refresh(refresh_token)
    record = db.session.get(RefreshToken, claims["jti"])
    if record is None:
        raise TokenInvalid()
    family = db.session.get(TokenFamily, record.family_id)
    if family is None or family.revoked_at is not None:
        raise TokenInvalid("This session has ended; log in again.")
    spent = db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.jti == record.jti, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        _revoke_family(family, reason="reuse")
        db.session.commit()
        log.warning(
            "refresh token reuse detected; session revoked", extra={"user_id": family.user_id}
        )
        raise TokenInvalid("This refresh token was already used; the session has been ended.")
    user = db.session.get(User, family.user_id)
    if user is None or not user.is_active:
        raise TokenInvalid()
    tokens = _issue_pair(user, family)
    db.session.commit()
    return tokens


def logout(access_claims: dict[str, Any], refresh_token: str | None) -> None:
    """Kill the presented access token and the session (family) it and the refresh belong to."""
    now = utcnow()
    db.session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now))
    db.session.add(
        RevokedAccessToken(
            jti=access_claims["jti"], expires_at=datetime.fromtimestamp(access_claims["exp"], UTC)
        )
    )
    families = {access_claims.get(FAMILY_CLAIM)}
    if refresh_token:
        try:
            refresh_claims = decode_token(refresh_token, allow_expired=True)
        except InvalidTokenError:
            refresh_claims = {}
        if refresh_claims.get("sub") == access_claims["sub"]:
            families.add(refresh_claims.get(FAMILY_CLAIM))
    for family_id in families - {None}:
        family = db.session.get(TokenFamily, family_id)
        if family is not None and family.user_id == access_claims["sub"]:
            _revoke_family(family, reason="logout")
    db.session.commit()


def is_access_token_revoked(claims: dict[str, Any]) -> bool:
    if db.session.get(RevokedAccessToken, claims["jti"]) is not None:
        return True
    family = db.session.get(TokenFamily, claims.get(FAMILY_CLAIM))
    return family is None or family.revoked_at is not None


def _start_session(user: User) -> dict[str, str]:
    family = TokenFamily(id=new_id(), user_id=user.id)
    db.session.add(family)
    db.session.flush()  # the family row must exist before its first refresh token
    return _issue_pair(user, family)


def _issue_pair(user: User, family: TokenFamily) -> dict[str, str]:
    config = current_app.config
    refresh_ttl = timedelta(days=config["JWT_REFRESH_TOKEN_DAYS"])
    refresh_jti = new_id()
    db.session.add(
        RefreshToken(jti=refresh_jti, family_id=family.id, expires_at=utcnow() + refresh_ttl)
    )
    return {
        "access_token": create_access_token(
            identity=user.id,
            additional_claims={FAMILY_CLAIM: family.id},
            expires_delta=timedelta(minutes=config["JWT_ACCESS_TOKEN_MINUTES"]),
        ),
        "refresh_token": create_refresh_token(
            identity=user.id,
            additional_claims={FAMILY_CLAIM: family.id, "jti": refresh_jti},
            expires_delta=refresh_ttl,
        ),
    }


def _decode_refresh(token: str) -> dict[str, Any]:
    try:
        claims = decode_token(token)
    except ExpiredSignatureError as exc:
        raise TokenExpired("The refresh token has expired; log in again.") from exc
    except InvalidTokenError as exc:
        raise TokenInvalid() from exc
    if claims.get("type") != "refresh" or not claims.get("jti"):
        raise TokenInvalid("A refresh token is required.")
    return claims


def _revoke_family(family: TokenFamily, *, reason: str) -> None:
    if family.revoked_at is None:
        family.revoked_at = utcnow()
        family.revoked_reason = reason


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("timing-equaliser", method=method)
