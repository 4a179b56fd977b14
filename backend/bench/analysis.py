"""Full analysis of a 3-minute stereo 44.1 kHz track in a warm process, per stage.

Target (issue 4): ≤ 3.0 s on the 2-core machine, i.e. ≥ 60× real time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

SECONDS = 180.0
RATE = 44_100
REPEATS = 3


def music(seconds: float, rate: int, *, bpm: float = 126.0) -> np.ndarray:
    """Kick on every beat, an off-beat bass and A-minor chords, slightly wide."""
    t = np.arange(int(seconds * rate)) / rate
    beat = 60.0 / bpm
    phase = np.mod(t, beat)
    kick = np.sin(2 * np.pi * (50 + 80 * np.exp(-phase * 30)) * phase) * np.exp(-phase * 12)
    off = np.mod(t + beat / 2, beat)
    bass = 0.3 * np.sin(2 * np.pi * 55 * t) * np.exp(-off * 8)
    chord = sum(0.08 * np.sin(2 * np.pi * f * t) for f in (220.0, 261.63, 329.63))
    rng = np.random.default_rng(1)
    hats = 0.03 * rng.standard_normal(t.size) * np.exp(-np.mod(t, beat / 2) * 60)
    left = 0.6 * kick + bass + chord + hats
    right = 0.6 * kick + bass + 0.9 * chord + np.roll(hats, 7)
    return np.stack([left, right]).astype(np.float32)


def run() -> dict[str, Any]:
    from intellimix.audio.analysis import analyze_file, warm_up

    started = time.perf_counter()
    warm_up()
    warm_up_s = time.perf_counter() - started
    totals, stages = [], []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "three_minutes.wav"
        sf.write(str(path), music(SECONDS, RATE).T, RATE, subtype="PCM_16")
        for _ in range(REPEATS):
            timings: dict[str, float] = {}
            began = time.perf_counter()
            analysis = analyze_file(path, timings=timings)
            totals.append(time.perf_counter() - began)
            stages.append(timings)
    best = min(range(REPEATS), key=lambda i: totals[i])
    median_total = statistics.median(totals)
    return {
        "track": f"{SECONDS:.0f} s stereo {RATE} Hz WAV",
        "warm_up_s": round(warm_up_s, 2),
        "total_median_s": round(median_total, 3),
        "total_best_s": round(totals[best], 3),
        "realtime_factor": round(SECONDS / median_total, 1),
        **{f"stage_{name}_s": seconds for name, seconds in stages[best].items()},
        "detected_bpm": analysis["bpm"],
        "detected_key": analysis["key"],
        "target_s": 3.0,
    }
