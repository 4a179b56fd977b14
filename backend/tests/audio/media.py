"""Make test media in any format from a synthesized signal, with the same ffmpeg the app uses."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from intellimix.audio.io import ffmpeg_executable


def tone(
    *, seconds: float = 3.0, sample_rate: int = 44100, channels: int = 2, frequency: float = 440.0
) -> np.ndarray:
    """A sine at −6 dBFS, (channels, frames), each channel a little detuned so they differ."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    rows = [0.5 * np.sin(2 * np.pi * (frequency + 3 * c) * t) for c in range(channels)]
    return np.asarray(rows, dtype=np.float32)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    sf.write(str(path), samples.T, sample_rate, subtype="PCM_16")
    return path


def transcode(source: Path, target: Path, *extra: str) -> Path:
    """ffmpeg source → target (format from the target's extension)."""
    subprocess.run(
        [
            ffmpeg_executable(),
            "-hide_banner",
            "-v",
            "error",
            "-y",
            "-i",
            str(source),
            *extra,
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    return target


def video_with_audio(source_wav: Path, target: Path) -> Path:
    """A small test-pattern video carrying the given audio."""
    seconds = sf.info(str(source_wav)).duration
    subprocess.run(
        [
            ffmpeg_executable(),
            "-hide_banner",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=64x48:rate=10:duration={seconds:.2f}",
            "-i",
            str(source_wav),
            "-shortest",
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    return target
