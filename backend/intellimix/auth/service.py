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

from intellimix.auth.models import RefreshToken, RevokedAccessToken, TokenFamily, User
from intellimix.auth.passwords import hash_password, password_matches
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
        password_hash=hash_password(data.password, current_app.config["PASSWORD_HASH_METHOD"]),
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
    password_ok = password_matches(stored_hash, data.password)
    if user is None or not password_ok or not user.is_active:
        raise Unauthorized(BAD_CREDENTIALS, code="INVALID_CREDENTIALS")
    tokens = _start_session(user)
    db.session.commit()
    return user, tokens


def refresh(refresh_token: str) -> dict[str, str]:
    """A new access token, and (with rotation on) the refresh token's successor.

    Rotation: the presented token is spent. Presented again within
    JWT_REFRESH_REUSE_GRACE_SECONDS it answers with the same successor (concurrent refreshes of
    one client all succeed); later, it is reuse and revokes the whole family. With
    JWT_REFRESH_ROTATION off the same refresh token stays valid until it expires.
    """
    config = current_app.config
    claims = _decode_refresh(refresh_token)
    record = db.session.get(RefreshToken, claims["jti"])
    if record is None:
        raise TokenInvalid()
    family = db.session.get(TokenFamily, record.family_id)
    if family is None or family.revoked_at is not None:
        raise TokenInvalid("This session has ended; log in again.")
    user = db.session.get(User, family.user_id)
    if user is None or not user.is_active:
        raise TokenInvalid()
    if not config["JWT_REFRESH_ROTATION"]:
        tokens = {"access_token": _access_token(user, family), "refresh_token": refresh_token}
        db.session.commit()
        return tokens
    successor = _new_refresh_record(family)
    spent = db.session.execute(
        update(RefreshToken)
        .execution_options(synchronize_session=False)
        .where(RefreshToken.jti == record.jti, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=utcnow(), successor_jti=successor.jti)
    )
    if spent.rowcount == 1:  # type: ignore[attr-defined]
        db.session.add(successor)
        tokens = {
            "access_token": _access_token(user, family),
            "refresh_token": _encode_refresh(user.id, successor),
        }
        db.session.commit()
        return tokens
    # Spent already: by a concurrent request of the same client (grace), or stolen (reuse).
    db.session.rollback()
    record = db.session.get(RefreshToken, claims["jti"], populate_existing=True)
    earlier = _successor_within_grace(record)
    if earlier is not None:
        return {
            "access_token": _access_token(user, family),
            "refresh_token": _encode_refresh(user.id, earlier),
        }
    family = db.session.get(TokenFamily, family.id, populate_existing=True)
    if family is not None:
        _revoke_family(family, reason="reuse")
    db.session.commit()
    log.warning("refresh token reuse detected; session revoked", extra={"user_id": user.id})
    raise TokenInvalid("This refresh token was already used; the session has been ended.")


def _successor_within_grace(record: RefreshToken | None) -> RefreshToken | None:
    """The token `record` was rotated into, when that happened less than the grace ago."""
    if record is None or record.rotated_at is None or record.successor_jti is None:
        return None
    grace = timedelta(seconds=current_app.config["JWT_REFRESH_REUSE_GRACE_SECONDS"])
    if utcnow() - record.rotated_at > grace:
        return None
    return db.session.get(RefreshToken, record.successor_jti)


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
    record = _new_refresh_record(family)
    db.session.add(record)
    return {
        "access_token": _access_token(user, family),
        "refresh_token": _encode_refresh(user.id, record),
    }


def _access_token(user: User, family: TokenFamily) -> str:
    return create_access_token(
        identity=user.id,
        additional_claims={FAMILY_CLAIM: family.id},
        expires_delta=timedelta(minutes=current_app.config["JWT_ACCESS_TOKEN_MINUTES"]),
    )


def _new_refresh_record(family: TokenFamily) -> RefreshToken:
    # Whole seconds: the token carries these times, and re-encoding the record must give
    # the very same token (the grace window hands a successor out more than once).
    issued = utcnow().replace(microsecond=0)
    return RefreshToken(
        jti=new_id(),
        family_id=family.id,
        issued_at=issued,
        expires_at=issued + timedelta(days=current_app.config["JWT_REFRESH_TOKEN_DAYS"]),
    )


def _encode_refresh(user_id: str, record: RefreshToken) -> str:
    """The refresh token of `record`, identical each time it is encoded."""
    issued = int(record.issued_at.timestamp())
    return create_refresh_token(
        identity=user_id,
        additional_claims={
            FAMILY_CLAIM: record.family_id,
            "jti": record.jti,
            "iat": issued,
            "nbf": issued,
            "exp": int(record.expires_at.timestamp()),
        },
        expires_delta=False,
    )


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
    return hash_password("timing-equaliser", method)
