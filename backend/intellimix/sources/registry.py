"""The providers of one installation: which one owns a link, and who answers a search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from intellimix.audio import io
from intellimix.sources.direct import DirectLinkProvider
from intellimix.sources.errors import SearchUnavailable, SourceError
from intellimix.sources.models import (
    Download,
    ProgressFn,
    SourceMetadata,
    SourceProvider,
    SourceSettings,
)
from intellimix.sources.safety import parse_url
from intellimix.sources.youtube import YouTubeProvider

ProviderFactory = Callable[[SourceSettings], SourceProvider]

_FACTORIES: dict[str, ProviderFactory] = {
    YouTubeProvider.name: YouTubeProvider,
    DirectLinkProvider.name: DirectLinkProvider,
}


def register_provider(name: str, factory: ProviderFactory) -> None:
    """Make `name` usable in `search_providers` (a plug-in, or a test's local catalogue)."""
    _FACTORIES[name] = factory


class Sources:
    """Links go to the first provider that claims them (the direct provider takes the rest)."""

    def __init__(self, settings: SourceSettings, *, search_providers: Sequence[str]) -> None:
        unknown = [name for name in search_providers if name not in _FACTORIES]
        if unknown:
            raise ValueError(f"unknown source providers: {', '.join(unknown)}")
        self.settings = settings
        self.searchers = [_FACTORIES[name](settings) for name in search_providers]
        direct = DirectLinkProvider(settings)
        specific = [YouTubeProvider(settings), *(s for s in self.searchers if s.name != "youtube")]
        self.link_providers: list[SourceProvider] = [*specific, direct]

    def for_url(self, url: str) -> SourceProvider:
        parse_url(url)  # scheme and host first: a bad link is refused before any provider
        return next(p for p in self.link_providers if p.handles(url))

    def resolve(self, url: str) -> SourceMetadata:
        return self.for_url(url).resolve(url)

    def search(self, query: str, *, limit: int) -> list[SourceMetadata]:
        """Every search provider's candidates, best first; unreachable only if all of them are."""
        found: list[SourceMetadata] = []
        failures = 0
        for searcher in self.searchers:
            try:
                found.extend(searcher.search(query, limit=limit))
            except SourceError:
                failures += 1
        if failures and failures == len(self.searchers):
            raise SearchUnavailable("Song search is not reachable right now.")
        if not self.searchers:
            raise SearchUnavailable("No song search is configured.")
        return found[:limit]


def fetch_audio(
    provider: SourceProvider,
    url: str,
    target: Path,
    *,
    on_progress: ProgressFn,
    max_seconds: float | None,
    video: bool = False,
) -> tuple[Download, io.AudioInfo]:
    """Download `url` to `target` and check it decodes within `max_seconds` (else deleted).

    What a server calls a file — its extension or content type — is never trusted: an HTML
    page served as `.mp3` fails here with `UNDECODABLE_AUDIO`.
    """
    download = provider.download(url, target, on_progress=on_progress, video=video)
    try:
        info = io.probe(download.path, max_seconds=max_seconds)
    except BaseException:
        download.path.unlink(missing_ok=True)
        raise
    return download, info
