"""Pitched stems of a generated track: harmony (pads, stabs, keys, strings, organ, drones) and lead.

Every part is a list of notes on the arrangement's beat grid. A note is synthesized once as a
short numpy array (a memo keeps each distinct note, so a repeating loop costs one render) and
mixed in with `synth.add_at`; effects run once per stem. Parts follow the arrangement: a stem is
tacet where its level is 0, builds open a low-pass filter, breaks keep only sustained harmony
and a sparse lead. Each stem peaks at -6 dBFS; the mix rebalances stems afterwards.

The bass is in `bass.py`, which builds on the note helpers here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import ParamSpec

import numpy as np

from intellimix.audio.generate import effects, synth
from intellimix.audio.generate.arrangement import BEATS_PER_BAR, SectionSpan, Stem
from intellimix.audio.generate.context import SynthContext
from intellimix.audio.generate.theory import (
    LEAD_HIGH,
    LEAD_LOW,
    Chord,
    Progression,
    scale_pcs,
)

P = ParamSpec("P")

PEAK = 0.5  # -6 dBFS: headroom for the mix
STEPS_PER_BAR = 16
TABLE_SIZE = 4096

# How far off-beats are pushed late: 1.0 is full triplet swing.
SWING: dict[str, float] = {"lo_fi": 0.6, "hip_hop": 0.45}

# --- notes, spans and the memo -----------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """One note on the beat grid (beats from the track start)."""

    beat: float
    beats: float
    midi: int
    velocity: float = 1.0


@dataclass(frozen=True)
class Span:
    """A run of bars inside one section that holds one chord, with the stem's level there."""

    start_bar: int
    bars: int
    chord: Chord
    section: SectionSpan
    level: float

    @property
    def start_beat(self) -> float:
        return float(self.start_bar * BEATS_PER_BAR)

    @property
    def beats(self) -> float:
        return float(self.bars * BEATS_PER_BAR)


def spans(
    ctx: SynthContext, progression: Progression, stem: Stem, *, per_bar: bool = False
) -> list[Span]:
    """The stem's audible chord runs (or single bars), in order; tacet sections are skipped."""
    found: list[Span] = []
    for section in ctx.arrangement.sections:
        level = ctx.arrangement.level(section, stem)
        if level <= 0.0:
            continue
        for bar in range(section.start_bar, section.end_bar):
            chord = progression.chord_at(bar)
            last = found[-1] if found else None
            if (
                not per_bar
                and last is not None
                and last.section == section
                and last.chord == chord
                and last.start_bar + last.bars == bar
            ):
                found[-1] = Span(last.start_bar, last.bars + 1, chord, section, level)
            else:
                found.append(Span(bar, 1, chord, section, level))
    return found


class Memo:
    """Rendered notes of one stem by key: a note that repeats is synthesized once."""

    def __init__(self) -> None:
        self._notes: dict[Hashable, np.ndarray] = {}

    def get(
        self, key: Hashable, make: Callable[P, np.ndarray], *args: P.args, **kwargs: P.kwargs
    ) -> np.ndarray:
        """The note stored under `key`, made by `make(*args, **kwargs)` the first time."""
        if key not in self._notes:
            self._notes[key] = make(*args, **kwargs)
        return self._notes[key]


def swung(beat: float, amount: float) -> float:
    """A grid position pushed late if it is an off-beat eighth or an odd sixteenth."""
    frac = round((beat % 1.0) * 4) / 4
    if frac == 0.5:
        return beat + amount / 6.0
    if frac in (0.25, 0.75):
        return beat + amount / 12.0
    return beat


def placed(signal: np.ndarray, position: float) -> np.ndarray:
    """A mono or stereo signal panned to `position` in [-1, 1] (equal power)."""
    if signal.ndim == 1:
        return synth.pan(signal, position)
    left, right = synth.pan_gains(position)
    return (signal * np.array([[left], [right]], dtype=np.float32)).astype(np.float32)


def play(
    out: np.ndarray,
    ctx: SynthContext,
    notes: list[Note],
    voice: Callable[[int, int, int], np.ndarray],
    memo: Memo,
    *,
    name: str,
    position: float = 0.0,
    tail_beats: float = 0.0,
    gain: float = 1.0,
) -> None:
    """Mix `notes` into `out`, each `voice(midi, n_samples, sample_rate)` panned to `position`."""
    arrangement = ctx.arrangement
    for note in notes:
        n = max(arrangement.samples(note.beats + tail_beats), 64)
        signal = memo.get(
            (name, note.midi, n), _placed_note, voice, note.midi, n, ctx.sample_rate, position
        )
        synth.add_at(out, arrangement.sample(note.beat), signal, gain * note.velocity)


def _placed_note(
    voice: Callable[[int, int, int], np.ndarray],
    midi: int,
    n: int,
    sample_rate: int,
    position: float,
) -> np.ndarray:
    return placed(voice(midi, n, sample_rate), position)


