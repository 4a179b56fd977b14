"""Song names in chat text, matched to library tracks (DESIGN §8).

People name songs loosely: any case, without accents or punctuation ("manana club", "dont look
back"), with typos ("nigth drive"), by artist ("the Okeanos track", "Home by DJ Okoro",
"Aurelia Stone's Home") or by a version's words ("the extended mix of Sunrise"). Matching is
fuzzy (rapidfuzz) but careful: a name resolves to a track only when one track clearly fits.
An exact title beats a longer or fuzzier one ("Sunrise" is Sunrise, not Sunrise (Extended
Mix)); two equally good tracks ("Home" by two artists), an artist with several tracks, or a name
the library does not have leave the song unresolved, with the candidates kept for a question.

`match_song` reads one name; `find_mentions` finds every name in a message. Questions about
unresolved songs carry the intent they were asked about in their id (`song_question_id`), so an
answer, given by option or in plain words, can be read back without any server-side state.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from intellimix.planner.turns import LibraryTrack, MixIntent, SongRequest

MIN_SCORE = 85.0  # rapidfuzz ratio a window of text needs to name a track
MARGIN = 5.0  # how far the best track must lead the next for the name to be certain
SHORT_NAME = 5  # names shorter than this ("Home") must be written exactly
VERSION_PENALTY = 10.0  # "Sunrise" names "Sunrise (Extended Mix)" only when nothing fits better
PREFIX_PENALTY = 5.0  # "Okoro" for "DJ Okoro"
# The leading words of a title ("the lullaby" for "Lullaby for June (demo)", "my slow blues"
# for "Slow Blues Take 2") name it when written exactly, at least this long, after a
# determiner and before the end of a clause: "the warehouse party" is no "Warehouse Sunrise".
PARTIAL_MIN_CHARS = 6
PARTIAL_PENALTY = 15.0
_PARTIAL_BEFORE = frozenset(("the", "my", "our", "your", "that", "this"))
# After a linking word ("… and slow blues") only at the end of a clause.
_PARTIAL_LINKED = frozenset(("and", "into", "then", "with", "after", "before", "to"))
# Words that end a name rather than go on with a noun phrase ("the lullaby clash…", "put the
# lullaby second"; not "the warehouse party", "the slow blues of…").
_PARTIAL_AFTER = frozenset(
    ("into", "and", "then", "with", "after", "before", "to", "from", "at", "in", "over", "on")
    + ("by", "for", "as", "than", "or", "but", "so", "up", "down", "out", "please")
    + ("one", "track", "song", "tune", "recording", "demo", "take")
    + ("is", "was", "be", "has", "have", "had", "does", "do", "did", "can", "could", "would")
    + ("will", "should", "clash", "clashes", "fit", "fits", "work", "works", "go", "goes")
    + ("sound", "sounds", "mix", "mixes", "blend", "blends", "play", "plays", "start", "starts")
    + ("end", "ends", "come", "comes", "fade", "fades", "need", "needs", "first", "second")
    + ("third", "fourth", "fifth", "last", "next", "earlier", "later", "instead", "too")
    + ("again", "there", "here", "now")
)
_CLAUSE_END_RE = re.compile(r"[,.;:!?)]")
# Below this WRatio a name is another song, not a typo ("Take On Me" scores 60 against "Home").
NEAR_NAME_SCORE = 65.0
# Words that never start or end a name unless the name itself has them there.
EDGE_WORDS = frozenset(
    ("the", "a", "an", "of", "by", "and", "into", "then", "to", "with", "from", "in", "on")
    + ("for", "at", "or", "after", "before", "its", "it", "me", "my", "some", "this", "that")
)
_ARTIST_PREFIXES = ("dj", "the", "mc", "dr")
_LINK_GAPS = frozenset({"", "by", "-", "–", "—"})

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE_RE = re.compile(r"['’]s(?![^\W_])")
_VERSION_RE = re.compile(r"^(?P<base>.+?)\s*(?:\((?P<paren>[^)]+)\)|\s-\s(?P<dash>.+))\s*$")


# --- text -------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char


def _lower_char(char: str) -> str:
    lower = char.lower()
    return lower if len(lower) == 1 else char


def fold(text: str) -> str:
    """Accents stripped, case kept, one character for each of text's ("Café" -> "Cafe")."""
    return text if text.isascii() else "".join(_fold_char(c) for c in text)


