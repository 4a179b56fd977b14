"""Harmony for a generated track: the key's scale, diatonic chords, a seeded progression, voicings.

A `Progression` holds one `Chord` per bar of the arrangement. Every section restarts the chord
cycle, so each section opens on the tonic chord, and the track's last chord is the tonic: a key
detector (and a listener) hears the tonic at the start of every phrase and at the end. In minor
keys the dominant may be the harmonic-minor V (raised leading tone), the strongest pull home a
minor key has and the one note that tells it apart from its relative major.
"""

from __future__ import annotations

from dataclasses import dataclass

from intellimix.audio.generate.arrangement import Arrangement
from intellimix.audio.generate.context import SynthContext

MAJOR_STEPS = (0, 2, 4, 5, 7, 9, 11)
MINOR_STEPS = (0, 2, 3, 5, 7, 8, 10)
HARMONIC_MINOR_STEPS = (0, 2, 3, 5, 7, 8, 11)

# Registers as midi ranges (inclusive). Pads and stabs sit between the bass and the lead;
# bass roots sit in the octave E1–D#2, where a sub is felt and its overtones still read as pitch.
HARMONY_LOW, HARMONY_HIGH, HARMONY_CENTRE = 50, 79, 63
BASS_LOW = 28
LEAD_LOW, LEAD_HIGH = 67, 91

_NUMERALS = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}

# Progressions as roman numerals, one per harmonic-rhythm slot; every cycle starts on the tonic.
# Case follows the usual notation, but each chord is built from the key's scale; the one
# exception is "V" in a minor key, the harmonic-minor (major) dominant. Cycles that visit the
# relative major's own chords (III, VII) also come back through the tonic or the dominant, so
# the relative major never takes over.
MINOR_PROGRESSIONS: tuple[tuple[str, ...], ...] = (
    ("i", "VI", "III", "VII", "i", "VI", "iv", "V"),
    ("i", "iv", "V", "i"),
    ("i", "VI", "iv", "V"),
    ("i", "i", "VI", "VII"),
    ("i", "iv", "VI", "V"),
    ("i", "VII", "VI", "V"),
)
MAJOR_PROGRESSIONS: tuple[tuple[str, ...], ...] = (
    ("I", "V", "vi", "IV"),
    ("I", "vi", "IV", "V"),
    ("I", "IV", "I", "V"),
    ("I", "IV", "vi", "V"),
    ("I", "iii", "IV", "V"),
)
# Genres with their own vocabulary: jazz-derived ii–V–I for lo-fi and hip hop, one- and
# two-chord vamps for techno and dubstep, where the riff carries the track.
GENRE_PROGRESSIONS: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("lo_fi", "major"): (("I", "I", "ii", "V"), ("I", "vi", "ii", "V"), ("I", "IV", "ii", "V")),
    ("lo_fi", "minor"): (("i", "iv", "V", "i"), ("i", "VI", "ii", "V"), ("i", "i", "iv", "V")),
    ("hip_hop", "major"): (("I", "vi", "ii", "V"), ("I", "IV", "ii", "V")),
    ("hip_hop", "minor"): (("i", "iv", "V", "i"), ("i", "VI", "ii", "V"), ("i", "i", "VI", "V")),
    ("techno", "minor"): (("i", "i", "VI", "VII"), ("i", "i", "iv", "i"), ("i", "VI", "i", "V")),
    ("dubstep", "minor"): (("i", "i", "VI", "V"), ("i", "VI", "iv", "V"), ("i", "i", "iv", "V")),
}


@dataclass(frozen=True)
class GenreHarmony:
    """How a genre writes chords: slot length in bars and chord size (3 triad, 4 7th, 5 9th)."""

    bars_per_chord: int
    size: int


GENRE_HARMONY: dict[str, GenreHarmony] = {
    "house": GenreHarmony(bars_per_chord=1, size=4),
    "techno": GenreHarmony(bars_per_chord=2, size=3),
    "drum_and_bass": GenreHarmony(bars_per_chord=2, size=4),
    "dubstep": GenreHarmony(bars_per_chord=2, size=3),
    "hip_hop": GenreHarmony(bars_per_chord=1, size=4),
    "lo_fi": GenreHarmony(bars_per_chord=1, size=5),
    "trap": GenreHarmony(bars_per_chord=2, size=3),
    "ambient": GenreHarmony(bars_per_chord=2, size=4),
    "pop": GenreHarmony(bars_per_chord=1, size=3),
    "synthwave": GenreHarmony(bars_per_chord=1, size=3),
}
DEFAULT_HARMONY = GenreHarmony(bars_per_chord=1, size=3)


