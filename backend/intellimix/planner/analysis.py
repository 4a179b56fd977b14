"""Questions about tracks, answered from their stored analysis (DESIGN §4 `analysis_report`, §8).

"what key is Sunrise in?", "how loud is Night Drive", "compare Night Drive and Sunrise": an
intent with action `analyze` names the tracks and which facts are asked (`MixIntent.asked`);
the answer is a sentence or two per track, and for two or more tracks how well each follows the
one named before it, scored as plans and suggestions score it (`compat`). Nothing is planned.

A name the library does not have is said so; a name that fits several tracks ("Home") answers
for each of them (tracks of the current plan first, as revisions resolve names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from intellimix.planner.arrange import mmss
from intellimix.planner.compat import camelot, key_fit, pair_score, tempo_gap, tempo_ratio
from intellimix.planner.compose import STRETCH_WARNING
from intellimix.planner.revisions import resolve
from intellimix.planner.turns import (
    AnalysisFact,
    AnalysisReport,
    LibraryTrack,
    MixIntent,
    TrackComparison,
)

MAX_CANDIDATES = 4  # an ambiguous name answers for at most this many tracks
FACT_ORDER: tuple[AnalysisFact, ...] = ("bpm", "meter", "key", "loudness", "length", "structure")
_RELATION_WORDS = {
    "same": "the same key",
    "relative": "a move to the relative key",
    "dominant": "a step up the Camelot wheel",
    "subdominant": "a step down the Camelot wheel",
    "diagonal": "a diagonal step on the Camelot wheel",
    "parallel": "a move to the parallel key (same root, other mode)",
    "clash": "a key clash",
}


def answer(
    intent: MixIntent, library: Mapping[str, LibraryTrack], playing: Sequence[str] = ()
) -> tuple[str, AnalysisReport]:
    """The words answering the question, and the report the chat message is built from.

    With no song named, the tracks of the current plan (`playing`) are the ones asked about.
    """
    asked = asked_facts(intent.asked)
    groups: list[list[str]] = []  # the tracks each name stands for
    not_found: list[str] = []
    notes: list[str] = []
    for song in intent.songs:
        track_id, candidates = resolve(song.query, song.track_id, library, playing)
        named = [track_id] if track_id else [c for c in candidates if c in library]
        named = named[:MAX_CANDIDATES]
        if not named:
            not_found.append(song.query)
        elif len(named) > 1:
            every = "both" if len(named) == 2 else f"all {len(named)}"
            notes.append(f'"{song.query}" could be {len(named)} tracks, so here are {every}.')
        if named:
            groups.append(named)
    if not intent.songs:
        groups = [[track_id] for track_id in playing if track_id in library]
    ids = list(dict.fromkeys(t for group in groups for t in group))
    # Each name against the next one named (an ambiguous name's tracks are not compared).
    pairs = [
        compare(library[a], library[b])
        for before, after in zip(groups, groups[1:], strict=False)
        for a in before
        for b in after
        if a != b
    ]
    report = AnalysisReport(track_ids=ids, asked=asked, not_found=not_found, compatibility=pairs)
    tracks = [library[t] for t in ids]
    lines = [*notes, *(describe(track, asked) for track in tracks)]
    titles = [t.title for t in tracks]
    shared = {title for title in titles if titles.count(title) > 1}  # told apart by artist
    lines += [_pair_sentence(library[c.from_track], library[c.to_track], c, shared) for c in pairs]
    if not_found:
        names = " or ".join(f'"{name}"' for name in not_found)
        lines.append(f"I can't find {names} in your library.")
    if not tracks:
        lines.append(_nothing_found(library, named=bool(intent.songs)))
    return "\n".join(lines), report


def asked_facts(asked: Sequence[AnalysisFact]) -> list[AnalysisFact]:
    """The facts in answering order; "all" (or none named) stands alone."""
    if not asked or "all" in asked:
        return ["all"]
    return [fact for fact in FACT_ORDER if fact in asked]


def _nothing_found(library: Mapping[str, LibraryTrack], *, named: bool) -> str:
    if not library:
        return "Your library is empty: add some tracks and I can tell you about them."
    example = next(iter(library.values())).title
    lead = "Name a track from your library" if named else "Which track should I look at? Name one"
    return f'{lead}, for example "what key is {example} in?"'


# --- one track --------------------------------------------------------------------------------


def describe(track: LibraryTrack, asked: Sequence[AnalysisFact]) -> str:
    """One or two sentences of facts about a track: those asked for, in a fixed order."""
    every = "all" in asked
    facts = [
        _FACT_WORDS[fact](track)
        for fact in FACT_ORDER
        if fact != "structure" and (fact in asked or (every and _known(track, fact)))
    ]
    said = ", ".join(facts)
    if every or "structure" in asked:
        said = f"{said}; {_sections(track)}" if said else _sections(track)
    return f"{song_title(track)}: {said}."


def _known(track: LibraryTrack, fact: AnalysisFact) -> bool:
    """Whether 'all' says this fact: a meter only once analysed (older analyses have none)."""
    return fact != "meter" or track.meter is not None


def song_title(track: LibraryTrack) -> str:
    """ "Night Drive — Neon Harbor" (the title alone when the artist is unknown)."""
    return f"{track.title} — {track.artist}" if track.artist else track.title


def _bpm(track: LibraryTrack) -> str:
    return f"{track.bpm:.1f} BPM" if track.bpm else "tempo not detected"


# A meter as said to a person: how its bars count the beats the BPM counts.
_METER_WORDS = {
    "4/4": "in 4/4",
    "3/4": "in 3/4 (three beats a bar)",
    "6/8": "in 6/8 (two dotted-quarter beats a bar, each of three eighths)",
}


def _meter(track: LibraryTrack) -> str:
    if track.meter is None:
        return "no meter detected"
    return _METER_WORDS.get(track.meter, f"in {track.meter}")


def _key(track: LibraryTrack) -> str:
    if track.key is None:
        return "no key detected"
    code = camelot(track.key)
    return f"{track.key} ({code})" if code else track.key


def _loudness(track: LibraryTrack) -> str:
    said = []
    if track.lufs_integrated is not None:
        said.append(f"{track.lufs_integrated:.1f} LUFS integrated")
    if track.true_peak_db is not None:
        said.append(f"true peak {track.true_peak_db:.1f} dBTP")
    return ", ".join(said) or "loudness not measured"


def _length(track: LibraryTrack) -> str:
    return f"{mmss(track.duration_s)} long" if track.duration_s > 0 else "length unknown"


def _sections(track: LibraryTrack) -> str:
    if not track.sections:
        return "no sections detected"
    listed = ", ".join(f"{s.label} {mmss(s.start_s)}" for s in track.sections)
    return f"sections: {listed}"


_FACT_WORDS = {
    "bpm": _bpm,
    "meter": _meter,
    "key": _key,
    "loudness": _loudness,
    "length": _length,
}


def track_report(track: LibraryTrack) -> dict[str, Any]:
    """One track's facts as an `analysis_report` message lists them (DESIGN §4)."""
    return {
        "track_id": track.id,
        "title": track.title,
        "artist": track.artist,
        "duration_s": track.duration_s,
        "bpm": track.bpm,
        "meter": track.meter,
        "key": track.key,
        "camelot": camelot(track.key),
        "lufs_integrated": track.lufs_integrated,
        "true_peak_db": track.true_peak_db,
        "sections": [
            {"label": s.label, "start_s": s.start_s, "end_s": s.end_s} for s in track.sections
        ],
    }


