"""Key detection, key names, the Camelot wheel and harmonic-mixing relations."""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest

from intellimix.audio.errors import AudioError, EmptyAudio
from intellimix.audio.tonal import (
    COMPATIBLE,
    InvalidKey,
    camelot_code,
    detect_key,
    key_name,
    key_relation,
    normalize_key,
    parse_key,
    transpose_key,
)
from tests.audio.conftest import RenderedChorale
from tests.audio.midi_render import read_mono

SR = 22050
MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10)

# --- synthetic signals ------------------------------------------------------------------------


def _hz(midi: float, *, a4: float = 440.0) -> float:
    return a4 * 2.0 ** ((midi - 69.0) / 12.0)


def _tone(midi: float, seconds: float, *, a4: float = 440.0, harmonics: int = 6) -> np.ndarray:
    """An additive-synth note (1/k harmonics) with a short attack and release."""
    t = np.arange(int(seconds * SR)) / SR
    f = _hz(midi, a4=a4)
    wave = sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, harmonics + 1) if k * f < SR / 2)
    envelope = np.minimum(1.0, t / 0.02) * np.minimum(1.0, (seconds - t) / 0.08)
    return wave * envelope


def _triad(tonic_pc: int, mode: str, degree: int, *, major_dominant: bool = False) -> list[int]:
    """Pitch classes of the diatonic triad on scale degree 1..7 (V made major when asked)."""
    steps = MAJOR_STEPS if mode == "major" else MINOR_STEPS
    pcs = [steps[(degree - 1 + i) % 7] for i in (0, 2, 4)]
    if major_dominant and degree == 5:
        pcs[1] = 11  # the raised leading tone of harmonic minor
    return [(tonic_pc + p) % 12 for p in pcs]


def _progression(
    tonic_pc: int,
    mode: str,
    degrees: list[int],
    *,
    chord_s: float = 1.0,
    repeats: int = 2,
    a4: float = 440.0,
) -> np.ndarray:
    """Block triads in close position around C4 with the root doubled in the bass."""
    chords = []
    for degree in degrees * repeats:
        pcs = _triad(tonic_pc, mode, degree, major_dominant=(mode == "minor"))
        root = pcs[0]
        notes = [60 + ((pc - root) % 12) + root - (12 if root > 5 else 0) for pc in pcs]
        bass = 48 + root - (12 if root > 5 else 0)
        chord = sum(_tone(m, chord_s, a4=a4) for m in notes) + 0.8 * _tone(bass, chord_s, a4=a4)
        chords.append(chord)
    signal = np.concatenate(chords)
    return (0.5 * signal / np.abs(signal).max()).astype(np.float32)


def _dance_loop(
    tonic_pc: int, degrees: list[int], *, bpm: float = 124.0, bars: int = 8
) -> np.ndarray:
    """A minor-key club loop: four-on-the-floor kick, hats, claps, offbeat bass, chord stabs."""
    rng = np.random.default_rng(7)
    beat = 60.0 / bpm
    n = int(bars * 4 * beat * SR)
    out = np.zeros(n)
    t_kick = np.arange(int(0.3 * SR)) / SR
    kick = np.sin(2 * np.pi * np.cumsum(48 + 110 * np.exp(-t_kick * 35)) / SR) * np.exp(-t_kick * 9)
    hat = rng.standard_normal(int(0.04 * SR)) * np.exp(-np.arange(int(0.04 * SR)) / SR * 90)
    hat = np.diff(hat, prepend=0.0)  # a crude high-pass: hats are bright
    clap = rng.standard_normal(int(0.12 * SR)) * np.exp(-np.arange(int(0.12 * SR)) / SR * 30)
    for b in range(bars * 4):
        start = int(b * beat * SR)
        for sound, at, gain in (
            (kick, start, 1.0),
            (hat, start + int(beat * SR / 2), 0.25),
            (clap, start if b % 2 else -1, 0.3),
        ):
            if 0 <= at < n:
                end = min(n, at + sound.size)
                out[at:end] += gain * sound[: end - at]
    bar_s = 4 * beat
    for bar in range(bars):
        pcs = _triad(tonic_pc, "minor", degrees[bar % len(degrees)], major_dominant=True)
        start = int(bar * bar_s * SR)
        for step in range(4):
            at = start + int((step + 0.5) * beat * SR)  # bass on the offbeats, the house way
            note = _tone(36 + pcs[0], 0.4 * beat)
            out[at : at + note.size] += 0.6 * note[: max(0, min(note.size, n - at))]
        for stab in range(4):
            at = start + int(stab * beat * SR)
            chord = np.sum([_tone(60 + pc, 0.6 * beat, harmonics=12) for pc in pcs], axis=0)
            out[at : at + chord.size] += 0.25 * chord[: max(0, min(chord.size, n - at))]
    return (0.7 * out / np.abs(out).max()).astype(np.float32)


