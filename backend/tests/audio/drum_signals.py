"""Synthetic drum tracks with known beats and downbeats, for testing rhythm analysis.

Every track is built from one-shot sounds (kick, snare, hats, crash, a bass note on beat 1)
placed on a 16th-note step grid of a named pattern. The tempo may ramp linearly from `bpm`
to `end_bpm`, so drifting tracks come with exact ground truth too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

# Steps are 16th notes; a 4/4 bar has 16, a 3/4 bar 12. Each entry: instrument -> {step: velocity}.
Pattern = dict[str, dict[int, float]]


def _every(steps: range | list[int], velocity: float) -> dict[int, float]:
    return {step: velocity for step in steps}


PATTERNS: dict[str, tuple[int, Pattern]] = {
    # Four-on-the-floor house: kick every beat, clap on 2 and 4, open hat on the off-beats,
    # quiet 16th closed hats, bass note on beat 1.
    "house": (
        4,
        {
            "kick": _every([0, 4, 8, 12], 1.0),
            "snare": _every([4, 12], 0.7),
            "open_hat": _every([2, 6, 10, 14], 0.6),
            "hat": _every([1, 3, 5, 7, 9, 11, 13, 15], 0.25),
            "bass": {0: 1.0},
        },
    ),
    # Techno: kick every beat, no backbeat, 16th hats with accented off-beats, bass on 1.
    "techno": (
        4,
        {
            "kick": _every([0, 4, 8, 12], 1.0),
            "hat": {**_every(range(16), 0.3), **_every([2, 6, 10, 14], 0.7)},
            "bass": {0: 1.0},
        },
    ),
    # Boom-bap hip hop: kick on 1 and the "and" of 2, snare on 2 and 4, 8th hats, bass on 1.
    "hiphop": (
        4,
        {
            "kick": {0: 1.0, 6: 0.8},
            "snare": _every([4, 12], 1.0),
            "hat": _every(range(0, 16, 2), 0.4),
            "bass": {0: 1.0},
        },
    ),
    # Hip hop with busy 16th hats: the case where onset density alone would suggest double time.
    "hiphop16": (
        4,
        {
            "kick": {0: 1.0, 6: 0.8, 10: 0.6},
            "snare": _every([4, 12], 1.0),
            "hat": {**_every(range(16), 0.3), **_every(range(0, 16, 2), 0.5)},
            "bass": {0: 1.0},
        },
    ),
    # Drum & bass two-step: kick on 1 and the "and" of 3, snare on 2 and 4, ghost snares,
    # 16th hats, bass on 1.
    "dnb": (
        4,
        {
            "kick": {0: 1.0, 10: 0.9},
            "snare": {4: 1.0, 12: 1.0, 7: 0.25, 15: 0.25},
            "hat": {**_every(range(16), 0.3), **_every(range(0, 16, 2), 0.5)},
            "bass": {0: 1.0},
        },
    ),
    # Deep house with a rolling off-beat bass: the bass and open hat sit between the kicks, so
    # the off-beats carry as much low-end onset as the beats (a beat tracker's classic trap).
    "house_offbeat": (
        4,
        {
            "kick": _every([0, 4, 8, 12], 1.0),
            "snare": _every([4, 12], 0.6),
            "open_hat": _every([2, 6, 10, 14], 0.7),
            "bass": {0: 1.0, 2: 0.9, 6: 0.9, 10: 0.9, 14: 0.9},
        },
    ),
    # A waltz: kick and bass on 1, snare on 2 and 3, 8th hats.
    "waltz": (
        3,
        {
            "kick": {0: 1.0},
            "snare": _every([4, 8], 0.6),
            "hat": _every(range(0, 12, 2), 0.35),
            "bass": {0: 1.0},
        },
    ),
}


@dataclass(frozen=True)
class DrumTrack:
    """A mono float32 drum track and its ground truth (times in seconds)."""

    audio: np.ndarray
    sample_rate: int
    bpm: float
    beats: np.ndarray
    downbeats: np.ndarray
    beats_per_bar: int


def _decay(n: int, sample_rate: int, seconds: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (seconds * sample_rate))


def _one_shots(sample_rate: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The kit, each sound normalized to peak 1 so the pattern's velocities set the mix."""
    sr = sample_rate

    def noise(seconds: float) -> np.ndarray:
        return rng.standard_normal(int(seconds * sr))

    def band(x: np.ndarray, kind: str, cutoff: float | list[float]) -> np.ndarray:
        sos = signal.butter(4, cutoff, btype=kind, fs=sr, output="sos")
        return np.asarray(signal.sosfilt(sos, x))

    n = int(0.35 * sr)
    t = np.arange(n) / sr
    # Pitch sweeps from 160 Hz down to 48 Hz; the phase is the integral of the frequency.
    freq = 48 + 112 * np.exp(-t / 0.03)
    kick = np.sin(2 * np.pi * np.cumsum(freq) / sr) * _decay(n, sr, 0.12)
    kick[: int(0.002 * sr)] += 0.5 * noise(0.002)

    n = int(0.2 * sr)
    t = np.arange(n) / sr
    snare = band(noise(0.2), "bandpass", [1200, 6000]) * _decay(n, sr, 0.05)
    snare = snare / np.abs(snare).max() + 0.6 * np.sin(2 * np.pi * 190 * t) * _decay(n, sr, 0.04)

    hat = band(noise(0.06), "highpass", 7000) * _decay(int(0.06 * sr), sr, 0.012)
    open_hat = band(noise(0.3), "highpass", 6000) * _decay(int(0.3 * sr), sr, 0.08)
    crash = band(noise(1.6), "highpass", 4000) * _decay(int(1.6 * sr), sr, 0.5)

    n = int(0.4 * sr)
    t = np.arange(n) / sr
    attack = np.minimum(1.0, t / 0.004)
    bass = (np.sin(2 * np.pi * 55 * t) + 0.4 * np.sin(2 * np.pi * 110 * t)) * attack
    bass *= _decay(n, sr, 0.15)

    sounds = {
        "kick": kick,
        "snare": snare,
        "hat": hat,
        "open_hat": open_hat,
        "crash": crash,
        "bass": bass,
    }
    return {name: (x / np.abs(x).max()).astype(np.float64) for name, x in sounds.items()}


