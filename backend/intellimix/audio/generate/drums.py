"""Synthesized drums: genre-tuned voices played from genre patterns on the arrangement grid.

Every voice (kick, snare, clap, hats, rim, shaker, toms, ride, crash) is synthesized once per
velocity layer and copied to each of its hits, so a whole stem costs a few one-shots and
some additions. Patterns are 16-step bars per genre — four-on-the-floor, half-time,
two-step breakbeats, swung boom-bap, trap hat rolls, an ambient pulse — shaped by each
section's role: kick and hats only in dance intros and outros, hats and percussion in
breaks (a ride on the beats keeps the tempo there), an accelerating snare roll over builds, a
crash into drops and a fill at the end of every phrase. Every choice is made so that
`intellimix.audio.rhythm.analyze_rhythm` reads the stem at its own tempo, never half or
double. All randomness comes from `ctx.rng("drums", ...)`: one seed, one beat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from intellimix.audio.generate import effects, synth
from intellimix.audio.generate.arrangement import BEATS_PER_BAR, STEPS_PER_BEAT
from intellimix.audio.generate.context import SynthContext

STEPS_PER_BAR = BEATS_PER_BAR * STEPS_PER_BEAT
PHRASE_BARS = 8
PEAK = 0.5  # -6 dBFS; the mix re-balances stems anyway

# Voice -> {step in the bar (16ths from 0, fractions for 32nds and triplets): velocity 0..1}.
Pattern = dict[str, dict[float, float]]

# Velocity layers: a hit below 0.4 plays the soft one-shot, below 0.75 the medium one.
LAYER_EDGES = (0.4, 0.75)
LAYER_HARDNESS = (0.55, 0.8, 1.0)

# Peak of each voice's one-shot before velocity: the kit's internal balance.
VOICE_GAIN = {
    "kick": 1.0,
    "snare": 0.7,
    "clap": 0.55,
    "hat": 0.35,
    "open_hat": 0.3,
    "rim": 0.3,
    "shaker": 0.16,
    "tom_hi": 0.55,
    "tom_lo": 0.6,
    "crash": 0.28,
    "ride": 0.3,
}
PAN = {
    "ride": -0.25,
    "hat": 0.25,
    "open_hat": 0.2,
    "shaker": -0.35,
    "rim": -0.2,
    "tom_hi": -0.3,
    "tom_lo": 0.3,
}
ROOM_VOICES = frozenset({"snare", "clap", "tom_hi", "tom_lo"})
# What plays where a section thins out: hats and percussion in breaks, plus the kick in the
# intros and outros of dance music (a DJ mixes in and out over kick and hats).
PERCUSSION = frozenset({"hat", "open_hat", "shaker", "rim"})
KICK_AND_HATS = frozenset({"kick", "hat", "open_hat", "shaker"})
# Where the backbeat is gone, a ride on the beats keeps the tempo: hats alone, on every 8th or
# 16th, give a beat tracker no reason to count in fours rather than threes or fives.
RIDE_ON_THE_BEAT = {0.0: 0.6, 4.0: 0.5, 8.0: 0.45, 12.0: 0.5}
# Hits are placed on the grid; hats and percussion may drift by `Style.jitter_ms`, the kick
# and backbeat never do (the sidechain and the beat tracker both lean on them).
LOOSE_VOICES = frozenset({"hat", "open_hat", "shaker", "rim"})
TR808_METAL_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)  # the 808's six square waves


@dataclass(frozen=True)
class DrumStem:
    """The rendered drum stem and where every kick lands (for sidechain ducking)."""

    audio: np.ndarray  # float32 (2, n_samples)
    kicks: np.ndarray  # int64 sample indices, sorted


@dataclass(frozen=True)
class Kick:
    """A kick drum: a sine whose pitch falls from `start_hz` to `end_hz`, plus a click."""

    start_hz: float
    end_hz: float
    sweep_s: float  # time constant of the pitch fall
    decay_s: float
    click: float
    drive: float  # tanh saturation; 1 is nearly clean
    tuned: bool = False  # an 808: the tail sits on the key's tonic instead of `end_hz`


@dataclass(frozen=True)
class Kit:
    """The sound of a genre's drums."""

    kick: Kick
    snare_hz: float = 190.0
    snare_s: float = 0.1  # decay of the snare's rattle
    hat_s: float = 0.035
    open_hat_s: float = 0.22
    tone_hz: float = 16_000.0  # low-pass on every voice: dusty and soft kits close it
    room: float = 0.0  # reverb on snare, clap and toms; 0 = dry
    gated: bool = False  # the 80s gated snare: a big room cut short


Groove = Callable[[np.random.Generator, np.random.Generator, int, SynthContext], Pattern]


@dataclass(frozen=True)
class Style:
    """How a genre plays: its groove, its kit and its arrangement habits."""

    groove: Groove  # (section motif rng, bar rng, bar in section, ctx) -> one bar
    kit: Kit
    swing: float = 0.5  # where the off-beat of each swing pair lands (0.5 = straight)
    swing_unit: int = 2  # steps per swing pair: 2 swings 16ths, 4 swings 8ths
    dance: bool = True
    fills: bool = True
    rolls: bool = True
    crash: bool = True
    ride: bool = True  # a ride on the beats where the backbeat is gone (breaks, thin intros)
    jitter_ms: float = 1.0


# --- patterns ---------------------------------------------------------------------------------


