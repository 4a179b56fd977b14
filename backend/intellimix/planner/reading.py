"""The local provider's reading of one chat message as a `MixIntent` (DESIGN §8).

Deterministic, offline and fast: regular expressions over the message, with song names matched
to the library by `songs.find_mentions`. A message reads as one of

* an answer to pending questions (`request.pending_questions`, with the answer in the message
  or in `request.answers`): a song question's id carries the intent it was asked about
  (`songs.song_question_id`), so the answer fills in that song and the whole intent comes back;
* a generation request ("make me a new techno track"): the words go to the generator's own
  prompt parser; a song named as a style reference ("in the style of X") is kept in `songs`;
* a request for suggestions ("what could follow Sunrise?", "three songs for a workout mix");
* a question about tracks ("what key is Sunrise in?", "how loud is track 2", "compare Night
  Drive and Sunrise"), answered from their analysis (action `analyze`, the facts in `asked`);
* a revision of `request.current_plan` ("swap the first two", "make it club loud"): explicit
  edit operations, with "the third song", "the last two" and "its" read against the plan;
* a new mix: songs, their sections or time ranges, order, transitions, duration, tempo, key,
  loudness, energy curve and use case;
* or chat, when nothing in it plans anything.

Reading works on the normalized message (`songs.normalize`, which keeps every character's
position) and takes what it has read out of play, phrase by phrase, so "the last 30 s of Iron
Lung" is a time range and not also a 30-second mix, and "Warehouse 7" is never a tempo. Odd
input never raises: an empty, very long or nonsensical message reads as chat (or a mix naming no
songs, which the builder turns into a question). Unknown or ambiguous songs stay unresolved
(`track_id` None) for the builder to ask about; values that cannot be read (a key "H minor", a
tempo of 999, a transition in seconds at an unknown tempo) are left unset rather than guessed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from rapidfuzz import fuzz, process

from intellimix.planner.intent import GENRES, PromptError, find_bpm, find_duration, find_key
from intellimix.planner.plan import MixPlan, TransitionType
from intellimix.planner.songs import (
    Mention,
    Token,
    fill_song_slot,
    find_mentions,
    fold,
    normalize,
    read_song_question_id,
    tokenize,
)
from intellimix.planner.turns import (
    AnalysisFact,
    EditOperation,
    EnergyCurve,
    GenerationRequest,
    LibraryTrack,
    MixIntent,
    PlannerRequest,
    Question,
    SectionLabel,
    SongRequest,
    TransitionRequest,
)

MAX_MESSAGE_CHARS = 2000  # a longer message is read up to here (it bounds the time taken)
CLUB_LUFS = -8.5
STREAMING_LUFS = -14.0
MIN_BPM, MAX_BPM = 60.0, 200.0
BEATS_PER_BAR = 4
MAX_BEATS = 64
MAX_SUGGESTIONS = 20
_MASK = "|"  # stands in for text already read; no pattern matches across it
_LOOK_AROUND = 60  # how far before or after a song its attached words ("the drop of") reach


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --- the message as text ----------------------------------------------------------------------

_SMALL_NUMBERS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    " fifteen sixteen seventeen eighteen nineteen twenty"
)
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(_SMALL_NUMBERS.split())
    if word != "one"  # "one" stays a word: "the first one", "the one by …"
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90"}
_NUMBER_WORD_RE = re.compile(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b")
_INNER_HYPHEN_RE = re.compile(r"(?<=[a-z0-9])-(?=[a-z])")


class _Text:
    """A message in aligned forms (as written, folded, normalized) and what is already read."""

    def __init__(self, message: str) -> None:
        self.raw = message[:MAX_MESSAGE_CHARS]
        self.folded = fold(self.raw)
        self.norm = normalize(self.raw)
        self.tokens: list[Token] = tokenize(self.norm)
        self._taken = bytearray(len(self.raw))
        self._masked, self._masked_folded = self.norm, self.folded
        self._unread: str | None = None

    def take(self, start: int, end: int) -> None:
        if end <= start:
            return
        self._taken[start:end] = b"\x01" * (end - start)
        fill = _MASK * (end - start)
        self._masked = self._masked[:start] + fill + self._masked[end:]
        self._masked_folded = self._masked_folded[:start] + fill + self._masked_folded[end:]
        self._unread = None

    def is_free(self, start: int, end: int) -> bool:
        return not any(self._taken[start:end])

    def masked(self) -> str:
        """The normalized text with everything already read blanked out."""
        return self._masked

    def masked_folded(self) -> str:
        """As masked(), with case kept (key names need it: "Am")."""
        return self._masked_folded

    def unread(self) -> str:
        """masked() with number words as digits ("twelve" -> "12    ") and "2-minute" as words."""
        if self._unread is None:
            digits = _NUMBER_WORD_RE.sub(
                lambda m: _NUMBER_WORDS[m.group()].ljust(len(m.group())), self.masked()
            )
            self._unread = _INNER_HYPHEN_RE.sub(" ", digits)
        return self._unread

    def find(self, pattern: re.Pattern[str], *, take: bool = True) -> Iterator[re.Match[str]]:
        """Matches in the unread text; each is taken as it is found unless take is False."""
        for match in pattern.finditer(self.unread()):
            if self.is_free(*match.span()):
                if take:
                    self.take(*match.span())
                yield match

    def next_word_at(self, position: int) -> int:
        rest = self.norm[position:]
        return position + len(rest) - len(rest.lstrip())


# --- songs ------------------------------------------------------------------------------------


@dataclass
class _Song:
    """A song the message names, where, and what is asked of it."""

    start: int
    end: int
    query: str
    track_id: str | None
    candidates: list[str] = field(default_factory=list)
    lead: int = -1  # where it starts with its attached words ("the drop of X"); -1: start
    tail: int = -1  # where it ends with them ("X's intro", "X from 1:20 to 2:05"); -1: end
    section: SectionLabel | None = None
    occurrence: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    end_on_section: SectionLabel | None = None

    def __post_init__(self) -> None:
        self.lead = self.start if self.lead < 0 else self.lead
        self.tail = self.end if self.tail < 0 else self.tail

    @property
    def ref(self) -> str:
        """The song as an edit or transition names it: its track id, else its words."""
        return self.track_id or self.query

    def request(self) -> SongRequest:
        return SongRequest(
            query=self.query,
            track_id=self.track_id,
            section=self.section,
            occurrence=self.occurrence,
            start_s=self.start_s,
            end_s=self.end_s,
            end_on_section=self.end_on_section,
        )

    def has_part(self) -> bool:
        parts = (self.section, self.start_s, self.end_s, self.end_on_section)
        return any(part is not None for part in parts)


def _from_mention(mention: Mention) -> _Song:
    """A library song found in the message, as the reading carries it."""
    query = mention.query.strip("\"'“”‘’")
    return _Song(
        mention.start, mention.end, query, mention.match.track_id, mention.match.candidates
    )


# Words that are never part of an unknown song's name: verbs, fillers, musical terms.
_NOT_NAMES = _word_set(
    """
    a about above actually add after again all also am an and any anything apple around as at
    b background bar bars bass be beat beats before beginning best between blend blending bpm
    break breakdown bridge bring build but by can chill chorus club could crossfade crowd cut d
    do drop echo end energy even every fade fast faster filter finally finish first fit flip
    follow followed for from gently get give go going good gradually great hard have hey hi
    high hook how i id ill im in include instead intro into is it its just keep key kind last
    least let lets like little long loud louder love low lufs major make master maybe me mellow
    middle min mins minor minute minutes mix mixed mixing more move much my need new next nice
    night no not nothing now of off ok okay on one only open or order out outro over part party
    peak perfect pick play playlist please pls plz put quick quiet really remove replace
    reverse right roughly s sec second seconds secs set short should slow slowly smooth so some
    something song songs soon soundcloud spotify start steady streaming sweep swap switch take
    tempo than thank thanks that the them then there these thing things third this those
    through tidal to together tonight too total track tracks transition transitions tune tunes
    two u until up us use verse very vibe vibes want warm way we well what when which while
    will with without would yeah yes you your youtube
    """
)


@cache
def _describing_words() -> frozenset[str]:
    """Single words of a mood or an energy arc ("from calm to energetic"): a run of only these
    describes the mix; it is no song the library lacks."""
    # Imported here: the reader package imports this module.
    from intellimix.planner.reader.lexicon import LEXICON

    return frozenset(
        phrase
        for concept in ("MOOD", "ENERGY")
        for phrases in LEXICON[concept].values()
        for phrase in phrases
        if " " not in phrase
    )


_GLUE_WORDS = _word_set("by of the a an in on de del la le el da du des van von y n")
_KEYLIKE_RE = re.compile(r"^(?:[a-g][#b]?m?|\d+[a-z]*|\d{1,2}[ab])$")
_SONG_VERBS = _word_set(
    "mix blend play put add use insert include swap replace queue with start open finish end"
)
_ORDER_WORDS = _word_set("into then before after and to followed by for")
_ARROW_RE = re.compile(r"->|→|>")
_SWAP_BEFORE_RE = re.compile(r"\b(?:swap|switch|trade|exchange)\b[^.,;!?]*\bfor\W*$")
_QUOTED_RE = re.compile(r"[\"“”]([^\"“”]{1,80})[\"“”]")


def _is_name_word(word: str) -> bool:
    return word not in _NOT_NAMES and not _KEYLIKE_RE.match(word)


def _title_words(text: _Text) -> set[int]:
    """Token indexes of everyday words written with a capital inside a sentence, as titles are
    ("put One More Time by Daft Punk …") in a message with lower-case words too.
    Words that place or join songs ("Into", "Then", "Mix") stay out: they frame a title."""
    tokens = text.tokens
    capital = [text.raw[t.start : t.end].istitle() for t in tokens]  # "BPM", "DJ" are not
    words = [i for i, t in enumerate(tokens) if t.text.isalpha()]
    if all(capital[i] or tokens[i].text in _GLUE_WORDS for i in words):
        return set()  # "Mix Bohemian Rhapsody Into Sunrise": capitals say nothing here
    framing = _SONG_VERBS | _ORDER_WORDS | {"i", "im", "id", "ill", "ive"}
    return {
        i
        for i in words
        if capital[i]
        and tokens[i].text not in framing
        and text.raw[: tokens[i].start].rstrip()[-1:] not in ("", ".", "!", "?", ":", "\n")
    }


def _unknown_runs(text: _Text) -> list[tuple[int, int]]:
    """Runs of unread words (token indexes) that could be a song the library lacks."""
    tokens = text.tokens
    titled = _title_words(text)

    def name_word(index: int) -> bool:
        return index in titled or _is_name_word(tokens[index].text)

    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if not (text.is_free(tokens[i].start, tokens[i].end) and name_word(i)):
            i += 1
            continue
        end = i + 1
        while end < len(tokens) and text.is_free(tokens[end].start, tokens[end].end):
            word = tokens[end].text
            glued = word in _GLUE_WORDS and end + 1 < len(tokens) and name_word(end + 1)
            if not (name_word(end) or glued):
                break
            end += 1
        runs.append((i, end))
        i = end
    return runs


def _is_song_slot(text: _Text, run: tuple[int, int]) -> bool:
    """A run reads as a song where songs go: "mix X into …", "… then X", "add X after …".

    Capitalized words need only one side to be a song's place; lower-case words need both, or
    an order word before them at the end of a clause ("sunrise into midnight city").
    """
    first, last = text.tokens[run[0]], text.tokens[run[1] - 1]
    before = text.norm[max(0, first.start - _LOOK_AROUND) : first.start]
    after = text.norm[last.end : last.end + _LOOK_AROUND]
    prev_word = next(iter(re.findall(r"([a-z]+)\W*$", before)), "")
    next_word = next(iter(re.findall(r"^\W*([a-z]+)", after)), "")
    led = prev_word in _SONG_VERBS | _ORDER_WORDS or bool(_ARROW_RE.search(before[-4:]))
    if prev_word == "for":  # "swap X for Y", but not "a mix for Sunday Morning"
        led = bool(_SWAP_BEFORE_RE.search(before))
    leads_on = next_word in _ORDER_WORDS - {"and", "to", "for", "by"} or bool(
        _ARROW_RE.match(after.lstrip()[:2])
    )
    capitalized = not text.raw.isupper() and all(
        text.raw[t.start].isupper() or text.raw[t.start].isdigit()
        for t in text.tokens[run[0] : run[1]]
        if t.text not in _GLUE_WORDS
    )
    if capitalized:
        return led or leads_on
    ends_clause = not after.strip() or after.lstrip()[0] in ",.;!?"
    return (led and leads_on) or (prev_word in _ORDER_WORDS - {"and"} and ends_clause)


def _find_songs(text: _Text, library: Sequence[LibraryTrack]) -> list[_Song]:
    """Library songs named in the message, then quoted or well-placed names it does not have."""
    songs = [_from_mention(m) for m in find_mentions(text.raw, library)]
    for song in songs:
        text.take(song.start, song.end)
    for quoted in _QUOTED_RE.finditer(text.raw):
        if text.is_free(*quoted.span(1)) and quoted.group(1).strip():
            songs.append(_Song(quoted.start(1), quoted.end(1), quoted.group(1).strip(), None))
            text.take(*quoted.span(1))
    for run in _unknown_runs(text):
        describing = all(t.text in _describing_words() for t in text.tokens[run[0] : run[1]])
        if _is_song_slot(text, run) and not describing:
            start, end = text.tokens[run[0]].start, text.tokens[run[1] - 1].end
            songs.append(_Song(start, end, text.raw[start:end], None))
            text.take(start, end)
    return sorted(songs, key=lambda s: s.start)


# --- sections and time ranges -----------------------------------------------------------------

_SECTION_NAMES: dict[str, SectionLabel] = {
    "intro": "intro",
    "verse": "verse",
    "build": "build",
    "buildup": "build",
    "build up": "build",
    "riser": "build",
    "drop": "drop",
    "chorus": "chorus",
    "hook": "chorus",
    "refrain": "chorus",
    "break": "break",
    "breakdown": "break",
    "bridge": "bridge",
    "outro": "outro",
}
_SECTION = (
    r"(?P<section>intro|verse|build\s?up|build|riser|drop|chorus|hook|refrain|breakdown|break"
    r"|bridge|outro)s?"
)
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
    "final": -1,
}
_ORD = r"(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final)"
_TIME = r"\d{1,2}:[0-5]\d|\d+(?:\.\d+)?\s*(?:s|secs?|seconds?)\b"
_SECTION_BEFORE_RE = re.compile(
    rf"(?:\b(?:the|its|a)\s+)?(?:{_ORD}\s+)?\b{_SECTION}\s+(?:of|from|in)\s+(?:the\s+)?$"
)
_SECTION_AFTER_RE = re.compile(rf"^\s*(?:{_ORD}\s+)?{_SECTION}\b")
_EDGE_BEFORE_RE = re.compile(
    r"(?P<edge>first|opening|last|final|closing)\s+(?:(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>s|secs?|seconds?|mins?|minutes?)|(?P<one>minute|min|half\s+minute))\s+"
    r"(?:of|from)\s+(?:the\s+)?$"
)
_RANGE_AFTER_RE = re.compile(
    rf"^[\s,]*(?:from\s+|between\s+)?(?P<a>{_TIME})\s*(?:-|–|to|until|till|through|and)\s*"
    rf"(?P<b>{_TIME})"
)
_END_ON_RE = re.compile(
    r"\b(?:end|ending|ends|finish|finishing|close|closing)\s+(?:it\s+|the\s+(?:mix|set)\s+)?"
    rf"on\s+(?:its|the|a|their)\s+(?:{_ORD}\s+)?{_SECTION}\b(?P<of>\s+of\b)?"
)
_USE_SECTION_RE = re.compile(
    rf"\b(?:use|play|take|try|go\s+with|switch\s+to|do)\s+(?:the\s+|its\s+)?(?:{_ORD}\s+)?"
    rf"{_SECTION}\b(?!\s+of\b)"
)


def _seconds(written: str) -> float:
    """'1:20' or '45 s' in seconds."""
    if ":" in written:
        minutes, seconds = written.split(":")
        return int(minutes) * 60 + int(seconds)
    return float(written.rstrip("abcdefghijklmnopqrstuvwxyz ").strip())


def _section(match: re.Match[str]) -> tuple[SectionLabel, int | None]:
    """The section a match names and its ordinal (1 = first, -1 = last), if any."""
    return _SECTION_NAMES[" ".join(match["section"].split())], _ORDINALS.get(match["ord"] or "")


def _occurrence(track: LibraryTrack | None, label: SectionLabel, ordinal: int | None) -> int | None:
    """The nth of a section; "the last" is counted in the track, when the track is known."""
    if ordinal is None or ordinal > 0:
        return ordinal
    count = sum(1 for s in track.sections if s.label == label) if track else 0
    return count or None


def _edge_range(song: _Song, edge: re.Match[str], track: LibraryTrack | None) -> None:
    """'the first 45 seconds' / 'the last minute' as start and end in the track."""
    if edge["one"]:
        length = 30.0 if "half" in edge["one"] else 60.0
    else:
        length = float(edge["n"]) * (60.0 if edge["unit"].startswith("m") else 1.0)
    if edge["edge"] in ("first", "opening"):
        song.start_s, song.end_s = 0.0, length
    elif track is not None:  # the end of a track the library does not have is unknown
        song.start_s = round(max(track.duration_s - length, 0.0), 2)
        song.end_s = round(track.duration_s, 2)


def _attach_parts(text: _Text, songs: list[_Song], library: dict[str, LibraryTrack]) -> None:
    """Sections and ranges next to a song: "the drop of X", "X's intro", "X from 1:20 to 2:05"."""
    unread = text.unread()
    for song in songs:
        track = library.get(song.track_id or "")
        offset = max(0, song.start - _LOOK_AROUND)
        before = unread[offset : song.start]
        after = unread[song.end : song.end + _LOOK_AROUND]
        named_before = _SECTION_BEFORE_RE.search(before)
        named_after = _SECTION_AFTER_RE.match(after)
        named = named_before or named_after
        if named is not None:
            song.section, ordinal = _section(named)
            song.occurrence = _occurrence(track, song.section, ordinal)
        if named_before:
            song.lead = offset + named_before.start()
        elif named_after:
            song.tail = song.end + named_after.end()
        edge = _EDGE_BEFORE_RE.search(before)
        if edge:
            _edge_range(song, edge, track)
            song.lead = min(song.lead, offset + edge.start())
        ranged = _RANGE_AFTER_RE.match(after)
        if ranged:
            song.start_s, song.end_s = _seconds(ranged["a"]), _seconds(ranged["b"])
            song.tail = max(song.tail, song.end + ranged.end())
        text.take(song.lead, song.tail)


def _end_on(text: _Text, songs: list[_Song], fallback: _Song | None) -> _Song | None:
    """'end on its drop': the song named just before (or after "of"), else the fallback."""
    for match in text.find(_END_ON_RE):
        if match["of"]:
            target = next((s for s in songs if s.start >= match.end()), None)
        else:
            target = next((s for s in reversed(songs) if s.end <= match.start()), fallback)
        if target is not None:
            target.end_on_section = _section(match)[0]
            return target
    return None


# --- transitions ------------------------------------------------------------------------------

_TRANSITION_PATTERNS: tuple[tuple[TransitionType | None, re.Pattern[str]], ...] = (
    (
        "cut",
        re.compile(
            r"\bno\s+(?:blend|blending|crossfade|fade|transition|mixing|overlap)\b"
            r"|\b(?:(?:quick|hard|straight|clean|sharp|instant|abrupt|sudden)\s+)?cut\b"
            rf"(?!\s+(?:out\b|it\b|the\s+{_ORD}\b))|\bslam(?:s|med|ming)?\b"
        ),
    ),
    (
        "bass_swap",
        re.compile(
            r"\bbass[\s-]?swap(?:s|ping)?\b|\bswap(?:ping)?\s+(?:the\s+)?bass(?:es|lines?)?\b"
        ),
    ),
    (
        "filter_sweep",
        re.compile(r"\bfilter(?:ed)?(?:[\s-]?sweep(?:s|ing)?)?\b|\bsweep(?:s|ing)?\b"),
    ),
    ("echo_out", re.compile(r"\becho(?:[\s-]?out)?\b|\bdelay[\s-]?out\b")),
    (
        "crossfade",
        re.compile(
            r"\bcross[\s-]?fad(?:e|es|ed|ing)\b|\bfad(?:e|es|ed|ing)(?:\s+(?:in|out)\b)?"
            r"|\b(?:long|smooth|slow|gentle|gradual|seamless)(?:\s+(?:and\s+)?(?:long|smooth|slow))?"
            r"\s+(?:transitions?|blends?|mix(?:es)?)\b"
            # "blend" the noun ("a 16 bar blend"), never the verb ("blend X into Y")
            r"|(?:(?<=\ba )|(?<=\ban )|(?<=with )|(?<=smooth )|(?<=long )|(?<=short )|(?<=quick )"
            r"|(?<=slow )|(?<=beat )|(?<=bar )|(?<=second ))blend\b"
        ),
    ),
    (None, re.compile(r"\btransitions?\b|\bmix(?:ing)?\s+points?\b")),
)
_LONG_WORDS_RE = re.compile(r"\b(?:long|longer|slow|gradual|extended|drawn[\s-]out)\b")
_SHORT_WORDS_RE = re.compile(r"\b(?:short|quick|fast|tight|snappy|brief)\b")
LONG_BEATS, SHORT_BEATS = 32, 8
_LENGTH_RE = re.compile(
    r"(?<![\w.:])(?P<n>\d+(?:\.\d+)?|one)[\s-]*(?P<unit>beats?|bars?|seconds?|secs?|s)\b"
    r"(?:\s+long\b)?"
)
_OLD_TYPE_RE = re.compile(
    r"\b(?:instead\s+of|rather\s+than|replace|change|swap|not)\s+(?:the\s+|an?\s+)?$"
)
_EVERY_RE = re.compile(
    r"\b(?:every|all|each)\s+(?:the\s+)?(?:\w+\s+)?transitions?\b|\btransitions\b|\bthroughout\b"
)
_CLAUSE_RE = re.compile(r"[.,;:!?]|\bthen\b")
_INTO_WORD_RE = re.compile(r"^\W*(?:into|to|in\s+to|onto)\b")
_WITH_WORD_RE = re.compile(r"\b(?:with|using|via|by)\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}$")


@dataclass
class _Piece:
    """A word of a transition: its type, the bare word "transition", or a length."""

    start: int
    end: int
    kind: Literal["type", "noun", "length"]
    type: TransitionType | None = None
    beats: float | None = None
    seconds: float | None = None


@dataclass
class _Transition:
    """A transition as read: its words' place, its type and its length as written."""

    start: int  # its first word ("the crossfade" in "change the crossfade … to an echo out")
    end: int
    clause: int
    type: TransitionType | None = None
    beats: float | None = None
    seconds: float | None = None
    tail: int = -1  # where the last joined piece ends

    def __post_init__(self) -> None:
        self.tail = max(self.tail, self.end)

    def has_length(self) -> bool:
        return self.beats is not None or self.seconds is not None

    def beats_at(self, bpm: float | None) -> int | None:
        """Beats as asked (bars count 4); seconds count only at a known tempo; a cut is 0."""
        if self.type == "cut":
            return 0
        beats = self.beats
        if beats is None and self.seconds is not None and bpm is not None:
            beats = self.seconds * bpm / 60.0
        return None if beats is None else min(max(round(beats), 1), MAX_BEATS)