def from_first_sound(x: np.ndarray, effect: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`effect` applied from the stem's first sound on: leading silence costs no processing."""
    sounding = np.flatnonzero(np.any(x != 0.0, axis=0))
    if sounding.size == 0:
        return x
    start = int(sounding[0])
    y = np.zeros_like(x)
    y[:, start:] = effect(x[:, start:])
    return y


def open_filter_in_builds(
    ctx: SynthContext, x: np.ndarray, *, low_hz: float, high_hz: float = 16_000.0
) -> np.ndarray:
    """Builds rise from a closed low-pass to open: the stem's own riser into the drop."""
    y = x.copy()
    arrangement = ctx.arrangement
    for section in arrangement.sections:
        if section.role != "build":
            continue
        start, stop = arrangement.sample(section.start_beat), arrangement.sample(section.end_beat)
        if stop <= start:
            continue
        ramp = np.linspace(0.0, 1.0, stop - start)
        cutoff = low_hz * (high_hz / low_hz) ** (ramp**2)
        y[:, start:stop] = synth.sweep_lowpass(x[:, start:stop], ctx.sample_rate, cutoff)
    return y


def finish(x: np.ndarray) -> np.ndarray:
    """The float32 stem scaled in place to peak at PEAK (silence stays silence), returned."""
    peak = max(float(x.max()), -float(x.min())) if x.size else 0.0
    if peak > 1e-9:
        x *= np.float32(PEAK / peak)
    return x


def hz(midi: float) -> float:
    return float(synth.midi_to_hz(midi))


# --- wavetable oscillators ---------------------------------------------------------------------
# Sums of a fixed number of harmonics in a lookup table: band-limited by construction, with the
# brightness a note needs (the harmonic count doubles as a built-in low-pass), and an order of
# magnitude cheaper per sample than polyBLEP plus a filter.


@lru_cache(maxsize=256)
def _table(shape: str, harmonics: int) -> np.ndarray:
    k = np.arange(1, harmonics + 1, dtype=np.float64)
    if shape == "saw":
        amps = 1.0 / k
    elif shape == "square":
        amps = np.where(k % 2 == 1, 1.0 / k, 0.0)
    elif shape == "triangle":
        amps = np.where(k % 2 == 1, np.where((k - 1) % 4 == 0, 1.0, -1.0) / k**2, 0.0)
    else:
        raise ValueError(f"unknown wave shape {shape!r}")
    # An inverse FFT of the harmonic amplitudes: sine partials are the imaginary part.
    spectrum = np.zeros(TABLE_SIZE // 2 + 1, dtype=np.complex128)
    spectrum[1 : harmonics + 1] = -0.5j * TABLE_SIZE * amps
    wave = np.fft.irfft(spectrum, n=TABLE_SIZE)
    return (wave / np.max(np.abs(wave))).astype(np.float32)


def osc(
    shape: str,
    freq_hz: float | np.ndarray,
    n: int,
    sample_rate: int,
    *,
    max_hz: float,
    start: float = 0.0,
) -> np.ndarray:
    """A band-limited wave with harmonics up to `max_hz` (constant or per-sample frequency)."""
    top = float(np.max(freq_hz))
    harmonics = int(np.clip(min(max_hz, sample_rate * 0.45) / top, 1, 256))
    if np.ndim(freq_hz) == 0:
        ph = start + np.arange(n, dtype=np.float64) * (float(freq_hz) / sample_rate)
    else:
        ph = synth.phase(freq_hz, n, sample_rate, start=start)
    index = (ph * TABLE_SIZE).astype(np.int64) & (TABLE_SIZE - 1)
    return _table(shape, harmonics)[index]


def stereo_stack(
    shape: str,
    freqs: list[float],
    n: int,
    sample_rate: int,
    *,
    max_hz: float,
    detune_cents: float,
    voices: int,
    spread: float,
    generator: np.random.Generator,
) -> np.ndarray:
    """Detuned unison of every frequency, voices spread across the stereo field: pads, saws."""
    out = np.zeros((2, n), dtype=np.float32)
    offsets = np.linspace(-1.0, 1.0, voices) if voices > 1 else np.zeros(1)
    for f in freqs:
        for offset in offsets:
            wave = osc(
                shape,
                f * 2.0 ** (offset * detune_cents / 1200.0),
                n,
                sample_rate,
                max_hz=max_hz,
                start=float(generator.random()),
            )
            left, right = synth.pan_gains(float(offset) * spread)
            out[0] += left * wave
            out[1] += right * wave
    return out / np.sqrt(voices * len(freqs))


# --- harmony voices ----------------------------------------------------------------------------


def pad_voice(
    notes: tuple[int, ...],
    n: int,
    sample_rate: int,
    *,
    attack_s: float,
    release_s: float,
    bright_hz: float,
    evolve_cycles: float,
    seed: int,
) -> np.ndarray:
    """Detuned saw chord; `evolve_cycles` > 0 slowly morphs it between dark and bright."""
    generator = np.random.default_rng(seed)
    freqs = [hz(m) for m in notes]
    bright = stereo_stack(
        "saw",
        freqs,
        n,
        sample_rate,
        max_hz=bright_hz,
        detune_cents=14.0,
        voices=3,
        spread=0.9,
        generator=generator,
    )
    if evolve_cycles > 0:
        dark = stereo_stack(
            "saw",
            freqs,
            n,
            sample_rate,
            max_hz=bright_hz / 4,
            detune_cents=7.0,
            voices=3,
            spread=0.9,
            generator=generator,
        )
        t = np.arange(n) / n
        morph = (0.5 - 0.5 * np.cos(2.0 * np.pi * evolve_cycles * t)).astype(np.float32)
        bright = dark + morph * (bright - dark)
    env = synth.adsr(
        n, sample_rate, attack_s=attack_s, decay_s=0.5, sustain=0.8, release_s=release_s
    )
    # Chorus per chord, not per stem: a loop's few distinct chords cost a few seconds of it.
    return synth.fade_edges(
        effects.chorus(bright * env, sample_rate, depth=0.2, mix=0.35), sample_rate
    )


def stab_voice(notes: tuple[int, ...], n: int, sample_rate: int, *, seed: int) -> np.ndarray:
    """A short, bright-then-dull chord hit (house/techno stab)."""
    generator = np.random.default_rng(seed)
    freqs = [hz(m) for m in notes]
    bright, body = (
        stereo_stack(
            shape,
            freqs,
            n,
            sample_rate,
            max_hz=max_hz,
            detune_cents=10.0,
            voices=2,
            spread=0.6,
            generator=generator,
        )
        for shape, max_hz in (("saw", 4000.0), ("square", 1200.0))
    )
    y = bright * synth.decay(n, sample_rate, time_s=0.05) + body * synth.decay(
        n, sample_rate, time_s=0.18
    )
    return synth.fade_edges(y, sample_rate)


def epiano_voice(midi: int, n: int, sample_rate: int, *, wow_phase: float) -> np.ndarray:
    """FM electric piano (Rhodes-like bark and tine) with tape wow."""
    t = np.arange(n, dtype=np.float64) / sample_rate
    # Wow: a slow, slightly uneven pitch drift, the sound of a worn tape.
    wow = (
        1.0
        + 0.0025 * np.sin(2.0 * np.pi * 0.6 * t + wow_phase)
        + 0.001 * np.sin(2.0 * np.pi * 5.3 * t)
    )
    f = hz(midi) * wow
    index = 0.3 + 1.6 * np.exp(-t / 0.25)
    body = synth.fm(f, n, sample_rate, ratio=1.0, index=index)
    tine = synth.fm(f, n, sample_rate, ratio=14.0, index=0.4) * np.exp(-t / 0.06)
    env = synth.adsr(n, sample_rate, attack_s=0.004, decay_s=1.2, sustain=0.35, release_s=0.15)
    return synth.fade_edges((body + 0.25 * tine) * env, sample_rate).astype(np.float32)


def piano_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """Additive piano-ish tone: stretched partials, the high ones dying first."""
    f = hz(midi)
    t = np.arange(n, dtype=np.float64) / sample_rate
    y = np.zeros(n)
    base_decay = 2.5 * (440.0 / max(f, 55.0)) ** 0.3  # low notes ring longer
    for k in range(1, 9):
        partial = k * f * np.sqrt(1.0 + 0.0004 * k * k)  # string stiffness
        if partial > sample_rate * 0.45:
            break
        # Each partial is computed only until it has decayed by 80 dB.
        decay_s = base_decay / k
        m = min(n, int(9.2 * decay_s * sample_rate))
        tk = t[:m]
        y[:m] += (1.0 / k**1.2) * np.sin(2.0 * np.pi * partial * tk) * np.exp(-tk / decay_s)
    env = synth.adsr(n, sample_rate, attack_s=0.003, decay_s=0.1, sustain=1.0, release_s=0.12)
    return synth.fade_edges((0.5 * y * env).astype(np.float32), sample_rate)


def strings_voice(notes: tuple[int, ...], n: int, sample_rate: int, *, seed: int) -> np.ndarray:
    """An ensemble of slightly vibrating saws with a bowed, slow attack."""
    generator = np.random.default_rng(seed)
    t = np.arange(n) / sample_rate
    out = np.zeros((2, n), dtype=np.float32)
    for i, m in enumerate(notes):
        for side in (-1.0, 1.0):
            rate = 5.0 + generator.random()
            f = hz(m) * (1.0 + 0.003 * np.sin(2.0 * np.pi * rate * t + generator.random() * 6))
            wave = osc("saw", f, n, sample_rate, max_hz=3500.0, start=float(generator.random()))
            left, right = synth.pan_gains(side * (0.3 + 0.1 * i))
            out[0] += left * wave
            out[1] += right * wave
    env = synth.adsr(n, sample_rate, attack_s=0.6, decay_s=0.5, sustain=0.9, release_s=0.5)
    ensemble = effects.chorus(out * env / np.sqrt(2 * len(notes)), sample_rate, depth=0.15)
    return synth.fade_edges(ensemble, sample_rate)


def organ_voice(notes: tuple[int, ...], n: int, sample_rate: int) -> np.ndarray:
    """Drawbar organ: sine footages 16', 8', 4', 2 2/3' with a gentle tremolo."""
    t = np.arange(n, dtype=np.float64) / sample_rate
    y = np.zeros(n)
    for m in notes:
        f = hz(m)
        for ratio, amp in ((0.5, 0.5), (1.0, 1.0), (2.0, 0.6), (3.0, 0.35)):
            y += amp * np.sin(2.0 * np.pi * f * ratio * t)
    tremolo = 1.0 + 0.08 * np.sin(2.0 * np.pi * 6.0 * t)
    env = synth.adsr(n, sample_rate, attack_s=0.01, decay_s=0.05, sustain=1.0, release_s=0.08)
    mono = (y * tremolo * env / (2.4 * np.sqrt(len(notes)))).astype(np.float32)
    return synth.fade_edges(np.stack([mono, mono]), sample_rate)


def drone_voice(midi: int, n: int, sample_rate: int, *, seed: int) -> np.ndarray:
    """A tonic drone with its fifth: sine body and a slowly breathing dark saw."""
    generator = np.random.default_rng(seed)
    t = np.arange(n) / sample_rate
    f = hz(midi)
    body = np.sin(2.0 * np.pi * f * t) + 0.5 * np.sin(2.0 * np.pi * f * 1.5 * t)
    breath = 0.5 + 0.5 * np.sin(2.0 * np.pi * 0.07 * t + generator.random() * 6)
    saw = osc("saw", f * 1.002, n, sample_rate, max_hz=700.0, start=float(generator.random()))
    env = synth.adsr(n, sample_rate, attack_s=2.0, decay_s=0.1, sustain=1.0, release_s=2.0)
    mono = ((0.6 * body + 0.35 * breath * saw) * env).astype(np.float32)
    return synth.fade_edges(synth.pan(mono, 0.0), sample_rate)


# --- harmony -----------------------------------------------------------------------------------

SUSTAINED = ("pads", "strings", "organ", "drones")
RHYTHMIC = ("stabs", "epiano", "piano")
SUSTAINED_ROLE_GAIN = {
    "intro": 1.0,
    "build": 0.8,
    "drop": 0.6,
    "break": 1.0,
    "verse": 0.7,
    "outro": 1.0,
}
RHYTHMIC_ROLE_GAIN = {
    "intro": 0.7,
    "build": 1.0,
    "drop": 1.0,
    "break": 0.0,
    "verse": 1.0,
    "outro": 0.7,
}
GENRE_HARMONY_PARTS: dict[str, tuple[str, ...]] = {
    "house": ("pads", "stabs"),
    "techno": ("stabs",),
    "drum_and_bass": ("pads",),
    "dubstep": ("pads",),
    "hip_hop": ("piano",),
    "lo_fi": ("epiano",),
    "trap": ("pads",),
    "ambient": ("pads", "drones"),
    "pop": ("piano", "pads"),
    "synthwave": ("pads",),
}
_ASKED_HARMONY = {
    "pads": ("pads",),
    "drones": ("drones",),
    "strings": ("strings", "choir"),
    "organ": ("organ",),
    "stabs": ("chord stabs", "synth stabs"),
    "epiano": ("electric piano",),
    "piano": ("piano",),
}
# Stab rhythms (beats within a bar): off-beat house chops, a dub-techno single hit, pushes.
STAB_PATTERNS: tuple[tuple[float, ...], ...] = (
    (0.5, 1.5, 2.5, 3.5),
    (0.75, 2.5),
    (0.5, 2.0, 3.5),
    (1.5, 3.5),
)
COMP_PATTERNS: tuple[tuple[tuple[float, float], ...], ...] = (  # (beat, beats) keyboard comping
    ((0.0, 2.5), (2.5, 1.5)),
    ((0.0, 1.5), (1.5, 2.5)),
    ((0.0, 3.0), (3.5, 0.5)),
)


def harmony_parts(ctx: SynthContext) -> tuple[str, ...]:
    """Harmony parts the spec asks for, else the genre's own."""
    asked = tuple(part for part, names in _ASKED_HARMONY.items() if ctx.has(*names))
    return asked or GENRE_HARMONY_PARTS.get(ctx.genre, ("pads",))


def _role_gain(part: str, role: str, parts: tuple[str, ...]) -> float:
    if part in SUSTAINED:
        return SUSTAINED_ROLE_GAIN[role]
    # With nothing sustained to hold the break, the keys carry it, softer.
    if role == "break" and not any(p in SUSTAINED for p in parts):
        return 0.7
    return RHYTHMIC_ROLE_GAIN[role]


def _chord_notes(
    part: str, span: Span, ctx: SynthContext, pattern_index: int
) -> list[tuple[float, float, float]]:
    """(beat, beats, velocity) hits of a chord part over one span."""
    swing = SWING.get(ctx.genre, 0.0)
    hits: list[tuple[float, float, float]] = []
    if part in SUSTAINED:
        return [(span.start_beat, span.beats, 1.0)]
    for bar in range(span.bars):
        bar_beat = span.start_beat + bar * BEATS_PER_BAR
        if part == "stabs":
            for beat in STAB_PATTERNS[pattern_index % len(STAB_PATTERNS)]:
                hits.append((bar_beat + beat, 0.35, 1.0 if beat % 1 else 0.8))
        elif ctx.genre == "ambient":
            hits.append((bar_beat, 4.0, 0.8))  # one soft chord a bar, left to ring
        else:
            for beat, beats in COMP_PATTERNS[pattern_index % len(COMP_PATTERNS)]:
                hits.append((bar_beat + swung(beat, swing), beats, 1.0 if beat == 0 else 0.7))
    return hits


def _chord_voice(
    part: str, notes: tuple[int, ...], n: int, bars: int, ctx: SynthContext
) -> np.ndarray:
    """One chord of a harmony part, `n` samples long (its release included)."""
    sr = ctx.sample_rate
    seed = ctx.seed & 0xFFFF
    if part == "pads":
        ambient = ctx.genre == "ambient"
        beat_s = ctx.arrangement.beat_s
        return pad_voice(
            notes,
            n,
            sr,
            attack_s=(2.0 if ambient else 0.5) * beat_s,
            release_s=_release_beats(ctx) * beat_s,
            bright_hz=2500.0 if ambient else 3500.0,
            # Ambient pads breathe from dark to bright once every four bars.
            evolve_cycles=bars / 4.0 if ambient else 0.0,
            seed=seed,
        )
    if part == "strings":
        return strings_voice(notes, n, sr, seed=seed)
    if part == "organ":
        return organ_voice(notes, n, sr)
    if part == "stabs":
        return stab_voice(notes, n, sr, seed=seed)
    return _keys_chord(part, notes, n, sr)


def _release_beats(ctx: SynthContext) -> float:
    return 2.0 if ctx.genre == "ambient" else 1.0


def _render_chord_part(
    part: str, ctx: SynthContext, progression: Progression, memo: Memo, out: np.ndarray
) -> None:
    parts = harmony_parts(ctx)
    pattern_index = int(ctx.rng("harmony", part, "pattern").integers(1 << 16))
    # Sustained parts overlap the next chord by a release, so chord changes crossfade.
    tail = _release_beats(ctx) if part in SUSTAINED else 0.3
    for span in spans(ctx, progression, "harmony", per_bar=part in RHYTHMIC):
        gain = span.level * _role_gain(part, span.section.role, parts)
        if gain <= 0.0:
            continue
        notes = span.chord.notes
        for beat, beats, velocity in _chord_notes(part, span, ctx, pattern_index):
            n = ctx.arrangement.samples(beats + tail)
            signal = memo.get(
                (part, notes, n, span.bars), _chord_voice, part, notes, n, span.bars, ctx
            )
            synth.add_at(out, ctx.arrangement.sample(beat), signal, gain * velocity)


def _keys_chord(part: str, notes: tuple[int, ...], n: int, sample_rate: int) -> np.ndarray:
    """A chord of piano or e-piano notes, slightly spread in stereo."""
    out = np.zeros((2, n), dtype=np.float32)
    for i, m in enumerate(notes):
        tone = (
            epiano_voice(m, n, sample_rate, wow_phase=float(i))
            if part == "epiano"
            else piano_voice(m, n, sample_rate)
        )
        position = -0.4 + 0.8 * i / max(len(notes) - 1, 1)
        out += synth.pan(tone, position)
    if part == "epiano":
        out = synth.lowpass(out, sample_rate, 2500.0)  # the dull top of a worn tape
    return out / np.sqrt(len(notes))


def _render_drone(ctx: SynthContext, memo: Memo, out: np.ndarray) -> None:
    """The tonic held under each section (low but above E2, where it still reads as pitch)."""
    midi = 40 + (ctx.tonic_pc - 40) % 12
    for section in ctx.arrangement.sections:
        level = ctx.arrangement.level(section, "harmony")
        if level <= 0.0:
            continue
        n = ctx.arrangement.samples(section.bars * BEATS_PER_BAR + 2.0)
        signal = memo.get(
            ("drone", n), drone_voice, midi, n, ctx.sample_rate, seed=ctx.seed & 0xFFFF
        )
        synth.add_at(out, ctx.arrangement.sample(section.start_beat), signal, 0.5 * level)


def render_harmony(ctx: SynthContext, progression: Progression) -> np.ndarray:
    """The chord stem (2, n): the genre's or the spec's harmony parts over the progression."""
    parts = harmony_parts(ctx)
    memo = Memo()
    sustained, rhythmic = ctx.silence(), ctx.silence()
    for part in parts:
        if part == "drones":
            _render_drone(ctx, memo, sustained)
        else:
            _render_chord_part(
                part, ctx, progression, memo, sustained if part in SUSTAINED else rhythmic
            )
    sr = ctx.sample_rate
    beat_s = ctx.arrangement.beat_s
    if "stabs" in parts:
        # Eighth-note echoes fill the off-beat gaps on the grid. A dotted-eighth delay (the
        # other classic) repeats every 3/4 beat, and on 16-bar sketches beat trackers locked
        # onto that instead of the kick: 132 bpm techno read as 89, 128 as 165.
        rhythmic = effects.delay(rhythmic, sr, seconds=0.5 * beat_s, feedback=0.35, mix=0.3)
    ambient = ctx.genre == "ambient"
    mix = effects.reverb(
        sustained + rhythmic, sr, room=0.9 if ambient else 0.6, wet=0.45 if ambient else 0.25
    )
    return finish(open_filter_in_builds(ctx, mix, low_hz=300.0))


# --- lead: motif -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MotifNote:
    """A note of a motif: 16th-step position and length, pitch as scale degrees from the tonic."""

    step: int
    steps: int
    degree: int  # 0 = tonic, 4 = fifth, 7 = the octave above


# Onset weights on the 16-step grid: beats first, then eighths, then sixteenths.
_STEP_WEIGHT = np.array([1.0 if s % 4 == 0 else 0.6 if s % 2 == 0 else 0.25 for s in range(16)])
LEAD_DENSITY: dict[str, float] = {
    "house": 0.5,
    "techno": 0.35,
    "drum_and_bass": 0.45,
    "dubstep": 0.4,
    "hip_hop": 0.3,
    "lo_fi": 0.3,
    "trap": 0.45,
    "ambient": 0.1,
    "pop": 0.55,
    "synthwave": 0.45,
}
PHRASE_BARS = 4


def make_motif(
    generator: np.random.Generator, *, bars: int, density: float
) -> tuple[MotifNote, ...]:
    """A seeded 1–2 bar motif: onsets favour strong steps, the pitch walks mostly by step."""
    onsets: list[int] = []
    for bar in range(bars):
        count = int(round(3 + 5 * density))
        weights = _STEP_WEIGHT.copy()
        weights[0] = 0.0
        chosen = generator.choice(16, size=count - 1, replace=False, p=weights / weights.sum())
        onsets += [bar * STEPS_PER_BAR] + [bar * STEPS_PER_BAR + int(s) for s in chosen]
    onsets.sort()
    total = bars * STEPS_PER_BAR
    degree = int(generator.choice([0, 4, 7]))  # it starts on the tonic or the fifth
    notes = []
    for i, step in enumerate(onsets):
        gap = (onsets[i + 1] if i + 1 < len(onsets) else total) - step
        # Some notes are cut short: articulation, so the line breathes.
        length = max(1, gap - 1) if gap > 2 and generator.random() < 0.35 else gap
        notes.append(MotifNote(step=step, steps=length, degree=degree))
        degree = int(np.clip(degree + generator.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3]), -3, 9))
    return tuple(notes)