# --- two tracks -------------------------------------------------------------------------------


def compare(a: LibraryTrack, b: LibraryTrack) -> TrackComparison:
    """How well b follows a: the key relation, the tempo stretch and the planner's pair score."""
    relation = key_fit(a.key, b.key)
    ratio = tempo_ratio(a.bpm, b.bpm)
    gap = tempo_gap(a.bpm, b.bpm)
    return TrackComparison(
        from_track=a.id,
        to_track=b.id,
        key_relation=relation["relation"] if relation else None,
        compatible_keys=relation["compatible"] if relation else None,
        semitone_shift=relation["suggested_pitch_shift_semitones"] if relation else None,
        tempo_ratio=round(ratio, 3) if ratio else None,
        stretch=round(gap[0], 3) if gap else None,
        half_double=gap[1] if gap else False,
        score=pair_score(a, b),
    )


def _pair_sentence(
    a: LibraryTrack, b: LibraryTrack, pair: TrackComparison, shared: set[str]
) -> str:
    name_a, name_b = (
        f"{t.title} ({t.artist})" if t.title in shared and t.artist else t.title for t in (a, b)
    )
    return (
        f"{name_a} into {name_b}: {_key_words(pair, a, b, name_b)}; "
        f"{_tempo_words(pair, a, b)}; overall fit {pair.score:.2f} of 1."
    )


def _key_words(pair: TrackComparison, a: LibraryTrack, b: LibraryTrack, name_b: str) -> str:
    if pair.key_relation is None:
        return "the keys cannot be compared (one is not detected)"
    move = f"{_key(a)} to {_key(b)} is {_RELATION_WORDS.get(pair.key_relation, pair.key_relation)}"
    if pair.compatible_keys:
        return f"{move}, a harmonic move"
    shift = pair.semitone_shift or 0
    unit = "semitone" if abs(shift) == 1 else "semitones"
    fix = f"; shifting {name_b} {shift:+d} {unit} would fit" if shift else ""
    return f"{move}{fix}"


def _tempo_words(pair: TrackComparison, a: LibraryTrack, b: LibraryTrack) -> str:
    if pair.stretch is None or not a.bpm or not b.bpm:
        return "the tempos cannot be compared (one is not detected)"
    tempos = f"{a.bpm:.1f} to {b.bpm:.1f} BPM"
    if pair.half_double:
        said = f"{tempos} mixes in half or double time with a {pair.stretch:.0%} stretch"
    elif pair.stretch < 0.005:
        said = f"{tempos} needs no stretch"
    else:
        said = f"{tempos} needs a {pair.stretch:.0%} stretch"
    return f"{said}, which may sound processed" if pair.stretch > STRETCH_WARNING else said
