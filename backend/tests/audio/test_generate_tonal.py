"""Generated harmony, bass and lead: music theory, key detection, pitch, safety, determinism."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
import scipy.signal

from intellimix.audio import tonal
from intellimix.audio.generate import bass, instruments, synth, theory
from intellimix.audio.generate.context import SynthContext, context_from_spec
from intellimix.planner.intent import GENRES, parse_prompt

SR = 48_000
SHORT = (("intro", 8), ("drop", 8), ("outro", 8))
ALL_KEYS = [tonal.key_name(pc, mode) for mode in ("major", "minor") for pc in range(12)]
KEY_GENRES = ("house", "lo_fi", "trap")
STEMS = ("bass", "harmony", "lead")


def _ctx(
    genre: str,
    key: str | None = None,
    *,
    seed: int = 7,
    structure: tuple[tuple[str, int], ...] = SHORT,
    extra: str = "",
    sample_rate: int = SR,
) -> SynthContext:
    """A context for `genre` (and `key`, instruments in `extra`) on a short structure."""
    prompt = f"{GENRES[genre].label} {extra}" + (f" in {key}" if key else "")  # type: ignore[index]
    spec = parse_prompt(prompt, seed=seed).model_dump()
    spec["structure"] = [{"section": name, "bars": bars} for name, bars in structure]
    return context_from_spec(spec, sample_rate=sample_rate)


def _render(ctx: SynthContext) -> dict[str, np.ndarray]:
    progression = theory.progression(ctx)
    return {
        "bass": bass.render_bass(ctx, progression),
        "harmony": instruments.render_harmony(ctx, progression),
        "lead": instruments.render_lead(ctx, progression),
    }


@cache
def _genre_render(genre: str) -> dict[str, np.ndarray]:
    return _render(_ctx(genre))


def _span(ctx: SynthContext, section: int) -> slice:
    part = ctx.arrangement.sections[section]
    return slice(ctx.arrangement.sample(part.start_beat), ctx.arrangement.sample(part.end_beat))


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


# --- theory: known answers --------------------------------------------------------------------


def test_scales_and_diatonic_chords() -> None:
    assert theory.scale_pcs(0, "major") == (0, 2, 4, 5, 7, 9, 11)
    assert theory.scale_pcs(9, "minor") == (9, 11, 0, 2, 4, 5, 7)
    assert theory.scale_pcs(9, "minor", harmonic=True) == (9, 11, 0, 2, 4, 5, 8)
    assert theory.chord_pcs(0, "major", "I") == (0, 4, 7)
    assert theory.chord_pcs(0, "major", "I", size=5) == (0, 4, 7, 2)  # Cadd9, not Cmaj9
    assert theory.chord_pcs(0, "major", "V", size=4) == (7, 11, 2, 5)  # G7
    assert theory.chord_pcs(0, "major", "ii", size=5) == (2, 5, 0, 4)  # Dm9 without its fifth
    assert theory.chord_pcs(9, "minor", "V") == (4, 8, 11)  # E major: harmonic minor
    assert theory.chord_pcs(9, "minor", "v") == (4, 7, 11)  # E minor: natural minor
    assert theory.chord_pcs(9, "minor", "VI", size=4) == (5, 9, 0, 4)  # Fmaj7
    assert theory.chord_pcs(9, "minor", "i", size=4) == (9, 0, 4, 11)  # Am(add9), not Am7


def test_bad_theory_input_raises() -> None:
    with pytest.raises(ValueError):
        theory.scale_pcs(0, "dorian")
    with pytest.raises(ValueError):
        theory.chord_pcs(0, "major", "VIII")
    with pytest.raises(ValueError):
        theory.chord_pcs(0, "major", "I", size=6)


def test_voice_leading_picks_the_closest_inversion() -> None:
    c, f, g = (0, 4, 7), (5, 9, 0), (7, 11, 2)
    voiced = theory.voice_lead([c, f, g, c], low=48, high=79, centre=64)
    assert voiced[0] == (60, 64, 67)
    assert voiced[1] == (60, 65, 69)  # C stays, E->F, G->A
    assert voiced[2] == (59, 62, 67)  # G stays, the rest step down
    assert voiced[3] == (60, 64, 67)


def test_tonic_pedal_only_where_it_is_consonant() -> None:
    # A minor: over C major (III) the tonic A is an added sixth on top, over E major (V) a
    # clash, and F major (VI) already holds it.
    register = {"low": 50, "high": 79}
    assert theory.with_tonic_pedal((60, 64, 67), (0, 4, 7), 9, **register) == (60, 64, 67, 69)
    assert theory.with_tonic_pedal((59, 64, 68), (4, 8, 11), 9, **register) == (59, 64, 68)
    assert theory.with_tonic_pedal((60, 65, 69), (5, 9, 0), 9, **register) == (60, 65, 69)
    # G major (VII) voiced at the top of the register: the A goes inside, not above it.
    assert theory.with_tonic_pedal((74, 79, 83), (7, 11, 2), 9, low=50, high=83) == (
        74,
        79,
        81,
        83,
    )


@pytest.mark.parametrize("genre", sorted(GENRES))
@pytest.mark.parametrize("key", ["A minor", "F# minor", "C major", "Bb major"])
def test_progressions_are_diatonic_voiced_in_register_and_anchored(genre: str, key: str) -> None:
    tonic, mode = tonal.parse_key(key)
    ctx = _ctx(
        genre,
        key,
        seed=len(genre) * 31 + tonic,
        structure=(("intro", 8), ("build", 4), ("drop", 16), ("outro", 8)),
    )
    progression = theory.progression(ctx)
    natural = set(theory.scale_pcs(tonic, mode))
    leading_tone = (tonic + 11) % 12
    assert len(progression.chords) == ctx.arrangement.total_bars
    for chord in progression.chords:
        outside = set(chord.pitch_classes) - natural
        # The only chromatic note allowed is the raised leading tone of a minor key's V.
        assert not outside or (
            mode == "minor" and chord.numeral == "V" and outside == {leading_tone}
        )
        assert {m % 12 for m in chord.notes} <= set(chord.pitch_classes) | {tonic}
        assert theory.HARMONY_LOW <= min(chord.notes) <= max(chord.notes) <= theory.HARMONY_HIGH
        assert theory.BASS_LOW <= chord.root_midi < theory.BASS_LOW + 12
        assert chord.root_midi % 12 == chord.root_pc
    for section in ctx.arrangement.sections:
        assert progression.chord_at(section.start_bar).is_tonic
    assert progression.chords[-1].is_tonic


def test_lead_notes_stay_in_key_and_register() -> None:
    for key in ("E minor", "Ab major"):
        tonic, mode = tonal.parse_key(key)
        ctx = _ctx("pop", key, seed=3)
        progression = theory.progression(ctx)
        motif = instruments.make_motif(ctx.rng("test"), bars=2, density=0.6)
        notes = instruments.motif_notes(ctx, progression, motif, 2)
        allowed = set(theory.scale_pcs(tonic, mode, harmonic=mode == "minor"))
        allowed |= set(theory.scale_pcs(tonic, mode))
        assert notes
        assert all(theory.LEAD_LOW - 5 <= n.midi <= theory.LEAD_HIGH for n in notes)
        assert all(n.midi % 12 in allowed for n in notes)
        # Every 4-bar phrase opens on the tonic chord with the tonic or the fifth.
        drop = ctx.arrangement.sections[1]
        opening = next(n for n in notes if n.beat == drop.start_beat)
        assert opening.midi % 12 in {tonic, (tonic + 7) % 12}


# --- pitch --------------------------------------------------------------------------------------


def _peak_hz(x: np.ndarray, sample_rate: int, *, below_hz: float) -> float:
    """The strongest spectral peak below `below_hz`, refined by parabolic interpolation."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1.0 / sample_rate)
    spectrum[freqs >= below_hz] = 0.0
    k = int(np.argmax(spectrum))
    a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
    return float(freqs[k] + 0.5 * (a - c) / (a - 2 * b + c) * (freqs[1] - freqs[0]))


