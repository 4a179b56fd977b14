"""Where media lives: a local folder now (S3-compatible later), addressed by generated keys.

Keys are built by the app (ids and fixed names), never from user input; `path()` still refuses
anything that would leave the root.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import IO

from flask import Flask, current_app

CHUNK_BYTES = 1024 * 1024


class Storage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        resolved = (self.root / key).resolve()
        if not resolved.is_relative_to(self.root) or resolved == self.root:
            raise ValueError(f"storage key escapes the storage root: {key!r}")
        return resolved

    def scratch_path(self) -> Path:
        """A fresh file name in the storage's own scratch folder (same disk: moves are renames)."""
        folder = self.root / "scratch"
        folder.mkdir(exist_ok=True)
        return folder / uuid.uuid4().hex

    def save_stream(self, stream: IO[bytes], target: Path) -> int:
        """Copy a stream to `target` in chunks; returns the bytes written."""
        written = 0
        with target.open("wb") as handle:
            while chunk := stream.read(CHUNK_BYTES):
                handle.write(chunk)
                written += len(chunk)
        return written

    def move_into(self, source: Path, key: str) -> Path:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        return target

    def delete_tree(self, key: str) -> None:
        """Delete a key's folder (e.g. everything of one track)."""
        shutil.rmtree(self.path(key), ignore_errors=True)


def init_storage(app: Flask) -> None:
    app.extensions["intellimix_storage"] = Storage(Path(app.config["STORAGE_DIR"]))


def get_storage() -> Storage:
    storage: Storage = current_app.extensions["intellimix_storage"]
    return storage
