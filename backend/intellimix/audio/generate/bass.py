"""The bass stem: one genre style (or the one the spec asks for) playing the progression's roots.

Styles: a sine sub, a reese (detuned saws through a low-pass), a dubstep wobble (a ladder
filter swept by a tempo-synced LFO) or growl (FM), 808s that glide between notes, the house
off-beat bassline, techno's rolling sixteenths, an acid line (resonant ladder, accents), the
synthwave octave eighths, round swung lo-fi and boom-bap bass, pop eighths and an ambient drone.
The bass plays the chord's root (the tonic whenever the chord is the tonic) and stays mono
where it matters: every sub and every fundamental sits in the centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from intellimix.audio.generate import synth
from intellimix.audio.generate.arrangement import BEATS_PER_BAR
from intellimix.audio.generate.context import SynthContext
from intellimix.audio.generate.instruments import (
    SWING,
    Memo,
    Span,
    finish,
    hz,
    open_filter_in_builds,
    osc,
    spans,
    stereo_stack,
    swung,
)
from intellimix.audio.generate.theory import Chord, Progression

GENRE_BASS: dict[str, str] = {
    "house": "offbeat",
    "techno": "rolling",
    "drum_and_bass": "reese",
    "dubstep": "wobble",
    "hip_hop": "round",
    "lo_fi": "round",
    "trap": "808",
    "ambient": "drone",
    "pop": "pulse",
    "synthwave": "octave",
}
_ASKED_BASS = (  # spec instrument -> style, first match wins
    ("wobble bass", "wobble"),
    ("growl bass", "wobble"),
    ("reese bass", "reese"),
    ("acid bass", "acid"),
    ("808", "808"),
)
# Styles whose body is a mid-range sound; a sine sub under them carries the low end.
SUB_UNDER = frozenset({"reese", "wobble"})
# Wobble LFO rates in cycles per beat: quarters, eighths, eighth triplets, sixteenths.
WOBBLE_RATES = (1.0, 2.0, 3.0, 4.0)


@dataclass(frozen=True)
class BassNote:
    """A bass note: `variant` picks a style's flavour (wobble rate, accent, growl)."""

    beat: float
    beats: float
    midi: int
    velocity: float = 1.0
    variant: int = 0
    glide_from: int | None = None
    held: bool = False  # a break's (or a drone's) sustained root, whatever the style


# Rhythms per style: (beat in bar, beats, interval above the root, velocity).
Hit = tuple[float, float, int, float]
PATTERNS: dict[str, tuple[tuple[Hit, ...], ...]] = {
    "offbeat": (
        ((0.5, 0.4, 0, 1.0), (1.5, 0.4, 0, 1.0), (2.5, 0.4, 0, 1.0), (3.5, 0.4, 0, 1.0)),
        (
            (0.5, 0.4, 0, 1.0),
            (1.5, 0.4, 0, 1.0),
            (2.5, 0.4, 0, 1.0),
            (3.5, 0.2, 0, 1.0),
            (3.75, 0.2, 12, 0.7),
        ),
    ),
    "rolling": (
        tuple(
            (b + s, 0.2, 0, 1.0 if s == 0.5 else 0.8) for b in range(4) for s in (0.25, 0.5, 0.75)
        ),
    ),
    "reese": (
        ((0.0, 2.5, 0, 1.0), (2.75, 1.1, 0, 0.9)),
        ((0.0, 1.5, 0, 1.0), (1.75, 0.75, 0, 0.8), (2.75, 1.1, 0, 0.9)),
        ((0.0, 3.75, 0, 1.0),),
    ),
    "wobble": (
        ((0.0, 2.0, 0, 1.0), (2.5, 1.4, 0, 0.9)),
        ((0.0, 3.9, 0, 1.0),),
        ((0.0, 1.5, 0, 1.0), (1.75, 0.75, 0, 0.8), (3.0, 0.9, 12, 0.9)),
    ),
    "808": (
        ((0.0, 0.75, 0, 1.0), (0.75, 1.75, 0, 0.9), (2.5, 1.5, 0, 0.9)),
        ((0.0, 1.5, 0, 1.0), (1.5, 1.25, 0, 0.9), (2.75, 1.25, 12, 0.8)),
        ((0.0, 2.25, 0, 1.0), (2.25, 0.75, 0, 0.8), (3.0, 1.0, 7, 0.8)),
    ),
    "round": (
        ((0.0, 1.4, 0, 1.0), (1.5, 0.4, 0, 0.7), (2.5, 1.3, 0, 0.9)),
        ((0.0, 2.0, 0, 1.0), (2.5, 0.5, 7, 0.7), (3.0, 0.9, 0, 0.8)),
        ((0.0, 0.9, 0, 1.0), (1.75, 0.6, 0, 0.7), (2.5, 0.4, 12, 0.7), (3.0, 0.9, 0, 0.8)),
    ),
    "pulse": (tuple((k * 0.5, 0.4, 0, 1.0 if k % 2 == 0 else 0.75) for k in range(8)),),
    "octave": (tuple((k * 0.5, 0.4, 12 * (k % 2), 1.0 if k % 2 == 0 else 0.8) for k in range(8)),),
}


