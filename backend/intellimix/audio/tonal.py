"""Musical key: detection from audio, DJ-style names, Camelot codes and harmonic-mixing relations.

Key names (DESIGN §5) use one spelling per pitch class and mode, the way DJ software and
Camelot charts write them — flats for major keys, sharps for minor keys except Eb and Bb minor:

    pitch class   0   1    2   3    4   5   6    7   8    9   10   11
    major         C   Db   D   Eb   E   F   F#   G   Ab   A   Bb   B
    minor         C   C#   D   Eb   E   F   F#   G   G#   A   Bb   B

Camelot codes: "8B" = C major, "8A" = A minor; the number moves by a fifth per step, "A" is minor
and "B" major, and a key and its relative share a number.
"""

from __future__ import annotations

import re
import warnings
from typing import Literal, TypedDict

import librosa
import numpy as np
from scipy.ndimage import uniform_filter1d

from intellimix.audio.errors import AudioError, EmptyAudio

Mode = Literal["major", "minor"]
MODES: tuple[Mode, Mode] = ("major", "minor")

MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")

# Albrecht & Shanahan (2013) key profiles, tonic first: fitted to a large corpus, and far more
# decisive about the third and the leading tone than Krumhansl's probe-tone ratings, which is
# what separates a key from its relative and from its neighbours on the circle of fifths.
MAJOR_PROFILE = np.array(
    [0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]
)
MINOR_PROFILE = np.array(
    [0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]
)

# The front end. 11025 Hz keeps everything up to ~5 kHz, far above any fundamental that
# matters for key, and makes the constant-Q transform cheap. 36 bins per octave (three per
# semitone) keeps slightly detuned partials inside their semitone after the tuning correction.
ANALYSIS_RATE = 11025
HOP_LENGTH = 1024  # 93 ms: key is a slow feature
BINS_PER_OCTAVE = 36
# From E2 (~82 Hz) up: kick drums, 808s and sub-bass rumble live below it and carry the pitch
# of the drum tuning rather than the harmony; starting lower cost accuracy on drum-heavy loops.
LOWEST_MIDI = 40
N_OCTAVES = 5.5  # E2 .. ~A#7 (3.7 kHz)
LOG_GAIN = 100.0  # log-compression strength; quiet sustained notes still count
WHITEN_BINS = 19  # just over half an octave: the local spectral floor that is subtracted
SILENCE_DB = -70.0  # a signal whose peak is below this (dBFS) has no key
FRAME_GATE_DB = -40.0  # frames this far below the loudest one (fades, tails) do not vote
MIN_SAMPLES = 2 * ANALYSIS_RATE
CONFIDENCE_MARGIN = 0.15  # a best-versus-runner-up correlation gap this wide is full confidence


class KeyEstimate(TypedDict):
    """The key fields of a track analysis (DESIGN §6); key and camelot are None for silence."""

    key: str | None
    key_confidence: float
    camelot: str | None


class KeyRelation(TypedDict):
    """How one key follows another in a mix."""

    relation: str  # same | relative | dominant | subdominant | diagonal | parallel | clash
    camelot_distance: int
    score: float
    compatible: bool
    suggested_pitch_shift_semitones: int


class InvalidKey(AudioError, ValueError):
    """A key name or Camelot code that cannot be read."""

    code, status = "INVALID_KEY", 422


# --- names, parsing and the Camelot wheel -------------------------------------------------------


def key_name(pitch_class: int, mode: str) -> str:
    """The DJ spelling of a key, e.g. key_name(6, "minor") == "F# minor"."""
    mode = _checked_mode(mode)
    names = MAJOR_NAMES if mode == "major" else MINOR_NAMES
    return f"{names[int(pitch_class) % 12]} {mode}"