@dataclass(frozen=True)
class Chord:
    """One chord: its numeral, pitch classes (root first, stacked thirds) and voicings."""

    numeral: str
    degree: int  # 0 = tonic … 6, the scale degree of the root
    pitch_classes: tuple[int, ...]
    root_midi: int  # the root in the bass register
    notes: tuple[int, ...]  # voiced in the harmony register, ascending, maybe a tonic pedal

    @property
    def root_pc(self) -> int:
        return self.pitch_classes[0]

    @property
    def is_tonic(self) -> bool:
        return self.degree == 0


@dataclass(frozen=True)
class Progression:
    """The harmony of a whole track: one chord per bar."""

    tonic_pc: int
    mode: str
    numerals: tuple[str, ...]  # the cycle, one per slot
    bars_per_chord: int
    chords: tuple[Chord, ...]  # one per bar of the arrangement

    def chord_at(self, bar: int) -> Chord:
        return self.chords[bar]


def scale_pcs(tonic_pc: int, mode: str, *, harmonic: bool = False) -> tuple[int, ...]:
    """Pitch classes of the key's scale (natural minor unless `harmonic`)."""
    if mode == "major":
        steps = MAJOR_STEPS
    elif mode == "minor":
        steps = HARMONIC_MINOR_STEPS if harmonic else MINOR_STEPS
    else:
        raise ValueError(f"mode must be 'major' or 'minor', not {mode!r}")
    return tuple((tonic_pc + step) % 12 for step in steps)


def numeral_degree(numeral: str) -> int:
    """The scale degree (0..6) a roman numeral names, case-blind."""
    degree = _NUMERALS.get(numeral.lower())
    if degree is None:
        raise ValueError(f"{numeral!r} is not a roman numeral I..VII")
    return degree


def chord_pcs(tonic_pc: int, mode: str, numeral: str, *, size: int = 3) -> tuple[int, ...]:
    """Pitch classes of the diatonic chord on `numeral`, stacked in thirds, root first.

    `size` 3 is a triad, 4 adds the seventh, 5 the ninth (dropping the fifth, as a keyboard
    player would, so five voices do not turn to mud). "V" in a minor key uses the harmonic
    minor's raised seventh, which makes it a major chord. An extended tonic is an add9
    instead: its seventh would complete another key's tonic triad (Am7 holds C major's C E G,
    Cmaj7 holds E minor's E G B), and its fifth is what tells it from that chord.
    """
    if size not in (3, 4, 5):
        raise ValueError("size must be 3, 4 or 5")
    degree = numeral_degree(numeral)
    harmonic = mode == "minor" and numeral == "V"
    scale = scale_pcs(tonic_pc, mode, harmonic=harmonic)
    thirds = [scale[(degree + 2 * k) % 7] for k in range(size)]
    if degree == 0 and size > 3:
        return (thirds[0], thirds[1], thirds[2], scale[1])
    if size == 5:
        del thirds[2]
    return tuple(thirds)


# Intervals from a chord's root at which the key's tonic is a consonant added tone: the 9th,
# the 6th and the minor 7th. Over a III or VII chord a held tonic in the voicing turns the
# relative major's triads into colours of the home key (C6, Gadd9 in A minor).
PEDAL_INTERVALS = frozenset({2, 9, 10})


def with_tonic_pedal(
    notes: tuple[int, ...], pcs: tuple[int, ...], tonic_pc: int, *, low: int, high: int
) -> tuple[int, ...]:
    """The voicing plus the tonic nearest its top note (within [low, high]) where consonant."""
    if tonic_pc in pcs or (tonic_pc - pcs[0]) % 12 not in PEDAL_INTERVALS:
        return notes
    tonics = (m for m in range(low, high + 1) if m % 12 == tonic_pc)
    pedal = min(tonics, key=lambda m: (abs(m - notes[-1]), m))
    return tuple(sorted({*notes, pedal}))


