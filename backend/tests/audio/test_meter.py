"""Meter on General MIDI grooves rendered with fluidsynth: 6/8 and 12/8 against 4/4 controls.

Each groove is written note by note with mido, so its beats and bars are exact: in a compound
meter the beat is the dotted quarter and a 6/8 bar holds two of them (a 12/8 bar holds four and
reads as two 6/8 bars). The controls divide their beat in two, or in a long-short shuffle, or
play a triplet grid at a tempo where it is a shuffle written in 4/4.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import pytest

from intellimix.audio.rhythm import analyze_rhythm
from tests.audio.midi_render import fluidsynth_available, read_mono, render_midi
from tests.audio.test_rhythm_feel import beat_f

TICKS_PER_BEAT = 480  # MIDI ticks per counted beat (a dotted quarter in 6/8)
DRUMS = 9
KICK, SNARE, CLOSED_HAT, RIDE = 36, 38, 42, 51
# Chord roots (MIDI notes), one a bar: A minor, D minor, E, A minor.
ROOTS = (57, 50, 52, 57)


@dataclass(frozen=True)
class Groove:
    """One bar: where each part plays, in beats from the bar line, and its velocity."""

    beats_per_bar: int
    divisions: int  # notes per beat of the chord part (3: eighths of a dotted quarter)
    drums: tuple[tuple[float, int, int], ...] = ()
    bass: tuple[float, ...] = (0.0,)
    swing: bool = False  # the chord part plays long-short: the beat and its last third


GROOVES = {
    # A 6/8 ballad: piano eighths (accents on 1 and 4), bass on both beats, no drums.
    "six_eight_ballad": Groove(2, 3, bass=(0.0, 1.0)),
    # A 12/8 slow blues: kick on 1 and 3, snare on 2 and 4, ride on every eighth.
    "twelve_eight_blues": Groove(
        4,
        3,
        drums=((0, KICK, 110), (2, KICK, 100), (1, SNARE, 105), (3, SNARE, 105))
        + tuple((b + k / 3, RIDE, 80 if k == 0 else 55) for b in range(4) for k in range(3)),
        bass=(0.0, 1.0, 2.0, 3.0),
    ),
    # Controls. Straight eighths in 4/4.
    "four_four_eighths": Groove(
        4,
        2,
        drums=((0, KICK, 110), (2, KICK, 100), (1, SNARE, 105), (3, SNARE, 105))
        + tuple((b / 2, CLOSED_HAT, 70) for b in range(8)),
        bass=(0.0, 2.0),
    ),
    # A slow shuffle: long-short eighths, the beat's middle third empty.
    "four_four_shuffle": Groove(
        4,
        3,
        drums=((0, KICK, 110), (2, KICK, 100), (1, SNARE, 105), (3, SNARE, 105))
        + tuple((b + k, CLOSED_HAT, 75 if k == 0 else 55) for b in range(4) for k in (0, 2 / 3)),
        bass=(0.0, 2.0),
        swing=True,
    ),
}


@dataclass(frozen=True)
class Rendered:
    audio: np.ndarray
    sample_rate: int
    beats: np.ndarray
    downbeats: np.ndarray


def compose(groove: Groove, bpm: float, *, bars: int) -> mido.MidiFile:
    """`bars` bars of the groove at `bpm` counted beats a minute."""
    midi = mido.MidiFile(ticks_per_beat=TICKS_PER_BEAT)
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))])
    events: list[tuple[int, mido.Message]] = [
        (0, mido.Message("program_change", channel=0, program=0)),  # piano
        (0, mido.Message("program_change", channel=1, program=32)),  # acoustic bass
    ]

    def play(beat: float, channel: int, note: int, velocity: int, length: float) -> None:
        start = round(beat * TICKS_PER_BEAT)
        stop = start + max(1, round(length * TICKS_PER_BEAT))
        events.append(
            (start, mido.Message("note_on", channel=channel, note=note, velocity=velocity))
        )
        events.append((stop, mido.Message("note_off", channel=channel, note=note, velocity=0)))

    step = 1.0 / groove.divisions
    steps = (0, groove.divisions - 1) if groove.swing else range(groove.divisions)
    for bar in range(bars):
        start = bar * groove.beats_per_bar
        root = ROOTS[bar % len(ROOTS)]
        chord = (root, root + (4 if root == 52 else 3), root + 7)
        for beat in range(groove.beats_per_bar):
            for k in steps:
                velocity = 80 if k == 0 else 55
                play(start + beat + k * step, 0, chord[(beat + k) % 3] + 12, velocity, step)
        for beat in groove.bass:
            play(start + beat, 1, root - 24, 100, 0.9)
        for beat, note, velocity in groove.drums:
            play(start + beat, DRUMS, note, velocity, 0.1)
    track = mido.MidiTrack()
    now = 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        track.append(message.copy(time=tick - now))
        now = tick
    midi.tracks += [conductor, track]
    return midi


def render(groove: Groove, bpm: float, folder: Path, *, seconds: float = 24.0) -> Rendered:
    if not fluidsynth_available():
        pytest.fail(
            "fluidsynth or the TimGM6mb soundfont is missing: "
            "apt-get install --no-install-recommends fluidsynth timgm6mb-soundfont (.ci/run does)"
        )
    beat_s = 60.0 / bpm
    bars = int(np.ceil(seconds / (groove.beats_per_bar * beat_s))) + 1
    midi_path = folder / "groove.mid"
    compose(groove, bpm, bars=bars).save(str(midi_path))
    audio, rate = read_mono(render_midi(midi_path, folder / "groove.wav"))
    audio = audio[: int(seconds * rate)]
    beats = np.arange(0.0, seconds, beat_s)
    return Rendered(audio, rate, beats, beats[:: groove.beats_per_bar])


@pytest.mark.parametrize(
    ("name", "bpm"),
    [("six_eight_ballad", 58.0), ("six_eight_ballad", 80.0), ("twelve_eight_blues", 66.0)],
)
def test_a_compound_meter_is_six_eight_with_bars_of_two_dotted_quarters(
    name: str, bpm: float, tmp_path: Path
) -> None:
    track = render(GROOVES[name], bpm, tmp_path)
    result = analyze_rhythm(track.audio, track.sample_rate)
    assert result["bpm"] is not None and abs(result["bpm"] - bpm) <= 0.04 * bpm, result["bpm"]
    assert result["meter"] == "6/8"
    assert beat_f(track.beats, result["beats"]) >= 0.9
    # A 12/8 bar is two of ours, so its downbeats are every other one of ours.
    assert beat_f(track.beats[::2], result["downbeats"]) >= 0.8
    bar_lengths = [bar["end_s"] - bar["start_s"] for bar in result["bars"][:-1]]
    np.testing.assert_allclose(bar_lengths, 2 * 60.0 / bpm, atol=0.03)


@pytest.mark.parametrize(
    ("name", "bpm"),
    [("four_four_eighths", 84.0), ("four_four_shuffle", 84.0), ("twelve_eight_blues", 132.0)],
)
def test_a_beat_divided_in_two_or_shuffled_or_fast_stays_four_four(
    name: str, bpm: float, tmp_path: Path
) -> None:
    track = render(GROOVES[name], bpm, tmp_path)
    result = analyze_rhythm(track.audio, track.sample_rate)
    assert result["meter"] == "4/4", result["bpm"]
