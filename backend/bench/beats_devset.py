"""The beat-tracking dev set: ≥ 150 short excerpts with exact tempo, beat and downbeat truth.

`python -m bench.beats_devset [--out DIR]` builds it into a cache folder (not committed;
default `<repo>/.cache/beats-devset`, or `BEATS_DEVSET_DIR`). Each item is `<name>.wav`
(22.05 kHz mono, 30 s) plus `<name>.json` `{bpm, meter, beats, downbeats, source, style}`.

Four sources, all with truth from how they were made, never from an analysis:

- `mma`: General MIDI accompaniment from the Debian package `mma` (its groove library:
  swing, shuffle, 12/8 blues, rock, latin, waltzes, 6/8), truth from the MIDI tempo map and the
  groove's bar length.
- `blupi`: the General MIDI songs of the Debian package `planetblupi-music-midi`, truth from the
  MIDI tempo map and time signatures (two 30 s excerpts each where the song is long enough).
  The `openttd-openmsx` songs stay out: they are the held-out set.
- `composed`: patterns written here with mido — swing, shuffle, triplet hats, rock, hip-hop,
  latin (son clave, bossa), waltz (3/4), 6/8 — GM drums, bass and chords, some with a sparse
  intro or a slow tempo drift.
- `generator`: intellimix's own generator (`intellimix.audio.generate`) at its genres' tempi.

MIDI is rendered with fluidsynth and `/usr/share/sounds/sf2/TimGM6mb.sf2` (Debian packages
`fluidsynth`, `timgm6mb-soundfont`). Beats are counted at the level a DJ counts: quarter notes
in x/4, dotted quarters in 6/8 and 12/8.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np
import soundfile as sf

RATE = 22_050
EXCERPT_S = 30.0
SOUNDFONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")
MMA_LIBRARY = Path("/usr/share/mma/lib/stdlib")
BLUPI_SONGS = Path("/usr/share/planetblupi/music")
REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / ".cache" / "beats-devset"
DRUMS = 9  # General MIDI percussion channel (0-based)


def devset_dir() -> Path:
    return Path(os.environ.get("BEATS_DEVSET_DIR", DEFAULT_DIR))


@dataclass(frozen=True)
class Truth:
    bpm: float
    meter: str
    beats: list[float]
    downbeats: list[float]
    source: str
    style: str


# --- MIDI tempo maps ---------------------------------------------------------------------


def tick_seconds(midi: mido.MidiFile, ticks: np.ndarray) -> np.ndarray:
    """Seconds at each tick, from every set_tempo event of every track (the tempo map)."""
    changes: list[tuple[int, int]] = []
    for track in midi.tracks:
        now = 0
        for message in track:
            now += message.time
            if message.type == "set_tempo":
                changes.append((now, message.tempo))
    changes.sort()
    if not changes or changes[0][0] > 0:
        changes.insert(0, (0, 500_000))
    starts = np.array([tick for tick, _ in changes], dtype=float)
    tempos = np.array([tempo for _, tempo in changes], dtype=float) / 1e6 / midi.ticks_per_beat
    seconds_at = np.concatenate([[0.0], np.cumsum(np.diff(starts) * tempos[:-1])])
    index = np.searchsorted(starts, ticks, side="right") - 1
    return seconds_at[index] + (ticks - starts[index]) * tempos[index]


def _time_signatures(midi: mido.MidiFile) -> list[tuple[int, int, int]]:
    """(tick, numerator, denominator) of every time signature, 4/4 at 0 if none."""
    found: list[tuple[int, int, int]] = []
    for track in midi.tracks:
        now = 0
        for message in track:
            now += message.time
            if message.type == "time_signature":
                found.append((now, message.numerator, message.denominator))
    found.sort()
    if not found or found[0][0] > 0:
        found.insert(0, (0, 4, 4))
    return found


def beat_ticks(midi: mido.MidiFile, end_tick: int) -> tuple[list[int], list[int], str]:
    """Beat and downbeat ticks from the time signatures: dotted quarters in compound meters."""
    signatures = _time_signatures(midi)
    quarter = midi.ticks_per_beat
    beats, downbeats = [], []
    meter = ""
    for index, (start, numerator, denominator) in enumerate(signatures):
        stop = signatures[index + 1][0] if index + 1 < len(signatures) else end_tick
        unit = quarter * 4 // denominator
        compound = denominator == 8 and numerator % 3 == 0 and numerator > 3
        beat = unit * 3 if compound else unit
        per_bar = numerator // 3 if compound else numerator
        meter = meter or f"{numerator}/{denominator}"
        tick, count = start, 0
        while tick < stop:
            beats.append(tick)
            if count % per_bar == 0:
                downbeats.append(tick)
            tick += beat
            count += 1
    return beats, downbeats, meter


def _note_ticks(midi: mido.MidiFile) -> np.ndarray:
    ticks = []
    for track in midi.tracks:
        now = 0
        for message in track:
            now += message.time
            if message.type == "note_on" and message.velocity > 0:
                ticks.append(now)
    return np.array(sorted(ticks))


# Where the notes sit against the notated beat. Game MIDI is not always written on the bar
# lines (music004-009 start every part 20 ticks late): the grid is moved to where the first
# note is, and a song whose notes do not often keep that offset is left out.
ON_GRID_TICKS = 0.04  # of a beat
MIN_ON_GRID = 0.2


def grid_offset(notes: np.ndarray, beat: int) -> int | None:
    """The first note's offset from the beat grid, if enough notes keep it; else None."""
    offset = int(notes[0] % beat)
    distance = np.abs((notes - offset + beat / 2) % beat - beat / 2)
    return offset if np.mean(distance <= ON_GRID_TICKS * beat) >= MIN_ON_GRID else None