def bass_midi(pc: int) -> int:
    """The pitch class in the bass octave E1..D#2."""
    return BASS_LOW + (pc - BASS_LOW) % 12


def _stacked(order: tuple[int, ...], base: int) -> tuple[int, ...]:
    """Close position: each pitch class the nearest above the previous note, from `base`."""
    notes = [base]
    for pc in order[1:]:
        notes.append(notes[-1] + 1 + (pc - notes[-1] - 1) % 12)
    return tuple(notes)


def voicings(pcs: tuple[int, ...], *, low: int, high: int) -> list[tuple[int, ...]]:
    """Every close-position inversion of the chord that fits in [low, high]."""
    found = []
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        first = low + (order[0] - low) % 12
        while True:
            notes = _stacked(order, first)
            if notes[-1] > high:
                break
            found.append(notes)
            first += 12
    if not found:
        raise ValueError(f"no voicing of {pcs} fits between midi {low} and {high}")
    return found


def _movement(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """Semitones the voices move from chord a to chord b (each note to its nearest)."""
    return sum(min(abs(x - y) for y in a) for x in b)


def voice_lead(
    chords: list[tuple[int, ...]], *, low: int, high: int, centre: int
) -> list[tuple[int, ...]]:
    """Voicings with smooth voice leading: the first near `centre`, each next the closest."""
    voiced: list[tuple[int, ...]] = []
    for pcs in chords:
        options = voicings(pcs, low=low, high=high)

        def cost(notes: tuple[int, ...]) -> float:
            # A mild pull to the centre keeps a long cycle from drifting to a register edge.
            drift = abs(sum(notes) / len(notes) - centre)
            moves = _movement(voiced[-1], notes) if voiced else 4.0 * drift
            return moves + 0.3 * drift

        voiced.append(min(options, key=cost))
    return voiced


def _cycle_numerals(ctx: SynthContext) -> tuple[str, ...]:
    """The seeded chord cycle among the genre's (else the mode's) progressions."""
    options = GENRE_PROGRESSIONS.get(
        (ctx.genre, ctx.mode), MINOR_PROGRESSIONS if ctx.mode == "minor" else MAJOR_PROGRESSIONS
    )
    return options[int(ctx.rng("harmony", "progression").integers(len(options)))]


def _bar_slots(arrangement: Arrangement, bars_per_chord: int, cycle_len: int) -> list[int]:
    """For each bar, its slot in the chord cycle; each section restarts the cycle."""
    slots = []
    for section in arrangement.sections:
        for bar in range(section.bars):
            slots.append((bar // bars_per_chord) % cycle_len)
    # The track ends on the tonic: its last slot resolves home, however the cycle falls.
    last_slot_bars = min(bars_per_chord, arrangement.sections[-1].bars)
    slots[-last_slot_bars:] = [0] * last_slot_bars
    return slots


def progression(ctx: SynthContext) -> Progression:
    """The seeded chord progression of a track, one voiced chord per bar."""
    style = GENRE_HARMONY.get(ctx.genre, DEFAULT_HARMONY)
    numerals = _cycle_numerals(ctx)
    pcs = [chord_pcs(ctx.tonic_pc, ctx.mode, numeral, size=style.size) for numeral in numerals]
    # Voice the cycle once and then from its last chord back to the first, so the repeat
    # moves as smoothly as the rest; the second pass is what every cycle plays.
    voiced = voice_lead(pcs + pcs, low=HARMONY_LOW, high=HARMONY_HIGH, centre=HARMONY_CENTRE)
    cycle = [
        Chord(
            numeral=numeral,
            degree=numeral_degree(numeral),
            pitch_classes=chord,
            root_midi=bass_midi(chord[0]),
            notes=with_tonic_pedal(notes, chord, ctx.tonic_pc, low=HARMONY_LOW, high=HARMONY_HIGH),
        )
        for numeral, chord, notes in zip(numerals, pcs, voiced[len(pcs) :], strict=True)
    ]
    slots = _bar_slots(ctx.arrangement, style.bars_per_chord, len(cycle))
    return Progression(
        tonic_pc=ctx.tonic_pc,
        mode=ctx.mode,
        numerals=numerals,
        bars_per_chord=style.bars_per_chord,
        chords=tuple(cycle[slot] for slot in slots),
    )