def _lead_tonic(tonic_pc: int) -> int:
    """The tonic in the lead register, G4..F#5."""
    return LEAD_LOW + (tonic_pc - LEAD_LOW) % 12


def _nearest_pc(midi: int, pcs: tuple[int, ...]) -> int:
    """The nearest midi note at or around `midi` whose pitch class is in `pcs` (lower on ties)."""
    return min(
        (midi + d for d in range(-6, 7) if (midi + d) % 12 in pcs), key=lambda m: (abs(m - midi), m)
    )


def _in_lead_range(midi: int) -> int:
    while midi > LEAD_HIGH:
        midi -= 12
    while midi < LEAD_LOW - 5:
        midi += 12
    return midi


def lead_pitch(
    degree: int, chord: Chord, progression: Progression, *, strong: bool, land: bool
) -> int:
    """A motif degree made concrete over a chord.

    Strong steps snap to a chord tone; a landing (a phrase ending, the phrase's first downbeat)
    goes to the tonic, else the fifth, if the chord holds them — that is what anchors the key.
    """
    tonic_pc, mode = progression.tonic_pc, progression.mode
    harmonic = mode == "minor" and chord.numeral == "V"
    scale = scale_pcs(tonic_pc, mode, harmonic=harmonic)
    octave, index = divmod(degree, 7)
    midi = _lead_tonic(tonic_pc) + 12 * octave + (scale[index] - tonic_pc) % 12
    if land:
        fifth = (tonic_pc + 7) % 12
        anchors = tuple(pc for pc in (tonic_pc, fifth) if pc in chord.pitch_classes)
        midi = _nearest_pc(midi, anchors or chord.pitch_classes)
    elif strong:
        midi = _nearest_pc(midi, chord.pitch_classes)
    return _in_lead_range(midi)


