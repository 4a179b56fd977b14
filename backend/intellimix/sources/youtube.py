"""YouTube through pytubefix: the best audio-only stream, metadata, search, coded errors.

Kept thin on purpose: everything YouTube-specific is pytubefix's. `youtube` and `search` are
pytubefix's `YouTube` and `Search` classes unless a caller passes others with the same shape
(the tests do: YouTube is not reachable from CI).
"""

from __future__ import annotations

import re
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytubefix
from pytubefix import exceptions as yt

from intellimix.sources.errors import (
    InvalidSourceUrl,
    SearchUnavailable,
    SourceError,
    SourceTooLarge,
    SourceUnavailable,
    SourceUnreachable,
)
from intellimix.sources.models import Download, ProgressFn, SourceMetadata, SourceSettings

HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)
_VIDEO_ID = re.compile(r"(?:v=|/)([0-9A-Za-z_-]{11})(?:[?&#/]|$)")
# pytubefix's exceptions, most specific first → our codes and what a person is told.
_UNAVAILABLE: tuple[tuple[type[Exception], str, str], ...] = (
    (yt.AgeRestrictedError, "SOURCE_AGE_RESTRICTED", "This video is age-restricted."),
    (yt.AgeCheckRequiredError, "SOURCE_AGE_RESTRICTED", "This video is age-restricted."),
    (yt.AgeCheckRequiredAccountError, "SOURCE_AGE_RESTRICTED", "This video is age-restricted."),
    (yt.VideoPrivate, "SOURCE_PRIVATE", "This video is private."),
    (yt.MembersOnly, "SOURCE_PRIVATE", "This video is for channel members only."),
    (yt.VideoRegionBlocked, "SOURCE_REGION_BLOCKED", "This video is blocked in this region."),
    (yt.VideoBlockedByCopyright, "SOURCE_REGION_BLOCKED", "This video is blocked in this region."),
    (yt.LiveStreamError, "SOURCE_LIVE", "This is a live stream; only finished videos import."),
    (yt.LiveStreamOffline, "SOURCE_LIVE", "This is a live stream; only finished videos import."),
    (yt.VideoUnavailable, "SOURCE_UNAVAILABLE", "This video is unavailable (removed or blocked)."),
)


class YouTubeProvider:
    name = "youtube"

    def __init__(
        self,
        settings: SourceSettings,
        *,
        youtube: Callable[..., Any] = pytubefix.YouTube,
        search: Callable[..., Any] = pytubefix.Search,
    ) -> None:
        self.settings = settings
        self._youtube = youtube
        self._search = search

    def handles(self, url: str) -> bool:
        host = (urlsplit(url.strip()).hostname or "").lower()
        return host in HOSTS

    def identify(self, url: str) -> SourceMetadata:
        canonical = watch_url(url)
        return SourceMetadata(
            url=canonical, title=f"YouTube video {canonical[-11:]}", provider=self.name
        )

    def resolve(self, url: str) -> SourceMetadata:
        with _mapped_errors():
            video = self._youtube(watch_url(url))
            video.check_availability()
            return _metadata(video)

    def download(
        self, url: str, target: Path, *, on_progress: ProgressFn, video: bool = False
    ) -> Download:
        """The best audio-only stream; with `video`, the best progressive MP4 stream."""
        total: list[int | None] = [None]

        def progress(_stream: Any, _chunk: bytes, bytes_remaining: int) -> None:
            size = total[0] or 0
            on_progress(max(size - bytes_remaining, 0), total[0])

        try:
            with _mapped_errors():
                found = self._youtube(watch_url(url), on_progress_callback=progress)
                found.check_availability()
                metadata = _metadata(found)
                stream = _best_stream(found.streams, video=video)
                if stream is None:
                    raise SourceUnavailable(
                        "This video has no stream to download.", code="SOURCE_NO_AUDIO"
                    )
                size = int(stream.filesize)
                total[0] = size
                if size > self.settings.max_bytes:
                    raise SourceTooLarge(
                        f"The audio is larger than the "
                        f"{self.settings.max_bytes / (1024 * 1024):.0f} MB limit."
                    )
                written = stream.download(
                    output_path=str(target.parent),
                    filename=target.name,
                    skip_existing=False,
                    timeout=int(self.settings.read_timeout_s),
                    max_retries=0,
                )
            if written is None or not target.exists():
                raise SourceUnreachable("The download stopped before it finished.")
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return Download(path=target, metadata=metadata, file_name=metadata.title)

    def search(self, query: str, *, limit: int) -> list[SourceMetadata]:
        try:
            with _mapped_errors():
                videos = list(self._search(query).videos)[:limit]
                return [_metadata(video) for video in videos]
        except SourceError as exc:
            raise SearchUnavailable("YouTube search is not reachable right now.") from exc


def _best_stream(streams: Any, *, video: bool) -> Any:
    if video:
        return (
            streams.filter(progressive=True, file_extension="mp4")
            .order_by("resolution")
            .desc()
            .first()
        )
    return streams.filter(only_audio=True).order_by("abr").desc().first()


def watch_url(url: str) -> str:
    """The canonical watch url of a video link (youtu.be, /shorts/, /embed/, music.)."""
    match = _VIDEO_ID.search(url.strip())
    if match is None:
        raise InvalidSourceUrl("That YouTube link does not name a video.")
    return f"https://www.youtube.com/watch?v={match.group(1)}"


def _metadata(video: Any) -> SourceMetadata:
    length = video.length
    return SourceMetadata(
        url=watch_url(video.watch_url),
        title=str(video.title)[:300],
        artist=(str(video.author)[:300] or None) if video.author else None,
        duration_s=float(length) if length else None,
        thumbnail_url=video.thumbnail_url or None,
        provider=YouTubeProvider.name,
    )


@contextmanager
def _mapped_errors() -> Iterator[None]:
    """pytubefix's and the network's exceptions → our coded errors (no upstream text)."""
    try:
        yield
    except SourceError:
        raise
    except yt.PytubeFixError as exc:
        for kind, code, message in _UNAVAILABLE:
            if isinstance(exc, kind):
                raise SourceUnavailable(message, code=code) from exc
        raise SourceUnreachable("YouTube could not be read right now.") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SourceUnreachable("YouTube could not be reached.") from exc
