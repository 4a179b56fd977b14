"""Test material for mix/master feedback: a clean synthetic song and the same song with one
known defect each, made with standard filters whose effect is known by construction.

The song: drums (the drum signals' house pattern, centred), a sine bass on every beat
(centred), a minor triad of sines panned slightly apart, and a quiet band of stereo noise over
2 kHz (air, some width). Bars 8–11 drop the drums and bass (a breakdown), so the song has a
loudness range. `clean_master` is the song through our own master at −14 LUFS / −1 dBTP.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pedalboard
import scipy.signal

from intellimix.audio import master
from tests.audio.drum_signals import synth_drum_track

RATE = 48_000
BPM = 124.0
SECONDS = 24.0


@functools.cache
def song(seed: int = 0) -> dict[str, np.ndarray]:
    """The stems of the clean song (each (2, frames) float32), by name."""
    rng = np.random.default_rng(seed)
    n = round(SECONDS * RATE)
    t = np.arange(n) / RATE
    beat = 60.0 / BPM
    bar = 4 * beat
    breakdown = (t >= 8 * bar) & (t < 12 * bar)
    drums = synth_drum_track("house", bpm=BPM, duration_s=SECONDS, sample_rate=RATE, seed=seed)
    drum = drums.audio[:n] * np.where(breakdown, 0.0, 1.0)
    phase = np.mod(t, beat) / beat
    # A 5 ms attack: a jump from silence to full level would splatter clicks over every band.
    attack = np.minimum(phase * beat / 0.005, 1.0)
    bass_env = attack * np.exp(-phase * 3.0) * np.where(breakdown, 0.0, 1.0)
    root = 55.0 * 2 ** (seed % 3 / 12)
    bass = 0.5 * bass_env * (np.sin(2 * np.pi * root * t) + 0.3 * np.sin(4 * np.pi * root * t))
    chord_env = 0.6 + 0.4 * np.exp(-np.mod(t, bar) / bar * 2.0)
    left = sum(np.sin(2 * np.pi * f * t) for f in (root * 4, root * 4 * 1.189, root * 6))
    right = sum(
        np.sin(2 * np.pi * f * 1.002 * t + 0.5) for f in (root * 4, root * 4 * 1.189, root * 6)
    )
    chords = 0.08 * chord_env * np.stack([left, right])
    noise = rng.standard_normal((2, n))
    noise[1] = 0.6 * noise[0] + 0.8 * noise[1]  # correlation 0.6: some width
    air = scipy.signal.sosfilt(
        scipy.signal.butter(2, 2000.0, btype="highpass", fs=RATE, output="sos"), noise, axis=-1
    )
    return {
        "drums": np.tile(drum, (2, 1)).astype(np.float32),
        "bass": np.tile(bass, (2, 1)).astype(np.float32),
        "chords": chords.astype(np.float32),
        "air": (0.02 * air).astype(np.float32),
    }


def mixdown(stems: dict[str, np.ndarray]) -> np.ndarray:
    return np.sum(list(stems.values()), axis=0).astype(np.float32)


def mastered(
    mix: np.ndarray, *, lufs: float = -14.0, ceiling: float = -1.0, margin: float | None = None
) -> np.ndarray:
    return master.master(
        mix, RATE, target_lufs=lufs, ceiling_db=ceiling, ceiling_margin_db=margin
    ).samples


@functools.cache
def clean_master(seed: int = 0) -> np.ndarray:
    return mastered(mixdown(song(seed)))


def peaking(x: np.ndarray, *, hz: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ cookbook peaking EQ."""
    a = 10 ** (gain_db / 40)
    w = 2 * math.pi * hz / RATE
    alpha = math.sin(w) / (2 * q)
    b = [1 + alpha * a, -2 * math.cos(w), 1 - alpha * a]
    den = [1 + alpha / a, -2 * math.cos(w), 1 - alpha / a]
    return scipy.signal.lfilter(b, den, x, axis=-1).astype(np.float32)


def boosted_250() -> np.ndarray:
    return mastered(peaking(mixdown(song()), hz=250.0, gain_db=6.0, q=1.0))


def harsh() -> np.ndarray:
    return mastered(peaking(mixdown(song()), hz=3900.0, gain_db=7.0, q=0.9))


def dull() -> np.ndarray:
    sos = scipy.signal.butter(2, 3000.0, fs=RATE, output="sos")
    return mastered(scipy.signal.sosfilt(sos, mixdown(song()), axis=-1).astype(np.float32))


def out_of_phase_bass() -> np.ndarray:
    stems = dict(song())
    bass = stems["bass"].copy()
    bass[1] *= -1.0  # the right channel's bass inverted
    stems["bass"] = bass
    return mastered(mixdown(stems))


def clipped() -> np.ndarray:
    """The clean master 4 dB hotter, hard-clipped at full scale."""
    return np.clip(clean_master() * 10 ** (4 / 20), -1.0, 1.0).astype(np.float32)


def too_quiet() -> np.ndarray:
    return (clean_master() * 10 ** (-10 / 20)).astype(np.float32)


def crushed() -> np.ndarray:
    """Levelled by a slow compressor (the breakdown pulled up), then limited to −6 LUFS."""
    compressor = pedalboard.Compressor(
        threshold_db=-40.0, ratio=6.0, attack_ms=200.0, release_ms=1000.0
    )
    levelled = compressor(mixdown(song()), RATE).astype(np.float32)
    return mastered(levelled, lufs=-6.0, ceiling=-0.1, margin=0.0)
