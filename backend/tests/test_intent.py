"""Prompt -> GenerationSpec (planner intent, local and deterministic)."""

from __future__ import annotations

import pytest

from intellimix.planner.intent import (
    GENRES,
    MAX_BPM,
    MAX_DURATION_S,
    MIN_DURATION_S,
    PHRASE_BARS,
    SHORT_PHRASE_BARS,
    GenerationSpec,
    PromptError,
    bars_to_seconds,
    fit_arrangement,
    parse_prompt,
)


def _phrase_s(spec: GenerationSpec) -> float:
    return bars_to_seconds(PHRASE_BARS, spec.bpm)


# --- explicit values win ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "bpm"),
    [
        ("house at 174 bpm", 174.0),
        ("techno bpm 120", 120.0),
        ("deep house at 124", 124.0),
        ("trap, tempo 150", 150.0),
        ("lo-fi 72.5 BPM", 72.5),
        ("ambient at 65 beats per minute", 65.0),
    ],
)
def test_explicit_bpm_wins(prompt: str, bpm: float) -> None:
    assert parse_prompt(prompt).bpm == bpm


def test_bpm_outside_genre_range_is_kept_with_a_note() -> None:
    spec = parse_prompt("house at 174 bpm")
    assert spec.genre == "house" and spec.bpm == 174
    assert any("outside house" in n and "kept" in n for n in spec.notes)


@pytest.mark.parametrize(
    ("prompt", "key", "mode"),
    [
        ("techno in F# minor", "F# minor", "minor"),
        ("pop in Bb major", "Bb major", "major"),
        ("house, A min", "A minor", "minor"),
        ("house Am groove", "A minor", "minor"),
        ("dnb 8A", "A minor", "minor"),
        ("dnb 8B", "C major", "major"),
        ("trap in the key of Gbm", "F# minor", "minor"),
        ("lofi in eb major", "Eb major", "major"),
        ("ambient in C", "C major", "major"),
        ("techno f♯ minor", "F# minor", "minor"),
        ("synthwave in d minor", "D minor", "minor"),
    ],
)
def test_key_formats_normalize(prompt: str, key: str, mode: str) -> None:
    spec = parse_prompt(prompt)
    assert (spec.key, spec.mode) == (key, mode)
    assert not any(n.startswith("no key named") for n in spec.notes)


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [
        ("house, 2 minutes", 120),
        ("house, 90 seconds", 90),
        ("house 1:30", 90),
        ("house 2 min", 120),
        ("house, 3 minutes and 30 seconds", 210),
        ("house for a minute", 60),
        ("techno 4 mins", 240),
    ],
)
def test_explicit_duration_wins_within_one_phrase(prompt: str, seconds: float) -> None:
    spec = parse_prompt(prompt)
    assert abs(spec.duration_s - seconds) <= _phrase_s(spec)
    assert not any(n.startswith("no duration named") for n in spec.notes)


def test_explicit_values_together() -> None:
    spec = parse_prompt("Drum & Bass at 170 BPM in F# minor, 2 minutes, dark, with a piano")
    assert spec.genre == "drum_and_bass"
    assert spec.bpm == 170
    assert spec.key == "F# minor"
    assert spec.mood == "dark"
    assert "piano" in spec.instruments
    assert abs(spec.duration_s - 120) <= _phrase_s(spec)