def camelot_code(tonic_pc: int, mode: str) -> str:
    """The Camelot code of a key: (0, "major") is "8B", (9, "minor") is "8A"."""
    mode = _checked_mode(mode)
    # A minor key sits on the same number as its relative major, three semitones up.
    major_pc = tonic_pc % 12 if mode == "major" else (tonic_pc + 3) % 12
    number = (major_pc * 7 + 7) % 12 + 1  # C major is 8; each fifth up adds one
    return f"{number}{'B' if mode == 'major' else 'A'}"


_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"": 0, "#": 1, "♯": 1, "b": -1, "♭": -1, "-": -1}
_MODE_WORDS: dict[str, Mode] = {
    "": "major",
    "maj": "major",
    "major": "major",
    "ionian": "major",
    "m": "minor",
    "min": "minor",
    "minor": "minor",
    "aeolian": "minor",
}
_NAME_RE = re.compile(r"^([A-Ga-g])\s*([#♯b♭-]?)\s*([A-Za-z]*)$")
_CAMELOT_RE = re.compile(r"^0?([1-9]|1[0-2])\s*([ABab])$")


def parse_key(text: str) -> tuple[int, Mode]:
    """Read "F# minor", "Gbm", "Bb major", "C", "A min" or a Camelot code ("11A") as (pc, mode)."""
    if not isinstance(text, str):
        raise InvalidKey("A key must be text such as 'F# minor' or '11A'.")
    cleaned = " ".join(text.strip().split())
    camelot = _CAMELOT_RE.match(cleaned)
    if camelot:
        return _from_camelot(int(camelot.group(1)), camelot.group(2).upper())
    named = _NAME_RE.match(cleaned)
    if named:
        letter, accidental, word = named.groups()
        # "CM" is shorthand for C major and "Cm" for C minor, so only that one word keeps its case.
        mode = "major" if word == "M" else _MODE_WORDS.get(word.lower())
        if mode is not None:
            pc = (_LETTER_PC[letter.upper()] + _ACCIDENTAL[accidental]) % 12
            return pc, mode
    shown = text.strip()[:40]
    raise InvalidKey(f"'{shown}' is not a key; write it like 'F# minor', 'Bb major' or '11A'.")


def normalize_key(text: str) -> str:
    """Any readable key spelling in the one house spelling: normalize_key("gbm") == "F# minor"."""
    return key_name(*parse_key(text))


def transpose_key(text: str, semitones: int) -> str:
    """The key `semitones` away, e.g. transpose_key("A minor", 1) == "Bb minor"."""
    pc, mode = parse_key(text)
    return key_name(pc + int(semitones), mode)


def _from_camelot(number: int, letter: str) -> tuple[int, Mode]:
    major_pc = ((number - 8) * 7) % 12  # the inverse of camelot_code's walk round the fifths
    if letter == "B":
        return major_pc, "major"
    return (major_pc - 3) % 12, "minor"


def _checked_mode(mode: str) -> Mode:
    if mode not in MODES:
        raise InvalidKey(f"Mode must be 'major' or 'minor', not {mode!r}.")
    return mode


# --- harmonic-mixing relations ----------------------------------------------------------------

# Scores for the named relations; moves a DJ can make without a clash score 0.85 or more.
_RELATION_SCORES = {
    "same": 1.0,
    "relative": 0.9,
    "dominant": 0.85,
    "subdominant": 0.85,
    "diagonal": 0.7,
    "parallel": 0.5,
}
COMPATIBLE = frozenset({"same", "relative", "dominant", "subdominant"})
MAX_SUGGESTED_SHIFT = 6  # every key is within a tritone of a compatible one


def _wheel(pc: int, mode: str) -> tuple[int, str]:
    code = camelot_code(pc, mode)
    return int(code[:-1]), code[-1]


def _scale(pc: int, mode: str) -> set[int]:
    steps = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    return {(pc + s) % 12 for s in steps}


