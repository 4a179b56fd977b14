"""Title and artist from a file's tags (mutagen), else from its name."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

import mutagen

from intellimix.safe_text import strip_unsafe

_SEPARATOR = re.compile(r"\s+-\s+")


def read_title_artist(path: Path, *, fallback_name: str) -> tuple[str, str | None]:
    title, artist = _tags(path)
    if title:
        return title, artist
    name_title, name_artist = _from_filename(fallback_name)
    return name_title, artist or name_artist


def _tags(path: Path) -> tuple[str | None, str | None]:
    try:
        meta = mutagen.File(str(path), easy=True)
    except Exception:  # mutagen raises many exception types on odd files; tags are optional
        return None, None
    if meta is None or not meta.tags:
        return None, None
    return _first(meta.tags.get("title")), _first(meta.tags.get("artist"))


def _first(values: object) -> str | None:
    """The first tag value, without characters that cannot be stored or shown safely."""
    if isinstance(values, list) and values:
        value = strip_unsafe(str(values[0])).strip()
        return value[:300] or None
    return None


def _from_filename(name: str) -> tuple[str, str | None]:
    """`Artist - Title.mp3` → (Title, Artist); `night_drive.wav` → ("night drive", None)."""
    stem = PurePath(name.replace("\\", "/")).stem.replace("_", " ").strip() or "Untitled"
    parts = _SEPARATOR.split(stem, maxsplit=1)
    if len(parts) == 2 and all(parts):
        return parts[1][:300], parts[0][:300]
    return stem[:300], None