def _zero_crossing_hz(x: np.ndarray, sample_rate: int) -> float:
    """The frequency of a (low-passed) tone from its first and last rising zero crossings."""
    rising = np.flatnonzero((x[:-1] < 0.0) & (x[1:] >= 0.0))
    # Linear interpolation puts each crossing between its two samples.
    times = (rising + x[rising] / (x[rising] - x[rising + 1])) / sample_rate
    return float((times.size - 1) / (times[-1] - times[0]))


def _cents(f: float, reference: float) -> float:
    return 1200.0 * float(np.log2(f / reference))


@pytest.mark.parametrize("midi", [28, 33, 39])
def test_sub_voice_is_in_tune(midi: int) -> None:
    tone = bass.sub_voice(midi, 2 * SR, SR)
    assert abs(_cents(_peak_hz(tone, SR, below_hz=200.0), float(synth.midi_to_hz(midi)))) < 1.0


@pytest.mark.parametrize("key", ["E minor", "A minor", "C# minor"])
def test_dubstep_sub_plays_the_tonic_in_tune(key: str) -> None:
    ctx = _ctx("dubstep", key)
    progression = theory.progression(ctx)
    stem = bass.render_bass(ctx, progression).mean(axis=0)
    drop = ctx.arrangement.sections[1]
    assert progression.chord_at(drop.start_bar).is_tonic
    # Inside the drop's first note (every wobble pattern holds it at least 1.5 beats).
    note = slice(
        ctx.arrangement.sample(drop.start_beat + 0.1), ctx.arrangement.sample(drop.start_beat + 1.4)
    )
    expected = float(synth.midi_to_hz(theory.bass_midi(tonal.parse_key(key)[0])))
    lowpass = scipy.signal.butter(4, 1.4 * expected, fs=SR, output="sos")
    found = _zero_crossing_hz(scipy.signal.sosfiltfilt(lowpass, stem[note]), SR)
    assert abs(_cents(found, expected)) < 5.0, (found, expected)