def bass_style(ctx: SynthContext) -> str:
    """The bass style the spec asks for, else the genre's own."""
    return next(
        (style for name, style in _ASKED_BASS if ctx.has(name)), GENRE_BASS.get(ctx.genre, "pulse")
    )


def _interval(chord: Chord, interval: int) -> int:
    """The root plus `interval`, kept in the chord: a fifth the chord lacks becomes the octave."""
    if interval == 7 and (chord.root_pc + 7) % 12 not in chord.pitch_classes:
        return 12
    return interval


def _acid_steps(generator: np.random.Generator) -> tuple[tuple[int, int, int], ...]:
    """A seeded 16-step acid line: (step, interval above the root, accent)."""
    steps = []
    for step in range(16):
        if step % 4 == 0 or generator.random() < 0.6:
            interval = int(generator.choice([0, 0, 0, 12, 12, 7]))
            steps.append((step, interval, int(generator.random() < 0.3)))
    return tuple(steps)


def bass_notes(ctx: SynthContext, progression: Progression, style: str) -> list[BassNote]:
    """The style's notes through every section with bass; breaks hold each chord's root."""
    swing = SWING.get(ctx.genre, 0.0)
    acid = _acid_steps(ctx.rng("bass", "acid")) if style == "acid" else ()
    notes: list[BassNote] = []
    for span in (s for s in spans(ctx, progression, "bass") if _holds(style, s)):
        notes.append(
            BassNote(
                span.start_beat, span.beats - 0.1, span.chord.root_midi, 0.8 * span.level, held=True
            )
        )
    previous: int | None = None
    for span in spans(ctx, progression, "bass", per_bar=True):
        if _holds(style, span):
            continue
        bar_rng = ctx.rng("bass", style, span.start_bar // 4)
        root = span.chord.root_midi
        if style == "acid":
            for step, interval, accent in acid:
                notes.append(
                    BassNote(
                        span.start_beat + step / 4,
                        0.22,
                        root + _interval(span.chord, interval),
                        span.level,
                        variant=accent,
                    )
                )
            continue
        options = PATTERNS[style]
        pattern = options[int(bar_rng.integers(len(options)))]
        for beat, beats, interval, velocity in pattern:
            midi = root + _interval(span.chord, interval)
            variant = int(bar_rng.integers(len(WOBBLE_RATES))) if style == "wobble" else 0
            notes.append(
                BassNote(
                    span.start_beat + swung(beat, swing),
                    beats,
                    midi,
                    velocity * span.level,
                    variant=variant,
                    glide_from=previous if style == "808" else None,
                )
            )
            previous = midi
    return notes


def _holds(style: str, span: Span) -> bool:
    """Whether the bass holds the root here instead of its pattern (breaks, ambient drones)."""
    return style == "drone" or span.section.role == "break"


# --- voices ------------------------------------------------------------------------------------


def sub_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """A pure sine at the note, with click-free edges: the sub under every heavy bass."""
    y = np.sin(2.0 * np.pi * hz(midi) * np.arange(n) / sample_rate).astype(np.float32)
    env = synth.adsr(n, sample_rate, attack_s=0.005, decay_s=0.05, sustain=1.0, release_s=0.03)
    return y * env


def _above_sub(x: np.ndarray, midi: int, sample_rate: int) -> np.ndarray:
    """A layer with its fundamental removed, so the sine sub alone owns (and tunes) the lows."""
    return synth.highpass(x, sample_rate, 1.6 * hz(midi), order=4)


def reese_voice(midi: int, n: int, sample_rate: int) -> np.ndarray:
    """Four detuned saws beating against each other, low-passed and saturated (no sub)."""
    y = stereo_stack(
        "saw",
        [hz(midi)],
        n,
        sample_rate,
        max_hz=2500.0,
        detune_cents=16.0,
        voices=4,
        spread=0.3,
        generator=np.random.default_rng(midi),
    )
    y = _above_sub(synth.lowpass(np.tanh(1.5 * y), sample_rate, 900.0), midi, sample_rate)
    env = synth.adsr(n, sample_rate, attack_s=0.01, decay_s=0.2, sustain=0.9, release_s=0.05)
    return synth.fade_edges(y * env, sample_rate)


def wobble_voice(midi: int, n: int, sample_rate: int, *, cycles_per_s: float) -> np.ndarray:
    """Saw and square through a ladder low-pass whose cutoff an LFO sweeps (no sub)."""
    f = hz(midi)
    source = 0.6 * osc("saw", f, n, sample_rate, max_hz=8000.0) + 0.5 * osc(
        "square", f * 1.006, n, sample_rate, max_hz=8000.0, start=0.3
    )
    t = np.arange(n) / sample_rate
    lfo = 0.5 - 0.5 * np.cos(2.0 * np.pi * cycles_per_s * t)
    cutoff = 120.0 * (3000.0 / 120.0) ** lfo
    y = synth.sweep_lowpass(source, sample_rate, cutoff, resonance=0.5, drive=1.5)
    y = _above_sub(np.tanh(2.0 * y), midi, sample_rate)
    env = synth.adsr(n, sample_rate, attack_s=0.005, decay_s=0.1, sustain=1.0, release_s=0.04)
    return synth.fade_edges(y * env, sample_rate)


def growl_voice(midi: int, n: int, sample_rate: int, *, cycles_per_s: float) -> np.ndarray:
    """An FM growl: the modulation index swept by a tempo LFO, then driven hard (no sub)."""
    t = np.arange(n) / sample_rate
    index = 1.0 + 4.0 * (0.5 - 0.5 * np.cos(2.0 * np.pi * cycles_per_s * t))
    y = synth.fm(hz(midi) * 2.0, n, sample_rate, ratio=0.5, index=index)
    y = synth.lowpass(_above_sub(np.tanh(2.5 * y), midi, sample_rate), sample_rate, 4000.0)
    env = synth.adsr(n, sample_rate, attack_s=0.005, decay_s=0.1, sustain=1.0, release_s=0.04)
    return synth.fade_edges(0.8 * y * env, sample_rate)


def voice_808(midi: int, n: int, sample_rate: int, *, glide_from: int | None) -> np.ndarray:
    """A long sine that glides in from the previous note, softly saturated for presence."""
    t = np.arange(n) / sample_rate
    target = hz(midi)
    start = hz(glide_from) if glide_from is not None and glide_from != midi else target
    glide = np.exp(-t / 0.025)  # ~60 ms to settle
    freq = target * (start / target) ** glide
    y = np.sin(2.0 * np.pi * synth.phase(freq, n, sample_rate))
    # Saturation adds the harmonics that make an 808 audible on small speakers.
    y = np.tanh(2.2 * y) / np.tanh(2.2)
    env = synth.adsr(n, sample_rate, attack_s=0.003, decay_s=0.6, sustain=0.6, release_s=0.06)
    return (y * env).astype(np.float32)


def acid_voice(midi: int, n: int, sample_rate: int, *, accent: bool) -> np.ndarray:
    """A 303-style note: saw through a resonant ladder whose cutoff snaps down after the hit."""
    source = osc("saw", hz(midi), n, sample_rate, max_hz=10_000.0)
    t = np.arange(n) / sample_rate
    peak = 3500.0 if accent else 1500.0
    cutoff = 200.0 + peak * np.exp(-t / (0.12 if accent else 0.08))
    y = synth.sweep_lowpass(source, sample_rate, cutoff, resonance=0.8, drive=1.5)
    env = synth.adsr(n, sample_rate, attack_s=0.003, decay_s=0.1, sustain=0.7, release_s=0.03)
    return synth.fade_edges(np.tanh(1.5 * y) * env * (1.0 if accent else 0.8), sample_rate)


def round_voice(midi: int, n: int, sample_rate: int, *, bright_hz: float) -> np.ndarray:
    """A sine with a saw of `bright_hz` bandwidth on top: the round basses (house, pop, lo-fi)."""
    f = hz(midi)
    y = 0.75 * np.sin(2.0 * np.pi * f * np.arange(n) / sample_rate) + 0.4 * osc(
        "saw", f, n, sample_rate, max_hz=bright_hz
    )
    env = synth.adsr(n, sample_rate, attack_s=0.004, decay_s=0.25, sustain=0.7, release_s=0.04)
    return synth.fade_edges((y * env).astype(np.float32), sample_rate)


# Upper harmonic limit per plain style: how bright each bass is.
BRIGHTNESS = {
    "offbeat": 900.0,
    "rolling": 500.0,
    "round": 350.0,
    "pulse": 1200.0,
    "octave": 1600.0,
    "drone": 250.0,
}


def _voice(style: str, note: BassNote, n: int, ctx: SynthContext) -> np.ndarray:
    sr = ctx.sample_rate
    rate = WOBBLE_RATES[note.variant] / ctx.arrangement.beat_s
    if style == "wobble":
        return wobble_voice(note.midi, n, sr, cycles_per_s=rate)
    if style == "growl":
        return growl_voice(note.midi, n, sr, cycles_per_s=rate)
    if style == "reese":
        return reese_voice(note.midi, n, sr)
    if style == "808":
        return voice_808(note.midi, n, sr, glide_from=note.glide_from)
    if style == "acid":
        return acid_voice(note.midi, n, sr, accent=bool(note.variant))
    if style == "sub":
        return sub_voice(note.midi, n, sr)
    return round_voice(note.midi, n, sr, bright_hz=BRIGHTNESS.get(style, 600.0))


def _layer(
    ctx: SynthContext,
    notes: list[BassNote],
    style: str,
    memo: Memo,
    out: np.ndarray,
    *,
    gain: float,
) -> None:
    for note in notes:
        n = max(ctx.arrangement.samples(note.beats), 64)
        key = (style, note.midi, n, note.variant, note.glide_from)
        signal = memo.get(key, _voice, style, note, n, ctx)
        synth.add_at(out, ctx.arrangement.sample(note.beat), signal, gain * note.velocity)


def render_bass(ctx: SynthContext, progression: Progression) -> np.ndarray:
    """The bass stem (2, n): the style's pattern on the chord roots, a sine sub under it."""
    style = bass_style(ctx)
    notes = bass_notes(ctx, progression, style)
    played = [n for n in notes if not n.held]
    memo = Memo()
    out = ctx.silence()
    if style == "wobble" and ctx.has("growl bass"):
        # Call and response: wobble bars answered by growl bars.
        growls = [n for n in played if (n.beat // BEATS_PER_BAR) % 2 == 1]
        wobbles = [n for n in played if (n.beat // BEATS_PER_BAR) % 2 == 0]
        _layer(ctx, wobbles, "wobble", memo, out, gain=0.6)
        _layer(ctx, growls, "growl", memo, out, gain=0.6)
    else:
        _layer(ctx, played, style, memo, out, gain=0.6 if style in SUB_UNDER else 1.0)
    if style in SUB_UNDER or ctx.has("sub bass"):
        _layer(ctx, played, "sub", memo, out, gain=0.8)
    # Held roots are a soft round tone whatever the style: the break breathes.
    _layer(ctx, [n for n in notes if n.held], "drone", memo, out, gain=0.8)
    return finish(open_filter_in_builds(ctx, out, low_hz=150.0))
