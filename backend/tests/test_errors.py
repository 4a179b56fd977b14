"""Every route answers bad input with a 4xx in the one error envelope — never a 500."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from flask import Flask

from intellimix.errors import Forbidden

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def api_routes(app: Flask) -> list[tuple[str, set[str]]]:
    """(concrete path, methods) for every /api rule, placeholders filled with fresh ids."""
    methods_by_rule: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
            methods_by_rule.setdefault(rule.rule, set()).update(methods)
    return [
        (re.sub(r"<[^>]+>", lambda _m: str(uuid.uuid4()), rule), methods)
        for rule, methods in methods_by_rule.items()
    ]


def assert_envelope(response, status: int | None = None) -> dict:
    assert response.status_code != 500, response.get_data(as_text=True)
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/json"
    body = response.get_json()
    # The message is repeated at the top level for the IntelliMix web client (issue 17).
    assert set(body) == {"error", "message"} and body["message"] == body["error"]["message"]
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"].isupper()
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


BAD_BODIES = {
    "malformed json": ("application/json", b'{"email": "a@b.c", '),
    "json array": ("application/json", b'[{"email": "a@b.c"}]'),
    "json string": ("application/json", b'"hello"'),
    "not utf-8": ("application/json", b'{"name": "\xff\xfe"}'),
    "wrong content type": ("text/plain", b"email=a@b.c"),
    "form instead of json": ("application/x-www-form-urlencoded", b"email=a%40b.c&password=x"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_bad_bodies_on_every_route(app, api, live_worker, case):
    token = api.register()["access_token"]
    content_type, payload = BAD_BODIES[case]
    for path, methods in api_routes(app):
        for method in methods:
            for headers in ({}, api.bearer(token)):
                response = app.test_client().open(
                    path, method=method, data=payload, content_type=content_type, headers=headers
                )
                if method in MUTATING or response.status_code >= 400:
                    assert_envelope(response)


def test_over_limit_body_on_every_route(app, api):
    token = api.register()["access_token"]
    too_big = json.dumps({"padding": "x" * (app.config["MAX_JSON_BODY_KB"] * 1024 + 1)})
    for path, methods in api_routes(app):
        for method in methods:
            response = app.test_client().open(
                path,
                method=method,
                data=too_big,
                content_type="application/json",
                headers=api.bearer(token),
            )
            error = assert_envelope(response, 413)
            assert error["code"] == "PAYLOAD_TOO_LARGE"


def test_wrong_methods_on_every_route(app):
    client = app.test_client()
    for path, methods in api_routes(app):
        for method in set(ALL_METHODS) - methods:
            response = client.open(path, method=method)
            error = assert_envelope(response, 405)
            assert error["code"] == "METHOD_NOT_ALLOWED"
            assert set(response.headers["Allow"].replace(" ", "").split(",")) >= methods


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/", "/api/v2/health", "/api/v1/auth/me/extra", "/api"]
)
def test_unknown_routes_are_enveloped_404s(client, path):
    error = assert_envelope(client.get(path), 404)
    assert error["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/v1/auth/register", {}),
        ("/api/v1/auth/register", {"name": 1, "email": True, "password": 12345678}),
        ("/api/v1/auth/register", {"name": None, "email": None, "password": None}),
        ("/api/v1/auth/login", {}),
        ("/api/v1/auth/login", {"email": "a@example.com"}),
        ("/api/v1/auth/login", {"email": ["a@example.com"], "password": "x"}),
        ("/api/v1/auth/login", {"email": "a@example.com", "password": {"x": 1}}),
        ("/api/v1/auth/refresh", {}),
        ("/api/v1/auth/refresh", {"refresh_token": 7}),
        ("/api/v1/auth/refresh", {"refresh_token": ""}),
    ],
)
def test_wrong_types_and_missing_fields(client, path, payload):
    error = assert_envelope(client.post(path, json=payload), 422)
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["fields"], "each problem names its field"


def test_logout_body_is_validated_too(api):
    token = api.register()["access_token"]
    response = api.client.post(
        "/api/v1/auth/logout", json={"refresh_token": 5}, headers=api.bearer(token)
    )
    assert assert_envelope(response, 422)["details"]["fields"][0]["field"] == "refresh_token"


def test_unexpected_errors_hide_their_details(make_app):
    app = make_app()
    app.add_url_rule(
        "/api/v1/_boom", "boom", lambda: (_ for _ in ()).throw(RuntimeError("db password is x"))
    )
    response = app.test_client().get("/api/v1/_boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "INTERNAL_ERROR"
    text = response.get_data(as_text=True)
    assert "db password" not in text and "Traceback" not in text
    assert response.headers["X-Request-ID"]


def test_api_errors_keep_their_status(make_app):
    app = make_app()

    def forbidden():
        raise Forbidden()

    app.add_url_rule("/api/v1/_forbidden", "forbidden", forbidden)
    error = assert_envelope(app.test_client().get("/api/v1/_forbidden"), 403)
    assert error["code"] == "FORBIDDEN"


def test_an_unreachable_database_answers_503_to_retry_not_500(make_app, db_backend):
    # Port 1 refuses connections at once: what a connect timeout looks like, without the wait.
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = app.test_client().post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": "correct horse"}
    )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "DATABASE_UNAVAILABLE"
