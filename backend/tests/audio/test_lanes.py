"""Lanes held as pieces at offsets: the mix, the lanes and the stem files they give equal a naive
sum of full-length arrays, one per lane (how the render placed segments before)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from intellimix.audio import io
from intellimix.audio.lanes import Lanes, Piece
from intellimix.audio.mixdown import write_stems

# Float32 sums of at most three unit-scale pieces per frame: each rounding is under 2⁻²⁴ of
# the running sum, so the offset mix may differ from the naive one by a few 1e-7 at most.
TOLERANCE = 1e-6

# (lane, start s, length s): pieces overlapping on one lane and across lanes, one starting
# before the mix (a pre-roll) and one running past its end (an echo tail), and a lane that
# plays twice with a gap.
LAYOUT = [
    ("a", -0.25, 2.0),
    ("b", 1.5, 2.5),
    ("a", 1.75, 1.0),
    ("c", 3.5, 1.5),
    ("b", 4.25, 2.0),
]
LENGTH_S = 5.0


def pieces(rate: int, channels: int) -> list[Piece]:
    rng = np.random.default_rng(rate + channels)
    return [
        Piece(
            lane,
            round(start * rate),
            rng.uniform(-1.0, 1.0, (channels, round(length * rate))).astype(np.float32),
        )
        for lane, start, length in LAYOUT
    ]


def naive(found: list[Piece], length: int, channels: int) -> dict[str, np.ndarray]:
    """One full-length array per lane: every piece padded to the whole timeline, then added."""
    first = min(0, *(piece.offset for piece in found))
    last = max(length, *(piece.offset + piece.samples.shape[1] for piece in found))
    stems: dict[str, np.ndarray] = {}
    for piece in found:
        full = np.zeros((channels, last - first), np.float32)
        at = piece.offset - first
        full[:, at : at + piece.samples.shape[1]] = piece.samples
        stems.setdefault(piece.lane, np.zeros_like(full))
        stems[piece.lane] += full
    return {lane: stem[:, -first : -first + length] for lane, stem in stems.items()}


@pytest.mark.parametrize("rate", [8_000, 44_100, 48_000])
@pytest.mark.parametrize("channels", [1, 2])
def test_offset_mix_equals_the_naive_full_length_sum(rate: int, channels: int) -> None:
    found = pieces(rate, channels)
    length = round(LENGTH_S * rate)
    lanes = Lanes(found, length=length, channels=channels)
    expected = naive(found, length, channels)

    assert list(lanes) == ["a", "b", "c"]
    assert_allclose(lanes.mix(), sum(expected.values()), rtol=0, atol=TOLERANCE)
    for lane, stem in expected.items():
        assert_allclose(lanes[lane], stem, rtol=0, atol=TOLERANCE)
        blocks = list(lanes.blocks(lane, 4096))
        assert max(b.shape[1] for b in blocks) == 4096
        assert_array_equal(np.concatenate(blocks, axis=1), lanes[lane])
    # A window anywhere, also past either end, is that stretch of the lane (silence outside).
    padded = np.pad(lanes["b"], ((0, 0), (rate, rate)))
    assert_array_equal(lanes.window("b", -rate, length + rate), padded)
    assert_array_equal(lanes.window("b", 2 * rate, 3 * rate), lanes["b"][:, 2 * rate : 3 * rate])


def test_mix_is_the_sum_of_its_lanes_exactly() -> None:
    # Lane by lane in order, as the render summed its stems: the same additions, bit for bit.
    lanes = Lanes(pieces(48_000, 2), length=round(LENGTH_S * 48_000))
    total = np.zeros((2, lanes.length), np.float32)
    for lane in lanes:
        total += lanes[lane]
    assert_array_equal(lanes.mix(), total)


def test_streamed_stems_are_the_bytes_of_whole_arrays(tmp_path: Path) -> None:
    rate = 44_100
    lanes = Lanes(pieces(rate, 2), length=round(LENGTH_S * rate))
    written = write_stems(lanes, rate, tmp_path)
    assert sorted(written) == ["a", "b", "c"]
    for lane, path in written.items():
        whole = tmp_path / f"whole_{lane}.wav"
        io.encode_wav(whole, lanes[lane], rate, floating=True)
        assert path.read_bytes() == whole.read_bytes()
        assert_array_equal(io.read_frames(path, 1000, 5000), lanes[lane][:, 1000:5000])


def test_whole_arrays_are_lanes_of_one_piece() -> None:
    arrays = {"drums": np.ones((2, 100), np.float32), "bass": np.full((2, 100), 0.5, np.float32)}
    lanes = Lanes.whole(arrays)
    assert (lanes.channels, lanes.length) == (2, 100)
    assert_array_equal(lanes.mix(), np.full((2, 100), 1.5, np.float32))
    with pytest.raises(ValueError, match="one shape"):
        Lanes.whole({"a": np.ones((2, 100)), "b": np.ones((2, 99))})
    with pytest.raises(ValueError, match="shaped"):
        Lanes([Piece("a", 0, np.ones((1, 10), np.float32))], length=10, channels=2)
