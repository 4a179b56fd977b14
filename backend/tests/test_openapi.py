"""The OpenAPI document: complete, valid OpenAPI 3.1, served — and true of a live server.

The fuzz test runs schemathesis against a real gunicorn (and a worker for plan runs) on a
copy of the migrated SQLite database: every /api/v1 operation, a bounded number of generated
requests each, authenticated as a person who has a track, a chat and a message. No answer may
be a server error, and every answer must match the document (status, content type, schema).
"""

from __future__ import annotations

import os
import shutil
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.core.failures import ServerError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from intellimix.web.openapi import OPERATIONS, api_rules, build_document

from .audio.media import tone, write_wav
from .processes import BACKEND_DIR, Processes, post_json

EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def sqlite_app(make_app: Any) -> Flask:
    return make_app()


def test_every_api_route_is_documented_and_nothing_else(sqlite_app: Flask) -> None:
    endpoints = {rule.endpoint for rule in api_rules(sqlite_app)}
    assert sorted(endpoints - OPERATIONS.keys()) == [], "add these to web/openapi.OPERATIONS"
    assert sorted(OPERATIONS.keys() - endpoints) == [], "these operations have no route"


def test_the_document_is_valid_openapi_3_1(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        document = build_document(sqlite_app)
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"] == "3.1.0"
    track = document["paths"]["/api/v1/tracks/{track_id}"]
    assert set(track) == {"get", "patch", "delete"}
    assert track["get"]["parameters"][0]["schema"] == {
        "type": "string",
        "minLength": 36,
        "maxLength": 36,
    }
    register = document["paths"]["/api/v1/auth/register"]["post"]
    assert "security" not in register
    body = document["components"]["schemas"]["RegisterRequest"]
    assert body["properties"]["password"]["minLength"] == 8


def test_the_document_and_its_page_are_served(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert document.get_json()["info"]["title"] == "IntelliMix API"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert b"POST /api/v1/mix-chats/{thread_id}/messages" in page.data


# -- schemathesis against a live server -----------------------------------------------------


@pytest.fixture(scope="module")
def live_api(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("openapi-live")
    database = folder / "api.db"
    shutil.copyfile(sqlite_template, database)
    env = {
        **os.environ,
        "INTELLIMIX_ENV": "test",
        "DATABASE_URL": f"sqlite:///{database}",
        "INSTANCE_DIR": str(folder / "instance"),
        "STORAGE_DIR": str(folder / "storage"),
        "MIX_CHAT_QUEUE_URL": "",
        "EMBEDDED_WORKER": "false",
        "WORKER_WARM_UP": "false",
        "AUTH_RATE_LIMIT_PER_ADDRESS": "100000 per minute",
        "AUTH_FAILURE_LIMIT_PER_EMAIL": "100000 per minute",
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "JWT_ACCESS_TOKEN_MINUTES": "120",
        "MIX_CHAT_SSE_MAX_SECONDS": "2",
        "TOOLS_WAIT_SECONDS": "1",  # no heavy slot here: a tool's run waits, then 504
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BACKEND_DIR),
    }
    processes = Processes(env, folder)
    try:
        base = processes.api()
        processes.worker(interactive=1, heavy=0)  # plan runs answer; health sees a worker
        session = post_json(
            f"{base}/api/v1/auth/register",
            {"name": "Fuzz", "email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "x" * 12},
        )
        bearer = {"Authorization": f"Bearer {session['access_token']}"}
        _upload(base, bearer, folder)
        post_json(
            f"{base}/api/v1/mix-chats",
            {"title": "Fuzz", "initial_prompt": "a short mix at 120 bpm"},
            bearer,
        )
        yield {"base": base, **bearer}
    finally:
        processes.close()


def _upload(base: str, bearer: dict[str, str], folder: Path) -> None:
    audio = write_wav(folder / "tone.wav", tone(seconds=3.0), 44100)
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="tone.wav"\r\n'
            f"Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + audio.read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{base}/api/v1/tracks",
        data=body,
        headers={**bearer, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202


@pytest.fixture(scope="module")
def api_schema(live_api: dict[str, str]) -> Any:
    return schemathesis.openapi.from_url(f"{live_api['base']}/api/v1/openapi.json", timeout=30)


schema = schemathesis.pytest.from_fixture("api_schema").exclude(
    # Ends the session every other request authenticates with; covered in test_auth.
    operation_id="auth_logout"
)


def no_undocumented_server_error(ctx: Any, response: Any, case: Any) -> None:
    """Never a 500; another 5xx only where documented (a source that failed: 502/503/504)."""
    documented = case.operation.definition.raw.get("responses", {})
    if response.status_code == 500 or (
        response.status_code > 500 and str(response.status_code) not in documented
    ):
        raise ServerError(operation=case.operation.label, status_code=response.status_code)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_live_server_answers_every_generated_request_as_documented(
    case: Any, live_api: dict[str, str]
) -> None:
    case.call_and_validate(
        base_url=live_api["base"],
        headers={"Authorization": live_api["Authorization"]},
        checks=[
            no_undocumented_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
        timeout=30,
    )