def _clauses(text: _Text) -> list[int]:
    """Where the message's clauses end: punctuation and "then"."""
    return [m.start() for m in _CLAUSE_RE.finditer(text.norm)]


def _type_pieces(text: _Text, songs: list[_Song]) -> list[_Piece]:
    """Transition type words and the bare word "transition", taken as found."""
    pieces: list[_Piece] = []
    starts = {s.lead for s in songs}
    for kind, pattern in _TRANSITION_PATTERNS:
        for match in text.find(pattern, take=False):
            if kind == "cut" and text.next_word_at(match.end()) in starts:
                continue  # "cut Afterglow" takes the song out; "cut to Afterglow" is a cut
            text.take(*match.span())
            # "cut instead of the crossfade": the crossfade is what goes, named only to say where
            old = _OLD_TYPE_RE.search(text.norm[: match.start()][-20:])
            if kind is None or old:
                pieces.append(_Piece(*match.span(), "noun"))
            else:
                pieces.append(_Piece(*match.span(), "type", kind))
    return pieces


def _length_pieces(text: _Text) -> list[_Piece]:
    """Lengths, left unread until a transition claims one ("90 seconds" may be a duration)."""
    pieces = []
    for match in text.find(_LENGTH_RE, take=False):
        number, unit = 1.0 if match["n"] == "one" else float(match["n"]), match["unit"]
        if unit.startswith("beat"):
            pieces.append(_Piece(*match.span(), "length", beats=number))
        elif unit.startswith("bar"):
            pieces.append(_Piece(*match.span(), "length", beats=number * BEATS_PER_BAR))
        else:
            pieces.append(_Piece(*match.span(), "length", seconds=number))
    return pieces


