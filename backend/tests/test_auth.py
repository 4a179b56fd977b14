"""The auth matrix of DESIGN §4/§9: registration, login, rotation, reuse detection, logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask_jwt_extended import create_access_token
from sqlalchemy import select

from intellimix.auth.models import User
from intellimix.extensions import db

pytestmark = pytest.mark.database


def test_register_returns_user_and_tokens(api):
    body = api.register(email="Ada.Lovelace@Example.COM", name="  Ada  ")
    assert body["user"]["email"] == "ada.lovelace@example.com"
    assert body["user"]["name"] == "Ada"
    assert set(body) == {"user", "access_token", "refresh_token"}
    assert "password_hash" not in body["user"]
    me = api.client.get("/api/v1/auth/me", headers=api.bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["user"]["id"] == body["user"]["id"]


def test_password_is_stored_with_a_slow_kdf(api, app: Flask):
    api.register(email="kdf@example.com", password="correct horse")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "kdf@example.com"))
        assert user.password_hash.startswith("scrypt:")
        assert "correct horse" not in user.password_hash


def test_duplicate_email_is_a_conflict_whatever_its_case(api):
    api.register(email="dup@example.com")
    response = api.client.post(
        "/api/v1/auth/register",
        json={"name": "Other", "email": "DUP@example.com", "password": "another password"},
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "EMAIL_TAKEN"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "email": "a@example.com", "password": "short"}, "password"),
        ({"name": "A", "email": "not-an-email", "password": "long enough"}, "email"),
        ({"name": "A", "email": "a@", "password": "long enough"}, "email"),
        ({"name": "", "email": "a@example.com", "password": "long enough"}, "name"),
        ({"name": "A", "password": "long enough"}, "email"),
        ({"name": "A", "email": "a@example.com"}, "password"),
        ({"name": "A", "email": 42, "password": "long enough"}, "email"),
        ({"name": ["A"], "email": "a@example.com", "password": "long enough"}, "name"),
    ],
)
def test_invalid_registration_names_the_field(client, payload, field):
    response = client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [item["field"] for item in error["details"]["fields"]]


def test_login_is_case_insensitive_on_email(api):
    api.register(email="case@example.com", password="correct horse")
    response = api.login("CASE@Example.com", "correct horse")
    assert response.status_code == 200
    assert set(response.get_json()) == {"user", "access_token", "refresh_token"}


def test_wrong_password_and_unknown_email_answer_identically(api):
    api.register(email="known@example.com", password="correct horse")
    wrong_password = api.login("known@example.com", "wrong horse")
    unknown_email = api.login("nobody@example.com", "wrong horse")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.get_json() == unknown_email.get_json()
    assert wrong_password.get_json()["error"]["code"] == "INVALID_CREDENTIALS"


def test_inactive_user_cannot_log_in_or_use_tokens(api, app: Flask):
    body = api.register(email="gone@example.com", password="correct horse")
    with app.app_context():
        db.session.get(User, body["user"]["id"]).is_active = False
        db.session.commit()
    assert api.login("gone@example.com", "correct horse").status_code == 401
    me = api.client.get("/api/v1/auth/me", headers=api.bearer(body["access_token"]))
    assert me.status_code == 401
    assert me.get_json()["error"]["code"] == "TOKEN_INVALID"


def _refresh(api, token):
    return api.client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def _past_the_reuse_grace():
    """The clock after JWT_REFRESH_REUSE_GRACE_SECONDS (30 s), within the access token's life."""
    import time_machine

    from intellimix.db_types import utcnow

    return time_machine.travel(utcnow() + timedelta(seconds=31), tick=False)


def test_refresh_rotates_the_pair_and_spends_the_old_token(api):
    first = api.register()
    rotated = _refresh(api, first["refresh_token"])
    assert rotated.status_code == 200
    pair = rotated.get_json()
    assert set(pair) == {"access_token", "refresh_token"}
    assert pair["refresh_token"] != first["refresh_token"]
    assert (
        api.client.get("/api/v1/auth/me", headers=api.bearer(pair["access_token"])).status_code
        == 200
    )
    with _past_the_reuse_grace():
        replay = _refresh(api, first["refresh_token"])
    assert replay.status_code == 401
    assert replay.get_json()["error"]["code"] == "TOKEN_INVALID"


def test_replaying_a_rotated_token_revokes_the_whole_family(api):
    first = api.register()
    second = _refresh(api, first["refresh_token"]).get_json()
    third = _refresh(api, second["refresh_token"]).get_json()
    with _past_the_reuse_grace():
        assert _refresh(api, first["refresh_token"]).status_code == 401  # reuse detected
        assert _refresh(api, third["refresh_token"]).status_code == 401  # newest one dies too
        me = api.client.get("/api/v1/auth/me", headers=api.bearer(third["access_token"]))
    assert me.status_code == 401
    # Another session of the same person is untouched.
    other = api.login("ada@example.com", "correct horse").get_json()
    assert _refresh(api, other["refresh_token"]).status_code == 200


def test_logout_kills_access_and_refresh_token(api):
    tokens = api.register()
    response = api.client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=api.bearer(tokens["access_token"]),
    )
    assert response.status_code == 204
    me = api.client.get("/api/v1/auth/me", headers=api.bearer(tokens["access_token"]))
    assert me.status_code == 401
    assert _refresh(api, tokens["refresh_token"]).status_code == 401


def test_logout_without_body_still_ends_the_session(api):
    tokens = api.register()
    response = api.client.post("/api/v1/auth/logout", headers=api.bearer(tokens["access_token"]))
    assert response.status_code == 204
    assert _refresh(api, tokens["refresh_token"]).status_code == 401


def test_refresh_token_is_not_an_access_token(api):
    tokens = api.register()
    response = api.client.get("/api/v1/auth/me", headers=api.bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "TOKEN_INVALID"


def test_access_token_is_not_a_refresh_token(api):
    tokens = api.register()
    response = _refresh(api, tokens["access_token"])
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "TOKEN_INVALID"


def test_expired_access_token_says_so(api, app: Flask):
    tokens = api.register()
    with app.app_context():
        from flask_jwt_extended import decode_token

        claims = decode_token(tokens["access_token"])
        expired = create_access_token(
            identity=claims["sub"],
            additional_claims={"fam": claims["fam"]},
            expires_delta=timedelta(seconds=-5),
        )
    response = api.client.get("/api/v1/auth/me", headers=api.bearer(expired))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "TOKEN_EXPIRED"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "AUTH_REQUIRED"),
        ({"Authorization": "Bearer not.a.jwt"}, "TOKEN_INVALID"),
        ({"Authorization": "Bearer "}, "TOKEN_INVALID"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "AUTH_REQUIRED"),
    ],
)
def test_missing_or_garbage_tokens(client, headers, code):
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == code


def test_token_signed_with_another_key_is_invalid(api, make_app):
    foreign = make_app(JWT_SECRET_KEY="a-completely-different-secret-key-0123456789")
    with foreign.app_context():
        token = create_access_token(identity="someone", additional_claims={"fam": "x"})
    response = api.client.get("/api/v1/auth/me", headers=api.bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "TOKEN_INVALID"
