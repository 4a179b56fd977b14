"""The built web app at `/`: client routes get index.html, /api never does, headers are strict."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from .audio.media import tone, write_wav
from .conftest import Api
from .test_errors import assert_envelope

INDEX = '<!doctype html><div id="root"></div><script type="module" src="/assets/app-abc123.js">'
SCRIPT = "console.log('studio');"
SECRET = "top-secret-outside-dist"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A built app in tmp/site/dist, with a secret beside it and a folder it must never serve."""
    root = tmp_path / "site"
    (root / "dist" / "assets").mkdir(parents=True)
    (root / "dist" / "index.html").write_text(INDEX)
    (root / "dist" / "robots.txt").write_text("User-agent: *\n")
    (root / "dist" / "assets" / "app-abc123.js").write_text(SCRIPT)
    (root / "secret").write_text(SECRET)
    (root / "dist" / "secret").mkdir()  # a folder is not a file to serve either
    return root / "dist"


@pytest.fixture
def web(make_app, dist: Path) -> FlaskClient:
    return make_app(WEB_DIST_DIR=str(dist)).test_client()


def assert_security_headers(response) -> None:
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"


def assert_index(response) -> None:
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == INDEX
    assert response.headers["Cache-Control"] == "no-cache"
    assert_security_headers(response)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/studio",
        "/studio/threads/123",
        "/studio/threads/123/",
        "/library?q=night",
        "/apis",
        "/assetsfoo",
        "/index.html",
    ],
)
def test_pages_and_client_routes_get_index_html(web, path):
    assert_index(web.get(path))


def test_head_answers_like_get_without_a_body(web):
    response = web.head("/studio/threads/123")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data() == b""


def test_index_html_revalidates_with_its_etag(web):
    etag = web.get("/").headers["ETag"]
    assert web.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_hashed_assets_are_cached_for_a_year(web):
    response = web.get("/assets/app-abc123.js")
    assert response.status_code == 200
    assert response.mimetype in ("text/javascript", "application/javascript")
    assert response.get_data(as_text=True) == SCRIPT
    directives = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=31536000", "immutable"}
    assert_security_headers(response)


def test_other_top_level_build_files_are_served_and_revalidated(web):
    response = web.get("/robots.txt")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "User-agent: *\n"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["/assets/missing.js", "/assets/app-abc123.js/x", "/assets/a/b.css", "/assets/", "/assets"],
)
def test_missing_assets_are_404_not_index_html(web, path):
    response = web.get(path)
    assert response.status_code == 404
    assert INDEX not in response.get_data(as_text=True)
    assert_envelope(response, 404)


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api", "/api/", "/api/v1/", "/api/v2/health", "/api/v1/auth/me/x"]
)
def test_api_paths_never_fall_back_to_index_html(web, path):
    error = assert_envelope(web.get(path), 404)
    assert error["code"] == "NOT_FOUND"


def test_api_keeps_its_405_and_json(web):
    response = web.get("/api/v1/auth/register")
    assert assert_envelope(response, 405)["code"] == "METHOD_NOT_ALLOWED"
    assert "POST" in response.headers["Allow"]
    health = web.get("/api/v1/health")
    assert health.mimetype == "application/json"
    assert_security_headers(health)


def test_audio_files_still_play_beside_the_web_app(web, tmp_path):
    """What an <audio> element on the served page does: a signed url, then Range requests."""
    api = Api(web)
    token = api.register()["access_token"]
    wav = write_wav(tmp_path / "t.wav", tone(seconds=0.5), 44100)
    upload = web.post(
        "/api/v1/tracks",
        data={"file": (wav.open("rb"), "t.wav")},
        headers=api.bearer(token),
        content_type="multipart/form-data",
    )
    audio_url = upload.get_json()["track"]["audio_url"]
    assert audio_url.startswith("/api/v1/")  # same origin: allowed by media-src 'self'
    whole = web.get(audio_url)
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.data == wav.read_bytes()
    assert_security_headers(whole)
    part = web.get(audio_url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == wav.read_bytes()[:100]


@pytest.mark.parametrize(
    "path",
    [
        "/..%2fsecret",
        "/..%2f..%2fetc/passwd",
        "/%2e%2e/secret",
        "/../secret",
        "/assets/../../secret",
        "/assets/..%2f..%2fsecret",
        "/assets/%2e%2e/%2e%2e/secret",
        "/assets/../secret",
        "//etc/passwd",
        "/etc/passwd",
        "/secret",
        "/secret/",
        "/%00",
        "/index.html%00.js",
    ],
)
def test_paths_outside_dist_are_never_served(web, path):
    response = web.get(path)
    body = response.get_data(as_text=True)
    assert SECRET not in body and "root:" not in body
    assert response.status_code in (200, 400, 404, 422)  # 422: a NUL in the path
    if response.status_code == 200:
        assert_index(response)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/studio/threads/123", "/assets/app-abc123.js"])
def test_only_get_and_head(web, method, path):
    response = web.open(path, method=method)
    assert assert_envelope(response, 405)["code"] == "METHOD_NOT_ALLOWED"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


@pytest.mark.parametrize("path", ["/", "/studio/threads/123"])
def test_unbuilt_app_answers_503_with_how_to_build(make_app, tmp_path, path):
    empty = tmp_path / "empty-dist"
    (empty / "assets").mkdir(parents=True)
    client = make_app(WEB_DIST_DIR=str(empty)).test_client()
    response = client.get(path)
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "not built" in body and "make run" in body and "npm run build" in body
    assert_security_headers(response)


def test_missing_dist_folder_is_503_and_api_still_works(client):
    """The test config points at no build at all, like a fresh checkout."""
    assert client.get("/").status_code == 503
    assert client.get("/assets/app.js").status_code == 404
    assert client.get("/api/v1/health").mimetype == "application/json"


def test_web_dist_dir_defaults_to_the_repository_frontend_build(tmp_path):
    from intellimix.config import load_config

    repo = Path(__file__).resolve().parents[2]
    assert load_config({"INSTANCE_DIR": str(tmp_path)})["WEB_DIST_DIR"] == str(
        repo / "frontend" / "dist"
    )
    chosen = load_config({"INSTANCE_DIR": str(tmp_path), "WEB_DIST_DIR": str(tmp_path / "web")})
    assert chosen["WEB_DIST_DIR"] == str(tmp_path / "web")