def _group(text: _Text, pieces: list[_Piece]) -> list[_Transition]:
    """Each type word makes a transition; the lengths of its clause join the nearest one.

    A clause with only a length in beats or bars ("…, 16 beats") still asks for one; a length
    in seconds with no transition word around it ("90 seconds: …") is a duration instead.
    """
    clauses = _clauses(text)
    by_clause: dict[int, list[_Piece]] = {}
    for piece in sorted(pieces, key=lambda p: p.start):
        by_clause.setdefault(bisect.bisect_right(clauses, piece.start), []).append(piece)
    transitions: list[_Transition] = []
    for clause, group in sorted(by_clause.items()):
        anchors = [p for p in group if p.kind == "type"]
        anchors = anchors or [p for p in group if p.kind == "noun"][:1]
        if not anchors and (transitions or group[0].beats is not None):
            anchors = group[:1]
        made = [_Transition(a.start, a.end, clause, a.type) for a in anchors]
        for piece in group if made else []:
            nearest = min(made, key=lambda t: abs(t.start - piece.start))
            nearest.tail = max(nearest.tail, piece.end)
            if piece.kind == "noun" and piece.start < nearest.start:
                nearest.start, nearest.end = piece.start, piece.end
            if piece.kind == "length" and not nearest.has_length():
                nearest.beats, nearest.seconds = piece.beats, piece.seconds
                text.take(piece.start, piece.end)
        for t in made:
            if not t.has_length():
                t.beats = _described_length(text.norm[max(0, t.start - 14) : t.end])
        transitions += made
    return _merge(transitions)


def _described_length(words: str) -> float | None:
    """'a long smooth transition' → 32 beats, 'a quick blend' → 8: the revision reader's long
    and short (reader.operations LONG_BEATS, SHORT_BEATS)."""
    if _LONG_WORDS_RE.search(words):
        return LONG_BEATS
    if _SHORT_WORDS_RE.search(words):
        return SHORT_BEATS
    return None


def _merge(transitions: list[_Transition]) -> list[_Transition]:
    """A clause that only adds to the transition before it ("…, 4 beat echo") joins it."""
    merged: list[_Transition] = []
    for t in transitions:
        prev = merged[-1] if merged else None
        adds_to_prev = prev is not None and (t.type is None or t.type == prev.type)
        if prev is not None and adds_to_prev and not (prev.has_length() and t.has_length()):
            prev.tail = t.tail
            if not prev.has_length():
                prev.beats, prev.seconds = t.beats, t.seconds
            continue
        merged.append(t)
    return merged


def _transitions(text: _Text, songs: list[_Song]) -> list[_Transition]:
    """The transitions the message asks for, in order."""
    return _group(text, _type_pieces(text, songs) + _length_pieces(text))


def _is_every(t: _Transition, text: _Text) -> bool:
    """Whether the words say every transition ('all transitions', 'throughout')."""
    return bool(_EVERY_RE.search(text.norm[t.start : t.tail + 12]))


