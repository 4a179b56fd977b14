"""Reads a cue sheet back (independently of the writer in chats/exports.py), for the tests."""

from __future__ import annotations

import re
import shlex
from typing import Any

FRAMES_PER_SECOND = 75


def parse_cue(text: str) -> dict[str, Any]:
    """`{title, performer, file, file_type, tracks: [{number, title, performer, start_s}]}`."""
    sheet: dict[str, Any] = {"title": None, "performer": None, "file": None, "tracks": []}
    current: dict[str, Any] | None = None
    for line in text.splitlines():
        words = shlex.split(line.strip(), posix=True)
        if not words:
            continue
        command, args = words[0].upper(), words[1:]
        if command == "FILE":
            sheet["file"], sheet["file_type"] = args[0], args[1]
        elif command == "TRACK":
            assert args[1] == "AUDIO", line
            current = {"number": int(args[0]), "title": None, "performer": None, "start_s": None}
            sheet["tracks"].append(current)
        elif command in ("TITLE", "PERFORMER"):
            (current if current is not None else sheet)[command.lower()] = args[0]
        elif command == "INDEX" and args[0] == "01":
            match = re.fullmatch(r"(\d+):(\d{2}):(\d{2})", args[1])
            assert match and current is not None, line
            minutes, seconds, frames = (int(part) for part in match.groups())
            assert seconds < 60 and frames < FRAMES_PER_SECOND, line
            current["start_s"] = minutes * 60 + seconds + frames / FRAMES_PER_SECOND
        else:
            raise AssertionError(f"unexpected cue line {line!r}")
    return sheet
