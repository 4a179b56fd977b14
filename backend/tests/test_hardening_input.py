"""Hostile and careless input never answers 500 (issue 17, findings 5, 6, 9, 10, 11 and 12)."""

from __future__ import annotations

import io
import io as bytes_io
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from intellimix.config import ConfigError, load_config
from intellimix.extensions import db
from intellimix.library.models import Track

from .audio.media import tone, write_wav

# The tables run on SQLite; the cases where PostgreSQL differs (NUL in text) on both.
FAKE_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def headers(api):
    return api.bearer(api.register()["access_token"])


def _assert_envelope(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"] == body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body


# --- every route: a table of bad ids, queries and bodies -----------------------------------

# (method, path, needs a JSON body) for every /api/v1 route, ids filled in per test.
ROUTES = [
    ("post", "/auth/register", True),
    ("post", "/auth/login", True),
    ("post", "/auth/refresh", True),
    ("post", "/auth/logout", True),
    ("get", "/auth/me", False),
    ("get", "/tracks", False),
    ("post", "/tracks/demo", True),
    ("get", "/tracks/{track}", False),
    ("patch", "/tracks/{track}", True),
    ("delete", "/tracks/{track}", False),
    ("get", "/tracks/{track}/peaks", False),
    ("get", "/tracks/{track}/audio", False),
    ("get", "/mix-chats", False),
    ("post", "/mix-chats", True),
    ("get", "/mix-chats/{thread}", False),
    ("patch", "/mix-chats/{thread}", True),
    ("delete", "/mix-chats/{thread}", False),
    ("get", "/mix-chats/{thread}/messages", False),
    ("post", "/mix-chats/{thread}/messages", True),
    ("get", "/mix-chats/{thread}/versions", False),
    ("get", "/mix-chats/{thread}/runs", False),
    ("get", "/mix-chat-runs/{run}", False),
    ("post", "/mix-chat-runs/{run}/cancel", False),
    ("post", "/mix-chat-runs/{run}/retry", False),
    ("get", "/mix-chat-runs/{run}/events", False),
    ("get", "/history", False),
    ("get", "/history/{job}", False),
    ("delete", "/history/{job}", False),
    ("get", "/files/{job}/mix.mp3", False),
    ("post", "/generate-ai", True),
    ("get", "/mix-memory", False),
    ("patch", "/mix-memory", True),
    ("get", "/health", False),
]


@pytest.fixture
def ids(app, client, headers):
    """Real ids of this person's objects, so the bad input is the only thing wrong."""
    thread = client.post("/api/v1/mix-chats", json={}, headers=headers).get_json()["thread"]
    return {"thread": thread["id"], "track": FAKE_ID, "run": FAKE_ID, "job": FAKE_ID}


def _path(template: str, ids: dict[str, str]) -> str:
    return "/api/v1" + template.format(**ids)


NUL_IDS = ["a\x00b", FAKE_ID[:-1] + "\x00"]


@pytest.mark.database
@pytest.mark.parametrize(("method", "template", "_body"), [r for r in ROUTES if "{" in r[1]])
@pytest.mark.parametrize("bad_id", NUL_IDS)
def test_a_nul_in_any_id_is_422(client, headers, ids, method, template, _body, bad_id):
    placeholder = template[template.index("{") + 1 : template.index("}")]
    path = _path(template, {**ids, placeholder: bad_id.replace("\x00", "%00")})
    response = getattr(client, method)(path, headers=headers)
    _assert_envelope(response, 422, "INVALID_CHARACTERS")


@pytest.mark.parametrize(("method", "template", "_body"), ROUTES)
@pytest.mark.parametrize("query", ["q=a%00b", "cursor=x%01y", "a%00=1"])
def test_a_control_character_in_any_query_is_422(
    client, headers, ids, method, template, _body, query
):
    response = getattr(client, method)(f"{_path(template, ids)}?{query}", headers=headers)
    _assert_envelope(response, 422, "INVALID_CHARACTERS")


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(("method", "template", "_body"), [r for r in ROUTES if r[2]])
@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (_nested(2_000), 400, "JSON_TOO_DEEP"),
        ("[" * 7_000 + "]" * 7_000, 400, "JSON_TOO_DEEP"),
        (_nested(40), 400, "JSON_TOO_DEEP"),
        ('{"title": "a\\u0000b", "content": "x", "email": "a\\u0000@x.io"}', 422, None),
        ('{"title": "\\ud800", "content": "\\ud800"}', 422, None),
        ('{"duration_s": NaN, "prompt": "x"}', 400, "INVALID_JSON"),
        ('{"duration_s": 1e400, "prompt": "x"}', 400, "INVALID_JSON"),
        ('{"seed": ' + "9" * 5000 + "}", 400, "INVALID_JSON"),
    ],
    ids=["deep-object", "deep-array", "depth-40", "nul", "surrogate", "nan", "inf", "huge-int"],
)
def test_hostile_json_on_any_route_is_a_clean_4xx(
    client, headers, ids, method, template, _body, raw, status, code
):
    response = getattr(client, method)(
        _path(template, ids), data=raw, headers={**headers, "Content-Type": "application/json"}
    )
    assert response.status_code != 500
    if template in ("/health", "/auth/me"):
        return  # routes without a body do not read it
    assert 400 <= response.status_code < 500
    if response.status_code not in (401, 404, 405):
        _assert_envelope(response, status, code)