def _into(t: _Transition, text: _Text, songs: list[_Song], clauses: list[int]) -> str | None:
    """The song a transition leads into, from where it is written among the songs.

    "cut into X", "crossfade A into X", "echo out of A into X" and "A into X with a bass
    swap" all lead into X; a transition after the last song applies between two songs, or to
    every transition (None) when there are more.
    """
    if not songs or _is_every(t, text):
        return None
    same = [s for s in songs if bisect.bisect_right(clauses, s.lead) == t.clause]
    later = [s for s in same if s.lead >= t.end]
    if later:
        into_first = _INTO_WORD_RE.match(text.norm[t.end : later[0].lead]) or len(later) == 1
        return later[0 if into_first else 1].ref
    earlier = [s for s in same if s.end <= t.start]
    if earlier and songs.index(earlier[-1]) > 0 and _WITH_WORD_RE.search(text.norm[: t.start]):
        return earlier[-1].ref
    following = [s for s in songs if s.lead >= t.end]
    if following:
        return following[0].ref
    return songs[1].ref if len(songs) == 2 else None


# --- tempo, key, length, loudness, energy, use case -------------------------------------------

_EXPLICIT_LUFS_RE = re.compile(r"(?P<v>[-−–]?\s*\d+(?:\.\d+)?)\s*(?:db\s*)?(?:lufs|lu)\b")
_CLUB_RE = re.compile(
    r"\bclub[\s-]*(?:loud|level|loudness|master|volume|ready)\b"
    r"|\bloud\s+(?:as|like)\s+(?:a\s+)?club\b|\bfor\s+(?:the\s+)?club\b"
)
_STREAMING_RE = re.compile(
    r"\b(?:spotify|streaming(?:\s+(?:loudness|level|services?|platforms?))?|apple\s+music"
    r"|youtube|soundcloud|tidal|deezer)\b"
)
_ENERGY_PATTERNS: tuple[tuple[EnergyCurve, re.Pattern[str]], ...] = (
    (
        "flat",
        re.compile(
            r"\b(?:keep|keeping|hold|holding)\s+(?:the\s+)?energy\s+"
            r"(?:steady|flat|constant|even|level|the\s+same)\b"
            r"|\b(?:steady|flat|constant|consistent|even|level)\s+energy\b"
            r"|\bno\s+peaks?\s+(?:or|and)\s+dips?\b"
        ),
    ),
    (
        "rising",
        re.compile(
            r"\bbuild(?:s|ing)?\s+(?:it\s+|the\s+energy\s+|energy\s+)?"
            r"(?:up|to|slowly|gradually|towards?)\b|\bbuild(?:s|ing)?\s+energy\b"
            r"|\bramp(?:s|ing)?\s+(?:it\s+)?up\b|\benergy\s+(?:up|rising|builds?|grows?)\b"
            r"|\bstart\w*\s+(?:chill|slow|soft|calm|low|mellow)\w*\b.{0,20}?\b(?:end|finish)\w*\s+"
            r"(?:hard|high|loud|fast|big|strong|intense|peak)\b"
            r"|\b(?:rising|increasing|growing)\s+energy\b"
            r"|\bget(?:s|ting)?\s+(?:harder|faster|bigger|more\s+intense)\b|\bcrescendo\b"
        ),
    ),
    (
        "falling",
        re.compile(
            r"\bwind(?:s|ing)?[\s-]+(?:it\s+)?down\b|\bcool(?:s|ing)?[\s-]*down\b"
            r"|\bcalm(?:s|ing)?\s+down\b|\benergy\s+(?:down|falling|drops?)\b"
            r"|\b(?:bring|take|brings|taking|bringing)\s+(?:the\s+)?energy\s+down\b"
            r"|\bstart\w*\s+(?:hard|high|loud|fast|big)\w*\b.{0,20}?\b(?:end|finish)\w*\s+"
            r"(?:chill|slow|soft|calm|low|mellow)\b|\b(?:falling|decreasing)\s+energy\b"
        ),
    ),
    ("peak", re.compile(r"\bpeak(?:s|ing)?\s+in\s+the\s+middle\b|\bup\s+and\s+(?:back\s+)?down\b")),
)
_USE_CASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("workout", re.compile(r"\b(?:workout|work\s+out|gym|training|running|cardio|spin\s+class)\b")),
    ("warm-up set", re.compile(r"\bwarm[\s-]?up\b")),
    ("cool-down set", re.compile(r"\bcool[\s-]?down\b")),
    ("dinner party", re.compile(r"\bdinner\b")),
    ("sunset set", re.compile(r"\bsunset\b")),
    ("road trip", re.compile(r"\broad\s*trip\b")),
    ("study", re.compile(r"\bstudy(?:ing)?\b|\bfocus\b")),
    ("wedding", re.compile(r"\bwedding\b")),
    ("party", re.compile(r"\bparty\b")),
)
# "warehouse 7 -> iron lung, 130, cut": a number standing alone in its clause is a tempo.
_BARE_BPM_RE = re.compile(
    r"(?:^|[,;:.!?]|\blike\b|\baround\b|\babout\b)\s*(?P<n>\d{2,3}(?:\.\d+)?)\s*"
    r"(?=$|[,;:.!?]|\b(?:please|pls|and)\b)"
)
# "make it 126" in a revision
_SET_BPM_RE = re.compile(
    r"\b(?:make\s+it|set\s+it\s+to|change\s+it\s+to|go\s+to|bump\s+it\s+to|tempo\s+to)\s+"
    r"(?P<n>\d{2,3}(?:\.\d+)?)\b(?!\s*(?::|%|min|sec|s\b|bar|beat|lu|db|hour))"
)


@dataclass
class _Settings:
    """What the message asks of the whole mix."""

    bpm: float | None = None
    key: str | None = None
    duration_s: float | None = None
    lufs: float | None = None
    energy: EnergyCurve | None = None
    use_case: str | None = None


def _lufs(text: _Text) -> float | None:
    """An explicit loudness, else club (-8.5 LUFS) or streaming (-14 LUFS) words."""
    for match in text.find(_EXPLICIT_LUFS_RE):
        value = -abs(float(re.sub(r"[-−–\s]", "", match["v"])))  # "14 LUFS" means -14
        return value if -30 <= value <= -5 else None
    if any(text.find(_CLUB_RE)):
        return CLUB_LUFS
    if any(text.find(_STREAMING_RE)):
        return STREAMING_LUFS
    return None


def _energy(text: _Text) -> EnergyCurve | None:
    """The energy curve the words ask for."""
    found = sorted((m.start(), curve) for curve, rx in _ENERGY_PATTERNS for m in text.find(rx))
    curves = [curve for _, curve in found]
    if "rising" in curves and "falling" in curves and "flat" not in curves:
        # "build up, then wind down" peaks; "wind down, then build up" is the odd dip.
        return "peak" if curves.index("rising") < curves.index("falling") else "flat"
    return curves[0] if curves else None


def _use_case(text: _Text) -> str | None:
    """What the mix is for (workout, warm-up set, ...), the first one named."""
    found = [(m.start(), name) for name, rx in _USE_CASES for m in text.find(rx, take=False)]
    return min(found)[1] if found else None


def _bpm(text: _Text, *, revising: bool) -> float | None:
    """A tempo written as such, else a number standing alone (or 'make it 126' in a revision)."""
    written = find_bpm(text.unread())
    bare = None if written else _BARE_BPM_RE.search(text.unread())
    bare = bare or (_SET_BPM_RE.search(text.unread()) if revising and not written else None)
    value = written[0] if written else float(bare["n"]) if bare else None
    return value if value is not None and MIN_BPM <= value <= MAX_BPM else None


def _key(text: _Text) -> str | None:
    """The target key, in the house spelling."""
    try:
        found = find_key(text.masked_folded())
    except PromptError:
        return None  # "H minor" is no key; leave it unset rather than guess
    return found[0] if found else None


def _duration(text: _Text) -> float | None:
    """The mix's length in seconds."""
    found = find_duration(text.unread())
    return found[0] if found and 0 < found[0] <= 3600 else None


def _settings(text: _Text, *, revising: bool = False) -> _Settings:
    """Read after songs, their parts and transitions are taken, so none is read twice."""
    settings = _Settings(lufs=_lufs(text), energy=_energy(text), use_case=_use_case(text))
    settings.key = _key(text)
    settings.bpm = _bpm(text, revising=revising)
    settings.duration_s = _duration(text)
    return settings


# --- what kind of message ---------------------------------------------------------------------

