"""Test helpers: turn music21 scores into MIDI at a known tempo and render them with fluidsynth."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf
from music21 import instrument, stream, tempo

DEFAULT_SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
ACOUSTIC_GRAND_PIANO = 0  # General MIDI program numbers are 0-based in music21.
CHURCH_ORGAN = 19


def fluidsynth_available(*, soundfont: Path = DEFAULT_SOUNDFONT) -> bool:
    """True when the fluidsynth binary and the soundfont are both installed."""
    return shutil.which("fluidsynth") is not None and soundfont.is_file()


def with_fixed_tempo(score: stream.Score, *, bpm: float, program: int) -> stream.Score:
    """A copy of `score` with one quarter-note tempo and one GM program on every part."""
    out = copy.deepcopy(score)
    for mark in list(out.recurse().getElementsByClass(tempo.TempoIndication)):
        mark.activeSite.remove(mark)
    parts: list[stream.Stream] = list(out.parts) or [out]
    for part in parts:
        for old in list(part.recurse().getElementsByClass(instrument.Instrument)):
            old.activeSite.remove(old)
        player = instrument.Instrument()
        player.midiProgram = program
        part.insert(0, player)
    # One mark at offset 0 of the first part: music21 writes it to the MIDI conductor track,
    # so every part follows it and the rendered tempo is exactly `bpm` quarters a minute.
    parts[0].insert(0, tempo.MetronomeMark(number=bpm, referent="quarter"))
    return out


def write_midi(score: stream.Score, path: Path) -> Path:
    """Write `score` as a standard MIDI file at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    score.write("midi", fp=str(path))
    return path


def render_midi(
    midi_path: Path,
    wav_path: Path,
    *,
    sample_rate: int = 22050,
    gain: float = 0.5,
    soundfont: Path = DEFAULT_SOUNDFONT,
    timeout_s: float = 120.0,
) -> Path:
    """Render `midi_path` to a WAV with fluidsynth, atomically: readers never see half a file."""
    wav_path.parent.mkdir(parents=True, exist_ok=True)
    partial = wav_path.with_name(f".{wav_path.stem}.{os.getpid()}.partial.wav")
    command = [
        "fluidsynth",
        "-ni",
        "-q",
        "-g",
        str(gain),
        "-r",
        str(sample_rate),
        "-F",
        str(partial),
        str(soundfont),
        str(midi_path),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=timeout_s)
    os.replace(partial, wav_path)
    return wav_path


def read_mono(path: Path) -> tuple[np.ndarray, int]:
    """Read a WAV as float32 mono (channels averaged) and its sample rate."""
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    return data.mean(axis=1), int(rate)
