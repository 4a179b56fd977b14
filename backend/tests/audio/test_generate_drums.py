"""Generated drums and effects, told apart by measuring the audio (tests/audio/groove.py).

Genres are recognised from the rendered stem, never from their labels: kicks on every beat,
snares on beat 3 only, syncopated kicks under a 2-and-4 backbeat, swung off-beats. Tempo is
read back by the engine's own rhythm analysis, which must find the track's bpm, not half or
double, across each genre's whole bpm range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pytest

from intellimix.audio.generate import drums, fx
from intellimix.audio.generate.arrangement import arrange
from intellimix.audio.generate.context import SynthContext
from intellimix.audio.rhythm import analyze_rhythm
from intellimix.planner.intent import GENRES, GenreId
from tests.audio import groove

DROP_16 = [{"section": "drop", "bars": 16}]
SHOWCASE = [
    {"section": "intro", "bars": 4},
    {"section": "build", "bars": 4},
    {"section": "drop", "bars": 8},
]
SHORT_SHOWCASE = [
    {"section": "intro", "bars": 2},
    {"section": "drop", "bars": 4},
    {"section": "outro", "bars": 2},
]
THREE_SECTIONS = [
    {"section": "intro", "bars": 8},
    {"section": "drop", "bars": 8},
    {"section": "outro", "bars": 8},
]
DANCE_GENRES = ("house", "techno", "drum_and_bass", "dubstep", "trap", "pop", "synthwave")


def make_ctx(
    genre: str,
    *,
    bpm: float | None = None,
    structure: Sequence[Mapping[str, Any]] = DROP_16,
    seed: int = 7,
) -> SynthContext:
    """A context with `genre`'s own defaults (A minor) on `structure` at 48 kHz."""
    profile = GENRES[cast(GenreId, genre)]
    tempo = float(profile.bpm if bpm is None else bpm)
    return SynthContext(
        genre=genre,
        bpm=tempo,
        tonic_pc=9,
        mode="minor",
        mood=profile.mood,
        energy=profile.energy,
        instruments=profile.instruments,
        seed=seed,
        arrangement=arrange(structure, bpm=tempo, sample_rate=48_000),
    )


def _render(ctx: SynthContext) -> np.ndarray:
    """The drum stem's audio."""
    return drums.render_drums(ctx).audio


# --- the measures themselves -------------------------------------------------------------------


def _clicks(times_s: np.ndarray, sample_rate: int, duration_s: float) -> np.ndarray:
    """Short noise bursts with a low thump at `times_s`: onsets in every band."""
    rng = np.random.default_rng(0)
    out = np.zeros(int(duration_s * sample_rate), dtype=np.float32)
    burst = rng.standard_normal(int(0.03 * sample_rate)) * np.exp(
        -np.arange(int(0.03 * sample_rate)) / (0.005 * sample_rate)
    )
    t = np.arange(int(0.2 * sample_rate)) / sample_rate
    thump = np.sin(2 * np.pi * 55 * t) * np.exp(-t / 0.05)
    for time_s in times_s:
        start = round(time_s * sample_rate)
        out[start : start + burst.size] += burst[: out.size - start]
        out[start : start + thump.size] += thump[: out.size - start]
    return out


@pytest.mark.parametrize("sample_rate", [22_050, 48_000])
def test_onsets_are_found_within_a_few_milliseconds_in_every_band(sample_rate: int) -> None:
    times = np.arange(0.0, 6.0, 0.25)
    audio = _clicks(times, sample_rate, 6.5)
    for band in (groove.KICK_BAND, groove.SNARE_BAND, groove.HAT_BAND):
        onsets = groove.onset_times(audio, sample_rate, band=band)
        assert onsets.size == times.size
        assert np.abs(onsets - times).max() < 0.004


def test_swing_is_read_back_from_a_swung_click_track() -> None:
    bpm, ratio = 90.0, 0.62
    pair = 60.0 / bpm / 2  # swung 16ths: a pair is an 8th note
    starts = np.arange(0.0, 10.0, pair)
    times = np.sort(np.concatenate([starts, starts + ratio * pair]))
    audio = _clicks(times, 48_000, 10.5)
    assert groove.swing_ratio(audio, 48_000, bpm) == pytest.approx(ratio, abs=0.01)
    assert np.isnan(groove.swing_ratio(_clicks(starts, 48_000, 10.5), 48_000, bpm))


# --- genres by measurement --------------------------------------------------------------------

BEATS = [0, 4, 8, 12]


@pytest.mark.parametrize("genre", ["house", "techno"])
def test_four_on_the_floor_kicks_land_on_every_beat(genre: str) -> None:
    ctx = make_ctx(genre)
    kicks = groove.step_rates(_render(ctx), ctx.sample_rate, ctx.bpm, band=groove.KICK_BAND)
    assert kicks[BEATS].min() >= 0.9, kicks
    off_beats = np.delete(kicks, BEATS)
    assert off_beats.max() <= 0.2, kicks