def normalize(text: str) -> str:
    """Lower case, accents stripped, possessive 's blanked; one character for each of text's.

    Keeping the length means a position found in the normalized text is the same position in
    the message, so spans can be masked, quoted and compared across every reading step.
    """
    folded = fold(text)
    lower = folded.lower() if folded.isascii() else "".join(_lower_char(c) for c in folded)
    return _POSSESSIVE_RE.sub("  ", lower)


@dataclass(frozen=True)
class Token:
    text: str  # normalized, apostrophes dropped ("dont")
    start: int
    end: int


def tokenize(norm: str) -> list[Token]:
    """The words of normalized text, with their positions."""
    return [
        Token(m.group().replace("'", "").replace("’", ""), m.start(), m.end())
        for m in _WORD_RE.finditer(norm)
    ]


def _words(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in tokenize(normalize(text)))


# --- the library's names ----------------------------------------------------------------------

Kind = Literal["title", "artist"]


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    track_ids: tuple[str, ...]
    kind: Kind
    penalty: float

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class _Index:
    names: tuple[_Name, ...]
    longest: int  # most words in a name
    # A title's leading words -> the tracks whose titles start so. Written exactly, they are
    # looked up, not scored against every window.
    leads: Mapping[tuple[str, ...], tuple[str, ...]]


def _title_names(track_id: str, title: str) -> list[_Name]:
    """A title as names: itself, and for a version its words both ways and its base."""
    names = [_Name(_words(title), (track_id,), "title", 0.0)]
    version = _VERSION_RE.match(title)
    if version:
        base = _words(version["base"])
        extra = _words(version["paren"] or version["dash"])
        names.append(_Name(extra + ("of",) + base, (track_id,), "title", 0.0))
        names.append(_Name(base, (track_id,), "title", VERSION_PENALTY))
    return [name for name in names if name.words]


def _leading_words(title: str) -> list[tuple[str, ...]]:
    """The leading words of a title (of its base, for a version) that can name it:
    `PARTIAL_MIN_CHARS` long, not starting or ending on an edge word, one word only of a title
    of three or more."""
    version = _VERSION_RE.match(title)
    base = _words(version["base"] if version else title)
    # One word of a two-word title is as often an ordinary word ("the warehouse" for
    # "Warehouse Sunrise"); of a longer title it is a nickname. "the night" is no nickname of
    # "The Night We Met": leading words start on a word.
    return [
        base[:size]
        for size in range(1 if len(base) > 2 else 2, len(base))
        if len(" ".join(base[:size])) >= PARTIAL_MIN_CHARS
        and not {base[0], base[size - 1]} & EDGE_WORDS
    ]


def _artist_names(words: tuple[str, ...], track_ids: tuple[str, ...]) -> list[_Name]:
    """An artist as names: itself, and without a 'DJ'/'The' prefix."""
    names = [_Name(words, track_ids, "artist", 0.0)]
    if len(words) > 1 and words[0] in _ARTIST_PREFIXES:
        names.append(_Name(words[1:], track_ids, "artist", PREFIX_PENALTY))
    return names


@lru_cache(maxsize=64)
def _cached_index(library: tuple[tuple[str, str, str | None], ...]) -> _Index:
    """The library's names, built once per library."""
    names = [name for track_id, title, _ in library for name in _title_names(track_id, title)]
    by_artist: dict[tuple[str, ...], list[str]] = {}
    for track_id, _, artist in library:
        if artist and _words(artist):
            by_artist.setdefault(_words(artist), []).append(track_id)
    for words, ids in by_artist.items():
        names += _artist_names(words, tuple(ids))
    longest = max((len(name.words) for name in names), default=0)
    leads: dict[tuple[str, ...], tuple[str, ...]] = {}
    for track_id, title, _ in library:
        for lead in _leading_words(title):
            leads[lead] = (*leads.get(lead, ()), track_id)
    return _Index(tuple(names), longest, leads)


def _index(library: Sequence[LibraryTrack]) -> _Index:
    return _cached_index(tuple((t.id, t.title, t.artist) for t in library))


