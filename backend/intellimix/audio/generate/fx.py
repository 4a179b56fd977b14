"""Transition effects and beds: risers, impacts, downlifters, reverse cymbals, crackle, wind.

Effects mark the arrangement's seams: a riser (a noise sweep and a rising tone) over the last
bars before every drop, an impact (a sub boom and a noise burst in a big room) on its first
beat, a reverse cymbal into every break and a downlifter where the energy falls after a drop.
Lo-fi gets a continuous vinyl crackle, ambient a slowly moving wind. Every track opens with a
gentle noise swell, so the stem is never silent. Levels are absolute: an impact peaks near
-6 dBFS (-10 in soft genres) and the beds measure about -52 dBFS RMS, so that balancing the
stem by the loudness of its active parts sets it by its events and leaves the beds underneath.
Randomness comes from `ctx.rng("fx", ...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from intellimix.audio.generate import effects, synth
from intellimix.audio.generate.arrangement import BEATS_PER_BAR, SectionSpan
from intellimix.audio.generate.context import SynthContext

# Genres whose transitions are felt rather than announced: no pitched riser tone, soft impacts.
SOFT_GENRES = frozenset({"ambient", "lo_fi"})
CRACKLE_INSTRUMENTS = ("vinyl crackle", "vinyl samples", "vinyl")
WIND_INSTRUMENTS = ("textures", "drones", "field recordings")

RISER_BARS_AFTER_BUILD = 8
RISER_BARS = 4  # out of an intro, verse or break
IMPACT_TAIL_S = 3.0
SWELL_BARS = 4
EDGE_FADE_S = 0.01
MAX_PEAK = 0.9

Shaper = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class FxLevels:
    """Peak gain of each effect, set by the genre's temperament and the track's energy."""

    riser: float
    tone: float  # the riser's pitched part, 0 for none
    impact: float
    cymbal: float
    downlifter: float
    swell: float


def levels_of(ctx: SynthContext) -> FxLevels:
    """How loud each effect plays in this track."""
    push = 0.6 + 0.4 * ctx.energy
    if ctx.genre in SOFT_GENRES:
        return FxLevels(riser=0.16, tone=0.0, impact=0.3, cymbal=0.1, downlifter=0.1, swell=0.08)
    return FxLevels(
        riser=0.3 * push,
        tone=0.12 * push,
        impact=0.5 * push,
        cymbal=0.2 * push,
        downlifter=0.18 * push,
        swell=0.1,
    )


# --- one-shots --------------------------------------------------------------------------------


def riser(
    n: int,
    sample_rate: int,
    *,
    generator: np.random.Generator,
    tone_hz: float,
    noise_gain: float,
    tone_gain: float,
) -> np.ndarray:
    """A filtered-noise sweep and a tone rising two octaves, swelling to a stop at the end."""
    progress = np.linspace(0.0, 1.0, n, endpoint=False)
    cutoff = 250.0 * (12_000.0 / 250.0) ** (progress**1.5)
    noise = np.stack([synth.noise(generator, n), synth.noise(generator, n)])
    swept = synth.sweep_lowpass(noise, sample_rate, cutoff, resonance=0.4)
    swell = (progress**2).astype(np.float32)
    out = noise_gain * swept * swell
    if tone_gain > 0:
        ph = synth.phase(tone_hz * 2.0 ** (2.0 * progress**1.5), n, sample_rate)
        tone = synth.lowpass(synth.saw(ph), sample_rate, 5000.0)
        out = out + synth.pan(tone_gain * tone * swell, 0.0)
    return synth.fade_edges(out.astype(np.float32), sample_rate, seconds=EDGE_FADE_S)


def impact(
    sample_rate: int, *, generator: np.random.Generator, gain: float, room: float
) -> np.ndarray:
    """A sub boom falling from 80 to 35 Hz and a noise burst, in a big room."""
    n = int(IMPACT_TAIL_S * sample_rate)
    t = np.arange(n) / sample_rate
    boom = synth.sine(synth.phase(35.0 + 45.0 * np.exp(-t / 0.12), n, sample_rate))
    boom *= synth.decay(n, sample_rate, time_s=0.7)
    burst = synth.lowpass(synth.noise(generator, n), sample_rate, 6000.0)
    burst *= synth.decay(n, sample_rate, time_s=0.12)
    # The room on the burst only: a reverberated sub would smear the drop's low end.
    air = effects.reverb(synth.pan(burst, 0.0), sample_rate, room=room, wet=0.6)
    out = synth.pan(boom, 0.0) + 0.6 * air
    return synth.fade_edges(gain * out / max(float(np.abs(out).max()), 1e-9), sample_rate)


def reverse_cymbal(n: int, sample_rate: int, *, generator: np.random.Generator) -> np.ndarray:
    """A cymbal played backwards: a bright wash swelling up to a stop."""
    wash = np.stack([synth.noise(generator, n), synth.noise(generator, n)])
    wash = synth.highpass(wash, sample_rate, 4000.0, order=3)
    swell = synth.decay(n, sample_rate, time_s=n / sample_rate / 4.0)[::-1].copy()
    out = wash * swell
    return synth.fade_edges(out / max(float(np.abs(out).max()), 1e-9), sample_rate)


def downlifter(n: int, sample_rate: int, *, generator: np.random.Generator) -> np.ndarray:
    """Noise whose filter falls from 8 kHz to 150 Hz while it fades: energy draining away."""
    progress = np.linspace(0.0, 1.0, n, endpoint=False)
    cutoff = 8000.0 * (150.0 / 8000.0) ** progress
    noise = np.stack([synth.noise(generator, n), synth.noise(generator, n)])
    out = synth.sweep_lowpass(noise, sample_rate, cutoff, resonance=0.3)
    out = out * ((1.0 - progress) ** 2).astype(np.float32)
    return synth.fade_edges(out / max(float(np.abs(out).max()), 1e-9), sample_rate)


def swell(n: int, sample_rate: int, *, generator: np.random.Generator) -> np.ndarray:
    """A gentle band of noise rising and falling in pitch and level: the track's first breath."""
    progress = np.linspace(0.0, 1.0, n, endpoint=False)
    arch = np.sin(np.pi * progress)
    cutoff = 300.0 + 3000.0 * arch
    noise = np.stack([synth.noise(generator, n), synth.noise(generator, n)])
    out = synth.sweep_lowpass(synth.highpass(noise, sample_rate, 150.0), sample_rate, cutoff)
    out = out * (arch**2).astype(np.float32)
    return synth.fade_edges(out / max(float(np.abs(out).max()), 1e-9), sample_rate)