def render(midi_path: Path, wav_path: Path) -> np.ndarray:
    """fluidsynth → mono float32 at RATE."""
    subprocess.run(
        ["fluidsynth", "-ni", "-q", "-g", "0.6", "-r", str(RATE), "-F", str(wav_path)]
        + [str(SOUNDFONT), str(midi_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    data, _ = sf.read(str(wav_path), dtype="float32", always_2d=True)
    return data.mean(axis=1)


def midi_item(
    midi_path: Path, style: str, source: str, scratch: Path, *, offsets: tuple[float, ...]
) -> Iterator[tuple[str, np.ndarray, Truth]]:
    """Render a MIDI file; one excerpt per offset, truth from its tempo map."""
    midi = mido.MidiFile(str(midi_path))
    notes = _note_ticks(midi)
    end_tick = int(notes[-1]) + midi.ticks_per_beat
    beats, downbeats, meter = beat_ticks(midi, end_tick)
    offset_ticks = grid_offset(notes, beats[1] - beats[0])
    if offset_ticks is None:
        return
    beat_s = tick_seconds(midi, np.array(beats, dtype=float) + offset_ticks)
    down_s = tick_seconds(midi, np.array(downbeats, dtype=float) + offset_ticks)
    audio = render(midi_path, scratch / "render.wav")
    for offset in offsets:
        if audio.size < (offset + EXCERPT_S) * RATE:
            continue
        excerpt = audio[round(offset * RATE) : round((offset + EXCERPT_S) * RATE)]
        inside = (beat_s >= offset) & (beat_s < offset + EXCERPT_S)
        beat_times = beat_s[inside] - offset
        if beat_times.size < 8 or np.abs(excerpt).max() < 1e-3:
            continue
        downs = down_s[(down_s >= offset) & (down_s < offset + EXCERPT_S)] - offset
        truth = Truth(
            bpm=round(float(60.0 / np.median(np.diff(beat_times))), 3),
            meter=meter,
            beats=[round(float(t), 4) for t in beat_times],
            downbeats=[round(float(t), 4) for t in downs],
            source=source,
            style=style,
        )
        yield f"{source}_{midi_path.stem}_{offset:02.0f}", excerpt, truth


# --- mma grooves ---------------------------------------------------------------------------

# groove: (MIDI quarters per bar as mma counts, MIDI quarters per beat, DJ tempi in BPM).
# mma's 6/8 grooves count eighths as MIDI quarters ("Time 6"): the beat is three of them.
MMA_GROOVES: dict[str, tuple[int, int, tuple[float, ...]]] = {
    "swing": (4, 1, (134.0, 168.0)),
    "fastswing": (4, 1, (200.0,)),
    "easyswing": (4, 1, (112.0,)),
    "jazzcombo": (4, 1, (146.0,)),
    "bigband": (4, 1, (160.0,)),
    "shuffleboggie": (4, 1, (128.0, 96.0)),
    "blues": (4, 1, (90.0,)),
    "blues128": (4, 1, (76.0, 104.0)),
    "ballad128": (4, 1, (70.0,)),
    "rock-128": (4, 1, (92.0,)),
    "50srock": (4, 1, (150.0,)),
    "8beat": (4, 1, (122.0,)),
    "basicrock": (4, 1, (118.0, 140.0)),
    "softrock": (4, 1, (100.0,)),
    "folkrock": (4, 1, (126.0,)),
    "jazzrock": (4, 1, (132.0,)),
    "bossanova": (4, 1, (132.0,)),
    "rhumba": (4, 1, (110.0,)),
    "samba": (4, 1, (100.0,)),
    "salsa": (4, 1, (180.0,)),
    "mambo": (4, 1, (174.0,)),
    "chacha": (4, 1, (120.0,)),
    "merengue": (4, 1, (128.0,)),
    "son": (4, 1, (96.0,)),
    "beguine": (4, 1, (118.0,)),
    "tango": (4, 1, (124.0,)),
    "ska": (4, 1, (160.0,)),
    "rb": (4, 1, (94.0,)),
    "bvfunk": (4, 1, (106.0,)),
    "countryswing": (4, 1, (140.0,)),
    "westernswing": (4, 1, (180.0,)),
    "zydeco": (4, 1, (138.0,)),
    "twist": (4, 1, (156.0,)),
    "charleston": (4, 1, (210.0,)),
    "jive": (4, 1, (170.0,)),
    "boggiewoggie": (4, 1, (150.0,)),
    "trance": (4, 1, (136.0,)),
    "foxtrot": (4, 1, (116.0,)),
    "quickstep": (4, 1, (198.0,)),
    "dixie": (4, 1, (176.0,)),
    "waltz": (3, 1, (90.0, 150.0)),
    "jazzwaltz": (3, 1, (140.0,)),
    "fastjazzwaltz": (3, 1, (200.0,)),
    "countrywaltz": (3, 1, (108.0,)),
    "rockwaltz": (3, 1, (120.0,)),
    "latinwaltz": (3, 1, (132.0,)),
    "modernjazzwaltz": (3, 1, (160.0,)),
    "frenchwaltz": (3, 1, (176.0,)),
    "broadwaywaltz": (3, 1, (100.0,)),
    "68march": (2, 1, (112.0,)),
    "ballad68": (4, 1, (66.0,)),
    "68swing": (6, 3, (72.0, 96.0)),
    "blues68": (6, 3, (64.0,)),
    "arpeggio68": (6, 3, (84.0,)),
}
MMA_CHORDS = {
    4: ["C", "Am", "F", "G7", "C", "Am", "Dm7", "G7"],
    3: ["C", "C", "F", "G7", "Am", "Dm", "G7", "C"],
    2: ["Am", "Am", "Dm", "E7", "Am", "F", "E7", "Am"],
    6: ["Em", "Em", "Am", "B7", "Em", "C", "B7", "Em"],
}


def mma_items(scratch: Path, done: set[str]) -> Iterator[tuple[str, np.ndarray, Truth]]:
    """Each groove at each tempo: 40 s of a chord loop, 30 s of it after a lead-in."""
    for library_file, (bar_quarters, beat_quarters, tempi) in MMA_GROOVES.items():
        path = MMA_LIBRARY / f"{library_file}.mma"
        if not path.is_file():
            continue
        # The groove's name is the file's first DefGroove (rock-128.mma defines Rock128).
        groove = re.search(r"^\s*defgroove\s+(\S+)", path.read_text(), re.I | re.M)
        for bpm in tempi:
            if groove is None or f"mma_{library_file}_{bpm:g}" in done:
                continue
            quarter_bpm = bpm * beat_quarters
            bars = int(np.ceil(40.0 / (bar_quarters * 60.0 / quarter_bpm))) + 1
            chords = MMA_CHORDS[bar_quarters if bar_quarters in MMA_CHORDS else 4]
            lines = [f"Tempo {quarter_bpm:g}", f"Groove {groove.group(1)}"]
            lines += [f"{i + 1} {chords[i % len(chords)]}" for i in range(bars)]
            source = scratch / "song.mma"
            source.write_text("\n".join(lines) + "\n")
            midi_path = scratch / f"mma_{library_file}_{bpm:g}.mid"
            subprocess.run(
                ["mma", str(source), "-f", str(midi_path)], check=True, capture_output=True
            )
            quarter_s = 60.0 / quarter_bpm
            beat_s = quarter_s * beat_quarters
            per_bar = bar_quarters // beat_quarters
            offset = (
                4 * bar_quarters * quarter_s if bar_quarters <= 3 else 2 * bar_quarters * quarter_s
            )
            beats = np.arange(0.0, offset + EXCERPT_S, beat_s)
            beats = beats[beats >= offset - 1e-9]
            counts = np.round(beats / beat_s).astype(int)
            audio = render(midi_path, scratch / "render.wav")
            excerpt = audio[round(offset * RATE) : round((offset + EXCERPT_S) * RATE)]
            if excerpt.size < EXCERPT_S * RATE * 0.99:
                continue
            beats = beats[beats < offset + EXCERPT_S] - offset
            counts = counts[: beats.size]
            meter = {1: "2/4", 2: "6/8", 3: "3/4", 4: "4/4"}[per_bar]
            # 12/8 grooves written in 4/4 with triplets, a dotted quarter to each counted
            # quarter (ballad68; blues128, ballad128 and rock-128 say so in their docs).
            if (beat_quarters, bar_quarters) == (1, 4) and library_file.endswith(("68", "128")):
                meter = "12/8"
            yield (
                f"mma_{library_file}_{bpm:g}",
                excerpt,
                Truth(
                    bpm=bpm,
                    meter=meter,
                    beats=[round(float(t), 4) for t in beats],
                    downbeats=[
                        round(float(t), 4)
                        for t, c in zip(beats, counts, strict=True)
                        if c % per_bar == 0
                    ],
                    source="mma",
                    style=library_file,
                ),
            )


# --- composed patterns -------------------------------------------------------------------

KICK, SNARE, RIM, CLOSED_HAT, OPEN_HAT, RIDE, CLAVE, CONGA_HI, CONGA_LO, SHAKER, COWBELL = (
    36,
    38,
    37,
    42,
    46,
    51,
    75,
    62,
    64,
    70,
    56,
)


@dataclass(frozen=True)
class Pattern:
    """One bar: drum hits (beat position, note, velocity), bass and chord onsets in beats."""

    beats_per_bar: int
    drums: tuple[tuple[float, int, int], ...]
    bass: tuple[float, ...]
    chords: tuple[float, ...]
    tempi: tuple[float, ...]
    meter: str
    swing: float = 0.5  # where the off-beat eighth sits within the beat (0.5 straight)


def _grid(step: float, beats: int, note: int, velocity: int, *, skip: float = -1) -> tuple:
    return tuple((t, note, velocity) for t in np.arange(0, beats, step) if abs(t - skip) > 1e-6)


def _patterns() -> dict[str, Pattern]:
    trip = 1.0 / 3.0
    return {
        "rock": Pattern(
            4,
            ((0, KICK, 110), (2, KICK, 100), (2.5, KICK, 80), (1, SNARE, 110), (3, SNARE, 110))
            + _grid(0.5, 4, CLOSED_HAT, 70),
            (0, 2, 2.5),
            (0, 2),
            (96.0, 120.0, 138.0, 152.0),
            "4/4",
        ),
        "hiphop": Pattern(
            4,
            ((0, KICK, 115), (0.75, KICK, 90), (2.5, KICK, 100), (1, SNARE, 115), (3, SNARE, 115))
            + _grid(0.5, 4, CLOSED_HAT, 65),
            (0, 0.75, 2.5),
            (0,),
            (84.0, 90.0, 96.0),
            "4/4",
            swing=0.62,
        ),
        "swing": Pattern(
            4,
            ((1, RIDE, 90), (2, RIDE, 90), (0, RIDE, 90), (3, RIDE, 90), (1 + 2 * trip, RIDE, 70))
            + ((3 + 2 * trip, RIDE, 70), (1, 44, 80), (3, 44, 80), (0, KICK, 50), (2, KICK, 45)),
            (0, 1, 2, 3),
            (0.0 + 2 * trip, 2),
            (120.0, 134.0, 160.0, 180.0),
            "4/4",
        ),
        "shuffle": Pattern(
            4,
            tuple(
                (b + o, CLOSED_HAT, 80 if o == 0 else 60) for b in range(4) for o in (0, 2 * trip)
            )
            + ((0, KICK, 110), (2, KICK, 105), (1, SNARE, 110), (3, SNARE, 110)),
            tuple(b + o for b in range(4) for o in (0, 2 * trip)),
            (0, 2),
            (100.0, 116.0, 128.0, 144.0),
            "4/4",
        ),
        "triplet": Pattern(
            4,
            _grid(trip, 4, CLOSED_HAT, 70)
            + ((0, KICK, 110), (1 + 2 * trip, KICK, 90), (2, KICK, 100), (1, SNARE, 110))
            + ((3, SNARE, 110),),
            (0, 1 + 2 * trip, 2),
            (0,),
            (89.3, 106.7, 134.0, 160.0),
            "4/4",
        ),
        "son": Pattern(
            4,
            ((0, CLAVE, 100), (0.75, CLAVE, 100), (1.5, CLAVE, 100), (2.5, CLAVE, 100))
            + ((3, CLAVE, 100), (1, CONGA_HI, 80), (1.5, CONGA_LO, 90), (3, CONGA_HI, 80))
            + ((3.5, CONGA_LO, 90),)
            + _grid(0.25, 4, SHAKER, 50),
            (1.5, 2, 3.5),
            (0.5, 1.5, 2.5, 3.5),
            (96.0, 110.0, 124.0),
            "4/4",
        ),
        "bossa": Pattern(
            4,
            ((0, RIM, 90), (0.75, RIM, 90), (1.5, RIM, 90), (2.5, RIM, 90), (3.25, RIM, 90))
            + ((0, KICK, 90), (1.5, KICK, 70), (2, KICK, 90), (3.5, KICK, 70))
            + _grid(0.5, 4, CLOSED_HAT, 55),
            (0, 1.5, 2, 3.5),
            (0, 0.75, 1.5, 2.5, 3.25),
            (120.0, 136.0),
            "4/4",
        ),
        "dnb": Pattern(
            4,
            ((0, KICK, 115), (2.5, KICK, 105), (1, SNARE, 115), (3, SNARE, 115))
            + ((1.75, SNARE, 45), (3.75, SNARE, 45))
            + _grid(0.25, 4, CLOSED_HAT, 55),
            (0, 2.5),
            (0,),
            (164.0, 170.0, 174.0, 178.0),
            "4/4",
        ),
        "waltz": Pattern(
            3,
            ((0, KICK, 105), (1, CLOSED_HAT, 70), (2, CLOSED_HAT, 70), (1, SNARE, 55))
            + ((2, SNARE, 55),),
            (0,),
            (1, 2),
            (84.0, 108.0, 144.0, 168.0),
            "3/4",
        ),
        "six_eight": Pattern(
            2,
            _grid(trip, 2, CLOSED_HAT, 65)
            + ((0, KICK, 110), (1, SNARE, 105), (1 + 2 * trip, KICK, 70)),
            (0, 2 * trip, 1),
            (0, 1),
            (56.0, 66.0, 76.0, 92.0),
            "6/8",
        ),
    }


def _swung(position: float, swing: float) -> float:
    """An off-beat eighth (…x.5) moved to `swing` of the beat."""
    whole, frac = divmod(position, 1.0)
    return whole + (swing if abs(frac - 0.5) < 1e-6 else frac)


CHORD_ROOTS = (57, 53, 48, 55)  # Am F C G


def compose(
    pattern: Pattern, bpm: float, *, bars: int, intro_bars: int, drift: float
) -> tuple[mido.MidiFile, int]:
    """A MIDI file of `bars` bars of the pattern (the first `intro_bars` hats and chords only)."""
    quarter_ticks = 480
    beat_ticks_ = 720 if pattern.meter == "6/8" else quarter_ticks  # 6/8: a dotted quarter
    midi = mido.MidiFile(ticks_per_beat=quarter_ticks)
    conductor = mido.MidiTrack()
    midi.tracks.append(conductor)
    numerator, denominator = (6, 8) if pattern.meter == "6/8" else (pattern.beats_per_bar, 4)
    conductor.append(
        mido.MetaMessage("time_signature", numerator=numerator, denominator=denominator)
    )
    quarter_bpm = bpm * beat_ticks_ / quarter_ticks
    total_beats = bars * pattern.beats_per_bar
    last = 0
    for beat in range(total_beats):
        # A drift is a slow sine of tempo (played music): ±drift around the tempo, one cycle.
        factor = 1.0 + drift * np.sin(2 * np.pi * beat / total_beats)
        tick = beat * beat_ticks_
        conductor.append(
            mido.MetaMessage(
                "set_tempo", tempo=mido.bpm2tempo(quarter_bpm * factor), time=tick - last
            )
        )
        last = tick
    events: list[tuple[int, mido.Message]] = []
    rng = np.random.default_rng(int(bpm * 10) + bars)

    def note(at_beat: float, channel: int, pitch: int, velocity: int, length_beats: float) -> None:
        start = round(at_beat * beat_ticks_)
        stop = start + max(1, round(length_beats * beat_ticks_))
        jitter = int(rng.integers(-4, 5)) if channel != DRUMS else 0
        events.append(
            (
                max(0, start + jitter),
                mido.Message("note_on", channel=channel, note=pitch, velocity=velocity),
            )
        )
        events.append((stop, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))

    for bar in range(bars):
        base = bar * pattern.beats_per_bar
        root = CHORD_ROOTS[(bar // 2) % len(CHORD_ROOTS)]
        intro = bar < intro_bars
        for position, pitch, velocity in pattern.drums:
            if intro and pitch not in (CLOSED_HAT, RIDE, SHAKER):
                continue
            note(base + _swung(position, pattern.swing), DRUMS, pitch, velocity, 0.1)
        if not intro:
            for position in pattern.bass:
                note(base + _swung(position, pattern.swing), 1, root - 24, 100, 0.4)
        for position in pattern.chords:
            for interval in (0, 3 if root in (57,) else 4, 7):
                note(base + _swung(position, pattern.swing), 2, root + interval, 70, 0.8)
    midi.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("program_change", channel=1, program=33),
                mido.Message("program_change", channel=2, program=4),
            ]
        )
    )
    track = midi.tracks[-1]
    now = 0
    for tick, message in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        track.append(message.copy(time=tick - now))
        now = tick
    return midi, beat_ticks_


def composed_items(scratch: Path) -> Iterator[tuple[str, np.ndarray, Truth]]:
    """Every pattern at each of its tempi; some with a sparse intro, some drifting ±3 %."""
    for style, pattern in _patterns().items():
        for index, bpm in enumerate(pattern.tempi):
            # Each tempo plain, and again with a two-bar hats-and-chords intro, every other
            # one also drifting ±3 % (a played tempo).
            for intro_bars, drift in ((0, 0.0), (2, 0.03 if index % 2 else 0.0)):
                bar_s = pattern.beats_per_bar * 60.0 / bpm
                bars = int(np.ceil(EXCERPT_S / bar_s)) + 2
                midi, beat_tick = compose(
                    pattern, bpm, bars=bars, intro_bars=intro_bars, drift=drift
                )
                name = f"composed_{style}_{bpm:g}"
                name += f"_intro{intro_bars}" if intro_bars else ""
                name += "_drift" if drift else ""
                midi_path = scratch / f"{name}.mid"
                midi.save(str(midi_path))
                total = bars * pattern.beats_per_bar
                ticks = np.arange(total) * beat_tick
                beat_s = tick_seconds(midi, ticks.astype(float))
                audio = render(midi_path, scratch / "render.wav")[: round(EXCERPT_S * RATE)]
                keep = beat_s < EXCERPT_S
                beats = beat_s[keep]
                counts = np.arange(total)[keep]
                yield (
                    name,
                    audio,
                    Truth(
                        bpm=bpm,
                        meter=pattern.meter,
                        beats=[round(float(t), 4) for t in beats],
                        downbeats=[
                            round(float(t), 4)
                            for t, c in zip(beats, counts, strict=True)
                            if c % pattern.beats_per_bar == 0
                        ],
                        source="composed",
                        style=style,
                    ),
                )


# --- the generator's own tracks ----------------------------------------------------------

GENERATOR_PROMPTS = (
    "house at 124 bpm",
    "house at 120 bpm",
    "techno at 132 bpm",
    "techno at 138 bpm",
    "drum and bass at 174 bpm",
    "drum and bass at 170 bpm",
    "drum and bass at 164 bpm",
    "drum and bass at 178 bpm",
    "techno at 128 bpm",
    "house at 126 bpm",
    "hip hop at 96 bpm",
    "dubstep at 145 bpm",
    "dubstep at 140 bpm",
    "hip hop at 90 bpm",
    "hip hop at 84 bpm",
    "lo-fi at 78 bpm",
    "lo-fi at 86 bpm",
    "trap at 140 bpm",
    "pop at 104 bpm",
    "pop at 122 bpm",
    "synthwave at 100 bpm",
    "synthwave at 112 bpm",
)


def generator_items() -> Iterator[tuple[str, np.ndarray, Truth]]:
    """Synthesized stems of a prompt, summed: beats on the arrangement's grid from 0."""
    from intellimix.audio.generate.context import context_from_spec
    from intellimix.audio.generate.pipeline import balance, synthesize
    from intellimix.planner.intent import parse_prompt

    for seed, prompt in enumerate(GENERATOR_PROMPTS, start=1):
        spec = parse_prompt(f"{prompt}, 40 seconds", seed=seed).model_dump()
        ctx = context_from_spec(spec, sample_rate=RATE)
        raw, kicks = synthesize(ctx)
        mix = sum(balance(ctx, raw, kicks).values()).mean(axis=0)
        # The second phrase on: the generator's intros are sparse, which the composed set covers.
        beat_s = ctx.arrangement.beat_s
        offset = 4 * 4 * beat_s if ctx.arrangement.duration_s > EXCERPT_S + 16 * beat_s else 0.0
        excerpt = mix[round(offset * RATE) : round((offset + EXCERPT_S) * RATE)]
        beats = np.arange(0, ctx.arrangement.total_beats) * beat_s - offset
        counts = np.arange(beats.size)
        keep = (beats >= 0) & (beats < excerpt.size / RATE)
        yield (
            f"generator_{spec['genre']}_{spec['bpm']:g}",
            excerpt.astype(np.float32),
            Truth(
                bpm=float(spec["bpm"]),
                meter="4/4",
                beats=[round(float(t), 4) for t in beats[keep]],
                downbeats=[
                    round(float(t), 4)
                    for t, c in zip(beats[keep], counts[keep], strict=True)
                    if c % 4 == 0
                ],
                source="generator",
                style=spec["genre"],
            ),
        )


def build(out: Path) -> int:
    """Write every item not already there; returns how many items the folder holds."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        blupi = (
            item
            for path in sorted(BLUPI_SONGS.glob("*.mid"))
            for item in midi_item(path, "game", "blupi", scratch, offsets=(0.0, 30.0, 60.0))
        )
        done = {path.stem for path in out.glob("*.json")}
        sources = (composed_items(scratch), mma_items(scratch, done), blupi, generator_items())
        for source in sources:
            for name, audio, truth in source:
                wav = out / f"{name}.wav"
                peak = float(np.abs(audio).max()) or 1.0
                sf.write(str(wav), (0.9 * audio / peak).astype(np.float32), RATE, subtype="PCM_16")
                (out / f"{name}.json").write_text(json.dumps(truth.__dict__))
                print(f"{name}: {truth.bpm:g} BPM {truth.meter}", flush=True)
    return len(list(out.glob("*.json")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=devset_dir())
    args = parser.parse_args()
    print(f"{build(args.out)} items in {args.out}")


if __name__ == "__main__":
    main()