# --- matches ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SongMatch:
    """What a song name resolves to.

    `track_id` is set only when one track clearly fits. `candidates` lists the tracks it could
    be, best first (for an ambiguous name, the tracks to ask about; for a certain one, just that
    track); `score` is how well the best fits, 0–100.
    """

    track_id: str | None
    candidates: list[str] = field(default_factory=list)
    score: float = 0.0


@dataclass(frozen=True)
class Mention:
    """A song named in a message: where (character span), as written, and what it resolves to."""

    start: int
    end: int
    query: str
    match: SongMatch


@dataclass
class _Hit:
    start: int  # token indexes, end exclusive
    end: int
    scores: dict[str, tuple[float, Kind]]  # track id -> (score, how it was named)

    def best(self, kind: Kind | None = None) -> dict[str, float]:
        return {t: s for t, (s, k) in self.scores.items() if kind is None or k == kind}


def _window_fits(window: Sequence[str], name: _Name, score: float) -> bool:
    """Rules rapidfuzz's ratio cannot see: sizes, exact short names, numbers, first letters."""
    if abs(len(window) - len(name.words)) > 1:
        return False
    if len(name.text) < SHORT_NAME:
        return " ".join(window) == name.text
    for edge in (0, -1):
        if window[edge] in EDGE_WORDS and window[edge] != name.words[edge]:
            return False
    if [w for w in window if w.isdigit()] != [w for w in name.words if w.isdigit()]:
        return False  # "Warehouse 8" is not "Warehouse 7"
    # A typo rarely hits the first letter, while unrelated words of similar spelling often do.
    return score >= 95 or window[0][0] == name.words[0][0]


def _partial_in_place(tokens: Sequence[Token], norm: str, start: int, end: int) -> bool:
    """A title's leading words name it after 'the'/'my'… where a clause or a name ends, or
    after 'and'/'into'… where a clause ends."""
    before = tokens[start - 1].text if start else ""
    if before not in _PARTIAL_BEFORE and before not in _PARTIAL_LINKED:
        return False
    if end == len(tokens) or _CLAUSE_END_RE.search(norm[tokens[end - 1].end : tokens[end].start]):
        return True
    return before in _PARTIAL_BEFORE and tokens[end].text in _PARTIAL_AFTER


def _hits(tokens: Sequence[Token], index: _Index, norm: str) -> list[tuple[float, _Hit]]:
    """Every window of words that fits a library name, with a weight for choosing among them."""
    words = [token.text for token in tokens]
    spans = [
        (i, i + size) for size in range(1, index.longest + 2) for i in range(len(words) - size + 1)
    ]
    if not spans or not index.names:
        return []
    windows = [" ".join(words[a:b]) for a, b in spans]
    scores = process.cdist(
        windows,
        [name.text for name in index.names],
        scorer=fuzz.ratio,
        score_cutoff=MIN_SCORE,
        dtype=np.float32,
        workers=1,
    )
    found: list[tuple[float, _Hit]] = []
    for w, n in zip(*np.nonzero(scores), strict=True):
        (a, b), name, score = spans[w], index.names[n], float(scores[w, n])
        if not _window_fits(words[a:b], name, score):
            continue
        adjusted = score - name.penalty
        hit = _Hit(a, b, {track_id: (adjusted, name.kind) for track_id in name.track_ids})
        # Weighted by the name's length: longer names win, and for one name the closest window.
        found.append((adjusted * len(name.text), hit))
    for a, b in spans:
        track_ids = index.leads.get(tuple(words[a:b]), ())
        if track_ids and _partial_in_place(tokens, norm, a, b):
            adjusted = 100.0 - PARTIAL_PENALTY
            hit = _Hit(a, b, {track_id: (adjusted, "title") for track_id in track_ids})
            found.append((adjusted * len(" ".join(words[a:b])), hit))
    return found