_GENRE_WORDS = "|".join(
    sorted({re.escape(a) for g in GENRES.values() for a in g.aliases}, key=len, reverse=True)
)
_GEN_NOUN = (
    r"(?:track|beat|tune|song|piece|intro|outro|loop|instrumental|jam|banger|anthem"
    r"|composition|melody)s?"
)
_GENERATE_RES = (
    re.compile(r"\b(?:generate|compose)\b(?!\s+(?:a|an|the|me\s+a)?\s*(?:mix|set|playlist)\b)"),
    re.compile(
        r"\b(?:new|brand[\s-]new|original|fresh|from\s+scratch)\b(?:\s+[\w&-]+){0,3}?"
        rf"\s+{_GEN_NOUN}\b"
    ),
    re.compile(
        r"\b(?:make|create|produce|write|build|cook\s+up|give\s+me|need|want|craft)\b"
        rf"(?:\s+[\w&-]+){{0,4}}?\s+(?:{_GENRE_WORDS})\s+{_GEN_NOUN}\b"
    ),
    re.compile(
        r"\b(?:produce|create|make|write|craft)\s+(?:me\s+|us\s+)?(?:a|an|some)\s+(?:\w+\s+){0,2}"
        rf"{_GEN_NOUN}\b(?!\s+(?:of|from|with|out\s+of)\b)"
    ),
)
_REFERENCE_RE = re.compile(
    r"\b(?:in\s+the\s+style\s+of|like|based\s+on|similar\s+to|inspired\s+by"
    r"|in\s+the\s+vein\s+of)\s+$"
)
_SUGGEST_RES = (
    re.compile(r"\b(?:suggest|suggestions?|recommend|recommendations?|ideas?)\b"),
    re.compile(
        r"\b(?:what|which)\s+(?:\w+\s+){0,2}"
        r"(?:could|should|would|can|might|will|goes|go|fits?|works?|pairs?)"
        r"\s+(?:\w+\s+){0,2}(?:follow|after|next|with|into)\b"
    ),
    re.compile(r"\bwhat\s+(?:should|could|can)\s+i\s+play\b"),
    re.compile(
        r"\b(?:tracks?|songs?|tunes?|something)\s+(?:to\s+|that\s+(?:(?:could|would|can|will)\s+)?)"
        r"(?:follow|go\s+(?:after|with)|pair\s+with|come\s+after|mix\s+with)\b"
    ),
)
_COUNT_RE = re.compile(
    r"\b(?P<n>\d{1,2})\s+(?:more\s+|other\s+|good\s+|new\s+)?(?:songs|tracks|tunes)\s+"
    r"(?:for|that|to|like|which|with|at|in)\b"
)
# "make it 126 and in G minor" with no plan to revise: the "it" can only be a generated track.
# (The caller that knows that track's prompt puts these words before it: the first tempo,
# key and length written win in the generator's parser.)
_FOLLOW_UP_RE = re.compile(
    r"^\W*(?:(?:now|actually|ok|okay|and|so|hmm|no|wait|please)\W+)*"
    r"(?:make|change|set|turn|put|have)\s+(?:it|that|this)\b"
)
_MIX_WORDS_RE = re.compile(r"\b(?:mix|mixes|set|playlist|blend|mashup|dj|transition|segue)\b")


def _is_generation(text: _Text) -> bool:
    """Whether the message asks for a new track to be composed."""
    return any(pattern.search(text.unread()) for pattern in _GENERATE_RES)


def _is_suggestion(text: _Text, songs: list[_Song]) -> bool:
    """Whether the message asks for tracks to be suggested."""
    if any(pattern.search(text.unread()) for pattern in _SUGGEST_RES):
        return True
    return bool(_COUNT_RE.search(text.unread())) and len(songs) < 2  # "three songs for a …"


# --- questions about tracks -------------------------------------------------------------------

# "what key is Sunrise in?", "how loud is Night Drive", "tell me about Sunrise", "compare Night
# Drive and Sunrise", "is Sunrise louder than Afterglow?": a question about named tracks (or
# "track 2", "the second song") that asks for facts, not for a mix. Facts are read with the
# songs taken out, so "Slow Burn" and "Golden Hour" ask nothing.
_SECTION_WORD = (
    r"(?:intro|verse|build\s?up|build|riser|drop|chorus|hook|refrain|breakdown|break|bridge"
    r"|outro)s?"
)
_FACT_RES: tuple[tuple[AnalysisFact, re.Pattern[str]], ...] = (
    (
        "bpm",
        re.compile(
            r"\b(?:bpms?|bmp|tempos?|beats?\s+per\s+minute|speed|fast(?:er|est)?"
            r"|slow(?:er|est)?)\b"
        ),
    ),
    (
        "key",
        re.compile(
            r"\b(?:keys?|camelot|scales?|tonality|tonal|harmonic\w*|major|minor"
            r"|(?:1[0-2]|0?[1-9])[ab])\b"
        ),
    ),
    (
        "loudness",
        re.compile(
            r"\b(?:loud\w*|lufs|true\s+peak|peaks?|quiet\w*|volume|dynamics?|levels?|gain|dbtp)\b"
        ),
    ),
    (
        "length",
        re.compile(
            r"\bhow\s+long\b|\b(?:long(?:er|est)|short(?:er|est)|length|duration|runtime"
            r"|run\s*time|running\s+time)\b"
        ),
    ),
    (
        "structure",
        re.compile(
            r"\b(?:structure\w*|sections?|parts|arrangement|arranged|layout|segments)\b"
            rf"|\b(?:where|when)\b(?:\W+\w+){{0,5}}?\W+{_SECTION_WORD}\b"
            rf"|\bhow\s+many\s+{_SECTION_WORD}\b"
            rf"|\b(?:is|are)\s+there\s+(?:an?|any)\s+{_SECTION_WORD}\b"
        ),
    ),
)
# A question: a question word first, "what key", or "the key of …" on its own; or else only a
# question mark, which does not make "Sunrise and Afterglow at 124?" a question.
_QUESTION_RE = re.compile(
    r"^\W*(?:(?:hey|hi|hello|so|ok|okay|and|also|yo|please|pls|quick\s+question|um+|hmm+)\W+)*"
    r"(?:what|wat|whats|wats|which|how|hows|is|are|does|do|did|was|where|when|tell|show|give|list"
    r"|check|(?:can|could|would)\s+you\s+(?:please\s+)?(?:tell|show|give|check|list)"
    r"|i\s+(?:want|need|would\s+like|d\s+like)\s+to\s+know|do\s+you\s+know)\b"
    r"|\bwhat\s+(?:key|tempo|bpm|scale)\b"
    r"|^\W*(?:the\s+)?(?:key|bpm|tempo|loudness|lufs|length|duration|structure|sections)\s+"
    r"(?:of|for)\b"
)
# Asking about a track as a whole: every fact, unless some are named.
_ABOUT_RE = re.compile(
    r"\b(?:tell|talk)\s+(?:me\s+|us\s+)?(?:a\s+(?:bit|little)\s+|more\s+|everything\s+"
    r"|something\s+|all\s+)?about\b|\bwhat\s+(?:do|can)\s+you\s+(?:know|tell\s+me|say)\s+about\b"
    r"|\b(?:info|information|details?|stats|statistics|facts|specs|data|lowdown|rundown|overview"
    r"|summary|profile|analysis|report)\s+(?:on|about|of|for)\b|\bdescribe\b|\bdescription\s+of\b"
    r"|\bcompare\w*|\bcomparisons?\b|\bversus\b|\bvs\b|\bdifferences?\s+between\b"
)
# Whether two tracks fit: their keys and tempos (asked as a question).
_FIT_RE = re.compile(
    r"\bcompatib\w*|\bhow\s+well\b"
    r"|\b(?:mix|blend|go|work|fit|sound|flow|match)\w*\s+(?:well|nicely|good)\b"
    r"|\b(?:go|goes|work|fit|sound|belong|flow)\w*\s+(?:well\s+)?together\b|\bclash\w*"
)
_FUZZY_TRIGGERS = ("analyse", "analyze", "analysis", "compare")
_FUZZY_SCORE = 80.0
# A request for a mix or an edit: it starts with a verb that asks for one ("can you make …"),
# or such a verb leads to the first track named ("is it possible to mix Night Drive with …").
_REQUEST_START_RE = re.compile(
    r"^\W*(?:(?:now|ok|okay|so|then|please|pls|and|actually|hey|hi|also|just)\W+)*"
    r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?)?"
    r"(?:mix|blend|play|put|add|swap|switch|replace|remove|make|set|change|use|start|open|begin"
    r"|crossfade|fade|cut|move|insert|include|queue|build|create|bring|finish|end|close|reverse"
    r"|keep|master|segue|combine|generate|compose|drop|take|try)\b"
)
_REQUEST_NEAR_RE = re.compile(
    r"\b(?:mix|mixing|blend|blending|play|playing|put|add|swap|replace|remove|insert|include"
    r"|queue|crossfade|segue|combine)\s+(?:\S+\s+){0,3}$"
)
# What only a mix request states: a tempo, a length, a Camelot key, a transition.
_SETTING_RE = re.compile(
    r"\bat\s+\d{2,3}(?:\.\d+)?\b|\b\d+(?:\.\d+)?\s*(?:bpm|mins?|minutes?|secs?|seconds?|s|bars?"
    r"|beats?)\b|\b\d{1,2}[ab]\b|\b(?:cross[\s-]?fade|bass[\s-]?swap|filter|sweep|echo|cut|blend"
    r"|transitions?|mix|set)\b"
)
_ORDER_GAP = re.compile(r"\b(?:into|then|onto|followed\s+by|segue)\b|->|→|>")
_TRACK_REF_RE = re.compile(
    r"(?:\b(?:track|song|tune|number|no)\s*#?\s*|#\s*)(?P<n>\d{1,2})\b"
    rf"|\bthe\s+{_ORD}\s+(?:track|song|tune|one)\b"
)
# What leads to a name the library lacks: "the bpm of X", "is X", "about X", "and X".
_SUBJECT_LEADS = _word_set(
    "of about on for is are was does do did and or between vs versus with than describe compare"
)
_ANALYSIS_WORDS = _word_set(
    """
    analyse analyze analysis describe description compare compared comparing comparison tell
    talk info information details detail stats statistics facts specs data lowdown rundown
    overview summary profile report whats wat wats hows loudness lufs peak peaks quiet quieter
    volume dynamics level levels gain dbtp structure structured sections section parts
    arrangement arranged layout segments length duration runtime tempo tempos speed faster
    slower fastest slowest longer shorter longest shortest camelot scale scales tonality
    harmonic compatible compatibility together versus vs difference differences bpms bmp
    """
)