# --- genres and aliases -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [
        ("house", "house"),
        ("techno", "techno"),
        ("drum & bass", "drum_and_bass"),
        ("dubstep", "dubstep"),
        ("hip hop", "hip_hop"),
        ("lo-fi", "lo_fi"),
        ("trap", "trap"),
        ("ambient", "ambient"),
        ("pop", "pop"),
        ("synthwave", "synthwave"),
        # aliases, case and accents
        ("a DNB roller", "drum_and_bass"),
        ("drum and bass", "drum_and_bass"),
        ("d&b tune", "drum_and_bass"),
        ("drum 'n' bass", "drum_and_bass"),
        ("old school jungle", "drum_and_bass"),
        ("hip-hop beat", "hip_hop"),
        ("Hip Hop", "hip_hop"),
        ("lofi", "lo_fi"),
        ("lo fi", "lo_fi"),
        ("synth wave", "synthwave"),
        ("outrun night drive", "synthwave"),
        ("tech-house", "house"),
        ("brostep", "dubstep"),
        ("mûsique técHno", "techno"),
        ("techno, not house", "techno"),  # the first genre mentioned wins
    ],
)
def test_genres_and_aliases_fill_defaults(prompt: str, genre: str) -> None:
    spec = parse_prompt(prompt)
    profile = GENRES[spec.genre]
    assert spec.genre == genre
    low, high = profile.bpm_range
    assert low <= spec.bpm <= high
    assert spec.bpm == profile.bpm
    assert spec.key == profile.key
    assert spec.instruments[: len(profile.instruments)] == list(profile.instruments)
    assert [s.section for s in spec.structure][0] == "intro"
    assert [s.section for s in spec.structure][-1] == "outro"
    assert MIN_DURATION_S <= spec.duration_s <= MAX_DURATION_S
    assert not any(n.startswith("no genre named") for n in spec.notes)


def test_every_genre_profile_is_coherent() -> None:
    assert len(GENRES) == 10
    for profile in GENRES.values():
        low, high = profile.bpm_range
        assert 60 <= low <= profile.bpm <= high <= 200
        assert all(bars % PHRASE_BARS == 0 for _, bars in profile.arrangement)
        assert profile.arrangement[0][0] == "intro" and profile.arrangement[-1][0] == "outro"
        assert 0 <= profile.energy <= 1 and profile.instruments


@pytest.mark.parametrize(
    ("prompt", "genre", "note"),
    [
        ("something nice", "house", "no genre named; chose house"),
        ("something at 174 bpm", "drum_and_bass", "no genre named; chose drum & bass"),
        ("something chill", "lo_fi", "no genre named; chose lo-fi"),
    ],
)
def test_unknown_genre_gets_a_sensible_default_with_a_note(
    prompt: str, genre: str, note: str
) -> None:
    spec = parse_prompt(prompt)
    assert spec.genre == genre
    assert any(n.startswith(note) for n in spec.notes)


# --- mood, energy, instruments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "mood"),
    [
        ("dark techno", "dark"),
        ("happy pop", "happy"),
        ("chill house", "chill"),
        ("melancholic lofi", "melancholic"),
        ("sad piano ambient", "melancholic"),
        ("energetic dnb", "energetic"),
        ("dreamy synthwave", "dreamy"),
        ("aggressive dubstep", "aggressive"),
    ],
)
def test_mood_words(prompt: str, mood: str) -> None:
    assert parse_prompt(prompt).mood == mood


def test_mood_moves_energy() -> None:
    calm = parse_prompt("chill house")
    angry = parse_prompt("aggressive house")
    assert calm.energy < GENRES["house"].energy < angry.energy


@pytest.mark.parametrize(
    ("prompt", "energy"),
    [("house energy 0.4", 0.4), ("house energy 80%", 0.8), ("house energy 7/10", 0.7)],
)
def test_explicit_energy(prompt: str, energy: float) -> None:
    assert parse_prompt(prompt).energy == pytest.approx(energy)


@pytest.mark.parametrize(
    ("prompt", "added"),
    [
        ("trap with 808", ["808"]),
        ("dubstep with wobble bass", ["wobble bass"]),
        ("house with a reese and piano", ["reese bass", "piano"]),
        ("techno with pads, arps and strings", ["pads", "arp", "strings"]),
        ("lofi with guitar", ["guitar"]),
    ],
)
def test_instruments_are_added_to_genre_defaults(prompt: str, added: list[str]) -> None:
    spec = parse_prompt(prompt)
    defaults = list(GENRES[spec.genre].instruments)
    assert spec.instruments[: len(defaults)] == defaults
    for name in added:
        assert name in spec.instruments
    assert len(spec.instruments) == len(set(spec.instruments))