def _relation(a: tuple[int, Mode], b: tuple[int, Mode]) -> tuple[str, int, float]:
    """(relation name, Camelot distance, score) for moving from key a to key b."""
    (num_a, let_a), (num_b, let_b) = _wheel(*a), _wheel(*b)
    step = (num_b - num_a) % 12
    numbers_apart = min(step, 12 - step)
    # Distance counts wheel moves: one per number step, one for an A/B swap.
    distance = numbers_apart + (let_a != let_b)
    if a[0] == b[0] and a[1] != b[1]:
        name = "parallel"
    elif numbers_apart == 0:
        name = "same" if let_a == let_b else "relative"
    elif numbers_apart == 1 and let_a == let_b:
        name = "dominant" if step == 1 else "subdominant"
    elif numbers_apart == 1:
        name = "diagonal"
    else:
        name = "clash"
    # A clash scores by the notes the two scales share, so a near miss outranks a tritone away.
    shared = len(_scale(*a) & _scale(*b))
    score = 0.5 * shared / 7.0 if name == "clash" else _RELATION_SCORES[name]
    return name, distance, round(score, 3)


def key_relation(key_a: str, key_b: str) -> KeyRelation:
    """How well key_b follows key_a in a mix, and the smallest pitch shift of b that fits it."""
    a, b = parse_key(key_a), parse_key(key_b)
    name, distance, score = _relation(a, b)
    shift = 0
    if name not in COMPATIBLE:
        # Smallest shift first; for equal sizes the closer relation, then shifting down,
        # because a lowered track sounds less processed than a raised one.
        candidates = sorted(
            (s for s in range(-MAX_SUGGESTED_SHIFT, MAX_SUGGESTED_SHIFT + 1) if s),
            key=lambda s: (abs(s), -_relation(a, ((b[0] + s) % 12, b[1]))[2], s),
        )
        shift = next(
            s for s in candidates if _relation(a, ((b[0] + s) % 12, b[1]))[0] in COMPATIBLE
        )
    return {
        "relation": name,
        "camelot_distance": distance,
        "score": score,
        "compatible": name in COMPATIBLE,
        "suggested_pitch_shift_semitones": shift,
    }


# --- detection --------------------------------------------------------------------------------


def _profile_bank() -> np.ndarray:
    """24 zero-mean unit-norm templates: rows 0–11 major on C..B, rows 12–23 minor on C..B."""
    rows = [np.roll(MAJOR_PROFILE, tonic) for tonic in range(12)]
    rows += [np.roll(MINOR_PROFILE, tonic) for tonic in range(12)]
    return _standardize(np.array(rows))


