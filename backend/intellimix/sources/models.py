"""What providers return and the limits they work within."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

# `on_progress(bytes_done, bytes_total or None)`; raising from it stops the download (that is
# how a cancelled run stops one) and the partial file is deleted.
ProgressFn = Callable[[int, int | None], None]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class SourceSettings:
    """Limits of every fetch; `allowed_hosts` may name hosts on private networks (tests, LAN)."""

    allowed_hosts: frozenset[str] = frozenset()
    max_bytes: int = DEFAULT_MAX_BYTES
    max_seconds: float | None = None
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    download_timeout_s: float = 600.0
    max_redirects: int = MAX_REDIRECTS


@dataclass(frozen=True)
class SourceMetadata:
    """A song behind a link: `url` is canonical (the same song always has the same one)."""

    url: str
    title: str
    artist: str | None = None
    duration_s: float | None = None
    thumbnail_url: str | None = None
    provider: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "artist": self.artist,
            "duration_s": self.duration_s,
            "thumbnail_url": self.thumbnail_url,
            "url": self.url,
            "provider": self.provider,
        }


@dataclass(frozen=True)
class Download:
    """A downloaded file and what is known of it (a direct link learns its file name)."""

    path: Path
    metadata: SourceMetadata
    file_name: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class SourceProvider(Protocol):
    """One place songs come from."""

    name: str

    def handles(self, url: str) -> bool:
        """Whether this provider owns links like `url`."""
        ...

    def identify(self, url: str) -> SourceMetadata:
        """The link checked and made canonical, with a provisional title; fetches nothing."""
        ...

    def resolve(self, url: str) -> SourceMetadata:
        """Metadata of the song at `url`, with its canonical url; fast, no media download."""
        ...

    def download(
        self, url: str, target: Path, *, on_progress: ProgressFn, video: bool = False
    ) -> Download:
        """The song's audio (with its picture when `video`, where the source has one) written
        to `target`; nothing is left at `target` on any failure."""
        ...

    def search(self, query: str, *, limit: int) -> list[SourceMetadata]:
        """Candidates for a free-text query, best first (empty when it cannot search)."""
        ...