@pytest.mark.parametrize(
    "value", ["²", "٣", "2^63", str(2**63), "9" * 30, "-1", "0", "1.5", " 1", "1e3", ""]
)
@pytest.mark.parametrize("name", ["page", "limit"])
@pytest.mark.parametrize(
    "template", ["/tracks", "/mix-chats", "/history", "/mix-chats/{thread}/runs"]
)
def test_integer_parameters_are_range_checked(client, headers, ids, template, name, value):
    response = client.get(f"{_path(template, ids)}?{name}={value}", headers=headers)
    body = _assert_envelope(response, 422, "VALIDATION_ERROR")
    assert body["error"]["details"]["fields"][0]["field"] == name


@pytest.mark.database
def test_the_largest_page_answers_an_empty_page(client, headers):
    response = client.get("/api/v1/tracks?page=1000000", headers=headers)
    assert response.status_code == 200 and response.get_json()["items"] == []


@pytest.mark.database
@pytest.mark.parametrize(
    "cursor",
    [
        "bm9wZQ",  # "nope"
        "%00",
        "W10",  # []
        "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwgIngiXQ",  # year 1 at +14:00 (overflows UTC)
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgMV0",  # a number for the id
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwgIlx1MDAwMCJd",  # NUL in the id
        "!!!!",
        "W" * 5000,
    ],
    ids=["nope", "nul", "empty-list", "overflow", "numeric-id", "nul-id", "bangs", "long"],
)
def test_malformed_cursors_are_400(client, headers, ids, cursor):
    response = client.get(
        f"/api/v1/mix-chats/{ids['thread']}/messages?cursor={cursor}", headers=headers
    )
    if "%00" in cursor:
        _assert_envelope(response, 422, "INVALID_CHARACTERS")
    else:
        _assert_envelope(response, 400, "INVALID_CURSOR")


@pytest.mark.database
@pytest.mark.parametrize(
    "event_id", ["1" * 40, str(2**31), "-1", "²", "1.0", "abc", "0x10", "1" * 11]
)
def test_malformed_last_event_ids_are_400(app, client, api, event_id):
    from intellimix.runs import service

    body = api.register(email="sse@example.com")
    with app.app_context():
        run_id = service.create_run(user_id=body["user"]["id"], kind="test_heavy", input={}).id
    response = client.get(
        f"/api/v1/mix-chat-runs/{run_id}/events",
        headers={**api.bearer(body["access_token"]), "Last-Event-ID": event_id},
    )
    _assert_envelope(response, 400, "INVALID_EVENT_ID")


# --- body limits on the bytes actually read -------------------------------------------------