def _phrase_variant(motif: tuple[MotifNote, ...], bar_in_phrase: int, bars: int) -> list[MotifNote]:
    """The motif's notes for one bar of a 4-bar phrase: statement, repeat, sequence, ending."""
    bar_notes = [
        MotifNote(n.step % STEPS_PER_BAR, n.steps, n.degree)
        for n in motif
        if n.step // STEPS_PER_BAR == bar_in_phrase % bars
    ]
    if bar_in_phrase == 2 and bars == 1:
        # A sequence: the second half of the bar a third higher, the answer to the statement.
        bar_notes = [
            MotifNote(n.step, n.steps, n.degree + (2 if n.step >= 8 else 0)) for n in bar_notes
        ]
    return bar_notes


def motif_notes(
    ctx: SynthContext, progression: Progression, motif: tuple[MotifNote, ...], motif_bars: int
) -> list[Note]:
    """The motif played through every lead section, in 4-bar phrases, varied by role."""
    step_beats = BEATS_PER_BAR / STEPS_PER_BAR
    swing = SWING.get(ctx.genre, 0.0)
    notes: list[Note] = []
    for span in spans(ctx, progression, "lead", per_bar=True):
        role = span.section.role
        bar_in_section = span.start_bar - span.section.start_bar
        bar_in_phrase = bar_in_section % PHRASE_BARS
        phrase = bar_in_section // PHRASE_BARS
        # Builds repeat the opening bar (tension); the rest play the phrase.
        source = 0 if role == "build" else bar_in_phrase
        bar_notes = _phrase_variant(motif, source, motif_bars)
        if role == "break":
            # Breaks keep only the notes on beats 1 and 3, held: the melody, remembered.
            kept = [n for n in bar_notes if n.step % 8 == 0]
            bar_notes = [
                MotifNote(
                    n.step, (kept[i + 1].step if i + 1 < len(kept) else 16) - n.step, n.degree
                )
                for i, n in enumerate(kept)
            ]
        for i, m in enumerate(bar_notes):
            last = i == len(bar_notes) - 1
            ending = last and bar_in_phrase == PHRASE_BARS - 1
            opening = m.step == 0 and bar_in_phrase == 0
            degree = m.degree + (4 if ending and phrase % 2 == 0 else 0)
            midi = lead_pitch(
                degree, span.chord, progression, strong=m.step % 8 == 0, land=ending or opening
            )
            steps = STEPS_PER_BAR - m.step if ending else m.steps
            beat = span.start_beat + swung(m.step * step_beats, swing)
            accent = 1.0 if m.step % 4 == 0 else 0.8
            notes.append(Note(beat, steps * step_beats * 0.95, midi, accent * span.level))
    return notes