@dataclass
class _Asking:
    """What a question about tracks asks: facts named, a whole track, or whether two fit."""

    facts: list[AnalysisFact]
    about: bool
    fit: bool
    worded: bool  # asked in words, not only with a question mark

    def __bool__(self) -> bool:
        return bool(self.facts or self.about or self.fit)


def _asking(text: str, tokens: Sequence[Token]) -> _Asking:
    """What the words ask (text normalized, songs already blanked out when they are known)."""
    about = bool(_ABOUT_RE.search(text)) or bool(_fuzzy_triggers(tokens))
    worded = about or bool(_QUESTION_RE.search(text))
    question = worded or "?" in text
    facts = [fact for fact, rx in _FACT_RES if rx.search(text)] if question else []
    return _Asking(facts, about, question and bool(_FIT_RE.search(text)), worded)


def _fuzzy_triggers(tokens: Sequence[Token]) -> list[Token]:
    """Words that ask for facts, typos too: "analyse", "analize", "anaylse", "comapre"."""
    return [
        t
        for t in tokens
        if len(t.text) >= 6
        and t.text[0] in "ac"
        and process.extractOne(t.text, _FUZZY_TRIGGERS, scorer=fuzz.ratio)[1] >= _FUZZY_SCORE
    ]


def _is_request(text: _Text, songs: Sequence[_Song]) -> bool:
    """Whether the message asks for a mix or an edit rather than about tracks."""
    if _REQUEST_START_RE.search(text.norm) or _REQUEST_NEAR_RE.search(text.norm[: songs[0].start]):
        return True
    pairs = zip(songs, songs[1:], strict=False)
    return any(_ORDER_GAP.search(text.norm[a.end : b.start]) for a, b in pairs)


def _track_refs(text: _Text, request: PlannerRequest) -> list[_Song]:
    """Tracks by number ("track 2", "the second song"): the current plan's, else the library's."""
    plan = request.current_plan
    order = (
        list(dict.fromkeys(s.track_id for s in plan.segments))
        if plan
        else [t.id for t in request.library]
    )
    refs = []
    for match in text.find(_TRACK_REF_RE):
        number = int(match["n"]) if match["n"] else _ORDINALS[match["ord"]]
        index = number - 1 if number > 0 else len(order) + number
        track_id = order[index] if 0 <= index < len(order) else None
        refs.append(_Song(match.start(), match.end(), " ".join(match.group().split()), track_id))
    return refs


def _unknown_subjects(text: _Text) -> list[_Song]:
    """Names the library lacks where a question puts its track: "what key is Sandstorm in?"."""
    for token in text.tokens:
        if token.text in _ANALYSIS_WORDS or _fuzzy_triggers([token]):
            text.take(token.start, token.end)
    found = []
    for first, last in _unknown_runs(text):
        lead = text.tokens[first - 1] if first else None
        if lead is None or not (lead.text in _SUBJECT_LEADS or _fuzzy_triggers([lead])):
            continue
        start, end = text.tokens[first].start, text.tokens[last - 1].end
        found.append(_Song(start, end, text.raw[start:end], None))
        text.take(start, end)
    return found


def _read_analysis(seen: _Text, request: PlannerRequest) -> MixIntent | None:
    """A question about tracks as an `analyze` intent; None when the message is no such question.

    `seen` is only looked at (a cheap first test); the reading works on its own copy, so a
    message that turns out to be something else is read afresh.
    """
    if not seen.tokens or not _asking(seen.norm, seen.tokens):
        return None
    text = _Text(request.message)
    if _is_generation(text):
        return None
    songs = _find_songs(text, request.library)
    if _is_suggestion(text, songs):
        return None
    songs = songs + _track_refs(text, request)
    asking = _asking(text.masked(), text.tokens)
    if not asking or not (asking.worded or not _SETTING_RE.search(text.masked())):
        return None
    songs = sorted(songs + _unknown_subjects(text), key=lambda s: s.start)
    if not songs or _is_request(text, songs):
        return None
    facts = asking.facts or (["key", "bpm"] if asking.fit and not asking.about else ["all"])
    return MixIntent(action="analyze", songs=[s.request() for s in songs], asked=facts)


# --- readings ---------------------------------------------------------------------------------


def read_message(request: PlannerRequest) -> MixIntent:
    """Read one chat message, in its context, as a MixIntent; odd words never raise."""
    text = _Text(request.message)
    # A question about tracks is answered even while questions about a mix are pending (they
    # stay pending); answers given as options are answers.
    asked = None if request.answers else _read_analysis(text, request)
    if asked is not None:
        return asked
    answered = _read_answer(text, request)
    if answered is not None:
        return answered
    if not text.tokens:
        return MixIntent(action="chat")
    if _is_generation(text):
        return _read_generation(text, request.library)
    library = {track.id: track for track in request.library}
    songs = _find_songs(text, request.library)
    if _is_suggestion(text, songs):
        return _read_suggestion(text, songs)
    if request.current_plan is not None:
        revision = _read_revision(text, songs, request.current_plan, library)
        if revision is not None:
            return revision
    elif not songs and _FOLLOW_UP_RE.search(text.norm):
        follow_up = _read_follow_up(text)
        if follow_up is not None:
            return follow_up
    return _read_mix(text, songs, library)


def _read_generation(text: _Text, library: Sequence[LibraryTrack]) -> MixIntent:
    """The words go to the generator's parser; a song named as a reference is kept apart."""
    references: list[_Song] = []
    prompt = text.raw
    for mention in reversed(find_mentions(text.raw, library)):
        lead = _REFERENCE_RE.search(text.norm[: mention.start][-30:])
        if lead is not None:
            references.insert(0, _from_mention(mention))
            start = mention.start - (len(text.norm[: mention.start][-30:]) - lead.start())
            prompt = prompt[:start] + prompt[mention.end :]
    return MixIntent(
        action="generate",
        generation=GenerationRequest(prompt=" ".join(prompt.split()) or text.raw.strip()),
        songs=[s.request() for s in references],
    )


def _read_follow_up(text: _Text) -> MixIntent | None:
    """'make it 126 and in G minor' with no plan: new settings for the generated track.

    What was read is spelled out after the words ("126 bpm, G minor, 180 seconds") in the
    generator parser's own terms, since it knows no "make it 126".
    """
    settings = _settings(text, revising=True)
    spelled = [f"{settings.bpm:g} bpm" if settings.bpm else "", settings.key or ""]
    spelled.append(f"{settings.duration_s:g} seconds" if settings.duration_s else "")
    if not any(spelled):
        return None
    prompt = f"{' '.join(text.raw.split())} ({', '.join(filter(None, spelled))})"
    return MixIntent(action="generate", generation=GenerationRequest(prompt=prompt))


def _read_suggestion(text: _Text, songs: list[_Song]) -> MixIntent:
    """What to suggest for: named songs, how many, tempo, key, energy, use."""
    count = _COUNT_RE.search(text.unread())
    settings = _settings(text)
    return MixIntent(
        action="suggest",
        songs=[s.request() for s in songs],
        suggest_count=min(max(int(count["n"]), 1), MAX_SUGGESTIONS) if count else None,
        bpm=settings.bpm,
        key=settings.key,
        energy=settings.energy,
        use_case=settings.use_case,
    )


_START_WITH_RE = re.compile(
    r"\b(?:start|open|begin|kick)\w*\s+(?:it\s+|things\s+|the\s+(?:mix|set|night)\s+)?(?:off\s+)?"
    r"(?:with|on)\s+(?:the\s+)?$"
)
_FINISH_WITH_RE = re.compile(
    r"\b(?:finish|end|close|wrap)\w*\s+(?:up\s+)?(?:it\s+|things\s+|the\s+(?:mix|set|night)\s+)?"
    r"(?:off\s+)?(?:with|on)\s+(?:the\s+)?$"
)
_ORDER_GAP_RE = re.compile(
    r"\b(?:then|into|followed\s+by|before|after|next|to|onto|segue)\b|->|→|>"
)
_AFTER_GAP_RE = re.compile(r"^(?!.*(?:\bthen\b|->|>)).*\bafter\b")


def _order(text: _Text, songs: list[_Song]) -> tuple[list[_Song], bool]:
    """The songs in playing order, and whether the words fix it ("then", "->", "open with")."""
    masked = text.masked()
    fixed = len(songs) < 2
    ordered = list(songs)
    for a, b in zip(songs, songs[1:], strict=False):
        gap = masked[a.tail : b.lead]
        fixed = fixed or bool(_ORDER_GAP_RE.search(gap))
        if _AFTER_GAP_RE.search(gap):  # "put X after Y"
            i, j = ordered.index(a), ordered.index(b)
            ordered[i], ordered[j] = ordered[j], ordered[i]
    firsts = [s for s in songs if _START_WITH_RE.search(text.norm[: s.lead][-40:])]
    lasts = [s for s in songs if _FINISH_WITH_RE.search(text.norm[: s.lead][-40:])]
    if firsts or lasts:
        middle = [s for s in ordered if s not in firsts and s not in lasts]
        return firsts + middle + lasts, True
    return ordered, fixed


