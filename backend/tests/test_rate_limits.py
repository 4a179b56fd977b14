"""Login and registration limits: per email (failures only) and per client address."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["memory", "redis"])
def limit_storage(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    request.getfixturevalue("redis_db")
    return str(request.getfixturevalue("redis_url"))


def _login(client, email, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_eleventh_failed_login_for_one_email_is_refused(make_app, limit_storage):
    app = make_app(
        RATELIMIT_STORAGE_URI=limit_storage, AUTH_FAILURE_LIMIT_PER_EMAIL="10 per minute"
    )
    client = app.test_client()
    client.post(
        "/api/v1/auth/register",
        json={"name": "Ada", "email": "ada@example.com", "password": "correct horse"},
    )
    # Spread over many addresses: the limit follows the email, not the client.
    for attempt in range(10):
        response = _login(client, "ada@example.com", "wrong", address=f"10.0.1.{attempt}")
        assert response.status_code == 401
    refused = _login(client, "ADA@example.com", "correct horse", address="10.0.2.1")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) > 0
    # Another email is not affected.
    assert _login(client, "other@example.com", "wrong").status_code == 401


def test_successful_logins_do_not_count_against_the_email(make_app):
    app = make_app(AUTH_FAILURE_LIMIT_PER_EMAIL="3 per minute")
    client = app.test_client()
    client.post(
        "/api/v1/auth/register",
        json={"name": "Ada", "email": "ada@example.com", "password": "correct horse"},
    )
    for _ in range(6):
        assert _login(client, "ada@example.com", "correct horse").status_code == 200


def test_auth_requests_are_limited_per_address(make_app, limit_storage):
    app = make_app(RATELIMIT_STORAGE_URI=limit_storage, AUTH_RATE_LIMIT_PER_ADDRESS="5 per minute")
    client = app.test_client()
    statuses = [
        _login(client, f"user{i}@example.com", "whatever pw", address="10.9.9.9").status_code
        for i in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # Registration shares the address budget.
    blocked = client.post(
        "/api/v1/auth/register",
        json={"name": "B", "email": "b@example.com", "password": "long enough"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    assert _login(client, "x@example.com", "whatever pw", address="10.9.9.10").status_code == 401
