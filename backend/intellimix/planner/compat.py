"""How well one track follows another: key (Camelot), tempo (half and double time) and energy.

One scale for everything: 0 (clashes) .. 1 (ideal). The plan builder orders tracks with these
scores, reports them per transition, and `suggest` ranks the library with them, so a suggestion
and the plan it ends up in always agree about what "compatible" means.
"""

from __future__ import annotations

import math
from functools import lru_cache

from intellimix.audio.tonal import (
    InvalidKey,
    KeyRelation,
    camelot_code,
    key_relation,
    parse_key,
    transpose_key,
)
from intellimix.planner.turns import LibraryTrack

KEY_WEIGHT, TEMPO_WEIGHT = 0.6, 0.4  # a key clash is heard at once; a tempo gap only as stretch
UNKNOWN_SCORE = 0.5  # no key or tempo measured: neither a reason for nor against
# Beyond a 12 % stretch vocals and hats start to sound processed; the tempo score is 0 there.
MAX_COMFORT_STRETCH = 0.12
HALF_DOUBLE_PENALTY = 0.05  # half/double time mixes well, but a same-tempo blend is easier


def shifted_key(track: LibraryTrack, semitones: int = 0) -> str | None:
    """The key a track sounds in after a pitch shift, or None when its key is unknown."""
    return None if track.key is None else _transposed(track.key, semitones)


@lru_cache(maxsize=4096)
def _transposed(key: str, semitones: int) -> str | None:
    # Set building scores thousands of pairs over a few dozen distinct keys.
    try:
        return transpose_key(key, semitones)
    except InvalidKey:
        return None


def camelot(key: str | None) -> str | None:
    """The Camelot code of a key ("A minor" -> "8A"), or None when it is unknown or unreadable."""
    return None if key is None else _camelot_code(key)


@lru_cache(maxsize=1024)
def _camelot_code(key: str) -> str | None:
    try:
        return camelot_code(*parse_key(key))
    except InvalidKey:
        return None


def key_fit(key_a: str | None, key_b: str | None) -> KeyRelation | None:
    """tonal.key_relation for two keys, or None when either is unknown."""
    if key_a is None or key_b is None:
        return None
    return _relation(key_a, key_b)


@lru_cache(maxsize=2048)
def _relation(key_a: str, key_b: str) -> KeyRelation | None:
    # Ordering and suggestions ask about the same few pairs many times; each answer is a search.
    try:
        return key_relation(key_a, key_b)
    except InvalidKey:
        return None


def tempo_ratio(bpm_a: float | None, bpm_b: float | None) -> float | None:
    """How much faster b is than a (b / a), or None when a tempo is unknown."""
    if not bpm_a or not bpm_b:
        return None
    return bpm_b / bpm_a


def tempo_gap(bpm_a: float | None, bpm_b: float | None) -> tuple[float, bool] | None:
    """The relative stretch between two tempi, counting half/double time; and whether it is."""
    ratio = tempo_ratio(bpm_a, bpm_b)
    if ratio is None:
        return None
    options = [(abs(math.log(ratio)), False)]
    options += [(abs(math.log(ratio * factor)), True) for factor in (2.0, 0.5)]
    log_gap, half_double = min(options)
    return math.expm1(log_gap), half_double


def tempo_fit(bpm_a: float | None, bpm_b: float | None) -> float:
    """1 for equal tempi, falling to 0 at a 12 % stretch; half/double time counts as close."""
    gap = tempo_gap(bpm_a, bpm_b)
    if gap is None:
        return UNKNOWN_SCORE
    stretch, half_double = gap
    score = max(0.0, 1.0 - stretch / MAX_COMFORT_STRETCH)
    return max(0.0, score - HALF_DOUBLE_PENALTY) if half_double else score


def pair_score(a: LibraryTrack, b: LibraryTrack, *, shift_a: int = 0, shift_b: int = 0) -> float:
    """How well b follows a (0..1): key relation after any pitch shifts, and tempo."""
    relation = key_fit(shifted_key(a, shift_a), shifted_key(b, shift_b))
    key = relation["score"] if relation else UNKNOWN_SCORE
    return round(KEY_WEIGHT * key + TEMPO_WEIGHT * tempo_fit(a.bpm, b.bpm), 3)


def energy_of(track: LibraryTrack) -> float:
    """The track's mean energy; an unmeasured track sits in the middle."""
    return track.energy if track.energy is not None else 0.5
