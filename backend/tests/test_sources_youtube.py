"""The YouTube adapter with pytubefix's objects replaced at its boundary (no YouTube from CI).

The fakes have the shape pytubefix documents: `YouTube(url, on_progress_callback=…)` with
`check_availability()`, `title`, `author`, `length`, `thumbnail_url`, `watch_url` and `streams`
(a real `pytubefix.StreamQuery` over fake streams), streams whose `download()` calls the
progress callback as `(stream, chunk, bytes_remaining)`, and `Search(query).videos`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytubefix import StreamQuery
from pytubefix import exceptions as yt

from intellimix.sources import errors
from intellimix.sources.models import SourceSettings
from intellimix.sources.youtube import YouTubeProvider, watch_url

VIDEO_ID = "abcDEF12345"
URL = f"https://www.youtube.com/watch?v={VIDEO_ID}"


class FakeStream:
    def __init__(self, itag: int, *, abr: str | None, video: bool, payload: bytes) -> None:
        self.itag = itag
        self.abr = abr
        self.includes_audio_track = abr is not None
        self.includes_video_track = video
        self.subtype = "mp4" if itag < 200 else "webm"
        self.filesize = len(payload)
        self.payload = payload
        self.on_progress: Any = None
        self.downloads: list[dict[str, Any]] = []

    def download(self, **kwargs: Any) -> str | None:
        self.downloads.append(kwargs)
        path = Path(kwargs["output_path"]) / kwargs["filename"]
        remaining = len(self.payload)
        with path.open("wb") as handle:
            for start in range(0, len(self.payload), 1000):
                chunk = self.payload[start : start + 1000]
                handle.write(chunk)
                remaining -= len(chunk)
                if self.on_progress:
                    self.on_progress(self, chunk, remaining)
        return str(path)


class FakeVideo:
    def __init__(self, url: str, streams: list[FakeStream], error: Exception | None = None, **info):
        self.watch_url = url
        self._streams = streams
        self._error = error
        self.title = info.get("title", "Levitating (Official Audio)")
        self.author = info.get("author", "Dua Lipa")
        self.length = info.get("length", 203)
        self.thumbnail_url = info.get("thumbnail_url", "https://i.ytimg.com/vi/x/hq.jpg")

    def check_availability(self) -> None:
        if self._error is not None:
            raise self._error

    @property
    def streams(self) -> StreamQuery:
        return StreamQuery(self._streams)


def _provider(streams=None, error=None, settings=None, made=None, **info):
    streams = streams if streams is not None else _streams()

    def youtube(url: str, on_progress_callback=None):
        for stream in streams:
            stream.on_progress = on_progress_callback
        video = FakeVideo(url, streams, error, **info)
        if made is not None:
            made.append(url)
        return video

    class Search:
        def __init__(self, query: str) -> None:
            self.videos = [
                FakeVideo(f"https://www.youtube.com/watch?v=song{n:07d}", [], title=f"{query} {n}")
                for n in range(5)
            ]

    return YouTubeProvider(settings or SourceSettings(), youtube=youtube, search=Search)


def _streams() -> list[FakeStream]:
    return [
        FakeStream(18, abr="96kbps", video=True, payload=b"v" * 3000),  # progressive: has video
        FakeStream(139, abr="48kbps", video=False, payload=b"l" * 2000),
        FakeStream(140, abr="128kbps", video=False, payload=b"m" * 5000),
        FakeStream(251, abr="160kbps", video=False, payload=b"o" * 6500),
        FakeStream(137, abr=None, video=True, payload=b"x" * 9000),  # video only
    ]


@pytest.mark.parametrize(
    "link",
    [
        URL,
        f"https://youtu.be/{VIDEO_ID}",
        f"https://youtu.be/{VIDEO_ID}?t=42",
        f"https://m.youtube.com/watch?v={VIDEO_ID}&list=PL1",
        f"https://music.youtube.com/watch?v={VIDEO_ID}",
        f"https://www.youtube.com/shorts/{VIDEO_ID}",
        f"https://www.youtube.com/embed/{VIDEO_ID}",
    ],
)
def test_links_are_claimed_and_made_canonical(link):
    provider = _provider()
    assert provider.handles(link)
    assert watch_url(link) == URL


@pytest.mark.parametrize("link", ["https://vimeo.com/123", "https://youtube.evil.com/watch?v=1"])
def test_other_hosts_are_not_claimed(link):
    assert not _provider().handles(link)


def test_a_link_without_a_video_is_invalid():
    with pytest.raises(errors.InvalidSourceUrl):
        _provider().resolve("https://www.youtube.com/feed/trending")


def test_resolve_reads_title_channel_duration_thumbnail():
    made: list[str] = []
    meta = _provider(made=made).resolve(f"https://youtu.be/{VIDEO_ID}")
    assert made == [URL]
    assert meta.to_dict() == {
        "title": "Levitating (Official Audio)",
        "artist": "Dua Lipa",
        "duration_s": 203.0,
        "thumbnail_url": "https://i.ytimg.com/vi/x/hq.jpg",
        "url": URL,
        "provider": "youtube",
    }


def test_download_takes_the_best_audio_only_stream_with_progress(tmp_path):
    streams = _streams()
    seen: list[tuple[int, int | None]] = []
    download = _provider(streams).download(
        URL, tmp_path / "audio", on_progress=lambda done, total: seen.append((done, total))
    )
    assert download.path.read_bytes() == b"o" * 6500  # 160 kbps Opus, not the progressive 18
    assert streams[3].downloads[0]["skip_existing"] is False
    assert seen[0] == (1000, 6500) and seen[-1] == (6500, 6500)
    assert download.metadata.url == URL


def test_no_audio_stream(tmp_path):
    video_only = [FakeStream(137, abr=None, video=True, payload=b"x")]
    with pytest.raises(errors.SourceUnavailable) as caught:
        _provider(video_only).download(URL, tmp_path / "a", on_progress=lambda *_: None)
    assert caught.value.code == "SOURCE_NO_AUDIO"


def test_an_audio_stream_over_the_cap_is_refused_before_downloading(tmp_path):
    streams = _streams()
    with pytest.raises(errors.SourceTooLarge):
        _provider(streams, settings=SourceSettings(max_bytes=4000)).download(
            URL, tmp_path / "a", on_progress=lambda *_: None
        )
    assert all(not stream.downloads for stream in streams)
    assert not (tmp_path / "a").exists()


def test_raising_from_progress_stops_and_deletes_the_partial_file(tmp_path):
    class Stop(Exception):
        pass

    def stop(done: int, _total: int | None) -> None:
        if done >= 2000:
            raise Stop

    with pytest.raises(Stop):
        _provider().download(URL, tmp_path / "a", on_progress=stop)
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (yt.AgeRestrictedError(VIDEO_ID), "SOURCE_AGE_RESTRICTED"),
        (yt.AgeCheckRequiredError(VIDEO_ID), "SOURCE_AGE_RESTRICTED"),
        (yt.VideoPrivate(VIDEO_ID), "SOURCE_PRIVATE"),
        (yt.MembersOnly(VIDEO_ID), "SOURCE_PRIVATE"),
        (yt.VideoRegionBlocked(VIDEO_ID), "SOURCE_REGION_BLOCKED"),
        (yt.LiveStreamError(VIDEO_ID), "SOURCE_LIVE"),
        (yt.VideoUnavailable(VIDEO_ID), "SOURCE_UNAVAILABLE"),
        (yt.VideoRemovedByUploader(VIDEO_ID, "removed"), "SOURCE_UNAVAILABLE"),
        (yt.BotDetection(VIDEO_ID), "SOURCE_UNAVAILABLE"),
        (yt.RegexMatchError("get_throttling_function_name", "x"), "SOURCE_UNREACHABLE"),
        (OSError("network down"), "SOURCE_UNREACHABLE"),
    ],
)
def test_pytubefix_errors_become_coded_errors(tmp_path, error, code):
    provider = _provider(error=error)
    with pytest.raises(errors.SourceError) as on_resolve:
        provider.resolve(URL)
    with pytest.raises(errors.SourceError) as on_download:
        provider.download(URL, tmp_path / "a", on_progress=lambda *_: None)
    assert on_resolve.value.code == on_download.value.code == code
    assert VIDEO_ID not in on_resolve.value.message  # our words, not pytubefix's
    assert not (tmp_path / "a").exists()


def test_search_returns_candidates():
    found = _provider().search("Levitating", limit=3)
    assert [c.title for c in found] == ["Levitating 0", "Levitating 1", "Levitating 2"]
    assert found[0].url == "https://www.youtube.com/watch?v=song0000000"
    assert found[0].artist == "Dua Lipa" and found[0].duration_s == 203.0


def test_search_that_cannot_reach_youtube_is_unavailable():
    def unreachable(query: str):
        raise OSError("Name or service not known")

    provider = YouTubeProvider(SourceSettings(), search=unreachable)
    with pytest.raises(errors.SearchUnavailable):
        provider.search("Levitating", limit=3)