ARP_PATTERNS: tuple[tuple[int, ...], ...] = (  # indices into the chord's arpeggio ladder
    (0, 1, 2, 3),
    (0, 1, 2, 3, 2, 1),
    (0, 2, 1, 3),
    (0, 1, 2, 1, 3, 1, 2, 1),
)


def arp_notes(ctx: SynthContext, progression: Progression) -> list[Note]:
    """A 16th-note arpeggio of each bar's chord in the lead register (8ths in breaks)."""
    pattern = ARP_PATTERNS[int(ctx.rng("lead", "arp").integers(len(ARP_PATTERNS)))]
    notes: list[Note] = []
    for span in spans(ctx, progression, "lead", per_bar=True):
        chord = span.chord
        base = _nearest_pc(_lead_tonic(progression.tonic_pc) - 5, chord.pitch_classes[:1])
        ladder = sorted({base + (pc - base) % 12 for pc in chord.pitch_classes})[:3]
        ladder.append(ladder[0] + 12)
        rate = 0.5 if span.section.role == "break" else 0.25
        for k in range(int(BEATS_PER_BAR / rate)):
            midi = _in_lead_range(ladder[pattern[k % len(pattern)]])
            accent = 1.0 if (k * rate) % 1 == 0 else 0.75
            notes.append(Note(span.start_beat + k * rate, rate * 0.8, midi, accent * span.level))
    return notes


