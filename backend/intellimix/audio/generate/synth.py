"""Synthesis primitives: seeded noise, envelopes, band-limited oscillators, FM, filters.

Everything is a small pure function of numpy arrays (float32 out, mono unless it says
stereo). Randomness only comes from `rng(seed, *stream)`, a generator keyed by the track's
seed and a stream name, so each part of a track draws its own reproducible numbers and
adding a part never changes the others.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

import numpy as np
import pedalboard
import scipy.signal

A4_HZ = 440.0
A4_MIDI = 69


def rng(seed: int, *stream: str | int) -> np.random.Generator:
    """A generator for one named stream of one seed (stable across runs and platforms)."""
    keys = [seed & 0xFFFFFFFF, seed >> 32] + [
        zlib.crc32(str(part).encode("utf-8")) for part in stream
    ]
    return np.random.Generator(np.random.PCG64(keys))


def midi_to_hz(note: float | np.ndarray) -> float | np.ndarray:
    return A4_HZ * 2.0 ** ((np.asarray(note, dtype=np.float64) - A4_MIDI) / 12.0)


# --- envelopes --------------------------------------------------------------------------------


def adsr(
    n: int,
    sample_rate: int,
    *,
    attack_s: float,
    decay_s: float,
    sustain: float,
    release_s: float,
    gate_s: float | None = None,
) -> np.ndarray:
    """Attack–decay–sustain–release over `n` samples; the release starts at `gate_s`.

    Without a gate the note is held until `release_s` before its end. Segments are linear in
    amplitude for the attack and exponential-looking (squared) for decay and release.
    """
    t = np.arange(n, dtype=np.float64) / sample_rate
    gate = (n / sample_rate - release_s) if gate_s is None else gate_s
    gate = max(gate, 0.0)
    attack = np.clip(t / max(attack_s, 1e-4), 0.0, 1.0)
    decay_phase = np.clip((t - attack_s) / max(decay_s, 1e-4), 0.0, 1.0)
    held = sustain + (1.0 - sustain) * (1.0 - decay_phase) ** 2
    env = np.where(t < attack_s, attack, held)
    level_at_gate = float(np.interp(gate, t, env)) if n else 0.0
    release_phase = np.clip((t - gate) / max(release_s, 1e-4), 0.0, 1.0)
    released = level_at_gate * (1.0 - release_phase) ** 2
    return np.where(t < gate, env, released).astype(np.float32)


def decay(n: int, sample_rate: int, *, time_s: float) -> np.ndarray:
    """Exponential decay to 1/e after `time_s`, with a 1 ms attack so nothing clicks."""
    t = np.arange(n, dtype=np.float64) / sample_rate
    env = np.exp(-t / max(time_s, 1e-4)) * np.clip(t / 0.001, 0.0, 1.0)
    return env.astype(np.float32)


def fade_edges(x: np.ndarray, sample_rate: int, *, seconds: float = 0.003) -> np.ndarray:
    """Short linear fades at both ends, so a cut note starts and stops without a click."""
    n = min(int(seconds * sample_rate), x.shape[-1] // 2)
    if n <= 0:
        return x
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    y = x.copy()
    y[..., :n] *= ramp
    y[..., -n:] *= ramp[::-1]
    return y


# --- oscillators ------------------------------------------------------------------------------


def phase(
    freq_hz: float | np.ndarray, n: int, sample_rate: int, *, start: float = 0.0
) -> np.ndarray:
    """Running phase in cycles for a constant or per-sample frequency (glides, vibrato)."""
    freq = np.broadcast_to(np.asarray(freq_hz, dtype=np.float64), (n,))
    increments = freq / sample_rate
    return start + np.concatenate(([0.0], np.cumsum(increments[:-1])))


def _poly_blep(t: np.ndarray, dt: np.ndarray) -> np.ndarray:
    """Polynomial band-limited step correction around each wrap of phase `t` (0..1)."""
    out = np.zeros_like(t)
    rising = t < dt
    x = t[rising] / dt[rising]
    out[rising] = x + x - x * x - 1.0
    falling = t > 1.0 - dt
    x = (t[falling] - 1.0) / dt[falling]
    out[falling] = x * x + x + x + 1.0
    return out


def _increments(ph: np.ndarray) -> np.ndarray:
    dt = np.diff(ph, append=ph[-1] + (ph[-1] - ph[-2] if ph.size > 1 else 0.0))
    return np.clip(dt, 1e-6, 0.5)


def sine(ph: np.ndarray) -> np.ndarray:
    return np.sin(2.0 * np.pi * ph).astype(np.float32)


def saw(ph: np.ndarray) -> np.ndarray:
    """Band-limited sawtooth (polyBLEP), from a phase in cycles."""
    t = ph % 1.0
    return (2.0 * t - 1.0 - _poly_blep(t, _increments(ph))).astype(np.float32)


def square(ph: np.ndarray, *, width: float = 0.5) -> np.ndarray:
    """Band-limited pulse wave of duty cycle `width` (polyBLEP)."""
    dt = _increments(ph)
    t = ph % 1.0
    shifted = (t + 1.0 - width) % 1.0
    y = np.where(t < width, 1.0, -1.0) + _poly_blep(t, dt) - _poly_blep(shifted, dt)
    return y.astype(np.float32)


def fm(
    carrier_hz: float | np.ndarray,
    n: int,
    sample_rate: int,
    *,
    ratio: float,
    index: float | np.ndarray,
) -> np.ndarray:
    """Two-operator FM (phase modulation): bells, electric pianos, metallic basses."""
    modulator = np.sin(2.0 * np.pi * phase(np.asarray(carrier_hz) * ratio, n, sample_rate))
    carrier = phase(carrier_hz, n, sample_rate)
    return np.sin(2.0 * np.pi * carrier + np.asarray(index) * modulator).astype(np.float32)


def noise(generator: np.random.Generator, n: int) -> np.ndarray:
    """White noise in [-1, 1)."""
    return (generator.random(n, dtype=np.float32) * 2.0 - 1.0).astype(np.float32)


# --- filters ----------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _sos(kind: str, cutoff: tuple[float, ...], sample_rate: int, order: int) -> np.ndarray:
    nyquist = sample_rate / 2.0
    edges = [min(max(c, 10.0), nyquist * 0.95) / nyquist for c in cutoff]
    return scipy.signal.butter(
        order, edges if len(edges) > 1 else edges[0], btype=kind, output="sos"
    )


def lowpass(x: np.ndarray, sample_rate: int, cutoff_hz: float, *, order: int = 2) -> np.ndarray:
    return scipy.signal.sosfilt(_sos("lowpass", (cutoff_hz,), sample_rate, order), x).astype(
        np.float32
    )


def highpass(x: np.ndarray, sample_rate: int, cutoff_hz: float, *, order: int = 2) -> np.ndarray:
    return scipy.signal.sosfilt(_sos("highpass", (cutoff_hz,), sample_rate, order), x).astype(
        np.float32
    )


def bandpass(
    x: np.ndarray, sample_rate: int, low_hz: float, high_hz: float, *, order: int = 2
) -> np.ndarray:
    return scipy.signal.sosfilt(_sos("bandpass", (low_hz, high_hz), sample_rate, order), x).astype(
        np.float32
    )


SWEEP_BLOCK = 256  # samples per cutoff update (5 ms at 48 kHz): smooth enough for a wobble


def sweep_lowpass(
    x: np.ndarray,
    sample_rate: int,
    cutoff_hz: np.ndarray,
    *,
    resonance: float = 0.3,
    drive: float = 1.0,
) -> np.ndarray:
    """A 24 dB/oct ladder low-pass whose cutoff follows `cutoff_hz` (one value per sample).

    The filter keeps its state between blocks, so the sweep is continuous: wobbles, acid lines,
    filter builds.
    """
    ladder = pedalboard.LadderFilter(
        mode=pedalboard.LadderFilter.Mode.LPF24,
        cutoff_hz=float(cutoff_hz[0]),
        resonance=resonance,
        drive=drive,
    )
    y = np.atleast_2d(np.asarray(x, dtype=np.float32))
    out = np.empty_like(y)
    nyquist_safe = sample_rate * 0.45
    for start in range(0, y.shape[1], SWEEP_BLOCK):
        stop = min(start + SWEEP_BLOCK, y.shape[1])
        ladder.cutoff_hz = float(np.clip(cutoff_hz[start], 20.0, nyquist_safe))
        out[:, start:stop] = ladder.process(y[:, start:stop], sample_rate, reset=False)
    return out if np.asarray(x).ndim == 2 else out[0]


# --- placement --------------------------------------------------------------------------------


def pan_gains(position: float) -> tuple[float, float]:
    """Equal-power gains for a position in [-1 (left), 1 (right)]."""
    angle = (np.clip(position, -1.0, 1.0) + 1.0) * np.pi / 4.0
    return float(np.cos(angle)), float(np.sin(angle))


def pan(mono: np.ndarray, position: float) -> np.ndarray:
    left, right = pan_gains(position)
    return np.stack([mono * left, mono * right]).astype(np.float32)


def add_at(out: np.ndarray, start: int, signal: np.ndarray, gain: float = 1.0) -> None:
    """Mix `signal` into `out` from sample `start`, cut at both ends (mono or stereo)."""
    length = out.shape[-1]
    if start >= length or start + signal.shape[-1] <= 0:
        return
    begin = max(start, 0)
    stop = min(start + signal.shape[-1], length)
    piece = signal[..., begin - start : stop - start]
    if out.ndim == 2 and piece.ndim == 1:
        out[:, begin:stop] += gain * piece
    else:
        out[..., begin:stop] += gain * piece
