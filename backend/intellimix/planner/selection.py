"""The set builder: which library tracks make a mix when the person names none (issue 13).

"Mix everything", "a 3 minute mix of my uploads", "the last three I added", "something chill for
a Sunday morning", "the techno ones around 130": a `TrackSelection` narrows the library, then
enough tracks for the length are chosen so that they mix — tempi inside one stretch band (half
and double time count), keys that are Camelot neighbours where the library allows, the mood or
energy curve asked for. One sentence says what was chosen and why.

A description that sets the whole group ("everything", "my uploads", "the house tracks", "the
last three") uses every match while they fit the length; a vague one ("something chill", or no
description at all) picks a small coherent set. A mix of several tracks never gets one track:
when only one matches, the closest tracks join it and the reply says so.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from intellimix.planner.compat import camelot, energy_of, pair_score
from intellimix.planner.plan import MAX_SEGMENTS
from intellimix.planner.turns import EnergyCurve, LibraryTrack, TrackSelection

SECONDS_PER_TRACK = 60.0  # a track's share of a mix when the person does not say
BLEND_ALLOWANCE_S = 8.0  # what a blend takes off a mix's length: 16 beats at 120 BPM
MIN_SHARE_S = 45.0  # below this a track is a snippet, not a part of the mix
DEFAULT_SET = 5  # tracks in a mix that gives neither a length nor a count
STRETCH_BAND = 0.08  # tracks further apart than this in tempo do not share a mix
CALM_MAX, ENERGETIC_MIN = 0.5, 0.65  # mean energies (0..1) that read as calm / energetic
GENRE_SCORE = 85.0


@dataclass(frozen=True)
class Selection:
    tracks: list[LibraryTrack]
    reason: str  # one sentence: what was chosen and why
    matched: int  # how many tracks matched the description before any were left out


def select_tracks(
    library: Sequence[LibraryTrack],
    selection: TrackSelection | None,
    *,
    duration_s: float | None = None,
    energy: EnergyCurve | None = None,
    minimum: int = 2,
) -> Selection:
    """The tracks for a mix described by `selection` (at least `minimum`, library allowing)."""
    wanted = selection or TrackSelection()
    matches, described = _matching(library, wanted)
    whole_group = wanted.everything or bool(
        wanted.source or wanted.newest or wanted.oldest or wanted.genres or described == "all"
    )
    size = min(_set_size(wanted, len(matches), duration_s, whole_group=whole_group), MAX_SEGMENTS)
    band = _largest_band(matches, wanted.mood)
    # Fewer tracks that blend beat more tracks that need a 30 % stretch: a vague request plays
    # one tempo band when it holds enough music for the length.
    narrowed = (
        not whole_group
        and not wanted.count
        and len(wanted.genres) <= 1
        and minimum <= len(band) < size
        and _reaches(band, duration_s or 0.0)
    )
    if narrowed:
        size = len(band)
    chosen = matches if size >= len(matches) else _coherent(matches, band, size, wanted, energy)
    # A minute a track is a guess: short tracks (the demo set's 44–64 s) need more of them.
    while (
        duration_s
        and not wanted.count
        and len(chosen) < min(len(matches), MAX_SEGMENTS)
        and not _reaches(chosen, duration_s)
    ):
        size = len(chosen) + 1
        chosen = matches if size >= len(matches) else _coherent(matches, band, size, wanted, energy)
    widened: list[LibraryTrack] = []
    if len(chosen) < minimum:
        widened = _closest(library, chosen, minimum - len(chosen))
    if size >= MAX_SEGMENTS and len(matches) > size:
        limit = f"a plan holds at most {MAX_SEGMENTS} segments"
    elif narrowed:
        limit = "the others are too far away in tempo to blend"
    elif duration_s:
        limit = "that is what fits the length"
    else:
        limit = "say 'all of them' or a length for more"
    reason = _reason(chosen, widened, matches, described, limit)
    return Selection(chosen + widened, reason, len(matches))


# --- narrowing --------------------------------------------------------------------------------


def matching_tracks(
    library: Sequence[LibraryTrack], selection: TrackSelection
) -> list[LibraryTrack]:
    """Every track the description fits, in library order (for a question, not a mix)."""
    return _matching(library, selection)[0]


def _matching(
    library: Sequence[LibraryTrack], wanted: TrackSelection
) -> tuple[list[LibraryTrack], str]:
    """The tracks the description fits, in library order, and the description in words."""
    tracks = list(library)
    words: list[str] = []
    if wanted.source:
        tracks = [t for t in tracks if (t.source or "upload") == wanted.source]
        words.append(
            {"upload": "your uploads", "generated": "the tracks I made"}.get(
                wanted.source, f"your {wanted.source} tracks"
            )
        )
    if wanted.genres:
        tracks = [t for t in tracks if _genre_fits(t, wanted.genres)]
        words.append(f"the {' and '.join(wanted.genres)} tracks")
    if wanted.exclude_genres:
        tracks = [t for t in tracks if not _genre_fits(t, wanted.exclude_genres)]
        words.append(f"no {' or '.join(wanted.exclude_genres)}")
    if wanted.bpm_min is not None or wanted.bpm_max is not None:
        low, high = wanted.bpm_min or 0.0, wanted.bpm_max or 1000.0
        tracks = [t for t in tracks if t.bpm is not None and low <= t.bpm <= high]
        words.append(_bpm_words(wanted.bpm_min, wanted.bpm_max))
    if wanted.key:
        code = camelot(wanted.key)
        tracks = [t for t in tracks if code is not None and camelot(t.key) == code]
        words.append(f"the tracks in {wanted.key}")
    if wanted.mood:
        tracks = _in_mood(tracks, wanted.mood)
        words.append("the calmer tracks" if wanted.mood == "calm" else "the high-energy tracks")
    if wanted.newest:
        newest = sorted(tracks, key=_added_order, reverse=True)[: wanted.newest]
        tracks = [t for t in tracks if t in newest]
        words.append(f"the last {wanted.newest} you added")
    if wanted.oldest:
        oldest = sorted(tracks, key=_added_order)[: wanted.oldest]
        tracks = [t for t in tracks if t in oldest]
        words.append(f"the first {wanted.oldest} you added")
    if not words:
        return tracks, "all" if wanted.everything else ""
    return tracks, ", ".join(words)


def _added_order(track: LibraryTrack) -> float:
    return track.added_at.timestamp() if track.added_at else 0.0


def _genre_fits(track: LibraryTrack, genres: Sequence[str]) -> bool:
    if not track.genre:
        return False
    have = _plain(track.genre)
    return any(
        (g := _plain(asked)) in have.split() or g == have or fuzz.ratio(g, have) >= GENRE_SCORE
        for asked in genres
    )


def _plain(genre: str) -> str:
    """'Drum & Bass' and 'drum and bass', 'lo-fi' and 'lofi' are the same genre."""
    return genre.lower().replace("&", "and").replace("lo-fi", "lofi").replace("hip-hop", "hip hop")


def _bpm_words(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"tracks between {low:g} and {high:g} BPM"
    return f"tracks above {low:g} BPM" if low is not None else f"tracks under {high:g} BPM"


def _in_mood(tracks: list[LibraryTrack], mood: str) -> list[LibraryTrack]:
    """Calm or energetic tracks; when too few pass the bar, the calmest / liveliest three."""
    calm = mood == "calm"
    passing = [
        t for t in tracks if (energy_of(t) <= CALM_MAX if calm else energy_of(t) >= ENERGETIC_MIN)
    ]
    if len(passing) >= 2:
        return passing
    ranked = sorted(tracks, key=energy_of, reverse=not calm)[:3]
    return [t for t in tracks if t in ranked]


# --- how many ---------------------------------------------------------------------------------


def _set_size(
    wanted: TrackSelection, matched: int, duration_s: float | None, *, whole_group: bool
) -> int:
    """How many tracks to play: the count asked, the whole group while it fits, else by length."""
    if wanted.count:
        return wanted.count
    if wanted.everything:
        return max(matched, 1)  # "all of them" means all of them, whatever the length
    fits = math.floor(duration_s / MIN_SHARE_S) if duration_s else matched
    if whole_group:
        return max(2, min(matched, fits))
    by_length = round(duration_s / SECONDS_PER_TRACK) if duration_s else DEFAULT_SET
    return max(2, min(by_length, fits, matched))


def _reaches(tracks: Sequence[LibraryTrack], duration_s: float) -> bool:
    """Whether the tracks, played whole and blended, last at least `duration_s`."""
    blends = BLEND_ALLOWANCE_S * (len(tracks) - 1)
    return sum(t.duration_s for t in tracks) - blends >= duration_s


# --- choosing a coherent set ------------------------------------------------------------------


def _coherent(
    tracks: list[LibraryTrack],
    band: list[LibraryTrack],
    size: int,
    wanted: TrackSelection,
    energy: EnergyCurve | None,
) -> list[LibraryTrack]:
    """`size` tracks that mix: the largest tempo band (`band`), then the best key path."""
    if len(wanted.genres) > 1:
        # a journey through genres ("hip hop to house to techno") plays each of them
        per_genre = [[t for t in tracks if _genre_fits(t, [g])] for g in wanted.genres]
        firsts = [
            max(group, key=energy_of) if energy == "falling" else min(group, key=energy_of)
            for group in per_genre
            if group
        ][:size]
        return _in_library_order(tracks, _grown(firsts, tracks, size, energy))
    pool = band if len(band) >= size else _nearest_in_tempo(tracks, band, size)
    if wanted.mood:
        calm = wanted.mood == "calm"
        pool = sorted(pool, key=energy_of, reverse=not calm)[: max(size, min(len(pool), size + 2))]
    return _in_library_order(tracks, _grown([_seed(pool, energy, wanted)], pool, size, energy))


def _in_library_order(tracks: list[LibraryTrack], chosen: list[LibraryTrack]) -> list[LibraryTrack]:
    ids = {t.id for t in chosen}
    return [t for t in tracks if t.id in ids]


def _largest_band(tracks: list[LibraryTrack], mood: str | None = None) -> list[LibraryTrack]:
    """The most tracks that share one tempo band; of bands as large, for a mood the calmest
    (or liveliest) in energy, then in tempo: one calm track of a drum & bass tune at 174 and a
    lo-fi one at 90, alike in energy, is the lo-fi one."""

    def calmness(band: list[LibraryTrack]) -> tuple[float, float]:
        known = [t.bpm for t in band if t.bpm]
        tempo = statistics.fmean(known) if known else 0.0
        return statistics.fmean(energy_of(t) for t in band), tempo

    bands = [_tempo_band(tracks, centre) for centre in tracks]
    if mood is None or not bands:
        return max(bands, key=len, default=[])
    sign = 1.0 if mood == "calm" else -1.0
    return max(bands, key=lambda b: (len(b), *(-sign * v for v in calmness(b))))


def _nearest_in_tempo(
    tracks: list[LibraryTrack], band: list[LibraryTrack], size: int
) -> list[LibraryTrack]:
    """The band and the tracks nearest its tempo, `size` in all (unknown tempi come last)."""
    known = [t.bpm for t in band if t.bpm]
    if not known:
        return tracks
    centre = statistics.median(known)
    ids = {t.id for t in band}
    others = sorted(
        (t for t in tracks if t.id not in ids),
        key=lambda t: abs(math.log(t.bpm / centre)) if t.bpm else math.inf,
    )
    return band + others[: size - len(band)]


def _tempo_band(tracks: list[LibraryTrack], centre: LibraryTrack) -> list[LibraryTrack]:
    """Tracks within the stretch band of the centre at their own tempo: a set shares one target
    tempo, so half/double time does not put 90 and 174 BPM in one band."""
    if not centre.bpm:
        return list(tracks)
    return [t for t in tracks if not t.bpm or abs(t.bpm / centre.bpm - 1) <= STRETCH_BAND]


def _seed(
    pool: list[LibraryTrack], energy: EnergyCurve | None, wanted: TrackSelection
) -> LibraryTrack:
    """Where the set starts: the calmest for a rising curve or a calm mood, else the most central
    track in tempo (the one the others need the least stretch to meet)."""
    if energy == "rising" or wanted.mood == "calm":
        return min(pool, key=energy_of)
    if energy == "falling" or wanted.mood == "energetic":
        return max(pool, key=energy_of)
    known = [t.bpm for t in pool if t.bpm]
    middle = statistics.median(known) if known else 0.0
    return min(pool, key=lambda t: abs((t.bpm or middle) - middle))


def _grown(
    chosen: list[LibraryTrack], pool: list[LibraryTrack], size: int, energy: EnergyCurve | None
) -> list[LibraryTrack]:
    """The set grown to `size` from `chosen`, each time by the track that joins it best: its best
    pairing with a chosen track, plus, for an energy arc, its distance in energy (an arc wants
    spread). Each candidate's best pairing is kept up to date as the set grows, so growing to
    64 tracks out of hundreds stays a few thousand pair scores."""
    chosen = list(chosen)
    taken = {t.id for t in chosen}
    rest = [t for t in pool if t.id not in taken]
    best = {t.id: max((pair_score(c, t) for c in chosen), default=0.0) for t in rest}
    spread = {
        t.id: min((abs(energy_of(t) - energy_of(c)) for c in chosen), default=0.0) for t in rest
    }
    arc = energy in ("rising", "falling", "peak")
    songs = {_song_of(t) for t in chosen}
    while len(chosen) < size and rest:
        # Another version of a song already in the set (its extended mix, a remix) mixes
        # perfectly on paper; a DJ plays it only when nothing else is left.
        fresh = [i for i, t in enumerate(rest) if _song_of(t) not in songs] or range(len(rest))
        at = max(fresh, key=lambda i: best[rest[i].id] + (0.5 * spread[rest[i].id] if arc else 0.0))
        joined = rest.pop(at)
        chosen.append(joined)
        songs.add(_song_of(joined))
        for t in rest:
            best[t.id] = max(best[t.id], pair_score(joined, t))
            spread[t.id] = min(spread[t.id], abs(energy_of(t) - energy_of(joined)))
    return chosen


_VERSION_NOTE = re.compile(
    r"\s*[(\[][^)\]]*[)\]]|\s+-\s+[^-]*\b(?:mix|edit|remix|version|dub|vip)\b.*$"
)


def _song_of(track: LibraryTrack) -> tuple[str, str]:
    """The song a track is a version of: its title without '(Extended Mix)', ' - Radio Edit'…"""
    title = _VERSION_NOTE.sub("", track.title.lower()).strip() or track.title.lower()
    return title, (track.artist or "").lower().strip()


def _closest(
    library: Sequence[LibraryTrack], chosen: list[LibraryTrack], count: int
) -> list[LibraryTrack]:
    """Tracks to join a set that came out too small: the ones that mix best with it."""
    rest = [t for t in library if t not in chosen]
    if not chosen:
        return rest[:count]
    ranked = sorted(rest, key=lambda t: max(pair_score(c, t) for c in chosen), reverse=True)
    return ranked[:count]


# --- saying why -------------------------------------------------------------------------------


def _reason(
    chosen: list[LibraryTrack],
    widened: list[LibraryTrack],
    matches: list[LibraryTrack],
    described: str,
    limit: str,
) -> str:
    tracks = chosen + widened
    tempi = sorted(t.bpm for t in tracks if t.bpm)
    span = (
        f"{tempi[0]:g}–{tempi[-1]:g} BPM"
        if tempi and tempi[0] != tempi[-1]
        else (f"all at {tempi[0]:g} BPM" if tempi else "tempo unknown")
    )
    group = described if described and described != "all" else "your library"
    if widened and not chosen:
        return (
            f"Nothing in your library matches {group}, so I picked {len(widened)} tracks that mix "
            f"well together ({span})."
        )
    if widened:
        return (
            f"Only {len(chosen)} track matches {group}, so I added "
            f"{', '.join(t.title for t in widened)}, which mixes well with it ({span})."
        )
    if len(chosen) == len(matches):
        every = "all of them" if len(chosen) > 1 else "it"
        return f"I used {group} — {every}, {len(chosen)} tracks ({span})."
    return (
        f"I picked {len(chosen)} of {len(matches)} from {group} that mix well together "
        f"({span}); {limit}."
    )