# --- names, parsing, Camelot ------------------------------------------------------------------

CAMELOT_WHEEL = {
    "1A": "G# minor",
    "1B": "B major",
    "2A": "Eb minor",
    "2B": "F# major",
    "3A": "Bb minor",
    "3B": "Db major",
    "4A": "F minor",
    "4B": "Ab major",
    "5A": "C minor",
    "5B": "Eb major",
    "6A": "G minor",
    "6B": "Bb major",
    "7A": "D minor",
    "7B": "F major",
    "8A": "A minor",
    "8B": "C major",
    "9A": "E minor",
    "9B": "G major",
    "10A": "B minor",
    "10B": "D major",
    "11A": "F# minor",
    "11B": "A major",
    "12A": "C# minor",
    "12B": "E major",
}
ALL_KEYS = [(pc, mode) for mode in ("major", "minor") for pc in range(12)]


@pytest.mark.parametrize(("code", "name"), sorted(CAMELOT_WHEEL.items()))
def test_camelot_wheel(code: str, name: str) -> None:
    assert camelot_code(*parse_key(name)) == code
    assert key_name(*parse_key(code)) == name


def test_named_camelot_examples() -> None:
    assert camelot_code(0, "major") == "8B"
    assert camelot_code(9, "minor") == "8A"
    assert camelot_code(6, "minor") == "11A"
    assert camelot_code(10, "major") == "6B"


def test_house_spelling() -> None:
    majors = [key_name(pc, "major").split()[0] for pc in range(12)]
    minors = [key_name(pc, "minor").split()[0] for pc in range(12)]
    assert majors == ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    assert minors == ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B"]


@pytest.mark.parametrize(("pc", "mode"), ALL_KEYS)
def test_round_trips(pc: int, mode: str) -> None:
    assert parse_key(key_name(pc, mode)) == (pc, mode)
    assert parse_key(camelot_code(pc, mode)) == (pc, mode)
    assert normalize_key(camelot_code(pc, mode)) == key_name(pc, mode)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F# minor", (6, "minor")),
        ("Gb minor", (6, "minor")),
        ("f#m", (6, "minor")),
        ("Gbm", (6, "minor")),
        ("F♯ min", (6, "minor")),
        ("  a   minor ", (9, "minor")),
        ("Am", (9, "minor")),
        ("A#m", (10, "minor")),
        ("bb minor", (10, "minor")),
        ("Bb major", (10, "major")),
        ("A# major", (10, "major")),
        ("B-", (10, "major")),
        ("C", (0, "major")),
        ("CM", (0, "major")),
        ("Cm", (0, "minor")),
        ("Cmaj", (0, "major")),
        ("Cb major", (11, "major")),
        ("E# minor", (5, "minor")),
        ("D♭", (1, "major")),
        ("11A", (6, "minor")),
        ("6b", (10, "major")),
        ("08A", (9, "minor")),
        ("12 B", (4, "major")),
    ],
)
def test_parse_key_accepts_common_spellings(text: str, expected: tuple[int, str]) -> None:
    assert parse_key(text) == expected


@pytest.mark.parametrize("text", ["", "H major", "13A", "0B", "C dorian", "X", "C##", "F# minor x"])
def test_parse_key_rejects_nonsense(text: str) -> None:
    with pytest.raises(InvalidKey) as caught:
        parse_key(text)
    assert caught.value.code == "INVALID_KEY"
    assert isinstance(caught.value, ValueError)


def test_parse_key_rejects_non_text() -> None:
    with pytest.raises(InvalidKey):
        parse_key(7)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey):
        key_name(0, "dorian")


def test_transpose_key() -> None:
    assert transpose_key("A minor", 1) == "Bb minor"
    assert transpose_key("11A", -1) == "F minor"
    assert transpose_key("B major", 1) == "C major"
    assert transpose_key("Eb major", 12) == "Eb major"