def test_negated_instrument_is_removed() -> None:
    spec = parse_prompt("lofi without vinyl crackle")
    assert "vinyl crackle" not in spec.instruments


# --- malformed prompts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "code", "field"),
    [
        ("", "EMPTY_PROMPT", "prompt"),
        ("   \n\t ", "EMPTY_PROMPT", "prompt"),
        ("house " * 2000, "PROMPT_TOO_LONG", "prompt"),
        ("x" * 10_000, "PROMPT_TOO_LONG", "prompt"),
        ("pop in H major", "INVALID_KEY", "key"),
        ("techno key of X minor", "INVALID_KEY", "key"),
    ],
)
def test_malformed_prompts_raise_prompt_error(prompt: str, code: str, field: str) -> None:
    with pytest.raises(PromptError) as caught:
        parse_prompt(prompt)
    assert caught.value.code == code
    assert caught.value.field == field
    assert caught.value.message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("prompt", "bpm", "note"),
    [
        ("house at 999 bpm", 200, "bpm 999 clamped to 200"),
        ("ambient 20 bpm", 60, "bpm 20 clamped to 60"),
    ],
)
def test_out_of_range_bpm_is_clamped_with_a_note(prompt: str, bpm: float, note: str) -> None:
    spec = parse_prompt(prompt)
    assert spec.bpm == bpm
    assert note in spec.notes


@pytest.mark.parametrize(
    ("prompt", "limit", "note"),
    [
        ("house for 3 hours", MAX_DURATION_S, "duration 3 hours clamped to 600 s"),
        ("dnb 5 seconds", MIN_DURATION_S, "duration 5 seconds clamped to 15 s"),
    ],
)
def test_out_of_range_duration_is_clamped_with_a_note(prompt: str, limit: float, note: str) -> None:
    spec = parse_prompt(prompt)
    assert note in spec.notes
    assert MIN_DURATION_S <= spec.duration_s <= MAX_DURATION_S
    if limit == MAX_DURATION_S:
        assert spec.duration_s > MAX_DURATION_S - _phrase_s(spec)


def test_duration_argument_is_clamped_and_wins() -> None:
    spec = parse_prompt("house 2 minutes", duration_s=10_000)
    assert "duration 10000 s clamped to 600 s" in spec.notes
    assert spec.duration_s > MAX_DURATION_S - _phrase_s(spec)


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"seed": -1}, "INVALID_SEED", "seed"),
        ({"duration_s": float("nan")}, "INVALID_DURATION", "duration_s"),
    ],
)
def test_bad_arguments_raise(kwargs: dict[str, float], code: str, field: str) -> None:
    with pytest.raises(PromptError) as caught:
        parse_prompt("house", **kwargs)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(
    "prompt",
    ["🎵🎵🎵", "!!!???", "999999999999 bpm 99999999 hours", "in in in key key", "8A 8B Am Bm"],
)
def test_odd_prompts_never_crash(prompt: str) -> None:
    spec = parse_prompt(prompt)
    assert MIN_DURATION_S <= spec.duration_s <= MAX_DURATION_S


# --- determinism and structure ----------------------------------------------------------------


def test_same_prompt_same_spec_and_seed() -> None:
    a = parse_prompt("Dark techno in F minor, 3 minutes")
    b = parse_prompt("dark  TECHNO in F minor, 3 minutes")
    assert a == b
    assert a.seed == parse_prompt("Dark techno in F minor, 3 minutes").seed


def test_seed_argument_wins() -> None:
    a = parse_prompt("house", seed=1)
    b = parse_prompt("house", seed=2)
    assert (a.seed, b.seed) == (1, 2)
    assert a.model_dump(exclude={"seed"}) == b.model_dump(exclude={"seed"})


