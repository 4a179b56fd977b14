"""Test signals for the loudness meter: EBU-style tone sequences, sines, music-like noise."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.signal


def tone_sequence(
    segments: Sequence[tuple[float, float]],
    sample_rate: int,
    *,
    freq: float = 1000.0,
    channels: int = 2,
) -> np.ndarray:
    """A sine whose peak level steps through (dBFS, seconds) segments, on identical channels.

    One continuous-phase sine with a stepped envelope, so the joins add no clicks of their own.
    """
    lengths = [round(seconds * sample_rate) for _, seconds in segments]
    envelope = np.concatenate(
        [
            np.full(n, 10.0 ** (level / 20.0))
            for (level, _), n in zip(segments, lengths, strict=True)
        ]
    )
    phase = 2.0 * np.pi * freq * np.arange(envelope.size) / sample_rate
    return np.tile((envelope * np.sin(phase)).astype(np.float32), (channels, 1))


def sine(
    sample_rate: int,
    *,
    freq: float,
    amplitude: float,
    phase_deg: float = 0.0,
    duration_s: float = 1.0,
    fade_s: float = 0.1,
    channels: int = 2,
) -> np.ndarray:
    """A steady sine with Hann fades at both ends (an abrupt onset isn't band-limited: it rings)."""
    n = round(duration_s * sample_rate)
    x = amplitude * np.sin(2.0 * np.pi * freq * np.arange(n) / sample_rate + np.deg2rad(phase_deg))
    fade = round(fade_s * sample_rate)
    if fade:
        window = np.hanning(2 * fade)
        x[:fade] *= window[:fade]
        x[-fade:] *= window[fade:]
    return np.tile(x.astype(np.float32), (channels, 1))


def music_like(duration_s: float, sample_rate: int, *, seed: int, channels: int = 2) -> np.ndarray:
    """Low-passed noise with a beat envelope and sections at random levels, peaking at −6 dBFS."""
    rng = np.random.default_rng(seed)
    n = round(duration_s * sample_rate)
    b, a = scipy.signal.butter(1, rng.uniform(300.0, 3000.0), fs=sample_rate)
    x = scipy.signal.lfilter(b, a, rng.standard_normal((channels, n)), axis=-1)
    section = round(sample_rate * rng.uniform(1.5, 4.0))
    levels = 10.0 ** (rng.uniform(-30.0, 0.0, n // section + 1) / 20.0)
    beat = 0.6 + 0.4 * np.abs(np.sin(np.pi * rng.uniform(1.0, 3.0) * np.arange(n) / sample_rate))
    x *= np.repeat(levels, section)[:n] * beat
    return (0.5 * x / np.abs(x).max()).astype(np.float32)