# --- key relations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "relation", "distance", "shift"),
    [
        ("A minor", "A minor", "same", 0, 0),
        ("A minor", "C major", "relative", 1, 0),
        ("8B", "8A", "relative", 1, 0),
        ("C major", "G major", "dominant", 1, 0),
        ("C major", "F major", "subdominant", 1, 0),
        ("A minor", "E minor", "dominant", 1, 0),
        ("B major", "F# major", "dominant", 1, 0),  # 1B -> 2B
        ("Db major", "F# major", "subdominant", 1, 0),  # 3B -> 2B
        ("E major", "B major", "dominant", 1, 0),  # 12B -> 1B wraps round the wheel
        # A shift cannot change mode: against A minor a major key only fits as C major, 8B.
        ("A minor", "G major", "diagonal", 2, 5),
        ("C major", "C minor", "parallel", 4, -3),  # C minor down 3 -> A minor, relative
        ("C major", "F# major", "clash", 6, -1),  # F# down 1 -> F major (F# up 1 ties; down wins)
        ("A minor", "Bb minor", "clash", 5, -1),
        ("F# minor", "A minor", "clash", 3, 2),  # up 2 is B minor (10A), beside 11A; down 3 is F#
    ],
)
def test_key_relation(a: str, b: str, relation: str, distance: int, shift: int) -> None:
    result = key_relation(a, b)
    assert result["relation"] == relation
    assert result["camelot_distance"] == distance
    assert result["suggested_pitch_shift_semitones"] == shift
    assert result["compatible"] is (relation in COMPATIBLE)


def test_key_relation_scores_rank_the_moves() -> None:
    score = {
        b: key_relation("C major", b)["score"]
        for b in ("C major", "A minor", "G major", "E minor", "C minor", "D major", "F# major")
    }
    assert score["C major"] == 1.0
    assert score["C major"] > score["A minor"] > score["G major"] > score["E minor"]
    assert score["E minor"] > score["C minor"] > score["D major"] > score["F# major"]
    assert all(0.0 <= s <= 1.0 for s in score.values())


@pytest.mark.parametrize(("pc_a", "mode_a"), ALL_KEYS)
def test_suggested_shift_is_the_smallest_that_fits(pc_a: int, mode_a: str) -> None:
    a = key_name(pc_a, mode_a)
    for pc_b, mode_b in ALL_KEYS:
        b = key_name(pc_b, mode_b)
        result = key_relation(a, b)
        shift = result["suggested_pitch_shift_semitones"]
        assert isinstance(shift, int) and abs(shift) <= 6
        assert key_relation(a, transpose_key(b, shift))["compatible"]
        smaller = [s for s in range(-abs(shift) + 1, abs(shift)) if s]
        assert not any(key_relation(a, transpose_key(b, s))["compatible"] for s in smaller)
        # Distance is symmetric even though the named move (dominant/subdominant) is not.
        assert key_relation(b, a)["camelot_distance"] == result["camelot_distance"]


def test_key_relation_rejects_bad_keys() -> None:
    with pytest.raises(InvalidKey):
        key_relation("C major", "Q minor")


# --- detection on synthetic signals -----------------------------------------------------------


@pytest.mark.parametrize(("pc", "mode"), ALL_KEYS)
def test_cadence_in_every_key(pc: int, mode: str) -> None:
    # I–IV–V–I (i–iv–V–i with a major dominant in minor), twice.
    result = detect_key(_progression(pc, mode, [1, 4, 5, 1]), SR)
    assert result["key"] == key_name(pc, mode)
    assert result["camelot"] == camelot_code(pc, mode)
    assert 0.0 <= result["key_confidence"] <= 1.0


def test_a_minor_progression() -> None:
    result = detect_key(_progression(9, "minor", [1, 4, 5, 1], repeats=3), SR)
    assert result == {"key": "A minor", "key_confidence": result["key_confidence"], "camelot": "8A"}
    assert result["key_confidence"] > 0.5


def test_eb_major_pop_progression() -> None:
    result = detect_key(_progression(3, "major", [1, 5, 6, 4], repeats=3), SR)
    assert (result["key"], result["camelot"]) == ("Eb major", "5B")