def _at(steps: range | tuple[float, ...] | list[float], velocity: float) -> dict[float, float]:
    """The same velocity on every step of `steps`."""
    return {float(step): velocity for step in steps}


EIGHTHS = tuple(range(0, STEPS_PER_BAR, 2))
OFFBEAT_16THS = tuple(range(1, STEPS_PER_BAR, 2))
OFFBEAT_8THS = tuple(range(2, STEPS_PER_BAR, 4))
# A brighter hat on the one: with kicks on every beat (or on 1 and 3) only an accent tells the
# first beat of a bar from the third.
ONE = {0.0: 0.6}
FOUR_ON_THE_FLOOR = {0.0: 1.0, 4.0: 0.8, 8.0: 0.72, 12.0: 0.8}  # "one" a little harder


def _pick(rng: np.random.Generator, options: tuple[dict[float, float], ...]) -> dict[float, float]:
    """One of `options`, copied so the caller may change it."""
    return dict(options[int(rng.integers(len(options)))])


def _ghosts(
    rng: np.random.Generator, steps: tuple[int, ...], *, chance: float, velocity: float
) -> dict[float, float]:
    """Quiet notes on some of `steps`: the ghost snares that make a break breathe."""
    hits = rng.random(len(steps)) < chance
    return {
        float(s): velocity * (0.8 + 0.4 * rng.random())
        for s, hit in zip(steps, hits, strict=True)
        if hit
    }