@pytest.fixture
def served(app) -> Iterator[str]:
    """The app on a real HTTP server (werkzeug's, which terminates chunked bodies)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _chunked_post(base: str, path: str, chunks: Iterator[bytes]) -> tuple[int, dict]:
    import http.client

    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request(
        "POST",
        path,
        body=chunks,
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    status, payload = response.status, response.read()
    connection.close()
    return status, json.loads(payload)


def test_a_chunked_body_over_the_limit_is_413_without_being_read(app, served):
    sent = 0

    def fifty_megabytes() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"email": "a@b.io", "password": "'
        for _ in range(50 * 16):
            sent += 64 * 1024
            yield b"x" * (64 * 1024)
        yield b'"}'

    try:
        status, body = _chunked_post(served, "/api/v1/auth/login", fifty_megabytes())
    except (ConnectionResetError, BrokenPipeError):
        return  # the server stopped reading and hung up: nothing beyond the limit was read
    assert status == 413 and body["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_chunked_body_under_the_limit_is_read(app, served):
    def body() -> Iterator[bytes]:
        yield b'{"email": "nobody@example.com",'
        yield b' "password": "wrong password"}'

    status, payload = _chunked_post(served, "/api/v1/auth/login", body())
    assert status == 401 and payload["error"]["code"] == "INVALID_CREDENTIALS"


# --- 429 bodies, limiter storage down --------------------------------------------------------


def test_a_429_body_names_the_rate_not_a_python_object(make_app):
    app = make_app(AUTH_FAILURE_LIMIT_PER_EMAIL="2 per minute")
    client = app.test_client()
    for _ in range(2):
        client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "wrong"})
    response = client.post("/api/v1/auth/login", json={"email": "x@example.com", "password": "w"})
    body = _assert_envelope(response, 429, "RATE_LIMITED")
    text = json.dumps(body)
    assert "<function" not in text and "Limit(" not in text and "0x" not in text
    assert body["error"]["details"] == {"limit": "2 per 1 minute"}
    assert int(response.headers["Retry-After"]) > 0


def test_redis_down_the_limiter_counts_in_process_and_health_says_degraded(make_app, caplog):
    app = make_app(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
        AUTH_FAILURE_LIMIT_PER_EMAIL="3 per minute",
    )
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        registered = client.post(
            "/api/v1/auth/register",
            json={"name": "R", "email": "r@example.com", "password": "long enough"},
        )
    assert registered.status_code == 201, registered.get_json()
    assert "falling back to in-memory" in caplog.text
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "r@example.com", "password": "long enough"}
        ).status_code
        == 200
    )
    refreshed = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": registered.get_json()["refresh_token"]}
    )
    assert refreshed.status_code == 200
    statuses = [
        client.post("/api/v1/auth/login", json={"email": "r@example.com", "password": "bad"})
        for _ in range(4)
    ]
    assert [r.status_code for r in statuses] == [401, 401, 401, 429]  # still limited
    health = client.get("/api/v1/health").get_json()
    assert health["checks"]["rate_limits"]["status"] == "degraded"


# --- file names, logs, token lifetime, HSTS -------------------------------------------------


def _multipart(filename_header: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body whose part header carries `filename_header` exactly as given."""
    boundary = "----intellimix-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; {filename_header}\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "filename_header",
    [
        "filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3D1.wav",
        "filename*=UTF-8''track%E2%80%AEgnp.wav",  # right-to-left override
        "filename*=UTF-8''a%00b.wav",
        "filename*=UTF-8''%E2%81%A6left%E2%81%A9%E2%80%8F.wav",
        'filename="tab\there.wav"',
    ],
)
def test_upload_names_lose_control_and_bidi_characters(
    app, client, headers, tmp_path, filename_header
):
    wav = write_wav(tmp_path / "t.wav", tone(seconds=3), 44100)
    body, content_type = _multipart(filename_header, wav.read_bytes())
    response = client.post(
        "/api/v1/tracks", data=body, headers={**headers, "Content-Type": content_type}
    )
    assert response.status_code == 202, response.get_json()
    track = response.get_json()["track"]
    stored = track["original_filename"]
    for bad in ("\r", "\n", "\t", "\x00", "\u202e", "\u2066", "\u2069", "\u200f"):
        assert bad not in stored and bad not in track["title"]
    assert stored.endswith(".wav")
    audio = client.get(f"/api/v1/tracks/{track['id']}/audio", headers=headers)
    assert audio.status_code == 200
    assert "\r" not in audio.headers["Content-Disposition"]


def test_a_stored_name_with_crlf_still_downloads(app, client, headers, tmp_path):
    """Rows written before names were cleaned: the download cleans them again."""
    wav = write_wav(tmp_path / "t.wav", tone(seconds=3), 44100)
    track_id = client.post(
        "/api/v1/tracks",
        data={"file": (bytes_io.BytesIO(wav.read_bytes()), "t.wav")},
        headers=headers,
        content_type="multipart/form-data",
    ).get_json()["track"]["id"]
    with app.app_context():
        db.session.get(Track, track_id).original_filename = "evil\r\nX: y.wav"
        db.session.commit()
    response = client.get(f"/api/v1/tracks/{track_id}/audio", headers=headers)
    assert response.status_code == 200
    assert "\n" not in response.headers["Content-Disposition"]


def test_a_newline_in_the_url_cannot_forge_a_log_line(client):
    from intellimix.logs import _TEXT_FORMAT, TextFormatter

    written = io.StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(TextFormatter(_TEXT_FORMAT))
    access = logging.getLogger("intellimix.access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        client.get("/api/v1/nothing%0a2026-01-01 INFO intellimix.access forged%0d")
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    lines = written.getvalue().splitlines()
    assert len(lines) == 1 and "\\n2026-01-01" in lines[0] and "\\r" in lines[0]


def test_text_logs_use_the_escaping_formatter():
    from intellimix.logs import TextFormatter, configure_logging

    configure_logging(level="WARNING", fmt="text")
    ours = [h for h in logging.getLogger().handlers if getattr(h, "_intellimix", False)]
    assert isinstance(ours[0].formatter, TextFormatter)


@pytest.mark.parametrize("minutes", ["0", "-5"])
def test_access_token_minutes_below_one_is_refused(minutes):
    with pytest.raises(ConfigError, match="JWT_ACCESS_TOKEN_MINUTES"):
        from intellimix.config import check_settings

        check_settings(load_config({"JWT_ACCESS_TOKEN_MINUTES": minutes}))


def test_create_app_refuses_access_tokens_without_expiry(make_app):
    with pytest.raises(ConfigError):
        make_app(JWT_ACCESS_TOKEN_MINUTES=0)


def test_hsts_in_production_only(make_app):
    dev = make_app().test_client().get("/api/v1/health")
    assert "Strict-Transport-Security" not in dev.headers
    prod = make_app(ENV_NAME="production").test_client().get("/api/v1/health")
    assert prod.headers["Strict-Transport-Security"].startswith("max-age=31536000")