def test_club_loop_with_drums() -> None:
    # i–VI–iv–i in F# minor under a four-on-the-floor kit.
    result = detect_key(_dance_loop(6, [1, 6, 4, 1]), SR)
    assert (result["key"], result["camelot"]) == ("F# minor", "11A")


def test_detuned_recording_is_still_in_key() -> None:
    # A4 = 432 Hz is a third of a semitone flat: the tuning estimate must pull it back.
    result = detect_key(_progression(9, "minor", [1, 4, 5, 1], a4=432.0), SR)
    assert result["key"] == "A minor"


@pytest.mark.parametrize("rate", [11025, 44100, 48000])
def test_other_sample_rates(rate: int) -> None:
    import librosa

    signal = librosa.resample(_progression(2, "major", [1, 4, 5, 1]), orig_sr=SR, target_sr=rate)
    assert detect_key(signal, rate)["key"] == "D major"


def test_silence_has_no_key() -> None:
    result = detect_key(np.zeros(5 * SR, dtype=np.float32), SR)
    assert result == {"key": None, "key_confidence": 0.0, "camelot": None}


def test_noise_has_low_confidence() -> None:
    noise = np.random.default_rng(3).standard_normal(10 * SR).astype(np.float32) * 0.1
    assert detect_key(noise, SR)["key_confidence"] < 0.35


def test_short_clip_still_answers() -> None:
    clip = _progression(7, "major", [1], chord_s=0.5, repeats=1)
    result = detect_key(clip, SR)
    assert result["key"] is not None and 0.0 <= result["key_confidence"] <= 1.0


def test_deterministic() -> None:
    signal = _dance_loop(1, [1, 6, 4, 1], bars=4)
    assert detect_key(signal, SR) == detect_key(signal.copy(), SR)


@pytest.mark.parametrize(
    ("signal", "rate", "error", "code"),
    [
        (np.zeros((2, 1000), dtype=np.float32), SR, AudioError, "NOT_MONO"),
        (np.zeros(0, dtype=np.float32), SR, EmptyAudio, "EMPTY_AUDIO"),
        (np.array([0.0, np.nan, 0.0] * 1000, dtype=np.float32), SR, AudioError, "NON_FINITE_AUDIO"),
        (np.zeros(1000, dtype=np.float32), 0, AudioError, "INVALID_SAMPLE_RATE"),
    ],
)
def test_invalid_input(signal: np.ndarray, rate: int, error: type[Exception], code: str) -> None:
    with pytest.raises(error) as caught:
        detect_key(signal, rate)
    assert caught.value.code == code  # type: ignore[attr-defined]


# --- the Bach chorales ------------------------------------------------------------------------

MIREX_CLASSES = {1.0: "correct", 0.5: "fifth", 0.3: "relative", 0.2: "parallel", 0.0: "other"}


def test_chorale_ground_truth_is_pinned(bach_chorales: list[RenderedChorale]) -> None:
    truth = {c.name: c.key for c in bach_chorales}
    assert len(truth) == 48
    assert truth["bach/bwv269"] == "G major"
    assert truth["bach/bwv148.6"] == "F# minor"
    assert truth["bach/bwv308"] == "Bb major"
    assert truth["bach/bwv159.5"] == "Eb major"
    assert sum(k.endswith("minor") for k in truth.values()) == 19


def test_bach_chorales_mirex_score(bach_chorales: list[RenderedChorale]) -> None:
    rows = []
    for chorale in bach_chorales:
        mono, rate = read_mono(chorale.wav_path)
        estimate = detect_key(mono, rate)
        score = mir_eval.key.weighted_score(chorale.key, estimate["key"])
        rows.append((chorale.name, chorale.key, estimate["key"], estimate["key_confidence"], score))
    mean = float(np.mean([r[4] for r in rows]))
    counts = {name: sum(1 for r in rows if r[4] == value) for value, name in MIREX_CLASSES.items()}
    misses = [f"{n}: {ref} -> {est} ({conf:.2f})" for n, ref, est, conf, s in rows if s < 1.0]
    print(f"\nBach chorales: MIREX weighted {mean:.4f} {counts}\n" + "\n".join(misses))
    assert sum(counts.values()) == len(rows) == 48
    assert mean >= 0.85, f"MIREX weighted {mean:.3f} < 0.85; misses: {misses}"
