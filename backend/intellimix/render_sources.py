"""Where `intellimix render` finds its tracks: `DIR/<track_id>.<ext>`, exactly one decodable file.

`DIR/<track_id>.analysis.json` is used when present, else the track is analysed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from intellimix.audio import io
from intellimix.audio.analysis import analyze_file
from intellimix.audio.errors import AudioError
from intellimix.audio.mixdown import TrackSource


class TrackResolutionError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def resolve_tracks(track_ids: Iterable[str], folder: Path) -> dict[str, TrackSource]:
    """Every plan track's file and analysis; raises before anything is rendered."""
    found: dict[str, Path] = {}
    for track_id in sorted(set(track_ids)):
        candidates = [
            path
            for path in folder.glob(f"{_glob_escape(track_id)}.*")
            if path.stem == track_id and not path.name.endswith(".analysis.json") and _decodes(path)
        ]
        if not candidates:
            raise TrackResolutionError(
                "TRACK_NOT_FOUND", f"No decodable file {folder}/{track_id}.<ext> for this plan."
            )
        if len(candidates) > 1:
            names = ", ".join(sorted(path.name for path in candidates))
            raise TrackResolutionError(
                "TRACK_AMBIGUOUS", f"Several files for {track_id!r}: {names}"
            )
        found[track_id] = candidates[0]
    return {track_id: TrackSource(path, _analysis(path)) for track_id, path in found.items()}


def _analysis(path: Path) -> dict:
    stored = path.with_name(f"{path.stem}.analysis.json")
    if stored.is_file():
        data = json.loads(stored.read_text())
        return dict(data.get("analysis", data))
    return analyze_file(path)


def _decodes(path: Path) -> bool:
    try:
        io.probe(path)
    except AudioError:
        return False
    return True


def _glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in text)
