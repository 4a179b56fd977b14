"""Stems held as pieces on a timeline: (lane, output frame, samples), not full-length arrays.

A rendered segment covers its own span of the mix (with its pre/post-roll and any echo tail);
its lane is silent everywhere else. Holding each segment once, at its offset, costs about one
mix's worth of audio however many lanes there are, where one full-length array per lane cost
a mix per track (a one-hour, 20-track set: 20 × 1.4 GB at 48 kHz). A lane is summed from its
pieces only where asked (`window`), the mix by adding every piece into one array at its
offset, and a stem file is streamed block by block (`blocks`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Windows(Protocol):
    """Frames [start, stop) of a named lane, as (channels, stop − start) float32."""

    def window(self, lane: str, start: int, stop: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Piece:
    """One segment's audio on its lane; `samples[:, 0]` plays at output frame `offset`."""

    lane: str
    offset: int  # may be negative: a pre-roll before the mix starts is cut off
    samples: np.ndarray  # (channels, frames) float32


class Lanes(Mapping[str, np.ndarray]):
    """Lanes of `length` frames, each the sum of its pieces (clipped to [0, length)).

    As a mapping, `lanes[name]` builds that lane's full-length array: for tests and short
    audio. Long renders read `window`s, `blocks` and `mix()` instead.
    """

    def __init__(self, pieces: Sequence[Piece], *, length: int, channels: int = 2) -> None:
        self.length, self.channels = length, channels
        self._pieces: dict[str, list[Piece]] = {}
        for piece in pieces:
            if piece.samples.ndim != 2 or piece.samples.shape[0] != channels:
                raise ValueError(f"A piece must be shaped ({channels}, frames).")
            self._pieces.setdefault(piece.lane, []).append(piece)

    @classmethod
    def whole(cls, arrays: Mapping[str, np.ndarray]) -> Lanes:
        """Full-length (channels, frames) arrays of one length, each a lane of one piece."""
        shapes = {np.shape(a) for a in arrays.values()}
        if len(shapes) != 1:
            raise ValueError("Lanes given whole must share one shape.")
        channels, length = next(iter(shapes))
        pieces = [Piece(lane, 0, np.asarray(a, dtype=np.float32)) for lane, a in arrays.items()]
        return cls(pieces, length=length, channels=channels)

    def __getitem__(self, lane: str) -> np.ndarray:
        if lane not in self._pieces:
            raise KeyError(lane)
        return self.window(lane, 0, self.length)

    def __iter__(self) -> Iterator[str]:
        return iter(self._pieces)

    def __len__(self) -> int:
        return len(self._pieces)

    def window(self, lane: str, start: int, stop: int) -> np.ndarray:
        """Frames [start, stop) of one lane: its pieces summed there, silence elsewhere."""
        out = np.zeros((self.channels, max(stop - start, 0)), dtype=np.float32)
        for piece in self._pieces[lane]:
            _add(out, start, piece, self.length)
        return out

    def blocks(self, lane: str, frames: int) -> Iterator[np.ndarray]:
        """The whole lane, `frames` at a time: what a stem file is written from."""
        for start in range(0, self.length, frames):
            yield self.window(lane, start, min(start + frames, self.length))

    def mix(self) -> np.ndarray:
        """Every piece added into one (channels, length) float32 array at its offset."""
        out = np.zeros((self.channels, self.length), dtype=np.float32)
        for pieces in self._pieces.values():
            for piece in pieces:
                _add(out, 0, piece, self.length)
        return out


def _add(out: np.ndarray, start: int, piece: Piece, length: int) -> None:
    """Add the part of `piece` inside [0, length) into `out`, whose frame 0 is `start`."""
    lo = max(piece.offset, start, 0)
    hi = min(piece.offset + piece.samples.shape[1], start + out.shape[1], length)
    if hi > lo:
        out[:, lo - start : hi - start] += piece.samples[:, lo - piece.offset : hi - piece.offset]
