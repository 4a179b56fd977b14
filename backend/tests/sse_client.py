"""A minimal SSE frame parser for tests (the protocol of DESIGN §7)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Frame:
    event: str
    data: dict[str, Any]
    id: int | None


def parse_frames(chunks: Iterable[bytes | str]) -> Iterator[Frame]:
    buffer = ""
    for chunk in chunks:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields: dict[str, str] = {}
            for line in block.splitlines():
                name, _, value = line.partition(": ")
                fields[name] = value
            if "event" not in fields:
                continue  # `retry:` and comments
            yield Frame(
                event=fields["event"],
                data=json.loads(fields.get("data") or "{}"),
                id=int(fields["id"]) if "id" in fields else None,
            )


def until_end(frames: Iterable[Frame]) -> list[Frame]:
    collected = []
    for frame in frames:
        collected.append(frame)
        if frame.event == "stream_end":
            break
    return collected
