"""Track analysis (DESIGN §6): load → check → stages → one JSON-ready dict.

Loudness is measured on the decoded signal at its own rate (BS.1770 is defined per channel at
any rate); rhythm, key and structure work on a 22.05 kHz mono mix, which holds everything they
need and halves their cost.

The analysis runs with one BLAS thread: its matrix products are small (mel projections,
true-peak blocks) and parallelism comes from the worker slots. OpenBLAS's threads spin while
they wait, so on the shared 2-core machine they more than doubled the CPU time of a
five-minute track and made its import 4× slower (`bench imports`: 39 s against 9.7 s at a load
of 12). One thread gives the same numbers, bit for bit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from intellimix.audio import loudness, rhythm, structure, tonal
from intellimix.audio.errors import TooShortForAnalysis
from intellimix.audio.io import DEFAULT_MAX_DECODED_SAMPLES, decode, resample, to_mono
from intellimix.audio.progress import Progress, silent
from intellimix.audio.stopwatch import Stopwatch

ANALYSIS_SAMPLE_RATE = 22_050
# Sources above this are measured after resampling to it: loudness and spectral balance at
# 192 kHz cost four times the memory of 48 kHz and tell nothing more about music.
MAX_MEASURED_SAMPLE_RATE = 48_000
MIN_ANALYSIS_SECONDS = 2.0  # a beat needs a couple of seconds to show
PEAK_POINTS = 1000
# Finer than the overview peaks: the arrangement view zooms in to single beats (75 ms a point
# over five minutes).
BAND_PEAK_POINTS = 4000


def analyze_file(
    path: Path,
    *,
    max_seconds: float | None = None,
    max_samples: int = DEFAULT_MAX_DECODED_SAMPLES,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Decode a file (within the limits) and analyse it at no more than 48 kHz."""
    report = progress or silent
    clock = Stopwatch(timings)
    report("decode", 2, "Decoding audio")
    with clock("decode"):
        decoded = decode(path, max_seconds=max_seconds, max_samples=max_samples)
        samples, rate = decoded.samples, decoded.sample_rate
        if rate > MAX_MEASURED_SAMPLE_RATE:
            samples, rate = (
                resample(samples, rate, MAX_MEASURED_SAMPLE_RATE),
                MAX_MEASURED_SAMPLE_RATE,
            )
    analysis = analyze_audio(
        samples,
        rate,
        source_channels=decoded.source_channels,
        progress=report,
        timings=timings,
    )
    analysis["sample_rate"] = decoded.source_sample_rate
    return analysis


def analyze_audio(
    samples: np.ndarray,
    sample_rate: int,
    *,
    source_channels: int | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Every field of DESIGN §6 for a (channels, frames) float signal."""
    duration_s = samples.shape[-1] / sample_rate
    if duration_s < MIN_ANALYSIS_SECONDS:
        raise TooShortForAnalysis(
            f"The audio is {duration_s:.2f} s long; "
            f"analysis needs at least {MIN_ANALYSIS_SECONDS:.0f} s."
        )
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyze(samples, sample_rate, duration_s, source_channels, progress, timings)


def _analyze(
    samples: np.ndarray,
    sample_rate: int,
    duration_s: float,
    source_channels: int | None,
    progress: Progress | None,
    timings: dict[str, float] | None,
) -> dict[str, Any]:
    report = progress or silent
    clock = Stopwatch(timings)

    report("loudness", 10, "Measuring loudness")
    with clock("loudness"):
        loudness_report = loudness.measure_loudness(samples, sample_rate)
    with clock("downmix"):
        source_mono = to_mono(samples)
        mono = resample(source_mono, sample_rate, ANALYSIS_SAMPLE_RATE)
    report("rhythm", 30, "Finding tempo, beats and downbeats")
    with clock("rhythm"):
        rhythm_report = rhythm.analyze_rhythm(mono, ANALYSIS_SAMPLE_RATE)
    report("key", 55, "Detecting the key")
    with clock("key"):
        key_report = tonal.detect_key(mono, ANALYSIS_SAMPLE_RATE)
    report("structure", 75, "Finding sections and spectral balance")
    with clock("structure"):
        # At the source rate: the `high` band reaches 20 kHz, above the analysis rate's Nyquist.
        balance = structure.spectral_balance(source_mono, sample_rate)
        stereo = structure.stereo_image(samples)
        energy = structure.energy_curve(mono, ANALYSIS_SAMPLE_RATE)
        sections = structure.sections(
            mono,
            ANALYSIS_SAMPLE_RATE,
            downbeats=rhythm_report["downbeats"],
            phrases=rhythm_report["phrases"],
            duration_s=duration_s,
        )
        peaks = structure.waveform_peaks(samples, points=PEAK_POINTS)
        bands = structure.band_peaks(mono, ANALYSIS_SAMPLE_RATE, points=BAND_PEAK_POINTS)
    report("done", 98, "Analysis complete")
    return {
        "duration_s": round(duration_s, 3),
        "sample_rate": sample_rate,
        "channels": source_channels or samples.shape[0],
        **rhythm_report,
        **key_report,
        **loudness_report,
        "spectral_balance": balance,
        **stereo,
        "sections": sections,
        "energy_curve": energy,
        "peaks": peaks,
        "band_peaks": bands,
    }


def waveform_bands(
    path: Path, *, max_samples: int = DEFAULT_MAX_DECODED_SAMPLES
) -> dict[str, list[float]]:
    """`band_peaks` of a file, as the analysis stores them (for tracks analysed before it did)."""
    decoded = decode(path, max_samples=max_samples)
    mono = resample(to_mono(decoded.samples), decoded.sample_rate, ANALYSIS_SAMPLE_RATE)
    return structure.band_peaks(mono, ANALYSIS_SAMPLE_RATE, points=BAND_PEAK_POINTS)


def warm_up() -> None:
    """Pay librosa's numba compilation once per process, not on the first real track."""
    rate = ANALYSIS_SAMPLE_RATE
    t = np.arange(4 * rate) / rate
    clicks = (np.sin(2 * np.pi * 220 * t) * (np.mod(t, 0.5) < 0.05)).astype(np.float32)
    analyze_audio(np.stack([clicks, clicks]), rate)