def test_different_prompts_get_different_seeds() -> None:
    assert parse_prompt("house").seed != parse_prompt("techno").seed


@pytest.mark.parametrize("genre", sorted(GENRES))
@pytest.mark.parametrize("seconds", [30, 60, 95, 180, 240, 420, 600])
def test_structure_length_matches_duration(genre: str, seconds: float) -> None:
    spec = parse_prompt(GENRES[genre].aliases[0], duration_s=seconds)  # type: ignore[index]
    assert spec.duration_s == pytest.approx(bars_to_seconds(spec.total_bars, spec.bpm), abs=0.01)
    names = [s.section for s in spec.structure]
    assert names[0] == "intro" and names[-1] == "outro" and len(names) >= 3
    assert MIN_DURATION_S <= spec.duration_s <= MAX_DURATION_S
    if seconds >= bars_to_seconds(3 * PHRASE_BARS, spec.bpm):
        assert all(s.bars % PHRASE_BARS == 0 for s in spec.structure)
        assert abs(spec.duration_s - seconds) <= _phrase_s(spec)
    else:  # a short track is built from 4-bar phrases, so it stays close to what was asked
        short_phrase_s = bars_to_seconds(SHORT_PHRASE_BARS, spec.bpm)
        assert all(s.bars % SHORT_PHRASE_BARS == 0 for s in spec.structure)
        assert abs(spec.duration_s - max(seconds, 3 * short_phrase_s)) <= short_phrase_s


@pytest.mark.parametrize(
    ("reference", "prompt", "expected"),
    [
        ({"reference_bpm": 127.3, "reference_key": "gm"}, "techno", (127.3, "G minor")),
        (
            {"reference_bpm": 127.3, "reference_key": "G minor"},
            "techno at 131 bpm",
            (131, "G minor"),
        ),
        ({"reference_bpm": 90.0, "reference_key": "8A"}, "lo-fi in F major", (90, "F major")),
        ({"reference_bpm": 400.0}, "techno", (MAX_BPM, "F minor")),
    ],
)
def test_reference_replaces_defaults_but_prompt_wins(
    reference: dict[str, object], prompt: str, expected: tuple[float, str]
) -> None:
    spec = parse_prompt(prompt, **reference)  # type: ignore[arg-type]
    assert (spec.bpm, spec.key) == expected


@pytest.mark.parametrize(
    "reference",
    [{"reference_bpm": 0.0}, {"reference_bpm": float("nan")}, {"reference_key": "H major"}],
)
def test_unusable_reference_is_a_prompt_error(reference: dict[str, object]) -> None:
    with pytest.raises(PromptError) as caught:
        parse_prompt("techno", **reference)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.field) == ("INVALID_REFERENCE", "reference")


@pytest.mark.parametrize("phrases", [3, 4, 5, 8, 16, 17, 40])
def test_fit_arrangement_keeps_intro_main_outro(phrases: int) -> None:
    fitted = fit_arrangement(GENRES["house"].arrangement, phrases)
    assert sum(b for _, b in fitted) == phrases * PHRASE_BARS
    assert fitted[0][0] == "intro" and fitted[-1][0] == "outro"
    assert "drop" in [name for name, _ in fitted]


def test_a_tempo_nobody_asked_for_moves_within_the_genre_to_fit_the_length() -> None:
    spec = parse_prompt("90 second ambient piece")
    low, high = GENRES["ambient"].bpm_range
    assert spec.duration_s == pytest.approx(90.0, abs=0.01)
    assert low <= spec.bpm <= high and spec.bpm != GENRES["ambient"].bpm
    assert any("so whole phrases last 90 s" in note for note in spec.notes)
    assert parse_prompt("ambient at 70 bpm, 90 seconds").bpm == 70  # an asked tempo stays
    assert parse_prompt("house, 2 minutes").bpm == 124  # within 5 %: the default stays
