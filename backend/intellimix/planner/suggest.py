"""Track suggestions (DESIGN §8): the library ranked by harmonic, tempo and energy fit.

With a seed track, each candidate is scored as the track that would follow it: its Camelot
relation to the seed, its tempo against the seed's (or the asked tempo; half and double time
count), and its energy against the curve asked for. Without a seed, a candidate scores by how
well it mixes with the rest of the library, which makes good openers and connectors rise.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from intellimix.audio.tonal import KeyRelation
from intellimix.planner.compat import energy_of, key_fit, tempo_fit, tempo_gap
from intellimix.planner.turns import EnergyCurve, LibraryTrack, Suggestion

KEY_WEIGHT, TEMPO_WEIGHT, ENERGY_WEIGHT = 0.45, 0.35, 0.2
DEFAULT_COUNT = 5
# The energy step a curve wants from one track to the next.
ENERGY_STEP = {"rising": 0.1, "falling": -0.1, "flat": 0.0, "peak": 0.1}
NEUTRAL = 0.5


def suggest_tracks(
    library: Sequence[LibraryTrack],
    seed_track: LibraryTrack | None,
    *,
    bpm: float | None = None,
    count: int = DEFAULT_COUNT,
    energy: EnergyCurve | None = None,
    exclude: Collection[str] = (),
) -> list[Suggestion]:
    """The `count` best library tracks to play (after the seed, when there is one), with reasons."""
    skip = set(exclude) | ({seed_track.id} if seed_track else set())
    pool = [track for track in library if track.id not in skip]
    ranked = [
        _after_seed(track, seed_track, bpm, energy)
        if seed_track
        else _on_its_own(track, library, bpm, energy)
        for track in pool
    ]
    ranked.sort(key=lambda s: -s.score)
    return ranked[:count]


def _after_seed(
    track: LibraryTrack, seed: LibraryTrack, bpm: float | None, energy: EnergyCurve | None
) -> Suggestion:
    reasons = []
    relation = key_fit(seed.key, track.key)
    if relation:
        reasons.append(_key_reason(seed, track, relation))
    reference = bpm or seed.bpm
    tempo = tempo_fit(reference, track.bpm)
    if track.bpm and reference:
        reasons.append(_tempo_reason(track.bpm, reference))
    step = energy_of(track) - energy_of(seed)
    wanted = ENERGY_STEP[energy] if energy else 0.0
    energy_score = max(0.0, 1.0 - 2.0 * abs(step - wanted))
    reasons.append(f"energy {energy_of(track):.2f} after {energy_of(seed):.2f}")
    key = relation["score"] if relation else NEUTRAL
    score = KEY_WEIGHT * key + TEMPO_WEIGHT * tempo + ENERGY_WEIGHT * energy_score
    return Suggestion(track_id=track.id, score=round(score, 3), reasons=reasons)


def _on_its_own(
    track: LibraryTrack,
    library: Sequence[LibraryTrack],
    bpm: float | None,
    energy: EnergyCurve | None,
) -> Suggestion:
    others = [other for other in library if other.id != track.id]
    relations = [key_fit(track.key, other.key) for other in others]
    friends = sum(1 for r in relations if r and r["compatible"])
    key = sum(r["score"] if r else NEUTRAL for r in relations) / len(others) if others else NEUTRAL
    reasons = [f"mixes harmonically with {friends} other track(s) in your library"]
    if bpm:
        tempo = tempo_fit(bpm, track.bpm)
        if track.bpm:
            reasons.append(_tempo_reason(track.bpm, bpm))
    else:
        tempo = sum(tempo_fit(track.bpm, o.bpm) for o in others) / len(others) if others else 0.5
    # An opener for a rising set starts low; for a falling one, high.
    level = energy_of(track)
    energy_score = {"rising": 1.0 - level, "falling": level}.get(energy or "", NEUTRAL)
    if energy in ("rising", "falling"):
        reasons.append(f"energy {level:.2f}, a good start for a {energy} set")
    score = KEY_WEIGHT * key + TEMPO_WEIGHT * tempo + ENERGY_WEIGHT * energy_score
    return Suggestion(track_id=track.id, score=round(score, 3), reasons=reasons)


def _key_reason(seed: LibraryTrack, track: LibraryTrack, relation: KeyRelation) -> str:
    name = relation["relation"]
    if relation["compatible"]:
        return f"{track.key} after {seed.key}: {name}, mixes harmonically"
    shift = relation["suggested_pitch_shift_semitones"]
    return f"{track.key} after {seed.key}: {name}; a {shift:+d} semitone shift would fit"


def _tempo_reason(track_bpm: float, reference: float) -> str:
    gap = tempo_gap(reference, track_bpm)
    stretch, half_double = gap if gap else (0.0, False)
    relation = " (half/double time)" if half_double else ""
    return f"{track_bpm:g} BPM against {reference:g}{relation}: {stretch:.0%} stretch"