def _house(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Four-on-the-floor kick, clap on 2 and 4, off-beat open hats over quiet 16ths."""
    pattern: Pattern = {
        "kick": dict(FOUR_ON_THE_FLOOR),
        "clap": {4.0: 0.9, 12.0: 0.9},
        "hat": {**_at(OFFBEAT_16THS, 0.32), **ONE},
        "open_hat": _at(OFFBEAT_8THS, 0.7),
        "rim": _pick(
            motif, ({}, {3.0: 0.45, 11.0: 0.4}, {7.0: 0.45, 10.0: 0.4}, {6.0: 0.35, 15.0: 0.4})
        ),
    }
    if ctx.energy >= 0.6:
        pattern["shaker"] = _at(range(STEPS_PER_BAR), 0.25)
    if var.random() < 0.25:
        pattern["open_hat"][15.0] = 0.45  # an extra lift into the next bar
    return pattern


def _techno(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Four-on-the-floor kick, machine 16th hats, a syncopated rim loop, sometimes a clap."""
    pattern: Pattern = {
        "kick": dict(FOUR_ON_THE_FLOOR),
        "hat": {**_at([s for s in range(STEPS_PER_BAR) if s % 4 != 2], 0.3), **ONE},
        "open_hat": _at(OFFBEAT_8THS, 0.6),
        "rim": _pick(
            motif,
            (
                {3.0: 0.5, 6.0: 0.4, 11.0: 0.5},
                {2.0: 0.4, 7.0: 0.5, 13.0: 0.45},
                {5.0: 0.45, 14.0: 0.5},
            ),
        ),
    }
    if motif.random() < 0.6:
        pattern["clap"] = {4.0: 0.6, 12.0: 0.6}
    for step in pattern["hat"]:
        pattern["hat"][step] *= 0.75 + 0.5 * var.random()  # a machine's hats, not a loop's
    return pattern


DNB_KICKS: tuple[dict[float, float], ...] = (
    {0.0: 1.0, 10.0: 0.9},  # two-step
    {0.0: 1.0, 2.0: 0.75, 10.0: 0.9, 11.0: 0.7},  # amen-like
    {0.0: 1.0, 6.0: 0.7, 10.0: 0.9},
    {0.0: 1.0, 10.0: 0.9, 13.0: 0.6},
)


def _drum_and_bass(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """A two-step or amen-like break: syncopated kicks, snares on 2 and 4, ghosts."""
    kicks = (_pick(motif, DNB_KICKS), _pick(motif, DNB_KICKS))  # an A and a B bar
    pattern: Pattern = {
        "kick": kicks[bar % 2],
        "snare": {4.0: 1.0, 12.0: 1.0, **_ghosts(var, (7, 9, 14, 15), chance=0.35, velocity=0.22)},
        # Crisp 16ths accented on the 8ths: without them a two-step reads as half its tempo.
        "hat": {**_at(range(STEPS_PER_BAR), 0.3), **_at(EIGHTHS, 0.5)},
    }
    if var.random() < 0.3:
        pattern["open_hat"] = {float(var.choice((6, 14))): 0.5}
    return pattern


def _dubstep(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Half time: kick on 1 with a syncopated answer, snare and clap on 3, busy hats."""
    extra = _pick(
        motif, ({}, {10.0: 0.85}, {3.0: 0.6, 10.0: 0.8}, {14.0: 0.7}, {6.0: 0.7, 11.0: 0.7})
    )
    pattern: Pattern = {
        "kick": {0.0: 1.0, **extra},
        "snare": {8.0: 1.0},
        "clap": {8.0: 0.8},
        "hat": {**_at(EIGHTHS, 0.45), **_at((0, 4, 8, 12), 0.55)},
        # 16ths keep the full tempo audible under a half-time backbeat.
        "shaker": _at(OFFBEAT_16THS, 0.3),
    }
    if var.random() < 0.3:
        pattern["hat"].update({12.0: 0.5, 12 + 4 / 3: 0.45, 12 + 8 / 3: 0.5})  # a triplet turn
    return pattern


# Hat figures within one beat (steps from the beat): trap hats switch between them.
HAT_FIGURES: dict[str, tuple[float, ...]] = {
    "eighths": (0.0, 2.0),
    "sixteenths": (0.0, 1.0, 2.0, 3.0),
    "roll32": (0.0, 1.0, 2.0, 2.5, 3.0, 3.5),
    "triplets": (0.0, 4 / 3, 8 / 3),
    "triplet16": (0.0, 2 / 3, 4 / 3, 2.0, 8 / 3, 10 / 3),
}
HAT_ODDS = {"eighths": 0.3, "sixteenths": 0.4, "roll32": 0.12, "triplets": 0.1, "triplet16": 0.08}
HAT_ODDS_LAST_BEAT = {
    "eighths": 0.1,
    "sixteenths": 0.3,
    "roll32": 0.3,
    "triplets": 0.15,
    "triplet16": 0.15,
}


def _trap_hats(var: np.random.Generator) -> dict[float, float]:
    """One bar of trap hats: each beat 8ths, 16ths, a 32nd roll or triplets."""
    hats: dict[float, float] = {}
    for beat in range(BEATS_PER_BAR):
        odds = HAT_ODDS_LAST_BEAT if beat == BEATS_PER_BAR - 1 else HAT_ODDS
        names = list(odds)
        figure = HAT_FIGURES[names[int(var.choice(len(names), p=list(odds.values())))]]
        for k, step in enumerate(figure):
            # Rolls swell towards the next beat; the beat itself is accented.
            velocity = 0.55 if k == 0 else 0.3 + 0.25 * k / len(figure)
            hats[beat * STEPS_PER_BEAT + step] = velocity
    return hats


def _trap(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Half time: an 808 on 1 and syncopated, snare and clap on 3, rolling hats."""
    extra = _pick(
        motif,
        (
            {7.0: 0.8, 10.0: 0.8},
            {3.0: 0.7, 11.0: 0.8},
            {10.0: 0.85, 14.0: 0.6},
            {6.0: 0.75, 11.0: 0.7, 13.0: 0.6},
        ),
    )
    pattern: Pattern = {
        "kick": {0.0: 1.0, **extra},
        "snare": {8.0: 1.0},
        "clap": {8.0: 0.85},
        "hat": _trap_hats(var),
    }
    if var.random() < 0.2:
        pattern["open_hat"] = {14.0: 0.4}
    return pattern


BOOM_BAP_KICKS: tuple[dict[float, float], ...] = (
    {0.0: 1.0, 10.0: 0.85},
    {0.0: 1.0, 7.0: 0.8, 10.0: 0.85},
    {0.0: 1.0, 6.0: 0.8, 11.0: 0.7},
    {0.0: 1.0, 3.0: 0.6, 10.0: 0.9},
)


HIP_HOP_PICKUPS: tuple[tuple[float, ...], ...] = (
    (3.0, 11.0),
    (7.0, 15.0),
    (3.0, 7.0, 15.0),
    (11.0, 15.0),
)


def _hip_hop(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Boom-bap: kick on 1 and syncopated, snare on 2 and 4 with ghosts, swung hats."""
    kicks = (_pick(motif, BOOM_BAP_KICKS), _pick(motif, BOOM_BAP_KICKS))
    pickups = HIP_HOP_PICKUPS[int(motif.integers(len(HIP_HOP_PICKUPS)))]
    pattern: Pattern = {
        "kick": kicks[bar % 2],
        "snare": {4.0: 1.0, 12.0: 1.0, **_ghosts(var, (3, 7, 11, 15), chance=0.25, velocity=0.2)},
        # 8ths with a swung 16th before some beats: busier hats would read as double time.
        "hat": {**_at(EIGHTHS, 0.32), **_at((0, 4, 8, 12), 0.5), **_at(pickups, 0.25)},
    }
    if var.random() < 0.3:
        step = float(var.choice((6, 14)))
        pattern["open_hat"] = {step: 0.45}
        pattern["hat"].pop(step, None)
    return pattern


def _lo_fi(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """A lazy boom-bap: soft kick and snare, 8th hats (swung 8ths), few ghosts."""
    kicks = _pick(
        motif, ({0.0: 1.0, 10.0: 0.8}, {0.0: 1.0, 7.0: 0.7, 10.0: 0.8}, {0.0: 1.0, 9.0: 0.7})
    )
    pattern: Pattern = {
        "kick": kicks,
        "snare": {4.0: 0.85, 12.0: 0.85, **_ghosts(var, (7, 15), chance=0.15, velocity=0.2)},
        "hat": {**_at(EIGHTHS, 0.32), **_at((0, 4, 8, 12), 0.42)},
    }
    if var.random() < 0.3:
        pattern["hat"][float(var.choice((7, 15)))] = 0.25  # a lazy pickup
    return pattern


def _ambient(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """A soft pulse: kick on 1 and 3, a shaker on every beat."""
    # A heartbeat: nothing between the beats, so the pulse never reads twice as fast.
    pattern: Pattern = {
        "kick": {0.0: 0.8, 8.0: 0.6},
        "shaker": {float(s): 0.35 + 0.15 * var.random() for s in (0, 4, 8, 12)},
    }
    if var.random() < 0.3:
        pattern["rim"] = {float(var.choice((4, 12))): 0.3}
    return pattern


def _pop(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Dance pop: four-on-the-floor (or a pop kick when calm), snare and clap on 2 and 4."""
    kick = dict(FOUR_ON_THE_FLOOR) if ctx.energy >= 0.55 else {0.0: 1.0, 7.0: 0.7, 8.0: 0.9}
    pattern: Pattern = {
        "kick": kick,
        "snare": {4.0: 0.9, 12.0: 0.9},
        "clap": {4.0: 0.7, 12.0: 0.7},
        "hat": {**_at(EIGHTHS, 0.35), **_at(OFFBEAT_8THS, 0.45), **ONE},
    }
    if var.random() < 0.3:
        pattern["open_hat"] = {14.0: 0.45}
    return pattern


def _synthwave(
    motif: np.random.Generator, var: np.random.Generator, bar: int, ctx: SynthContext
) -> Pattern:
    """Four-on-the-floor from 110 bpm, else kick on 1 and 3; a big gated snare on 2 and 4."""
    if ctx.bpm >= 110:
        kick = dict(FOUR_ON_THE_FLOOR)
    else:
        kick = {
            0.0: 1.0,
            8.0: 0.9,
            **_pick(motif, ({}, {6.0: 0.7}, {7.0: 0.6}, {3.0: 0.6, 6.0: 0.6})),
        }
    pattern: Pattern = {
        "kick": kick,
        "snare": {4.0: 1.0, 12.0: 1.0},
        "hat": {**_at(EIGHTHS, 0.35), **_at((0, 4, 8, 12), 0.42), **ONE},
    }
    if ctx.energy >= 0.7:
        pattern["shaker"] = _at(OFFBEAT_16THS, 0.25)
    return pattern


# --- genres -----------------------------------------------------------------------------------

TR808_KICK = Kick(
    start_hz=130.0, end_hz=0.0, sweep_s=0.05, decay_s=0.55, click=0.25, drive=1.6, tuned=True
)

STYLES: dict[str, Style] = {
    "house": Style(
        groove=_house,
        kit=Kit(
            kick=Kick(
                start_hz=160.0, end_hz=50.0, sweep_s=0.035, decay_s=0.2, click=0.35, drive=1.5
            ),
            room=0.25,
        ),
    ),
    "techno": Style(
        groove=_techno,
        kit=Kit(
            kick=Kick(
                start_hz=170.0, end_hz=47.0, sweep_s=0.03, decay_s=0.26, click=0.4, drive=2.5
            ),
            hat_s=0.03,
            room=0.35,
        ),
    ),
    "drum_and_bass": Style(
        groove=_drum_and_bass,
        kit=Kit(
            kick=Kick(
                start_hz=190.0, end_hz=55.0, sweep_s=0.025, decay_s=0.16, click=0.45, drive=1.8
            ),
            snare_hz=210.0,
            snare_s=0.07,
            hat_s=0.018,
            room=0.2,
        ),
    ),
    "dubstep": Style(
        groove=_dubstep,
        kit=Kit(
            kick=Kick(
                start_hz=170.0, end_hz=45.0, sweep_s=0.03, decay_s=0.25, click=0.4, drive=2.0
            ),
            snare_hz=180.0,
            snare_s=0.18,
            room=0.4,
        ),
    ),
    "trap": Style(
        groove=_trap,
        kit=Kit(kick=TR808_KICK, snare_hz=220.0, snare_s=0.1, hat_s=0.025, room=0.15),
    ),
    "hip_hop": Style(
        groove=_hip_hop,
        kit=Kit(
            kick=Kick(
                start_hz=140.0,
                end_hz=0.0,
                sweep_s=0.045,
                decay_s=0.38,
                click=0.3,
                drive=1.8,
                tuned=True,
            ),
            snare_hz=185.0,
            snare_s=0.15,
            hat_s=0.04,
            room=0.2,
        ),
        swing=0.6,
        dance=False,
        jitter_ms=3.0,
    ),
    "lo_fi": Style(
        groove=_lo_fi,
        kit=Kit(
            kick=Kick(start_hz=120.0, end_hz=48.0, sweep_s=0.04, decay_s=0.2, click=0.1, drive=1.2),
            snare_hz=175.0,
            snare_s=0.12,
            tone_hz=8000.0,
            room=0.2,
        ),
        swing=0.64,
        swing_unit=4,
        dance=False,
        rolls=False,
        crash=False,
        jitter_ms=4.0,
    ),
    "ambient": Style(
        groove=_ambient,
        kit=Kit(
            kick=Kick(
                start_hz=100.0, end_hz=45.0, sweep_s=0.05, decay_s=0.25, click=0.05, drive=1.0
            ),
            tone_hz=6000.0,
            room=0.5,
        ),
        dance=False,
        fills=False,
        rolls=False,
        crash=False,
        ride=False,
        jitter_ms=2.0,
    ),
    "pop": Style(
        groove=_pop,
        kit=Kit(
            kick=Kick(
                start_hz=150.0, end_hz=52.0, sweep_s=0.035, decay_s=0.22, click=0.35, drive=1.5
            ),
            room=0.3,
        ),
    ),
    "synthwave": Style(
        groove=_synthwave,
        kit=Kit(
            kick=Kick(
                start_hz=140.0, end_hz=50.0, sweep_s=0.04, decay_s=0.25, click=0.3, drive=1.4
            ),
            snare_s=0.2,
            room=0.7,
            gated=True,
        ),
    ),
}


def style_of(ctx: SynthContext) -> Style:
    """The genre's style, with an 808 kick when the spec asks for one."""
    style = STYLES.get(ctx.genre)
    if style is None:
        raise ValueError(f"no drum style for genre {ctx.genre!r}")
    if ctx.has("808") and not style.kit.kick.tuned:
        style = replace(style, kit=replace(style.kit, kick=TR808_KICK))
    return style


# --- arrangement ------------------------------------------------------------------------------

# Fills for the last bar of a phrase: (first step they replace, hits).
FILLS: tuple[tuple[float, Pattern], ...] = (
    (12.0, {"snare": {12.0: 0.5, 13.0: 0.6, 14.0: 0.75, 15.0: 0.9}}),
    (
        8.0,
        {"tom_hi": {8.0: 0.8, 10.0: 0.7}, "tom_lo": {12.0: 0.85, 14.0: 0.8}, "snare": {15.0: 0.9}},
    ),
    (12.0, {"snare": {12.0 + k / 2: 0.4 + 0.08 * k for k in range(8)}}),
    (12.0, {"kick": {12.0: 0.9, 14.0: 0.8}, "snare": {13.0: 0.8, 15.0: 0.95}}),
    (12.0, {"snare": {12.0: 0.7, 12.0 + 4 / 3: 0.75, 12.0 + 8 / 3: 0.9}, "tom_lo": {14.0: 0.7}}),
    (14.0, {"snare": {14.0: 0.8, 14.5: 0.6, 15.0: 0.9}}),
)
# A fill silences the backbeat from its first step; the kick keeps going unless the fill
# plays kicks of its own.
FILL_REPLACES = frozenset({"snare", "clap"})


def _only(pattern: Pattern, voices: frozenset[str]) -> Pattern:
    """The pattern without the voices outside `voices`."""
    return {voice: hits for voice, hits in pattern.items() if voice in voices}


def _with_fill(pattern: Pattern, rng: np.random.Generator) -> Pattern:
    """The pattern with one of FILLS over its last steps."""
    start, fill = FILLS[int(rng.integers(len(FILLS)))]
    replaced = FILL_REPLACES | fill.keys()
    out = {
        voice: {s: v for s, v in hits.items() if s < start} if voice in replaced else hits
        for voice, hits in pattern.items()
    }
    for voice, hits in fill.items():
        out[voice] = {**out.get(voice, {}), **hits}
    return out


def _roll(bar: int, bars: int) -> dict[float, float]:
    """One bar of a build's snare roll: quarters, then 8ths, 16ths and 32nds, getting louder."""
    progress = bar / bars
    per_beat = 1 if progress < 0.5 else 2 if progress < 0.75 else 4 if progress < 0.875 else 8
    steps = np.arange(0.0, STEPS_PER_BAR, STEPS_PER_BEAT / per_beat)
    return {float(s): 0.3 + 0.6 * (bar + s / STEPS_PER_BAR) / bars for s in steps}


Treatment = Literal["break", "thin", "build", "fill", "groove"]


def treatment(ctx: SynthContext, style: Style, bar: int) -> Treatment:
    """How a bar departs from the groove, from its section's role and its place in the phrase."""
    section = ctx.arrangement.section_at_bar(bar)
    i = bar - section.start_bar
    if section.role == "break":
        return "break"
    if section.role in ("intro", "outro") and style.dance:
        return "thin"
    if section.role == "build" and style.rolls:
        return "build"
    if style.fills and (i % PHRASE_BARS == PHRASE_BARS - 1 or bar == section.end_bar - 1):
        return "fill"
    return "groove"


def _crashes(ctx: SynthContext, style: Style, bar: int) -> bool:
    """A crash on the one: into every drop, out of every build and after every fill."""
    section = ctx.arrangement.section_at_bar(bar)
    if not style.crash or section.role == "break":
        return False
    if bar == 0:
        return section.role == "drop"
    before = treatment(ctx, style, bar - 1)
    if bar == section.start_bar and (section.role == "drop" or before == "build"):
        return True
    return before == "fill"


def bar_pattern(ctx: SynthContext, style: Style, bar: int) -> Pattern:
    """What the drums play in one bar of the arrangement, before swing and humanizing."""
    section = ctx.arrangement.section_at_bar(bar)
    i = bar - section.start_bar
    # The motif generator is made afresh every bar, so its draws (kick pattern, percussion)
    # hold for the whole section; the bar generator varies ghosts and hats bar by bar.
    pattern = style.groove(
        ctx.rng("drums", "motif", section.index), ctx.rng("drums", "bar", bar), i, ctx
    )
    kind = treatment(ctx, style, bar)
    if kind in ("break", "thin"):
        pattern = _only(pattern, PERCUSSION if kind == "break" else KICK_AND_HATS)
        # Only the kicks on the beat: without a backbeat, a syncopated kick would set the
        # period (a two-step's kick on the "and" of 3 pulls the count towards threes).
        on_beat = {s: v for s, v in pattern.get("kick", {}).items() if s % STEPS_PER_BEAT == 0}
        if on_beat:
            pattern["kick"] = on_beat
        if style.ride:
            pattern["ride"] = dict(RIDE_ON_THE_BEAT)
    elif kind == "build":
        pattern = {voice: hits for voice, hits in pattern.items() if voice not in ("snare", "clap")}
        pattern["snare"] = _roll(i, section.bars)
        following = ctx.arrangement.next_section(section)
        if bar == section.end_bar - 1 and following is not None and following.role == "drop":
            # Half a bar without kick: the drop lands harder after a gap.
            pattern["kick"] = {s: v for s, v in pattern.get("kick", {}).items() if s < 8}
    elif kind == "fill":
        pattern = _with_fill(pattern, ctx.rng("drums", "fill", bar))
    if _crashes(ctx, style, bar):
        pattern["crash"] = {0.0: 0.9}
    return pattern


def swing_step(step: float, *, ratio: float, unit: int) -> float:
    """Where a step lands under swing: the middle of each `unit`-step pair moves to `ratio`."""
    pair, x = divmod(step, unit)
    half = unit / 2
    warped = x * 2 * ratio if x < half else unit * ratio + (x - half) * 2 * (1 - ratio)
    return pair * unit + warped


# --- voices -----------------------------------------------------------------------------------


def _fade_out(x: np.ndarray, sample_rate: int, *, seconds: float) -> np.ndarray:
    """A linear fade over the last `seconds` (the whole signal if it is shorter)."""
    n = min(int(seconds * sample_rate), x.shape[-1])
    y = x.copy()
    y[..., x.shape[-1] - n :] *= np.linspace(1.0, 0.0, n, dtype=np.float32)
    return y


def _kick(
    kick: Kick, *, hardness: float, tonic_pc: int, sr: int, gen: np.random.Generator
) -> np.ndarray:
    """A kick (or 808) one-shot, long enough to fall 35 dB."""
    # An 808's tail is a bass note: on the tonic, between C1 and B1.
    end_hz = float(synth.midi_to_hz(24 + tonic_pc)) if kick.tuned else kick.end_hz
    n = int(4 * kick.decay_s * sr)
    t = np.arange(n) / sr
    freq = end_hz + (kick.start_hz - end_hz) * np.exp(-t / kick.sweep_s)
    body = synth.sine(synth.phase(freq, n, sr)) * synth.decay(n, sr, time_s=kick.decay_s)
    n_click = int(0.006 * sr)
    click = synth.bandpass(synth.noise(gen, n_click), sr, 4500.0, 12_000.0) * synth.decay(
        n_click, sr, time_s=0.0015
    )
    body[:n_click] += kick.click * hardness * click
    shaped = np.tanh(kick.drive * body) / np.tanh(kick.drive)
    return _fade_out(shaped, sr, seconds=0.4 * kick.decay_s)


def _snare(kit: Kit, *, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A snare: two pitched drum modes and a band of rattling wires."""
    n = int((5 * kit.snare_s + 0.02) * sr)
    t = np.arange(n) / sr
    bend = 1.0 + 0.25 * np.exp(-t / 0.012)
    tone = synth.sine(synth.phase(kit.snare_hz * bend, n, sr)) + 0.5 * synth.sine(
        synth.phase(kit.snare_hz * 1.62 * bend, n, sr)
    )
    tone *= synth.decay(n, sr, time_s=0.05)
    rattle = synth.bandpass(synth.noise(gen, n), sr, 1200.0, 4000.0 + 5000.0 * hardness)
    rattle *= synth.decay(n, sr, time_s=kit.snare_s)
    return (0.7 * tone + (0.6 + 0.6 * hardness) * rattle).astype(np.float32)


def _clap(*, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A clap: three noise bursts a few milliseconds apart and a short room."""
    n = int(0.5 * sr)
    env = np.zeros(n, dtype=np.float32)
    # Several hands a few milliseconds apart, then the room.
    for offset_s in (0.0, 0.011, 0.022):
        start = int(offset_s * sr)
        env[start:] += synth.decay(n - start, sr, time_s=0.004)
    tail_start = int(0.03 * sr)
    env[tail_start:] += 0.7 * synth.decay(n - tail_start, sr, time_s=0.11)
    return synth.bandpass(synth.noise(gen, n), sr, 900.0, 2500.0 + 2500.0 * hardness) * env


@lru_cache(maxsize=16)
def _metal(n: int, sr: int, *, scale: float) -> np.ndarray:
    """The 808's cymbal source: six detuned square waves, clangorous once high-passed."""
    # Cached (read-only): every velocity layer of a hat starts from the same source.
    y = np.zeros(n, dtype=np.float32)
    for f in TR808_METAL_HZ:
        y += synth.square(synth.phase(f * scale, n, sr))
    y /= len(TR808_METAL_HZ)
    y.setflags(write=False)
    return y


def _hat(decay_s: float, *, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A closed or open hat (by its decay): 808 metal and noise, high-passed."""
    n = int(5 * decay_s * sr)
    raw = 0.7 * _metal(n, sr, scale=1.0) + 0.5 * synth.noise(gen, n)
    y = synth.bandpass(raw, sr, 7000.0 - 1500.0 * hardness, 16_000.0, order=3)
    return y * synth.decay(n, sr, time_s=decay_s)


def _shaker(*, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A shaker: a band of noise with a soft attack."""
    n = int(0.08 * sr)
    env = synth.adsr(n, sr, attack_s=0.006, decay_s=0.05, sustain=0.0, release_s=0.01)
    return synth.bandpass(synth.noise(gen, n), sr, 4000.0, 8000.0 + 3000.0 * hardness) * env


def _rim(*, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A rim shot: two short high partials and a snap of noise."""
    n = int(0.08 * sr)
    tone = 0.6 * synth.sine(synth.phase(1700.0, n, sr)) + 0.4 * synth.sine(
        synth.phase(820.0, n, sr)
    )
    snap = synth.bandpass(synth.noise(gen, n), sr, 2000.0, 6000.0) * synth.decay(
        n, sr, time_s=0.003
    )
    return tone * synth.decay(n, sr, time_s=0.012) + 0.5 * hardness * snap


def _tom(pitch_hz: float, *, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A tom: a sine falling onto `pitch_hz`, with a little skin noise."""
    n = int(0.8 * sr)
    t = np.arange(n) / sr
    freq = pitch_hz * (1.0 + 0.4 * np.exp(-t / 0.03))
    body = synth.sine(synth.phase(freq, n, sr)) * synth.decay(n, sr, time_s=0.2)
    skin = synth.bandpass(synth.noise(gen, n), sr, 300.0, 3000.0) * synth.decay(n, sr, time_s=0.02)
    return body + 0.3 * hardness * skin


def _ride(*, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A ride: a long bright wash and a bell."""
    n = int(1.5 * sr)
    wash = 0.6 * _metal(n, sr, scale=2.3) + 0.4 * synth.noise(gen, n)
    wash = synth.bandpass(wash, sr, 2500.0, 14_000.0) * synth.decay(n, sr, time_s=0.35)
    # The bell: two inharmonic partials in the upper mids, struck harder on louder hits.
    bell = synth.sine(synth.phase(2950.0, n, sr)) + 0.6 * synth.sine(synth.phase(4430.0, n, sr))
    return wash + 0.25 * hardness * bell * synth.decay(n, sr, time_s=0.15)


def _crash(*, hardness: float, sr: int, gen: np.random.Generator) -> np.ndarray:
    """A crash: a wide, bright, slowly decaying wash (stereo)."""
    n = int(2.5 * sr)
    metal = _metal(n, sr, scale=1.7)
    # Independent noise per side: a cymbal is wide.
    sides = [0.6 * synth.noise(gen, n) + 0.4 * metal for _ in range(2)]
    y = synth.bandpass(np.stack(sides), sr, 3500.0, 16_000.0)
    return y * synth.decay(n, sr, time_s=0.5 + 0.5 * hardness)


def _synthesize(
    voice: str, kit: Kit, *, hardness: float, tonic_pc: int, sr: int, gen: np.random.Generator
) -> np.ndarray:
    """The raw one-shot of `voice` (mono, or stereo for the crash)."""
    if voice == "kick":
        return _kick(kit.kick, hardness=hardness, tonic_pc=tonic_pc, sr=sr, gen=gen)
    if voice == "snare":
        return _snare(kit, hardness=hardness, sr=sr, gen=gen)
    if voice == "clap":
        return _clap(hardness=hardness, sr=sr, gen=gen)
    if voice in ("hat", "open_hat"):
        decay_s = kit.hat_s if voice == "hat" else kit.open_hat_s
        return _hat(decay_s, hardness=hardness, sr=sr, gen=gen)
    if voice == "shaker":
        return _shaker(hardness=hardness, sr=sr, gen=gen)
    if voice == "rim":
        return _rim(hardness=hardness, sr=sr, gen=gen)
    if voice in ("tom_hi", "tom_lo"):
        return _tom(160.0 if voice == "tom_hi" else 105.0, hardness=hardness, sr=sr, gen=gen)
    if voice == "ride":
        return _ride(hardness=hardness, sr=sr, gen=gen)
    if voice == "crash":
        return _crash(hardness=hardness, sr=sr, gen=gen)
    raise ValueError(f"unknown drum voice {voice!r}")


OPEN_TONE_HZ = 16_000.0
ROOM_TAIL_S = 1.2
ROOM_DARK_HZ = 3500.0
GATE_S = 0.22  # the gated snare's room is cut here...
GATE_RELEASE_S = 0.03  # ...over this long
TAIL_FLOOR = 1e-4  # one-shots are trimmed where they fall below this (-80 dBFS)


def _room(x: np.ndarray, sample_rate: int, *, room: float) -> np.ndarray:
    """The room alone: effects.reverb's output less the dry signal it mixes in."""
    wet = 0.25 + 0.2 * room
    # The dry part is measured (a pass with no wet signal) rather than assumed: pedalboard's
    # reverb plays its dry signal at twice `dry_level`.
    dry = effects.reverb(x, sample_rate, room=room, wet=0.0)
    return effects.reverb(x, sample_rate, room=room, wet=wet) - (1.0 - 0.5 * wet) * dry


def one_shot(voice: str, layer: int, kit: Kit, ctx: SynthContext) -> np.ndarray:
    """One voice at one velocity layer, levelled, panned and in its room: stereo (2, m)."""
    sr = ctx.sample_rate
    shot = _synthesize(
        voice,
        kit,
        hardness=LAYER_HARDNESS[layer],
        tonic_pc=ctx.tonic_pc,
        sr=sr,
        gen=ctx.rng("drums", "voice", voice, layer),
    )
    if kit.tone_hz < OPEN_TONE_HZ:
        shot = synth.lowpass(shot, sr, kit.tone_hz)
    shot = shot * (VOICE_GAIN[voice] / max(float(np.abs(shot).max()), 1e-9))
    stereo = shot if shot.ndim == 2 else synth.pan(shot, PAN.get(voice, 0.0))
    if voice in ROOM_VOICES and kit.room > 0:
        padded = np.pad(stereo, ((0, 0), (0, int(ROOM_TAIL_S * sr))))
        # A dark room: a reverb tail above ROOM_DARK_HZ would bury the hats' attacks, and
        # with them the clearest marks of the tempo.
        wet = _room(synth.lowpass(padded, sr, ROOM_DARK_HZ), sr, room=kit.room)
        if kit.gated:
            t = np.arange(wet.shape[1]) / sr
            wet = wet * np.clip(1.0 - (t - GATE_S) / GATE_RELEASE_S, 0.0, 1.0).astype(np.float32)
        stereo = padded + wet
    audible = np.flatnonzero(np.abs(stereo).max(axis=0) > TAIL_FLOOR)
    end = int(audible[-1]) + 1 if audible.size else 1
    return np.ascontiguousarray(stereo[:, :end], dtype=np.float32)


# --- rendering --------------------------------------------------------------------------------

CHOKE_FADE_S = 0.005
# Voice -> the voices that cut it short, and how long before their hit it falls silent. A
# closed hat cuts an open one; a kick cuts the last kick's tail as on a drum machine (two tails
# a few hertz apart would beat and boom where no kick is), 30 ms early, so that every kick
# starts from silence: the attack an ear, a sidechain and a beat tracker all listen for.
CHOKES: dict[str, tuple[frozenset[str], float]] = {
    "open_hat": (frozenset({"hat", "open_hat"}), 0.0),
    "kick": (frozenset({"kick"}), 0.03),
}
# An 808 is a bass line: each note hands over to the next without a gap. (Its syncopated
# notes attacking from silence would also pull a beat tracker towards dotted periods.)
LEGATO_808_CHOKES = {**CHOKES, "kick": (frozenset({"kick"}), 0.0)}


@dataclass(frozen=True)
class _Hits:
    """Every hit of one voice: sample positions (sorted) and velocities."""

    positions: np.ndarray
    velocities: np.ndarray


def _schedule(ctx: SynthContext, style: Style) -> dict[str, _Hits]:
    """Every hit of the track, swung, humanized and levelled by section."""
    arrangement = ctx.arrangement
    jitter = style.jitter_ms / 1000.0 * ctx.sample_rate
    events: dict[str, list[tuple[int, float]]] = {}
    for bar in range(arrangement.total_bars):
        level = arrangement.level(arrangement.section_at_bar(bar), "drums")
        if level <= 0:
            continue
        # A section's level thins the kit (see bar_pattern) more than it turns it down: a
        # break at 0.3 plays its hats about 5 dB softer, not 10 dB, so they still carry the beat.
        gain = level**0.5
        human = ctx.rng("drums", "human", bar)
        for voice, hits in bar_pattern(ctx, style, bar).items():
            for step, velocity in hits.items():
                beat = (
                    bar * BEATS_PER_BAR
                    + swing_step(step, ratio=style.swing, unit=style.swing_unit) / STEPS_PER_BEAT
                )
                position = arrangement.sample(beat)
                if voice in LOOSE_VOICES:
                    position += round(
                        float(np.clip(human.normal(0.0, jitter), -2 * jitter, 2 * jitter))
                    )
                spread = 0.1 if voice in LOOSE_VOICES else 0.02
                played = velocity * gain * (1.0 + spread * float(human.standard_normal()))
                events.setdefault(voice, []).append(
                    (max(position, 0), float(np.clip(played, 0.02, 1.0)))
                )
    return {
        voice: _Hits(
            positions=np.array([p for p, _ in sorted(hits)], dtype=np.int64),
            velocities=np.array([v for _, v in sorted(hits)], dtype=np.float32),
        )
        for voice, hits in events.items()
    }


def _choke_ends(hits: _Hits, chokers: list[_Hits], n: int) -> np.ndarray:
    """Where each hit is cut: at the next hit of any voice in its choke group."""
    if not chokers:
        return np.full(hits.positions.size, n, dtype=np.int64)
    cuts = np.unique(np.concatenate([c.positions for c in chokers]))
    following = np.searchsorted(cuts, hits.positions, side="right")
    return np.where(following < cuts.size, cuts[np.minimum(following, cuts.size - 1)], n)


def render_drums(ctx: SynthContext) -> DrumStem:
    """The drum stem of the whole arrangement, and the sample index of every kick."""
    style = style_of(ctx)
    n = ctx.n_samples
    schedule = _schedule(ctx, style)
    chokes = LEGATO_808_CHOKES if style.kit.kick.tuned else CHOKES
    out = ctx.silence()
    shots: dict[tuple[str, int], np.ndarray] = {}
    fade = int(CHOKE_FADE_S * ctx.sample_rate)
    for voice, hits in schedule.items():
        chokers, gap_s = chokes.get(voice, (frozenset(), 0.0))
        ends = _choke_ends(hits, [schedule[c] for c in sorted(chokers) if c in schedule], n)
        ends = np.where(ends < n, ends - int(gap_s * ctx.sample_rate), n)
        layers = np.searchsorted(LAYER_EDGES, hits.velocities, side="right")
        for position, velocity, layer, end in zip(
            hits.positions, hits.velocities, layers, ends, strict=True
        ):
            key = (voice, int(layer))
            if key not in shots:
                shots[key] = one_shot(voice, int(layer), style.kit, ctx)
            shot = shots[key]
            length = max(int(end - position), fade)
            if length < shot.shape[1]:
                shot = _fade_out(
                    shot[:, :length], ctx.sample_rate, seconds=min(fade, length) / ctx.sample_rate
                )
            synth.add_at(out, int(position), shot, float(velocity))
    peak = float(np.abs(out).max())
    if peak > 0:
        out *= PEAK / peak
    kicks = schedule["kick"].positions if "kick" in schedule else np.zeros(0, dtype=np.int64)
    return DrumStem(audio=out, kicks=kicks)