def _read_mix(text: _Text, songs: list[_Song], library: dict[str, LibraryTrack]) -> MixIntent:
    """A new mix: songs with their parts, order, transitions and settings."""
    _end_on(text, songs, songs[-1] if songs else None)
    _attach_parts(text, songs, library)
    ordered, fixed = _order(text, songs)
    transitions = _transitions(text, songs)
    clauses = _clauses(text)
    settings = _settings(text)
    if not (songs or transitions or _MIX_WORDS_RE.search(text.norm)) and settings == _Settings():
        return MixIntent(action="chat")
    return MixIntent(
        action="mix",
        songs=[s.request() for s in ordered],
        order_fixed=fixed,
        duration_s=settings.duration_s,
        bpm=settings.bpm,
        key=settings.key,
        lufs=settings.lufs,
        transitions=[
            TransitionRequest(
                into=_into(t, text, ordered, clauses), type=t.type, beats=t.beats_at(settings.bpm)
            )
            for t in transitions
        ],
        energy=settings.energy,
        use_case=settings.use_case,
    )


# --- revisions --------------------------------------------------------------------------------

# Edits are matched on the message's "shape": songs written as S<i> and the plan's positions
# ("the third song") as P<i>, so one pattern covers "remove Iron Lung" and "drop the third".
_REF = r"(?:the\s+|some\s+|a\s+bit\s+of\s+)?(?P<{name}>[SP]\d+)"
_POSITION = (
    r"(?P<where>(?:at|to)\s+the\s+(?:very\s+)?(?:end|start|beginning|top)|first|last|next"
    r"|in\s+the\s+middle|(?P<rel>after|before)\s+(?:the\s+)?(?P<anchor>[SP]\d+)|between\s+them"
    r"|between\s+(?:the\s+)?(?P<a1>[SP]\d+)\s+and\s+(?:the\s+)?(?P<a2>[SP]\d+))"
)
_POSITIONAL_RE = re.compile(
    rf"(?:\bthe\s+|(?<=\band )|(?<=& ))\b{_ORD}(?:\s+(?:song|track|tune|one|segment|part)s?\b"
    r"|\b(?=\s*(?:$|[,.;!?]|and\b|with\b|for\b|out\b)))"
)


def _ref(name: str) -> str:
    return _REF.format(name=name)


_EditPattern = Literal[
    "reverse", "swap_pair", "swap_them", "swap", "replace", "remove", "move", "first", "last", "add"
]
_EDIT_PATTERNS: tuple[tuple[_EditPattern, re.Pattern[str]], ...] = (
    (
        "reverse",
        re.compile(
            r"\b(?:reverse|flip|invert)\b(?:\s+(?:the|its|it))?(?:\s+order)?|\bbackwards\b"
            r"|\bother\s+way\s+(?:round|around)\b"
        ),
    ),
    (
        "swap_pair",
        re.compile(
            r"\b(?:swap|switch|flip)\s+(?:the\s+)?(?P<edge>first|last)\s+2\b"
            r"(?:\s+(?:songs|tracks|tunes|ones))?"
        ),
    ),
    ("swap_them", re.compile(r"\b(?:swap|switch|flip)\s+(?:them|the\s+(?:two|2)|both)\b")),
    (
        "swap",
        re.compile(
            rf"\b(?:swap|switch|exchange|trade)\s+(?:out\s+)?{_ref('x')}\s+"
            rf"(?P<link>and|with|&|for|to)\s+{_ref('y')}"
        ),
    ),
    ("replace", re.compile(rf"\breplace\s+{_ref('x')}\s+(?:with|by|for)\s+{_ref('y')}")),
    (
        "replace",
        re.compile(rf"\b(?:use|play|put|try|do|have)?\s*{_ref('y')}\s+instead\s+of\s+{_ref('x')}"),
    ),
    (
        "replace",
        re.compile(
            rf"\binstead\s+of\s+{_ref('x')}\s*,?\s*(?:use|play|put|try|have)?\s*{_ref('y')}"
        ),
    ),
    (
        "remove",
        re.compile(
            r"\b(?:remove|delete|drop|cut|skip|lose|ditch|kill|scrap|get\s+rid\s+of|take\s+out"
            rf"|leave\s+out|without|no\s+more)\s+{_ref('x')}"
        ),
    ),
    ("remove", re.compile(rf"\b(?:take|leave|cut|pull|throw|kick)\s+{_ref('x')}\s+(?:out|off)\b")),
    (
        "move",
        re.compile(
            r"\b(?:move|put|place|shift|add|insert|include|throw\s+in|bring\s+in|stick|slot\s+in"
            rf"|append|also\s+play|play)\s+{_ref('x')}(?:\s+(?:in|to))?\s+{_POSITION}"
        ),
    ),
    (
        "first",
        re.compile(
            rf"\b(?:open|start|begin|kick\s+off)\s+(?:it\s+|the\s+(?:mix|set)\s+)?with\s+{_ref('x')}"
        ),
    ),
    (
        "last",
        re.compile(
            rf"\b(?:finish|end|close)\s+(?:it\s+|the\s+(?:mix|set)\s+)?(?:with|on)\s+{_ref('x')}"
        ),
    ),
    ("add", re.compile(rf"\b(?:add|insert|include|throw\s+in|bring\s+in|append)\s+{_ref('x')}")),
)
_STRUCTURAL = frozenset({"reorder", "swap", "add_track", "remove_track", "replace_track"})


@dataclass
class _Plan:
    """What a revision needs of the current plan."""

    order: list[str]  # track ids in segment order
    labels: list[str]
    bpm: float

    @classmethod
    def of(cls, plan: MixPlan) -> _Plan:
        segments = plan.segments
        return cls([s.track_id for s in segments], [s.label for s in segments], plan.target.bpm)


@dataclass
class _Edits:
    """Edit operations as they are read, and the songs they have placed."""

    plan: _Plan
    songs: list[_Song]
    positions: dict[str, str]  # P<i> -> track id
    ops: list[EditOperation] = field(default_factory=list)
    placed: set[int] = field(default_factory=set)  # songs an add or replace already carries

    def ref(self, marker: str) -> str:
        if marker.startswith("S"):
            return self.songs[int(marker[1:])].ref
        return self.positions[marker]

    def song(self, marker: str) -> SongRequest:
        if marker.startswith("P"):
            return SongRequest(query=self.positions[marker], track_id=self.positions[marker])
        self.placed.add(int(marker[1:]))
        return self.songs[int(marker[1:])].request()

    def position(self, match: re.Match[str], moving: str) -> int | None:
        """Where 'at the end', 'after Y', 'between them' puts a song (None: at the end)."""
        order = [t for t in self.plan.order if t != moving]
        where = " ".join(match["where"].split())
        if match["anchor"]:
            anchor = self.ref(match["anchor"])
            index = order.index(anchor) if anchor in order else len(order)
            return index + 1 if match["rel"] == "after" else index
        if match["a1"]:
            found = [
                order.index(a) for a in map(self.ref, (match["a1"], match["a2"])) if a in order
            ]
            return max(found) if found else None
        if where == "between them":
            return 1 if len(order) >= 2 else None
        if where == "next":
            return 1
        if where == "first" or re.search(r"start|beginning|top", where):
            return 0
        return len(order) // 2 if where == "in the middle" else None


def _in_plan(song: _Song, plan: _Plan) -> _Song:
    """An ambiguous name that fits exactly one track of the plan means that track."""
    inside = [c for c in song.candidates if c in plan.order]
    if song.track_id is None and len(inside) == 1:
        song.track_id = inside[0]
    return song


def _shape(text: _Text, songs: list[_Song], plan: _Plan) -> tuple[str, dict[str, str]]:
    """The unread text with songs as S<i> and the plan's positions as P<i>."""
    positions: dict[str, str] = {}
    markers = [(song.lead, song.tail, f"S{i}") for i, song in enumerate(songs)]
    for match in text.find(_POSITIONAL_RE, take=False):
        ordinal = _ORDINALS[match["ord"]]
        index = ordinal - 1 if ordinal > 0 else len(plan.order) + ordinal
        if 0 <= index < len(plan.order):
            markers.append((match.start(), match.end(), f"P{index}"))
            positions[f"P{index}"] = plan.order[index]
    unread, shape, cursor = text.unread(), [], 0
    for start, end, marker in sorted(markers):
        if start >= cursor:
            shape += [unread[cursor:start], f" {marker} "]
            cursor = end
    return "".join(shape) + unread[cursor:], positions


def _apply(edits: _Edits, kind: _EditPattern, match: re.Match[str]) -> None:
    """One matched edit as an operation on the plan."""
    order = edits.plan.order
    if kind == "reverse":
        edits.ops.append(EditOperation(op="reorder", tracks=order[::-1]))
    elif kind == "swap_pair" and len(order) >= 2:
        pair = order[:2] if match["edge"] == "first" else order[-2:]
        edits.ops.append(EditOperation(op="swap", track=pair[0], other=pair[1]))
    elif kind == "swap_them" and len(order) == 2:  # with more, "them" is not clear enough
        edits.ops.append(EditOperation(op="swap", track=order[0], other=order[1]))
    elif kind == "swap" and match["link"] not in ("for", "to") and edits.ref(match["y"]) in order:
        edits.ops.append(
            EditOperation(op="swap", track=edits.ref(match["x"]), other=edits.ref(match["y"]))
        )
    elif kind in ("swap", "replace"):  # "swap X for Y": Y replaces X
        song = edits.song(match["y"])
        edits.ops.append(EditOperation(op="replace_track", track=edits.ref(match["x"]), song=song))
    elif kind == "remove":
        edits.ops.append(EditOperation(op="remove_track", track=edits.ref(match["x"])))
    elif kind in ("move", "first", "last", "add"):
        _place(edits, kind, match)