@pytest.mark.parametrize("genre", ["dubstep", "trap"])
def test_half_time_snares_land_on_beat_three_only(genre: str) -> None:
    ctx = make_ctx(genre)
    snares = groove.step_rates(_render(ctx), ctx.sample_rate, ctx.bpm, band=groove.SNARE_BAND)
    assert snares[8] >= 0.85, snares
    assert max(snares[4], snares[12]) <= 0.2, snares


def test_drum_and_bass_plays_a_syncopated_break_over_a_two_and_four_backbeat() -> None:
    ctx = make_ctx("drum_and_bass")
    audio = _render(ctx)
    kicks = groove.step_rates(audio, ctx.sample_rate, ctx.bpm, band=groove.KICK_BAND)
    snares = groove.step_rates(audio, ctx.sample_rate, ctx.bpm, band=groove.SNARE_BAND)
    assert kicks[0] >= 0.9, kicks
    assert max(kicks[4], kicks[12]) <= 0.2, kicks  # no kick under the backbeat
    assert np.delete(kicks, BEATS).max() >= 0.5, kicks  # a kick off the beat in most bars
    assert min(snares[4], snares[12]) >= 0.9, snares
    # A four-on-the-floor track has none of this: the measure tells the genres apart.
    house = make_ctx("house")
    house_kicks = groove.step_rates(
        _render(house), house.sample_rate, house.bpm, band=groove.KICK_BAND
    )
    assert np.delete(house_kicks, BEATS).max() <= 0.2


@pytest.mark.parametrize(("genre", "pair_beats"), [("hip_hop", 0.5), ("lo_fi", 1.0)])
def test_swung_genres_delay_their_off_beats(genre: str, pair_beats: float) -> None:
    ctx = make_ctx(genre)
    ratio = groove.swing_ratio(_render(ctx), ctx.sample_rate, ctx.bpm, pair_beats=pair_beats)
    assert 0.55 <= ratio <= 0.7, ratio


def test_house_is_straight() -> None:
    ctx = make_ctx("house")
    ratio = groove.swing_ratio(_render(ctx), ctx.sample_rate, ctx.bpm, pair_beats=0.5)
    assert abs(ratio - 0.5) <= 0.03, ratio


# --- tempo ------------------------------------------------------------------------------------


def _tempo_cases() -> list[tuple[str, float]]:
    """Every genre at the low end, the default and the high end of its bpm range."""
    cases: list[tuple[str, float]] = []
    for genre, profile in GENRES.items():
        low, high = profile.bpm_range
        cases += [(genre, float(low)), (genre, float(profile.bpm)), (genre, float(high))]
    return cases


@pytest.mark.parametrize(("genre", "bpm"), _tempo_cases())
def test_the_drum_stem_analyses_at_its_own_tempo(genre: str, bpm: float) -> None:
    # About 20 s whatever the tempo: 16 bars from 100 bpm up, 8 bars under it.
    structure = SHOWCASE if bpm >= 100 else SHORT_SHOWCASE
    ctx = make_ctx(genre, bpm=bpm, structure=structure)
    analysis = analyze_rhythm(_render(ctx), ctx.sample_rate)
    assert analysis["bpm"] is not None
    assert abs(analysis["bpm"] - bpm) <= 1.0, analysis["bpm"]
    beats = np.asarray(analysis["beats"])
    period = 60.0 / bpm
    assert beats[0] < 0.03  # the first beat is the track's first sample
    off_grid = np.abs(beats / period - np.round(beats / period)) * period
    assert off_grid.max() < 0.03, off_grid.max()


@pytest.mark.parametrize("genre", list(GENRES))
def test_the_first_downbeat_is_the_start_of_the_track(genre: str) -> None:
    ctx = make_ctx(genre)
    ctx = make_ctx(genre, structure=SHOWCASE if ctx.bpm >= 100 else SHORT_SHOWCASE)
    analysis = analyze_rhythm(_render(ctx), ctx.sample_rate)
    bar_s = 4 * 60.0 / ctx.bpm
    first = analysis["downbeats"][0]
    assert min(first % bar_s, bar_s - first % bar_s) < 0.03, first


# --- arrangement ------------------------------------------------------------------------------

ARRANGED = [
    {"section": "intro", "bars": 8},
    {"section": "build", "bars": 8},
    {"section": "drop", "bars": 8},
    {"section": "break", "bars": 8},
    {"section": "outro", "bars": 8},
]


def _patterns(ctx: SynthContext) -> list[drums.Pattern]:
    """What the drums play in every bar."""
    style = drums.style_of(ctx)
    return [drums.bar_pattern(ctx, style, bar) for bar in range(ctx.arrangement.total_bars)]


@pytest.mark.parametrize("genre", DANCE_GENRES)
def test_dance_intros_and_outros_play_no_backbeat_and_breaks_no_kick(genre: str) -> None:
    patterns = _patterns(make_ctx(genre, structure=ARRANGED))
    for bar in [*range(0, 8), *range(32, 40)]:  # intro and outro
        assert not patterns[bar].get("snare") and not patterns[bar].get("clap")
        assert patterns[bar]["kick"]
    for bar in range(24, 32):  # break
        assert not patterns[bar].get("kick") and not patterns[bar].get("snare")
        assert patterns[bar]["hat"]