# --- key detection ------------------------------------------------------------------------------


@pytest.mark.parametrize("genre", KEY_GENRES)
def test_whole_tonal_mix_is_detected_in_its_key(
    genre: str, record_property: Callable[[str, object], None]
) -> None:
    misses = []
    # About 20 s of music whatever the tempo: slow genres get half-length sections.
    phrase = 4 if GENRES[genre].bpm >= 100 else 2  # type: ignore[index]
    structure = (("intro", phrase), ("drop", 2 * phrase), ("outro", phrase))
    for index, key in enumerate(ALL_KEYS):
        # 22.05 kHz is plenty for key detection (it analyses at 11 kHz) and halves the test time.
        ctx = _ctx(genre, key, seed=1000 + index, structure=structure, sample_rate=22_050)
        mono = sum(_render(ctx).values()).mean(axis=0)  # type: ignore[union-attr]
        found = tonal.detect_key(mono, ctx.sample_rate)["key"]
        if found != key:
            misses.append((key, found, theory.progression(ctx).numerals))
    hit_rate = 1.0 - len(misses) / len(ALL_KEYS)
    record_property("key_hit_rate", hit_rate)
    assert hit_rate >= 0.95, misses


# --- stems: presence, safety, determinism -------------------------------------------------------


@pytest.mark.parametrize("genre", sorted(GENRES))
def test_every_stem_plays_in_the_drop_and_the_lead_rests_in_the_intro(genre: str) -> None:
    ctx = _ctx(genre)
    stems = _genre_render(genre)
    intro, drop = _span(ctx, 0), _span(ctx, 1)
    for name in STEMS:
        assert stems[name].shape == (2, ctx.n_samples)
        assert _rms(stems[name][:, drop]) > 0.01, name
    assert _rms(stems["harmony"][:, intro]) > 0.01
    assert not np.any(stems["lead"][:, intro])
    assert not np.any(stems["bass"][:, intro])


@pytest.mark.parametrize("genre", sorted(GENRES))
def test_stems_are_finite_and_below_full_scale(genre: str) -> None:
    for name, stem in _genre_render(genre).items():
        assert stem.dtype == np.float32
        assert np.all(np.isfinite(stem)), name
        peak = float(np.max(np.abs(stem)))
        assert 0.1 < peak <= 1.0, (name, peak)


@pytest.mark.parametrize(
    ("genre", "extra", "style", "parts"),
    [
        ("dubstep", "with wobble bass and growl bass", "wobble", ()),
        ("drum_and_bass", "with a reese", "reese", ()),
        ("techno", "with an acid bassline", "acid", ()),
        ("hip_hop", "with 808s and strings", "808", ("strings",)),
        ("house", "with organ and supersaw", "offbeat", ("organ",)),
        ("pop", "with vocal chops, bells and an arp", "pulse", ()),
        ("synthwave", "with pads and a lead", "octave", ("pads",)),
        ("lo_fi", "with rhodes and a flute", "round", ("epiano",)),
        ("ambient", "with drones and piano", "drone", ("drones", "piano")),
    ],
)
def test_asked_instruments_are_played(
    genre: str, extra: str, style: str, parts: tuple[str, ...]
) -> None:
    ctx = _ctx(genre, extra=extra, structure=(("intro", 4), ("drop", 4), ("break", 4)))
    assert bass.bass_style(ctx) == style
    assert set(parts) <= set(instruments.harmony_parts(ctx))
    stems = _render(ctx)
    for name in STEMS:
        assert _rms(stems[name][:, _span(ctx, 1)]) > 0.01, name
        assert np.all(np.isfinite(stems[name]))


def test_lead_parts_follow_the_spec() -> None:
    assert instruments.lead_parts(_ctx("pop", extra="with vocal chops")) == ("supersaw", "chops")
    assert instruments.lead_parts(_ctx("trap")) == ("bells",)
    assert instruments.lead_parts(_ctx("synthwave")) == ("lead synth", "arp")
    assert instruments.lead_parts(_ctx("house", extra="with plucks"))[0] == "pluck"


def test_same_seed_same_audio_other_seed_other_music() -> None:
    first, again = (
        _render(_ctx("house", "A minor", seed=11)),
        _render(_ctx("house", "A minor", seed=11)),
    )
    for name in STEMS:
        assert np.array_equal(first[name], again[name]), name
    other = _render(_ctx("house", "A minor", seed=12))
    assert not np.array_equal(first["lead"], other["lead"])
    # Across seeds the progression and the motif both change.
    numerals = {theory.progression(_ctx("pop", "C major", seed=s)).numerals for s in range(12)}
    assert len(numerals) > 1
    motifs = {
        instruments.make_motif(_ctx("pop", seed=s).rng("lead", "motif"), bars=1, density=0.5)
        for s in range(6)
    }
    assert len(motifs) == 6