def _standardize(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(axis=-1, keepdims=True)
    return centred / np.maximum(np.linalg.norm(centred, axis=-1, keepdims=True), 1e-12)


_PROFILES = _profile_bank()


def _validated(mono: np.ndarray, sample_rate: int) -> np.ndarray:
    if not isinstance(sample_rate, (int, np.integer)) or sample_rate <= 0:
        raise AudioError(
            "The sample rate must be a positive whole number of Hz.", code="INVALID_SAMPLE_RATE"
        )
    signal = np.asarray(mono)
    if signal.ndim != 1:
        raise AudioError("Key detection needs a mono (1-D) signal.", code="NOT_MONO")
    if signal.size == 0:
        raise EmptyAudio("The audio has no samples.")
    signal = signal.astype(np.float32, copy=False)
    if not np.all(np.isfinite(signal)):
        raise AudioError("The audio contains NaN or infinite samples.", code="NON_FINITE_AUDIO")
    return signal


def _pitch_spectrogram(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """Constant-Q magnitudes at ANALYSIS_RATE, corrected to the recording's own tuning."""
    if sample_rate != ANALYSIS_RATE:
        y = librosa.resample(y, orig_sr=sample_rate, target_sr=ANALYSIS_RATE, res_type="soxr_mq")
    if y.size < MIN_SAMPLES:
        # The lowest constant-Q filters are ~0.6 s long; silence appended to a short clip makes
        # them fit, and silent frames never vote.
        y = np.pad(y, (0, MIN_SAMPLES - y.size))
    with warnings.catch_warnings():
        # A signal without clear partials (drums only) makes librosa warn and answer 0 cents,
        # which is the right fallback.
        warnings.simplefilter("ignore", UserWarning)
        tuning = librosa.estimate_tuning(y=y, sr=ANALYSIS_RATE)
    cqt = librosa.cqt(
        y,
        sr=ANALYSIS_RATE,
        hop_length=HOP_LENGTH,
        fmin=librosa.midi_to_hz(LOWEST_MIDI),
        n_bins=int(BINS_PER_OCTAVE * N_OCTAVES),
        bins_per_octave=BINS_PER_OCTAVE,
        tuning=tuning,
    )
    return np.abs(cqt)


def _key_chroma(spectrogram: np.ndarray) -> np.ndarray | None:
    """The track's pitch-class distribution (12, sums to 1), or None when nothing is audible."""
    peak = float(spectrogram.max())
    if peak <= 0.0:
        return None
    frame_level = spectrogram.sum(axis=0)
    sounding = frame_level >= float(frame_level.max()) * 10.0 ** (FRAME_GATE_DB / 20.0)
    # Log compression lets quiet sustained harmony count next to loud leads and basses.
    compressed = np.log1p(LOG_GAIN * spectrogram / peak)
    # Whitening removes the broadband floor (drums, noise, reverb) so only partials remain.
    floor = uniform_filter1d(compressed, size=WHITEN_BINS, axis=0, mode="nearest")
    peaks = np.maximum(compressed - floor, 0.0)
    chroma = librosa.feature.chroma_cqt(
        C=peaks,
        sr=ANALYSIS_RATE,
        hop_length=HOP_LENGTH,
        fmin=librosa.midi_to_hz(LOWEST_MIDI),
        bins_per_octave=BINS_PER_OCTAVE,
        n_octaves=int(np.ceil(N_OCTAVES)),
        norm=None,
    )
    energy = chroma.sum(axis=0)
    voting = sounding & (energy > 0.0)
    if not np.any(voting):
        return None
    # Every sounding frame gets one vote, so a loud drop does not outvote a long quiet verse.
    shares = chroma[:, voting] / energy[voting]
    profile = shares.mean(axis=1)
    return profile / profile.sum()


def key_scores(chroma: np.ndarray) -> np.ndarray:
    """Pearson correlation of a 12-bin chroma with the 24 key templates (major C..B, minor C..B)."""
    return _PROFILES @ _standardize(np.asarray(chroma, dtype=float))


def _no_key() -> KeyEstimate:
    return {"key": None, "key_confidence": 0.0, "camelot": None}


def detect_key(mono: np.ndarray, sample_rate: int) -> KeyEstimate:
    """Estimate the global key: {"key": "F# minor", "key_confidence": 0..1, "camelot": "11A"}."""
    y = _validated(mono, sample_rate)
    # Digital silence or near-silence has no key; say so instead of guessing from noise.
    if float(np.max(np.abs(y))) < 10.0 ** (SILENCE_DB / 20.0):
        return _no_key()
    chroma = _key_chroma(_pitch_spectrogram(y, int(sample_rate)))
    if chroma is None:
        return _no_key()
    scores = key_scores(chroma)
    order = np.argsort(scores)[::-1]
    best, runner_up = int(order[0]), int(order[1])
    mode: Mode = "major" if best < 12 else "minor"
    tonic = best % 12
    # Confidence is the lead over the runner-up key, scaled so a clear winner reaches 1; a flat
    # or atonal signal (weak best correlation) is pulled down too.
    margin = float(scores[best] - scores[runner_up])
    strength = float(np.clip(scores[best], 0.0, 1.0))
    confidence = float(np.clip(margin / CONFIDENCE_MARGIN, 0.0, 1.0)) * strength
    return {
        "key": key_name(tonic, mode),
        "key_confidence": round(confidence, 3),
        "camelot": camelot_code(tonic, mode),
    }