def _beat_clock(bpm: float, end_bpm: float, duration_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Beat count as a function of time for a tempo ramping linearly over the track."""
    t = np.linspace(0.0, duration_s, int(duration_s * 1000) + 1)
    tempo = bpm + (end_bpm - bpm) * t / duration_s
    beat_count = np.concatenate([[0.0], np.cumsum((tempo[1:] + tempo[:-1]) / 2 * np.diff(t))]) / 60
    return t, beat_count


def synth_drum_track(
    style: str,
    *,
    bpm: float,
    duration_s: float = 30.0,
    sample_rate: int = 22050,
    first_downbeat_s: float = 0.37,
    end_bpm: float | None = None,
    crash_every_bars: int = 8,
    bass_on_one: bool = True,
    seed: int = 0,
) -> DrumTrack:
    """A drum track in `style` (a key of PATTERNS), its first downbeat at `first_downbeat_s`."""
    beats_per_bar, pattern = PATTERNS[style]
    rng = np.random.default_rng(seed)
    kit = _one_shots(sample_rate, rng)
    clock_t, clock_beats = _beat_clock(bpm, end_bpm or bpm, duration_s)

    def beat_to_time(beat: np.ndarray) -> np.ndarray:
        return np.interp(beat, clock_beats, clock_t) + first_downbeat_s

    n_samples = int(duration_s * sample_rate)
    out = np.zeros(n_samples + sample_rate * 2)  # room for the tail of the last hit
    total_beats = clock_beats[-1]
    n_bars = int(total_beats // beats_per_bar) + 1
    for bar in range(n_bars):
        hits: list[tuple[str, int, float]] = [
            (name, step, velocity)
            for name, steps in pattern.items()
            for step, velocity in steps.items()
        ]
        if not bass_on_one:
            hits = [hit for hit in hits if hit[0] != "bass"]
        if crash_every_bars and bar % crash_every_bars == 0:
            hits.append(("crash", 0, 0.5))
        for name, step, velocity in hits:
            beat = bar * beats_per_bar + step / 4
            if beat > total_beats:
                continue
            start = int(round(float(beat_to_time(np.array([beat]))[0]) * sample_rate))
            if start >= n_samples:
                continue
            # A little velocity variation, as a drummer or a humanize knob would give.
            gain = velocity * (1.0 + 0.05 * rng.standard_normal())
            sound = kit[name]
            out[start : start + len(sound)] += gain * sound

    out = out[:n_samples] + 1e-4 * rng.standard_normal(n_samples)  # a noise floor, not digital zero
    out *= 0.5 / np.abs(out).max()

    beat_times = beat_to_time(np.arange(0, int(total_beats) + 1, dtype=float))
    beat_times = beat_times[beat_times < duration_s]
    downbeats = beat_times[::beats_per_bar]
    return DrumTrack(
        audio=out.astype(np.float32),
        sample_rate=sample_rate,
        bpm=float(bpm) if end_bpm is None else float((bpm + end_bpm) / 2),
        beats=beat_times,
        downbeats=downbeats,
        beats_per_bar=beats_per_bar,
    )


# Feels on a beat grid, positions in beats (floats): "swung" is the swung eighth's place in
# the beat (0.5 straight, 2/3 a triplet shuffle). Each entry: instrument -> [(beat, velocity)].
def _feel(name: str, swung: float) -> tuple[int, dict[str, list[tuple[float, float]]]]:
    on_beats = [(float(b), 1.0) for b in range(4)]
    if name == "swing":  # ride on every beat and the swung eighths, walking bass, backbeat
        return 4, {
            "hat": on_beats + [(b + swung, 0.6) for b in range(4)],
            "bass": [(float(b), 0.9) for b in range(4)],
            "kick": [(0.0, 0.8), (2.0, 0.6)],
            "snare": [(1.0, 0.5), (3.0, 0.5)],
        }
    if name == "shuffle":  # kick and snare backbeat, hats and bass long-short
        return 4, {
            "hat": on_beats + [(b + swung, 0.6) for b in range(4)],
            "bass": [(b + o, 0.8) for b in range(4) for o in (0.0, swung)],
            "kick": [(0.0, 1.0), (2.0, 1.0)],
            "snare": [(1.0, 0.9), (3.0, 0.9)],
        }
    if name == "triplet":  # triplet hats over a backbeat, a kick on the last triplet of 2
        return 4, {
            "hat": [(b + k / 3, 0.5) for b in range(4) for k in range(3)],
            "kick": [(0.0, 1.0), (1 + 2 / 3, 0.7), (2.0, 1.0)],
            "snare": [(1.0, 0.9), (3.0, 0.9)],
            "bass": [(0.0, 1.0)],
        }
    if name == "waltz":  # oom-pah-pah, swung eighth hats
        return 3, {
            "kick": [(0.0, 1.0)],
            "bass": [(0.0, 1.0)],
            "snare": [(1.0, 0.5), (2.0, 0.5)],
            "hat": [(b + o, 0.4) for b in range(3) for o in (0.0, swung)],
        }
    if name == "six_eight":  # two dotted-quarter beats, eighths in threes
        return 2, {
            "hat": [(b + k / 3, 0.5 if k else 0.8) for b in range(2) for k in range(3)],
            "kick": [(0.0, 1.0), (1 + 2 / 3, 0.5)],
            "snare": [(1.0, 0.9)],
            "bass": [(0.0, 1.0)],
        }
    raise ValueError(f"unknown feel {name!r}")


def synth_feel_track(
    feel: str,
    *,
    bpm: float,
    swung: float = 2 / 3,
    duration_s: float = 20.0,
    sample_rate: int = 22050,
    first_downbeat_s: float = 0.25,
    intro_bars: int = 0,
    seed: int = 0,
) -> DrumTrack:
    """A steady track of a feel (swing, shuffle, triplet, waltz, six_eight) and its truth.

    The first `intro_bars` bars play the hats only (a sparse intro). Beats are the feel's
    counted beat: the dotted quarter in six_eight.
    """
    beats_per_bar, parts = _feel(feel, swung)
    rng = np.random.default_rng(seed)
    kit = _one_shots(sample_rate, rng)
    beat_s = 60.0 / bpm
    n_samples = int(duration_s * sample_rate)
    out = np.zeros(n_samples + sample_rate)
    n_bars = int((duration_s - first_downbeat_s) / (beats_per_bar * beat_s)) + 1
    for bar in range(n_bars):
        for name, hits in parts.items():
            if bar < intro_bars and name != "hat":
                continue
            for beat, velocity in hits:
                start = round(
                    (first_downbeat_s + (bar * beats_per_bar + beat) * beat_s) * sample_rate
                )
                if start < n_samples:
                    sound = kit[name]
                    out[start : start + len(sound)] += (
                        velocity * (1 + 0.05 * rng.standard_normal()) * sound
                    )
    out = out[:n_samples] + 1e-4 * rng.standard_normal(n_samples)
    out *= 0.5 / np.abs(out).max()
    beats = first_downbeat_s + beat_s * np.arange(int((duration_s - first_downbeat_s) / beat_s) + 1)
    beats = beats[beats < duration_s]
    return DrumTrack(
        audio=out.astype(np.float32),
        sample_rate=sample_rate,
        bpm=float(bpm),
        beats=beats,
        downbeats=beats[::beats_per_bar],
        beats_per_bar=beats_per_bar,
    )