def _place(edits: _Edits, kind: _EditPattern, match: re.Match[str]) -> None:
    """Add a song at a place, or move it there when the plan already has it."""
    marker = match["x"]
    track = edits.ref(marker)
    position = edits.position(match, track) if kind == "move" else 0 if kind == "first" else None
    if track not in edits.plan.order:
        edits.ops.append(EditOperation(op="add_track", song=edits.song(marker), position=position))
        return
    order = [t for t in edits.plan.order if t != track]
    order.insert(len(order) if position is None else position, track)
    if order != edits.plan.order:
        edits.ops.append(EditOperation(op="reorder", tracks=order))


def _read_edits(text: _Text, songs: list[_Song], plan: _Plan) -> _Edits:
    """Every edit the message's shape matches, each read once."""
    shape, positions = _shape(text, songs, plan)
    edits = _Edits(plan, songs, positions)
    for kind, pattern in _EDIT_PATTERNS:
        for match in pattern.finditer(shape):
            if _MASK * 2 not in match.group():  # not across words an earlier edit read
                _apply(edits, kind, match)
                shape = shape[: match.start()] + _MASK * len(match.group()) + shape[match.end() :]
    return edits


def _section_only(text: _Text, plan: _Plan, library: dict[str, LibraryTrack]) -> _Song | None:
    """'use the second drop instead': a part with no song named, for the track playing it."""
    for match in text.find(_USE_SECTION_RE):
        label, ordinal = _section(match)
        playing = [i for i, name in enumerate(plan.labels) if name == label]
        index = playing[0] if playing else 0 if len(plan.order) == 1 else None
        if index is not None:
            track_id = plan.order[index]
            occurrence = _occurrence(library.get(track_id), label, ordinal)
            return _Song(*match.span(), track_id, track_id, section=label, occurrence=occurrence)
    return None


def _parts(
    text: _Text, songs: list[_Song], plan: _Plan, library: dict[str, LibraryTrack]
) -> list[_Song]:
    """Songs whose part the message changes, including "its" (the last one named, or played)."""
    last = _Song(0, 0, plan.order[-1], plan.order[-1])
    ended = _end_on(text, songs, last)
    _attach_parts(text, songs, library)
    parted = [s for s in songs if s.has_part()]
    alone = _section_only(text, plan, library)
    return parted + [s for s in (ended, alone) if s is not None and s not in songs]


def _read_revision(
    text: _Text, songs: list[_Song], current: MixPlan, library: dict[str, LibraryTrack]
) -> MixIntent | None:
    """Edit operations on the current plan; None when the message asks for a new mix or none."""
    plan = _Plan.of(current)
    songs = [_in_plan(s, plan) for s in songs]
    parted = _parts(text, songs, plan, library)
    transitions = _transitions(text, songs)
    settings = _settings(text, revising=True)
    edits = _read_edits(text, songs, plan)
    new_songs = [s for s in songs if s.track_id not in plan.order]
    if len(songs) >= 2 and new_songs and not _STRUCTURAL & {o.op for o in edits.ops}:
        return None  # "now Deep Blue into Iron Lung": a new mix, not an edit
    for song in parted:
        if song not in songs or songs.index(song) not in edits.placed:
            edits.ops.append(EditOperation(op="set_section", song=song.request()))
    bpm, clauses = settings.bpm or plan.bpm, _clauses(text)
    for t in transitions:
        into = _into(t, text, songs, clauses)
        if into is None and not _is_every(t, text) and len(plan.order) == 2:
            into = plan.order[1]  # "make that a bass swap": there is only one transition
        request = TransitionRequest(into=into, type=t.type, beats=t.beats_at(bpm))
        edits.ops.append(EditOperation(op="set_transition", transition=request))
    edits.ops += _setting_edits(settings)
    return MixIntent(action="revise", edits=edits.ops) if edits.ops else None


def _setting_edits(settings: _Settings) -> list[EditOperation]:
    """Changed settings as set_* operations."""
    ops: list[EditOperation] = []
    if settings.bpm is not None:
        ops.append(EditOperation(op="set_bpm", number=settings.bpm))
    if settings.key is not None:
        ops.append(EditOperation(op="set_key", text=settings.key))
    if settings.duration_s is not None:
        ops.append(EditOperation(op="set_duration", number=settings.duration_s))
    if settings.lufs is not None:
        ops.append(EditOperation(op="set_lufs", number=settings.lufs))
    if settings.energy is not None:
        ops.append(EditOperation(op="set_energy", text=settings.energy))
    return ops


# --- answers to pending questions -------------------------------------------------------------

_CHOICE_RE = re.compile(
    rf"^\W*(?:the\s+)?(?:option\s+|number\s+|no\.?\s*|#)?(?:{_ORD}|(?P<n>\d))\b(?:\s+one)?\W*$"
)
_Asked = tuple[Question, str]  # a song question and the slot of the intent it asks about


def _numbered(question: Question, text: _Text) -> str | None:
    """'the second', '2', 'option 1': an option by its place in the list."""
    choice = _CHOICE_RE.match(text.unread())
    if choice is None or not question.options:
        return None
    number = _ORDINALS[choice["ord"]] if choice["ord"] else int(choice["n"])
    index = number - 1 if number > 0 else len(question.options) + number
    return question.options[index].id if 0 <= index < len(question.options) else None


def _named(text: _Text, pool: Sequence[LibraryTrack]) -> str | None:
    """The one track of the pool an answer names ('the one by Aurelia Stone'), if just one."""
    named = {m.match.track_id for m in find_mentions(text.raw, pool) if m.match.track_id}
    return named.pop() if len(named) == 1 else None


def _labelled(question: Question, text: _Text) -> str | None:
    """The option whose label the answer writes out."""
    scored = [(fuzz.partial_ratio(text.norm, normalize(o.label)), o.id) for o in question.options]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] >= 90 else None


def _option_choice(question: Question, text: _Text, library: Sequence[LibraryTrack]) -> str | None:
    """The option an answer picks: by place, by naming its track, or by its label."""
    offered = [t for t in library if t.id in {o.id for o in question.options}]
    return _numbered(question, text) or _named(text, offered) or _labelled(question, text)


def _plain_answer(
    asked: list[_Asked], text: _Text, library: Sequence[LibraryTrack]
) -> dict[int, str]:
    """Which question a plain-text answer resolves, and to which track.

    An option named or numbered answers its question; a library track outside every option
    answers the first question that had no options (an unknown song), else the first one.
    """
    for i, (question, _) in enumerate(asked):
        choice = _option_choice(question, text, library)
        if choice is not None:
            return {i: choice}
    other = _named(text, library)
    if other is None:
        return {}
    unknown = [i for i, (question, _) in enumerate(asked) if not question.options]
    return {(unknown or [0])[0]: other}


def _with_songs(
    intent: MixIntent, text: _Text, library: Sequence[LibraryTrack]
) -> MixIntent | None:
    """A mix that named no songs, completed by an answer that names them ("Sunrise into X")."""
    songs = _find_songs(text, library)
    if not songs:
        return None
    answer = _read_mix(text, songs, {track.id: track for track in library})
    given = set(answer.model_dump(exclude_defaults=True, exclude={"action"})) | {"order_fixed"}
    return intent.model_copy(update={name: getattr(answer, name) for name in given})


def _structured_answers(
    asked: list[_Asked], request: PlannerRequest, intent: MixIntent
) -> tuple[MixIntent, dict[int, str]]:
    """Answers given as option ids, or as free text for one question each."""
    known = {t.id for t in request.library}
    chosen: dict[int, str] = {}
    for i, (question, slot) in enumerate(asked):
        given = next((a for a in request.answers if a.question_id == question.question_id), None)
        if given is not None and given.selected_option_id in known:
            chosen[i] = given.selected_option_id
        elif given is not None and given.other_text:
            other = _Text(given.other_text)
            if slot == "songs":
                intent = _with_songs(intent, other, request.library) or intent
                continue
            choice = _option_choice(question, other, request.library)
            choice = choice or _named(other, request.library)
            if choice is not None:
                chosen[i] = choice
    return intent, chosen


def _read_answer(text: _Text, request: PlannerRequest) -> MixIntent | None:
    """The intent a song question was about, with the answered songs filled in; else None."""
    asked: list[_Asked] = []
    intent: MixIntent | None = None
    for question in request.pending_questions:
        decoded = read_song_question_id(question.question_id)
        if decoded is not None:
            intent = intent or decoded[0]
            asked.append((question, decoded[1]))
    if intent is None:
        return None
    if request.answers:
        answered, chosen = _structured_answers(asked, request, intent)
        if answered is intent and not chosen:
            return None
    elif any(slot == "songs" for _, slot in asked):
        return _with_songs(intent, text, request.library)
    else:
        answered, chosen = intent, _plain_answer(asked, text, request.library)
        if not chosen:
            return None
    for i, track_id in chosen.items():
        answered = fill_song_slot(answered, asked[i][1], track_id)
    return answered


def read_settings(message: str) -> MixIntent:
    """Only what a message asks of the whole mix (tempo, key, length, loudness, energy curve),
    for a reader that has read its operations another way."""
    text = _Text(message)
    _transitions(text, [])  # "a 3 second crossfade": a transition's length, not the mix's
    settings = _settings(text, revising=True)
    return MixIntent(
        action="revise",
        bpm=settings.bpm,
        key=settings.key,
        duration_s=settings.duration_s,
        lufs=settings.lufs,
        energy=settings.energy,
    )


def read_answer(request: PlannerRequest) -> MixIntent | None:
    """The intent pending song questions were about, answered by this message; else None."""
    return _read_answer(_Text(request.message), request)


def is_generation_request(message: str) -> bool:
    """Whether a message asks to compose a new track ("make me a techno track at 130")."""
    return _is_generation(_Text(message))