# --- lead voices -------------------------------------------------------------------------------


def pluck_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """A bright attack decaying into a dark body: a low-pass pluck without a filter."""
    f = hz(midi)
    bright = osc("saw", f, n, sample_rate, max_hz=7000.0)
    body = osc("saw", f * 1.003, n, sample_rate, max_hz=1500.0, start=0.3)
    y = bright * synth.decay(n, sample_rate, time_s=0.04) + 0.7 * body * synth.decay(
        n, sample_rate, time_s=0.22
    )
    return synth.fade_edges(y.astype(np.float32), sample_rate)


def supersaw_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """Seven detuned saws spread wide: the big lead of pop and house drops."""
    y = stereo_stack(
        "saw",
        [hz(midi)],
        n,
        sample_rate,
        max_hz=9000.0,
        detune_cents=22.0,
        voices=7,
        spread=1.0,
        generator=np.random.default_rng(midi),
    )
    env = synth.adsr(n, sample_rate, attack_s=0.01, decay_s=0.2, sustain=0.75, release_s=0.08)
    return synth.fade_edges(y * env, sample_rate)


def bell_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """FM bell: an inharmonic 3.5:1 modulator whose brightness dies away."""
    t = np.arange(n) / sample_rate
    index = 0.4 + 3.0 * np.exp(-t / 0.3)
    y = synth.fm(hz(midi), n, sample_rate, ratio=3.5, index=index) * synth.decay(
        n, sample_rate, time_s=0.9
    )
    return synth.fade_edges(y, sample_rate)