# --- beds -------------------------------------------------------------------------------------

CONTROL_BLOCK = 256  # samples per step of a slow gain curve
# A pop peaks at -18 dBFS, the whole surface measures about -53 dBFS RMS: heard in the gaps,
# felt under the music.
CRACKLE_PEAK = 0.12
# -52 dBFS, gusting 10 dB louder: some 40 dB under the impacts, so that balancing the stem by
# the loudness of its active parts does not take the wind for its body and push it up into the
# drums (a louder bed masked the ambient pulse: the full mix read 73 bpm for 70).
WIND_RMS = 0.0025


def _rms(x: np.ndarray) -> float:
    """Root mean square over all channels."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def _loop(
    generator: np.random.Generator, n: int, sample_rate: int, *, seconds: float, shape: Shaper
) -> np.ndarray:
    """Noise through `shape`, made once as a seamless loop of `seconds` and tiled to `n`.

    For stationary beds only (hiss, wind): filtering a few seconds instead of the whole
    track is what keeps a long bed cheap. The loop is filtered twice over and the second pass
    kept, so the filter's state at its end matches its start and the seam is inaudible.
    """
    m = min(n, int(seconds * sample_rate))
    raw = synth.noise(generator, m)
    return np.resize(shape(np.concatenate([raw, raw]))[m:], n)


def vinyl_crackle(
    n: int, sample_rate: int, *, generator: np.random.Generator, rate_hz: float = 40.0
) -> np.ndarray:
    """Record surface: soft hiss, frequent small ticks and the odd louder pop (stereo, peak 1)."""
    # A tick rings for about a millisecond: a decaying click, band-limited like a stylus hears.
    ring = np.exp(-np.arange(int(0.003 * sample_rate)) / (0.0003 * sample_rate))
    tick = synth.bandpass(ring.astype(np.float32), sample_rate, 800.0, 9000.0)
    out = np.zeros((2, n), dtype=np.float32)
    for channel, loop_s in enumerate((3.7, 4.3)):  # unequal loops: the two sides never realign
        count = int(generator.poisson(rate_hz * n / sample_rate))
        pops = int(generator.poisson(0.4 * n / sample_rate))
        where = generator.integers(0, max(1, n - tick.size), count + pops)
        # Ticks vary (capped under the pops, which set the peak); pops are all alike.
        ticks = np.minimum(generator.exponential(0.6, count), 2.0)
        size = np.concatenate([ticks, np.full(pops, 3.0)])
        amplitude = (size * generator.choice((-1.0, 1.0), count + pops)).astype(np.float32)
        np.add.at(out[channel], where[:, None] + np.arange(tick.size), amplitude[:, None] * tick)
        hiss = _loop(
            generator,
            n,
            sample_rate,
            seconds=loop_s,
            shape=partial(synth.lowpass, sample_rate=sample_rate, cutoff_hz=3500.0),
        )
        out[channel] += 0.1 * hiss
    return out / max(float(np.abs(out).max()), 1e-9)


WIND_BANDS_HZ = ((200.0, 500.0), (600.0, 1400.0), (1800.0, 4000.0))
WIND_KNOT_S = 4.0  # the wind changes direction about this often
WIND_LOOP_S = 7.3


def _drift(n: int, sample_rate: int, *, generator: np.random.Generator) -> np.ndarray:
    """A smooth random gain in [0.25, 1] that turns every WIND_KNOT_S: a gust, not a switch."""
    steps = n // CONTROL_BLOCK + 1
    knot_steps = WIND_KNOT_S * sample_rate / CONTROL_BLOCK
    values = 0.25 + 0.75 * generator.random(int(steps / knot_steps) + 2)  # never quite still
    position = np.arange(steps) / knot_steps
    index = position.astype(int)
    ease = 0.5 - 0.5 * np.cos(np.pi * (position - index))  # raised cosine between knots
    curve = values[index] + (values[index + 1] - values[index]) * ease
    return np.repeat(curve.astype(np.float32), CONTROL_BLOCK)[:n]


def wind(n: int, sample_rate: int, *, generator: np.random.Generator) -> np.ndarray:
    """Filtered noise in three bands whose levels drift apart: a slowly moving texture (RMS 1)."""
    out = np.zeros((2, n), dtype=np.float32)
    for k, (low, high) in enumerate(WIND_BANDS_HZ):
        gain = _drift(n, sample_rate, generator=generator)
        for channel in range(2):
            band = _loop(
                generator,
                n,
                sample_rate,
                seconds=WIND_LOOP_S + 0.9 * k + 0.4 * channel,
                shape=partial(synth.bandpass, sample_rate=sample_rate, low_hz=low, high_hz=high),
            )
            out[channel] += band * gain
    return out / max(_rms(out), 1e-9)


# --- placement --------------------------------------------------------------------------------


def _riser_bars(previous: SectionSpan) -> int:
    """How many bars a riser takes out of the section before a drop."""
    limit = RISER_BARS_AFTER_BUILD if previous.role == "build" else RISER_BARS
    return min(previous.bars, limit)


def _tone_hz(ctx: SynthContext) -> float:
    """The riser starts on the tonic around 110-208 Hz, so it climbs into the lead's range."""
    return float(synth.midi_to_hz(45 + (ctx.tonic_pc - 9) % 12))