def _select(weighted: list[tuple[float, _Hit]]) -> list[_Hit]:
    """The heaviest non-overlapping hits; hits on the same words pool their tracks."""
    chosen: dict[tuple[int, int], _Hit] = {}
    covered: set[int] = set()
    for _, hit in sorted(weighted, key=lambda wh: (-wh[0], wh[1].start)):
        same = chosen.get((hit.start, hit.end))
        if same is not None:
            for track_id, (score, kind) in hit.scores.items():
                if score > same.scores.get(track_id, (-1.0, kind))[0]:
                    same.scores[track_id] = (score, kind)
        elif covered.isdisjoint(range(hit.start, hit.end)):
            chosen[(hit.start, hit.end)] = hit
            covered.update(range(hit.start, hit.end))
    return sorted(chosen.values(), key=lambda h: h.start)


def _linked(first: _Hit, second: _Hit, gap: str) -> _Hit | None:
    """'Home by DJ Okoro', 'Aurelia Stone's Home', 'the DJ Okoro Home' as one song."""
    if gap not in _LINK_GAPS:
        return None
    pairs = [(first.best("title"), second.best("artist"))]
    if gap == "":
        pairs.append((second.best("title"), first.best("artist")))
    for titles, artists in pairs:
        common = {t: s for t, s in titles.items() if t in artists}
        if common:
            return _Hit(first.start, second.end, {t: (s, "title") for t, s in common.items()})
    titles, artists = pairs[0]
    if gap == "by" and titles and artists:
        # Named with an artist that has none of these titles: keep the titles to ask about.
        return _Hit(first.start, second.end, {t: (s - 100.0, "title") for t, s in titles.items()})
    return None


def _link(hits: list[_Hit], tokens: Sequence[Token], norm: str) -> list[_Hit]:
    """Adjacent title and artist hits joined into one song."""
    linked: list[_Hit] = []
    i = 0
    while i < len(hits):
        if i + 1 < len(hits):
            gap = norm[tokens[hits[i].end - 1].end : tokens[hits[i + 1].start].start].strip()
            pair = _linked(hits[i], hits[i + 1], gap)
            if pair is not None:
                linked.append(pair)
                i += 2
                continue
        linked.append(hits[i])
        i += 1
    return linked


def _resolve(scores: dict[str, float]) -> SongMatch:
    """A track when the best score leads the next by MARGIN, else the candidates."""
    ranked = sorted(scores.items(), key=lambda ts: (-ts[1], ts[0]))
    best = ranked[0][1]
    candidates = [t for t, s in ranked if s >= best - 3 * MARGIN]
    certain = best > 0 and (len(ranked) == 1 or best - ranked[1][1] >= MARGIN)
    return SongMatch(ranked[0][0] if certain else None, candidates, max(best, 0.0))


def _unknown_artist_end(hit: _Hit, tokens: Sequence[Token], raw: str, taken: set[int]) -> int:
    """Where 'Home by Daft Punk' ends when Daft Punk is not in the library (else hit.end)."""
    end = hit.end
    if end + 1 < len(tokens) and tokens[end].text == "by" and end + 1 not in taken:
        stop = end + 1
        while stop < len(tokens) and stop not in taken and raw[tokens[stop].start].isupper():
            stop += 1
        if stop > end + 1:
            return stop
    return end


def find_mentions(message: str, library: Sequence[LibraryTrack]) -> list[Mention]:
    """Every song the message names, in order of appearance, resolved where certain."""
    norm = normalize(message)
    tokens = tokenize(norm)
    index = _index(library)
    hits = _link(_select(_hits(tokens, index, norm)), tokens, norm)
    taken = {i for hit in hits for i in range(hit.start, hit.end)}
    mentions = []
    for hit in hits:
        end = _unknown_artist_end(hit, tokens, message, taken)
        match = _resolve(hit.best())
        if end != hit.end:
            match = SongMatch(None, match.candidates, match.score)
        start_char, end_char = tokens[hit.start].start, tokens[end - 1].end
        if message[start_char:end_char].count("(") > message[start_char:end_char].count(")"):
            end_char += message[end_char : end_char + 1] == ")"  # "Sunrise (Extended Mix)"
        mentions.append(Mention(start_char, end_char, message[start_char:end_char], match))
    return mentions


