"""Direct-link downloads against a real local HTTP server: formats, limits, redirects, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intellimix.audio.errors import UndecodableAudio
from intellimix.sources import errors
from intellimix.sources.direct import DirectLinkProvider, canonical_url
from intellimix.sources.models import SourceSettings
from intellimix.sources.registry import fetch_audio

from .audio.media import tone, transcode, video_with_audio, write_wav
from .media_server import MediaServer, Route

ALLOWED = SourceSettings(
    allowed_hosts=frozenset({"127.0.0.1"}),
    max_bytes=2 * 1024 * 1024,
    connect_timeout_s=2.0,
    read_timeout_s=0.5,
)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("direct-media")
    wav = write_wav(folder / "tone.wav", tone(seconds=3.0), 44100)
    return {
        "mp3": transcode(wav, folder / "tone.mp3").read_bytes(),
        "mp4": video_with_audio(wav, folder / "clip.mp4").read_bytes(),
        "wav": wav.read_bytes(),
    }


@pytest.fixture
def server() -> Iterator[MediaServer]:
    with MediaServer() as running:
        yield running


def _fetch(url: str, target: Path, settings: SourceSettings = ALLOWED, progress=None):
    seen: list[tuple[int, int | None]] = []
    provider = DirectLinkProvider(settings)
    result = fetch_audio(
        provider,
        url,
        target,
        on_progress=progress or (lambda done, total: seen.append((done, total))),
        max_seconds=60,
    )
    return result, seen


@pytest.mark.parametrize(("kind", "extension"), [("mp3", "mp3"), ("mp4", "mp4"), ("wav", "wav")])
def test_audio_and_video_files_download_and_decode(server, media, tmp_path, kind, extension):
    url = server.add(f"/songs/Night_Drive.{kind}", Route(body=media[kind]))
    (download, info), seen = _fetch(url, tmp_path / "got")
    assert download.path.read_bytes() == media[kind]
    assert info.extension == extension and abs(info.duration_s - 3.0) < 0.1
    assert download.metadata.title == "Night Drive"
    assert download.file_name == f"Night_Drive.{kind}"
    assert seen[-1] == (len(media[kind]), len(media[kind]))


def test_chunked_transfer_without_a_length(server, media, tmp_path):
    body = media["mp3"]
    url = server.add(
        "/chunked.mp3",
        Route(body=lambda: iter(body[i : i + 1000] for i in range(0, len(body), 1000))),
    )
    (download, info), seen = _fetch(url, tmp_path / "got")
    assert download.path.read_bytes() == body
    assert seen and all(total is None for _, total in seen)


@pytest.mark.parametrize("length", ["\u00b2", "12abc", "-5"])
def test_a_length_header_that_is_no_number_is_ignored(server, media, tmp_path, length):
    """A server's Content-Length that is not ASCII digits ("²" passes str.isdigit()) is read as
    unknown; the body still streams under the size cap."""
    chunks = [media["mp3"][i : i + 8192] for i in range(0, len(media["mp3"]), 8192)]
    url = server.add(
        "/odd.mp3", Route(body=lambda: iter(chunks), headers={"Content-Length": length})
    )
    (download, _info), seen = _fetch(url, tmp_path / "odd")
    assert download.path.read_bytes() == media["mp3"]
    assert seen and all(total is None for _, total in seen)


def test_a_redirect_chain_of_five_is_followed_and_six_is_refused(server, media, tmp_path):
    server.add("/final.mp3", Route(body=media["mp3"]))
    for hop in range(6):
        target = "/final.mp3" if hop == 0 else f"/hop{hop - 1}"
        server.redirect(f"/hop{hop}", target, status=301 if hop % 2 else 302)
    (download, _), _ = _fetch(server.url("/hop4"), tmp_path / "five")
    assert download.path.stat().st_size == len(media["mp3"])
    with pytest.raises(errors.TooManyRedirects):
        _fetch(server.url("/hop5"), tmp_path / "six")
    assert not (tmp_path / "six").exists()


def test_content_disposition_names_the_file(server, media, tmp_path):
    url = server.add(
        "/download",
        Route(
            body=media["mp3"],
            headers={"Content-Disposition": 'attachment; filename="Dua Lipa - Levitating.mp3"'},
        ),
    )
    (download, _), _ = _fetch(f"{url}?id=7", tmp_path / "got")
    assert download.file_name == "Dua Lipa - Levitating.mp3"


def test_not_found(server, tmp_path):
    with pytest.raises(errors.SourceNotFound):
        _fetch(server.url("/missing.mp3"), tmp_path / "got")
    assert not (tmp_path / "got").exists()


def test_a_stalled_server_times_out(server, tmp_path):
    url = server.add("/stall.mp3", Route(stall=True))
    with pytest.raises(errors.SourceTimeout):
        _fetch(url, tmp_path / "got")
    assert not (tmp_path / "got").exists()


def test_a_body_that_stalls_midway_times_out(server, media, tmp_path):
    def first_then_nothing() -> Iterator[bytes]:
        yield media["mp3"][:5000]
        server.stopping.wait(30)

    url = server.add("/half.mp3", Route(body=first_then_nothing))
    with pytest.raises(errors.SourceTimeout):
        _fetch(url, tmp_path / "got")
    assert not (tmp_path / "got").exists()


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_oversized_body_stops_at_the_cap_with_nothing_on_disk(server, tmp_path, declared):
    def endless() -> Iterator[bytes]:
        while True:
            yield b"\0" * (64 * 1024)

    route = Route(body=b"\0" * (ALLOWED.max_bytes + 1)) if declared else Route(body=endless)
    url = server.add("/big.mp3", route)
    seen: list[int] = []
    with pytest.raises(errors.SourceTooLarge):
        _fetch(url, tmp_path / "got", progress=lambda done, _total: seen.append(done))
    assert list(tmp_path.iterdir()) == []
    # A declared size over the cap is refused before reading; an undeclared one at the cap.
    assert seen == [] if declared else max(seen) <= ALLOWED.max_bytes


def test_html_served_as_mp3_is_undecodable(server, tmp_path):
    url = server.add(
        "/song.mp3",
        Route(
            body=b"<!doctype html><html><body>Not audio</body></html>" * 50,
            headers={"Content-Type": "audio/mpeg"},
        ),
    )
    with pytest.raises(UndecodableAudio) as caught:
        _fetch(url, tmp_path / "got")
    assert caught.value.status == 415
    assert not (tmp_path / "got").exists()


def test_raising_from_progress_cancels_and_deletes_the_partial_file(server, media, tmp_path):
    url = server.add("/slow.mp3", Route(body=lambda: iter([media["wav"][:300_000]] * 2)))

    class Cancelled(Exception):
        pass

    def cancel(done: int, _total: int | None) -> None:
        assert (tmp_path / "got").exists()
        raise Cancelled

    with pytest.raises(Cancelled):
        _fetch(url, tmp_path / "got", progress=cancel)
    assert not (tmp_path / "got").exists()


def test_loopback_without_the_allow_list_is_refused_before_any_request(server, media, tmp_path):
    url = server.add("/song.mp3", Route(body=media["mp3"]))
    with pytest.raises(errors.SourceRefused):
        _fetch(url, tmp_path / "got", settings=SourceSettings())
    assert server.requests == []


def test_a_redirect_from_an_allowed_host_to_a_private_address_is_refused(server, media, tmp_path):
    server.add("/song.mp3", Route(body=media["mp3"]))
    # 127.0.0.2 is the same machine, reached by an address the allow-list does not name.
    url = server.redirect("/out", server.url("/song.mp3", host="127.0.0.2"))
    with pytest.raises(errors.SourceRefused):
        _fetch(url, tmp_path / "got")
    assert server.requests == ["/out"]
    assert not (tmp_path / "got").exists()


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/a.mp3", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"],
)
def test_other_schemes_are_refused(url, tmp_path):
    with pytest.raises(errors.SourceRefused):
        _fetch(url, tmp_path / "got")


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("HTTP://Example.COM:80/a.mp3#t=3", "http://example.com/a.mp3"),
        ("https://example.com:443/a.mp3?x=1", "https://example.com/a.mp3?x=1"),
        ("http://example.com:8080", "http://example.com:8080/"),
    ],
)
def test_canonical_url(given, canonical):
    assert canonical_url(given) == canonical