def test_a_build_rolls_its_snare_faster_and_louder_towards_the_drop() -> None:
    patterns = _patterns(make_ctx("house", structure=ARRANGED))
    build = [patterns[bar]["snare"] for bar in range(8, 16)]
    counts = [len(hits) for hits in build]
    assert counts == sorted(counts) and counts[-1] >= 4 * counts[0]
    assert max(build[-1].values()) > max(build[0].values())


def test_every_phrase_ends_with_a_fill_and_the_next_one_opens_with_a_crash() -> None:
    ctx = make_ctx("drum_and_bass", structure=[{"section": "drop", "bars": 16}])
    patterns = _patterns(ctx)
    for bar in (7, 15):
        fill_voices = {"tom_hi", "tom_lo"} & patterns[bar].keys()
        late_snares = [s for s in patterns[bar].get("snare", {}) if s > 12]
        assert fill_voices or late_snares, patterns[bar]
    assert "crash" in patterns[8] and "crash" in patterns[0]


def test_the_stem_is_stereo_at_about_minus_6_dbfs_and_lists_every_kick() -> None:
    ctx = make_ctx("house", structure=ARRANGED)
    stem = drums.render_drums(ctx)
    assert stem.audio.shape == (2, ctx.n_samples) and stem.audio.dtype == np.float32
    assert float(np.abs(stem.audio).max()) == pytest.approx(0.5, abs=0.01)
    kicks = stem.kicks
    assert kicks.dtype == np.int64
    assert np.all(np.diff(kicks) > 0) and kicks[0] >= 0 and kicks[-1] < ctx.n_samples
    # A kick on every beat of intro, drop and outro, none in the break, all on the grid.
    beats = [ctx.arrangement.sample(b) for b in [*range(0, 32), *range(64, 96), *range(128, 160)]]
    assert set(beats) <= set(kicks.tolist())
    brk = ctx.arrangement.sections[3]
    in_break = (kicks >= ctx.arrangement.sample(brk.start_beat)) & (
        kicks < ctx.arrangement.sample(brk.end_beat)
    )
    assert not in_break.any()
    steps = [ctx.arrangement.sample(s / 4) for s in range(4 * ctx.arrangement.total_beats)]
    assert set(kicks.tolist()) <= set(steps)


# --- determinism ------------------------------------------------------------------------------


def test_the_same_seed_renders_the_same_drums_and_fx() -> None:
    first, second = make_ctx("hip_hop", seed=3), make_ctx("hip_hop", seed=3)
    a, b = drums.render_drums(first), drums.render_drums(second)
    assert np.array_equal(a.audio, b.audio) and np.array_equal(a.kicks, b.kicks)
    assert np.array_equal(fx.render_fx(first), fx.render_fx(second))


def test_another_seed_plays_other_ghost_notes_fills_and_hats() -> None:
    one, other = make_ctx("hip_hop", seed=3), make_ctx("hip_hop", seed=4)
    assert not np.array_equal(_render(one), _render(other))
    assert _patterns(one) != _patterns(other)
    assert not np.array_equal(fx.render_fx(one), fx.render_fx(other))


# --- effects ----------------------------------------------------------------------------------


def _rms(x: np.ndarray) -> float:
    """Root mean square over all channels."""
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.mark.parametrize("genre", list(GENRES))
def test_every_track_has_effects_a_riser_into_the_drop_and_an_impact_on_it(genre: str) -> None:
    ctx = make_ctx(genre, structure=THREE_SECTIONS)
    stem = fx.render_fx(ctx)
    assert stem.shape == (2, ctx.n_samples) and stem.dtype == np.float32
    assert np.isfinite(stem).all() and float(np.abs(stem).max()) <= 1.0
    bar = ctx.arrangement.samples(4)
    drop = ctx.arrangement.sample(ctx.arrangement.sections[1].start_beat)
    riser_start, riser_end = (
        _rms(stem[:, drop - 4 * bar : drop - 3 * bar]),
        _rms(stem[:, drop - bar : drop]),
    )
    assert riser_end > 1.5 * riser_start > 0.0  # it rises into the drop, over any bed
    assert int(np.abs(stem).max(axis=0).argmax()) in range(drop, drop + bar // 4)  # the impact


def test_lo_fi_crackles_and_ambient_breathes_all_the_way_through() -> None:
    for genre in ("lo_fi", "ambient"):
        ctx = make_ctx(genre, structure=THREE_SECTIONS)
        stem = fx.render_fx(ctx)
        bar = ctx.arrangement.samples(4)
        bars = stem[:, : (stem.shape[1] // bar) * bar].reshape(2, -1, bar)
        levels = np.sqrt(np.mean(np.square(bars, dtype=np.float64), axis=(0, 2)))
        assert levels.min() > 1e-3, (genre, levels)  # no bar without its bed