def render_fx(ctx: SynthContext) -> np.ndarray:
    """The effects stem of the whole arrangement: stereo float32 (2, n_samples)."""
    arrangement = ctx.arrangement
    sr = ctx.sample_rate
    n = ctx.n_samples
    levels = levels_of(ctx)
    room = 0.9 if ctx.genre in SOFT_GENRES else 0.75
    out = ctx.silence()

    opening = arrangement.samples(min(SWELL_BARS, arrangement.sections[0].bars) * BEATS_PER_BAR)
    synth.add_at(out, 0, swell(opening, sr, generator=ctx.rng("fx", "swell")), levels.swell)

    for section in arrangement.sections:
        start = arrangement.sample(section.start_beat)
        gain = arrangement.level(section, "fx")
        previous = arrangement.sections[section.index - 1] if section.index > 0 else None
        if section.role == "drop" and previous is not None and previous.role != "drop":
            length = arrangement.samples(_riser_bars(previous) * BEATS_PER_BAR)
            rise = riser(
                length,
                sr,
                generator=ctx.rng("fx", "riser", section.index),
                tone_hz=_tone_hz(ctx),
                noise_gain=levels.riser,
                tone_gain=levels.tone,
            )
            synth.add_at(out, start - length, rise, gain)
        if section.role == "drop":
            hit = impact(
                sr, generator=ctx.rng("fx", "impact", section.index), gain=levels.impact, room=room
            )
            synth.add_at(out, start, hit, gain)
        if section.role == "break" and previous is not None:
            # One bar, but never more than 2.5 s: at 60 bpm a bar-long swell would drag.
            length = min(arrangement.samples(BEATS_PER_BAR), int(2.5 * sr))
            cymbal = reverse_cymbal(length, sr, generator=ctx.rng("fx", "cymbal", section.index))
            synth.add_at(out, start - length, cymbal, levels.cymbal * gain)
        if section.role in ("break", "outro") and previous is not None and previous.role == "drop":
            length = arrangement.samples(min(2, section.bars) * BEATS_PER_BAR)
            fall = downlifter(length, sr, generator=ctx.rng("fx", "downlifter", section.index))
            synth.add_at(out, start, fall, levels.downlifter * gain)

    if ctx.genre == "lo_fi" or ctx.has(*CRACKLE_INSTRUMENTS):
        out += CRACKLE_PEAK * vinyl_crackle(n, sr, generator=ctx.rng("fx", "crackle"))
    if ctx.genre == "ambient" or ctx.has(*WIND_INSTRUMENTS):
        out += WIND_RMS * wind(n, sr, generator=ctx.rng("fx", "wind"))

    peak = float(np.abs(out).max())
    if peak > MAX_PEAK:
        out *= MAX_PEAK / peak  # only ever down: the stem's levels are meant to be absolute
    return out
