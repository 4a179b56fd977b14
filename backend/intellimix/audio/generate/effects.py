"""Stem effects through pedalboard (reverb, delay, chorus, compression) and sidechain ducking.

Each function takes and returns a stereo float32 array `(2, n)`; tails longer than the input
are cut, so a stem always stays exactly as long as the arrangement.
"""

from __future__ import annotations

import numpy as np
import pedalboard


def _run(board: pedalboard.Pedalboard, x: np.ndarray, sample_rate: int) -> np.ndarray:
    y = board(np.ascontiguousarray(x, dtype=np.float32), sample_rate)
    return y[:, : x.shape[1]].astype(np.float32, copy=False)


def reverb(
    x: np.ndarray, sample_rate: int, *, room: float, wet: float, width: float = 1.0
) -> np.ndarray:
    return _run(
        pedalboard.Pedalboard(
            [
                pedalboard.Reverb(
                    room_size=room, wet_level=wet, dry_level=1.0 - 0.5 * wet, width=width
                )
            ]
        ),
        x,
        sample_rate,
    )


def delay(
    x: np.ndarray, sample_rate: int, *, seconds: float, feedback: float, mix: float
) -> np.ndarray:
    """A tempo-synced echo when `seconds` is a note length (e.g. a dotted eighth)."""
    return _run(
        pedalboard.Pedalboard(
            [pedalboard.Delay(delay_seconds=seconds, feedback=feedback, mix=mix)]
        ),
        x,
        sample_rate,
    )


def chorus(x: np.ndarray, sample_rate: int, *, depth: float = 0.25, mix: float = 0.4) -> np.ndarray:
    return _run(
        pedalboard.Pedalboard(
            [pedalboard.Chorus(rate_hz=0.8, depth=depth, centre_delay_ms=7.0, mix=mix)]
        ),
        x,
        sample_rate,
    )


def compress(
    x: np.ndarray,
    sample_rate: int,
    *,
    threshold_db: float,
    ratio: float,
    attack_ms: float = 10.0,
    release_ms: float = 120.0,
) -> np.ndarray:
    return _run(
        pedalboard.Pedalboard(
            [
                pedalboard.Compressor(
                    threshold_db=threshold_db,
                    ratio=ratio,
                    attack_ms=attack_ms,
                    release_ms=release_ms,
                )
            ]
        ),
        x,
        sample_rate,
    )


def sidechain_gain(
    trigger_samples: np.ndarray,
    n: int,
    sample_rate: int,
    *,
    depth: float,
    release_s: float,
    attack_s: float = 0.004,
) -> np.ndarray:
    """A ducking envelope: down by `depth` (0..1) at each kick, back up over `release_s`.

    This is the "pumping" of dance music, computed from the kick's trigger times instead of a
    compressor's detector, so it is exact and the same for every stem it is applied to.
    """
    gain = np.ones(n, dtype=np.float32)
    if depth <= 0 or trigger_samples.size == 0:
        return gain
    shape_len = int((attack_s + release_s) * sample_rate)
    t = np.arange(shape_len, dtype=np.float64) / sample_rate
    dip = np.where(
        t < attack_s,
        t / attack_s,
        1.0 - np.clip((t - attack_s) / release_s, 0.0, 1.0) ** 1.5,
    )
    duck = (depth * dip).astype(np.float32)
    for start in np.sort(trigger_samples.astype(np.int64)):
        lead = int(attack_s * sample_rate)
        begin = max(int(start) - lead, 0)
        stop = min(begin + shape_len, n)
        if stop > begin:
            # Overlapping kicks: the deeper duck wins (min of gains), never a double dip.
            np.minimum(gain[begin:stop], 1.0 - duck[: stop - begin], out=gain[begin:stop])
    return gain
