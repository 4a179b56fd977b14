"""A search provider over a fixed list (the tests' stand-in for YouTube search).

Registered as `catalogue` when this module is imported (`SOURCE_PROVIDER_MODULES`); its
songs' urls point at the tests' local media server, so importing one is a real direct-link
download. `UNREACHABLE` makes every search fail as a network outage would.
"""

from __future__ import annotations

from pathlib import Path

from intellimix.sources.errors import SearchUnavailable
from intellimix.sources.models import Download, ProgressFn, SourceMetadata, SourceSettings
from intellimix.sources.registry import register_provider

SONGS: list[SourceMetadata] = []
UNREACHABLE = {"value": False}


class CatalogueProvider:
    name = "catalogue"

    def __init__(self, settings: SourceSettings) -> None:
        self.settings = settings

    def handles(self, url: str) -> bool:
        return False  # its songs are direct links

    def identify(self, url: str) -> SourceMetadata:
        raise NotImplementedError

    def resolve(self, url: str) -> SourceMetadata:
        raise NotImplementedError

    def download(
        self, url: str, target: Path, *, on_progress: ProgressFn, video: bool = False
    ) -> Download:
        raise NotImplementedError

    def search(self, query: str, *, limit: int) -> list[SourceMetadata]:
        if UNREACHABLE["value"]:
            raise SearchUnavailable("The catalogue is down.")
        words = query.lower().split()
        found = [song for song in SONGS if all(w in song.title.lower() for w in words)]
        return found[:limit]


register_provider(CatalogueProvider.name, CatalogueProvider)