def match_song(query: str, library: Sequence[LibraryTrack]) -> SongMatch:
    """Resolve one song name ("nigth drive", "Home by DJ Okoro", "the Okeanos track").

    A name that fits one track clearly returns its id; an ambiguous or unknown name returns
    track_id None with the likeliest tracks as candidates (possibly none), for a question.
    """
    mentions = find_mentions(query, library)
    if len(mentions) == 1:
        return mentions[0].match
    if mentions:
        pooled = [c for m in mentions for c in m.match.candidates]
        return SongMatch(None, list(dict.fromkeys(pooled)), min(m.match.score for m in mentions))
    words = " ".join(w for w in _words(query) if w not in EDGE_WORDS)
    if not words:
        return SongMatch(None)
    index = _index(library)
    ranked = process.extract(
        words,
        [name.text for name in index.names],
        scorer=fuzz.WRatio,
        limit=8,
        score_cutoff=NEAR_NAME_SCORE,
    )
    candidates = [t for _, _, n in ranked for t in index.names[n].track_ids]
    best = float(ranked[0][1]) if ranked else 0.0
    return SongMatch(None, list(dict.fromkeys(candidates))[:5], best)


# --- questions about songs --------------------------------------------------------------------

# A slot names where an unresolved song sits in an intent: "songs.1", "edits.0.song",
# "edits.2.track", "edits.2.other", or "songs" for a mix that names no songs at all.
_SLOT_RE = re.compile(r"^(?:songs(?:\.\d{1,2})?|edits\.\d{1,2}\.(?:song|track|other))$")
_QUESTION_SEPARATOR = "@"


def _is_track(value: str | None, library: Sequence[LibraryTrack]) -> bool:
    return value is not None and any(track.id == value for track in library)


def open_song_slots(intent: MixIntent, library: Sequence[LibraryTrack]) -> list[tuple[str, str]]:
    """(slot, query) for every song the intent names that the library did not resolve."""
    slots = [(f"songs.{i}", s.query) for i, s in enumerate(intent.songs) if s.track_id is None]
    if intent.action == "mix" and not intent.songs:
        slots.append(("songs", ""))
    for i, edit in enumerate(intent.edits):
        if edit.song is not None and edit.song.track_id is None:
            slots.append((f"edits.{i}.song", edit.song.query))
        for name in ("track", "other"):
            value = getattr(edit, name)
            if value is not None and not _is_track(value, library):
                slots.append((f"edits.{i}.{name}", value))
    return slots


def song_question_id(intent: MixIntent, slot: str) -> str:
    """The id of a question about one song slot; it carries the intent, compressed.

    The id travels to the client and back (`planning_response` answers, or the pending
    questions given with a plain-text answer), so reading the answer needs no stored state.
    A tampered id only ever decodes to another valid intent, checked like any other.
    """
    payload = zlib.compress(intent.model_dump_json(exclude_defaults=True).encode(), 9)
    token = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{slot}{_QUESTION_SEPARATOR}{token}"


def read_song_question_id(question_id: str) -> tuple[MixIntent, str] | None:
    """(intent, slot) from a `song_question_id`, or None when it is not one."""
    slot, _, token = question_id.partition(_QUESTION_SEPARATOR)
    if not token or not _SLOT_RE.match(slot):
        return None
    try:
        payload = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return MixIntent.model_validate_json(payload), slot
    except (binascii.Error, zlib.error, ValueError, ValidationError):
        return None


def fill_song_slot(intent: MixIntent, slot: str, track_id: str) -> MixIntent:
    """The intent with the song in `slot` resolved to `track_id` (transitions follow it)."""
    data = intent.model_copy(deep=True)
    parts = slot.split(".")
    old: str | None = None
    if parts[0] == "songs" and len(parts) == 2 and int(parts[1]) < len(data.songs):
        song = data.songs[int(parts[1])]
        old, song.track_id = song.query, track_id
    elif parts[0] == "songs" and len(parts) == 1:
        data.songs.append(SongRequest(query=track_id, track_id=track_id))
    elif parts[0] == "edits" and int(parts[1]) < len(data.edits):
        edit = data.edits[int(parts[1])]
        if parts[2] == "song" and edit.song is not None:
            old, edit.song.track_id = edit.song.query, track_id
        elif parts[2] in ("track", "other"):
            old = getattr(edit, parts[2])
            setattr(edit, parts[2], track_id)
    for transition in data.transitions:
        if old is not None and transition.into == old:
            transition.into = track_id
    return data
