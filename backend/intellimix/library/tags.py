"""Title, artist and genre from a file's tags (mutagen); title and artist else from its name."""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import NamedTuple

import mutagen

from intellimix.safe_text import strip_unsafe

_SEPARATOR = re.compile(r"\s+-\s+")


class FileTags(NamedTuple):
    title: str
    artist: str | None
    genre: str | None


def read_tags(path: Path, *, fallback_name: str) -> FileTags:
    title, artist, genre = _tags(path)
    if title:
        return FileTags(title, artist, genre)
    name_title, name_artist = _from_filename(fallback_name)
    return FileTags(name_title, artist or name_artist, genre)


def _tags(path: Path) -> tuple[str | None, str | None, str | None]:
    try:
        meta = mutagen.File(str(path), easy=True)
    except Exception:  # mutagen raises many exception types on odd files; tags are optional
        return None, None, None
    if meta is None or not meta.tags:
        return None, None, None
    return (
        _first(meta.tags.get("title")),
        _first(meta.tags.get("artist")),
        _first(meta.tags.get("genre"), limit=100),
    )


def _first(values: object, *, limit: int = 300) -> str | None:
    """The first tag value, without characters that cannot be stored or shown safely."""
    if isinstance(values, list) and values:
        value = strip_unsafe(str(values[0])).strip()
        return value[:limit] or None
    return None


def _from_filename(name: str) -> tuple[str, str | None]:
    """`Artist - Title.mp3` → (Title, Artist); `night_drive.wav` → ("night drive", None)."""
    stem = PurePath(name.replace("\\", "/")).stem.replace("_", " ").strip() or "Untitled"
    parts = _SEPARATOR.split(stem, maxsplit=1)
    if len(parts) == 2 and all(parts):
        return parts[1][:300], parts[0][:300]
    return stem[:300], None