def synth_lead_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """Saw plus square with delayed vibrato: the classic mono lead."""
    t = np.arange(n) / sample_rate
    vibrato = 1.0 + 0.004 * np.clip((t - 0.2) / 0.3, 0.0, 1.0) * np.sin(2.0 * np.pi * 5.5 * t)
    f = hz(midi) * vibrato
    y = 0.6 * osc("saw", f, n, sample_rate, max_hz=5000.0) + 0.4 * osc(
        "square", f * 1.004, n, sample_rate, max_hz=5000.0, start=0.25
    )
    env = synth.adsr(n, sample_rate, attack_s=0.01, decay_s=0.15, sustain=0.7, release_s=0.06)
    return synth.fade_edges((y * env).astype(np.float32), sample_rate)


def mellow_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """A soft sine-and-triangle lead with vibrato, flute-like (lo-fi)."""
    t = np.arange(n) / sample_rate
    f = hz(midi) * (1.0 + 0.003 * np.sin(2.0 * np.pi * 4.5 * t))
    y = 0.7 * synth.sine(synth.phase(f, n, sample_rate)) + 0.3 * osc(
        "triangle", f, n, sample_rate, max_hz=3000.0
    )
    env = synth.adsr(n, sample_rate, attack_s=0.03, decay_s=0.3, sustain=0.7, release_s=0.1)
    return synth.fade_edges((y * env).astype(np.float32), sample_rate)


# Vowel formants (Hz, relative gain): what makes a synth blip read as a chopped vocal.
VOWELS: tuple[tuple[tuple[float, float], ...], ...] = (
    ((800.0, 1.0), (1200.0, 0.6), (2500.0, 0.25)),  # "ah"
    ((500.0, 1.0), (900.0, 0.5), (2400.0, 0.2)),  # "oh"
    ((400.0, 1.0), (2000.0, 0.5), (2600.0, 0.3)),  # "eh"
    ((300.0, 1.0), (2300.0, 0.4), (3000.0, 0.3)),  # "ee"
)


