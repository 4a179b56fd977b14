"""Test signals and measurements for the mix renderer: tracks with exact beat grids, plans.

Every track comes with a ground-truth analysis (bpm, beats, downbeats in source seconds), so the
renderer is tested against what the signal really is, never against our own beat tracker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.signal

from intellimix.audio.render import TrackAudio
from tests.audio.drum_signals import synth_drum_track

RATE = 48_000


def beat_grid(bpm: float, duration_s: float, *, first_downbeat_s: float = 0.0) -> dict[str, Any]:
    """An analysis dict with a steady 4/4 grid from first_downbeat_s to the end."""
    beats = np.arange(first_downbeat_s, duration_s, 60.0 / bpm)
    return {"bpm": float(bpm), "beats": beats.tolist(), "downbeats": beats[::4].tolist()}


def tone_track(
    freqs: Sequence[float],
    *,
    bpm: float,
    duration_s: float,
    amplitude: float = 0.2,
    sample_rate: int = RATE,
) -> TrackAudio:
    """Steady sines (the same on both channels) with a beat grid from 0: any click shows."""
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    x = sum(amplitude * np.sin(2 * np.pi * f * t + k) for k, f in enumerate(freqs))
    samples = np.tile(np.asarray(x, dtype=np.float32), (2, 1))
    return TrackAudio(samples, sample_rate, beat_grid(bpm, duration_s))


def noise_track(
    *, bpm: float, duration_s: float, seed: int, level: float = 0.1, sample_rate: int = RATE
) -> TrackAudio:
    """Pink-ish stereo noise (−3 dB/octave, so the lows carry weight) with a beat grid from 0."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal((2, round(duration_s * sample_rate)))
    # A one-pole low-pass over white noise tilts the spectrum like music's.
    x = scipy.signal.lfilter([0.05], [1.0, -0.95], white, axis=-1)
    x *= level / np.sqrt(np.mean(x**2))
    return TrackAudio(x.astype(np.float32), sample_rate, beat_grid(bpm, duration_s))


def drum_track(
    *,
    bpm: float,
    duration_s: float,
    style: str = "house",
    seed: int = 0,
    first_downbeat_s: float = 0.37,
    sample_rate: int = RATE,
) -> TrackAudio:
    """A synthetic drum track in stereo with its exact beats and downbeats."""
    drums = synth_drum_track(
        style,
        bpm=bpm,
        duration_s=duration_s,
        sample_rate=sample_rate,
        first_downbeat_s=first_downbeat_s,
        seed=seed,
    )
    analysis = {
        "bpm": float(bpm),
        "beats": drums.beats.tolist(),
        "downbeats": drums.downbeats.tolist(),
    }
    return TrackAudio(np.tile(drums.audio, (2, 1)), sample_rate, analysis)


def segment(
    segment_id: str,
    track_id: str,
    source_start_s: float,
    source_end_s: float,
    *,
    transition: str | None = None,
    beats: int = 0,
    gain_db: float = 0.0,
    pitch_semitones: float = 0.0,
    eq: dict[str, float] | None = None,
    effects: dict[str, float] | None = None,
) -> dict[str, Any]:
    """One MixPlan segment as DESIGN §5 writes it, neutral unless told otherwise."""
    return {
        "id": segment_id,
        "track_id": track_id,
        "label": f"{track_id} part",
        "source_start_s": source_start_s,
        "source_end_s": source_end_s,
        "gain_db": gain_db,
        "pitch_semitones": pitch_semitones,
        "eq": eq or {"low_db": 0.0, "mid_db": 0.0, "high_db": 0.0},
        "effects": effects or {"reverb": 0.0, "echo": 0.0},
        "transition_in": None if transition is None else {"type": transition, "beats": beats},
    }


def mix_plan(
    segments: list[dict[str, Any]], *, bpm: float, sample_rate: int = RATE
) -> dict[str, Any]:
    """A MixPlan around the segments, as the validated plan arrives at the renderer."""
    return {
        "schema_version": 1,
        "title": "test mix",
        "target": {
            "bpm": bpm,
            "key": "A minor",
            "duration_s": 180,
            "lufs": -14.0,
            "true_peak_db": -1.0,
            "sample_rate": sample_rate,
            "bit_depth": 24,
        },
        "segments": segments,
    }


def band(x: np.ndarray, sample_rate: int, kind: str, hz: float) -> np.ndarray:
    """Zero-phase 4th-order Butterworth low- or high-pass along the last axis."""
    sos = scipy.signal.butter(4, hz, btype=kind, fs=sample_rate, output="sos")
    return scipy.signal.sosfiltfilt(sos, x, axis=-1)


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def rms_db(x: np.ndarray) -> float:
    return 20.0 * np.log10(max(rms(x), 1e-12))


def windowed_rms(x: np.ndarray, *, start: int, stop: int, window: int) -> np.ndarray:
    """RMS of consecutive `window`-frame blocks of a (channels, frames) signal in [start, stop)."""
    n = (stop - start) // window
    blocks = np.asarray(x[..., start : start + n * window], dtype=np.float64)
    blocks = blocks.reshape(*blocks.shape[:-1], n, window)
    return np.sqrt(np.mean(blocks**2, axis=(0, -1) if x.ndim == 2 else -1))


def onset_time(x: np.ndarray, sample_rate: int, *, near_s: float, window_s: float = 0.06) -> float:
    """When the 1 ms RMS envelope first reaches half its peak (−6 dB) within ±window_s of near_s.

    A perceptual attack time: low-level smearing ahead of a hit (a phase vocoder's pre-echo,
    well under −6 dB) does not move it, a hit that really lands early does.
    """
    mono = np.asarray(x, dtype=np.float64).mean(axis=0)
    hop = sample_rate // 1000
    lo = max(round((near_s - window_s) * sample_rate), 0)
    hi = round((near_s + window_s) * sample_rate)
    frames = mono[lo:hi][: (hi - lo) // hop * hop].reshape(-1, hop)
    envelope = np.sqrt(np.mean(frames**2, axis=1))
    return (lo + hop * int(np.argmax(envelope >= 0.5 * envelope.max()))) / sample_rate


def peak_frequency(x: np.ndarray, sample_rate: int) -> float:
    """The strongest frequency of a mono signal, interpolated between FFT bins."""
    windowed = np.asarray(x, dtype=np.float64) * np.hanning(x.size)
    spectrum = np.abs(np.fft.rfft(windowed, n=4 * x.size))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1 : k + 2])
    shift = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + shift) * sample_rate / (4 * x.size)