def chop_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """A vocal-chop blip: a buzzy source through vowel formants, with a tiny scoop into pitch."""
    t = np.arange(n) / sample_rate
    f = hz(midi) * (1.0 - 0.03 * np.exp(-t / 0.03))
    source = osc("saw", f, n, sample_rate, max_hz=6000.0)
    vowel = VOWELS[midi % len(VOWELS)]
    y = sum(
        gain * synth.bandpass(source, sample_rate, centre * 0.85, centre * 1.15)
        for centre, gain in vowel
    )
    env = synth.adsr(n, sample_rate, attack_s=0.005, decay_s=0.12, sustain=0.5, release_s=0.04)
    return synth.fade_edges((3.0 * np.asarray(y) * env).astype(np.float32), sample_rate)


LEAD_VOICES: dict[str, Callable[[int, int, int], np.ndarray]] = {
    "pluck": pluck_voice,
    "supersaw": supersaw_voice,
    "bells": bell_voice,
    "lead synth": synth_lead_voice,
    "mellow": mellow_voice,
    "piano": piano_voice,
    "chops": chop_voice,
    "arp": pluck_voice,
}
GENRE_LEAD: dict[str, str] = {
    "house": "pluck",
    "techno": "pluck",
    "drum_and_bass": "pluck",
    "dubstep": "lead synth",
    "hip_hop": "bells",
    "lo_fi": "mellow",
    "trap": "bells",
    "ambient": "piano",
    "pop": "supersaw",
    "synthwave": "lead synth",
}
_ASKED_LEAD = (  # spec instrument -> lead voice, first match wins
    ("supersaw", "supersaw"),
    ("lead synth", "lead synth"),
    ("bells", "bells"),
    ("plucks", "pluck"),
    ("marimba", "bells"),
    ("flute", "mellow"),
)


# Genres whose drops hand the melody to a bigger voice than the rest of the track plays it on.
DROP_LEAD: dict[str, str] = {"house": "supersaw"}


def _asked_lead(ctx: SynthContext) -> str | None:
    return next((voice for name, voice in _ASKED_LEAD if ctx.has(name)), None)


def lead_parts(ctx: SynthContext) -> tuple[str, ...]:
    """The lead voice (the spec's, else the genre's) plus an arp and vocal chops when asked."""
    parts = [_asked_lead(ctx) or GENRE_LEAD.get(ctx.genre, "pluck")]
    if ctx.has("arp") or ctx.genre == "synthwave":
        parts.append("arp")
    if ctx.has("vocal chops"):
        parts.append("chops")
    return tuple(parts)


def _role_at(ctx: SynthContext, beat: float) -> str:
    return ctx.arrangement.section_at_bar(int(beat // BEATS_PER_BAR)).role


def render_lead(ctx: SynthContext, progression: Progression) -> np.ndarray:
    """The lead stem (2, n): a seeded motif in phrases, plus arp and chops when asked."""
    parts = lead_parts(ctx)
    generator = ctx.rng("lead", "motif")
    motif_bars = int(generator.integers(1, 3))
    density = min(1.0, LEAD_DENSITY.get(ctx.genre, 0.4) + 0.2 * ctx.energy)
    motif = make_motif(generator, bars=motif_bars, density=density)
    melody = motif_notes(ctx, progression, motif, motif_bars)
    memo = Memo()
    out = ctx.silence()
    sr = ctx.sample_rate
    ring = {"bells": 3.0, "piano": 3.0, "pluck": 1.0, "arp": 0.5}
    for index, part in enumerate(parts):
        if part == "arp":
            notes = arp_notes(ctx, progression)
        elif part == "chops":
            # Chops answer the lead: its off-beat notes, short, an octave up where there is room.
            notes = [
                Note(
                    n.beat,
                    min(n.beats, 0.5),
                    n.midi + 12 if n.midi + 12 <= LEAD_HIGH else n.midi,
                    n.velocity,
                )
                for n in melody
                if n.beat % 1.0 > 1e-6
            ]
        else:
            notes = melody
        voiced = [(part, notes)]
        drop_voice = DROP_LEAD.get(ctx.genre) if index == 0 and not _asked_lead(ctx) else None
        if drop_voice:
            in_drop = [_role_at(ctx, n.beat) == "drop" for n in notes]
            voiced = [
                (part, [n for n, drop in zip(notes, in_drop, strict=True) if not drop]),
                (drop_voice, [n for n, drop in zip(notes, in_drop, strict=True) if drop]),
            ]
        # Stacked parts share the space: the second and third sit lower and to the sides.
        position = (0.0, -0.35, 0.35)[index]
        for voice, voice_notes in voiced:
            play(
                out,
                ctx,
                voice_notes,
                LEAD_VOICES[voice],
                memo,
                name=voice,
                position=position,
                tail_beats=ring.get(voice, 0.25),
                gain=1.0 if index == 0 else 0.6,
            )
    beat_s = ctx.arrangement.beat_s
    ambient = ctx.genre == "ambient"

    def space(x: np.ndarray) -> np.ndarray:
        # Eighth-note echoes, not dotted eighths: see the stab delay in render_harmony.
        echoed = effects.delay(x, sr, seconds=0.5 * beat_s, feedback=0.3, mix=0.22)
        return effects.reverb(
            echoed, sr, room=0.85 if ambient else 0.55, wet=0.4 if ambient else 0.2
        )

    return finish(open_filter_in_builds(ctx, from_first_sound(out, space), low_hz=500.0))
