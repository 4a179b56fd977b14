"""A message as spaCy tokens tagged with ideas: lexicon concepts, numbers and library tracks.

spaCy's blank English tokenizer (no model to download) splits the text; a `PhraseMatcher` finds
every lexicon phrase and `songs.find_mentions` every track name (typos and artists included).
Each phrase becomes one token whose `._.tags` holds `|CONCEPT=value|…` for every concept it can
mean ("drop" is both a verb that removes and a section), and whose `._.track` holds a track id.
The grammar's token patterns match on those tags.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from intellimix.planner.reader.lexicon import GENRE_ALIASES, GENRES, LEXICON, NUMBER_WORDS
from intellimix.planner.songs import find_mentions, fold
from intellimix.planner.turns import LibraryTrack

MAX_CHARS = 2000  # a longer message is read up to here (it bounds the time taken)
TRACK = "TRACK"
TRACK_MAYBE = "TRACKQ"  # a name that fits several tracks, or none clearly

for _name, _default in (("tags", ""), ("track", None), ("candidates", ())):
    if not Token.has_extension(_name):
        Token.set_extension(_name, default=_default)

_SPLIT_UNITS = re.compile(
    r"(?<=\d)(?=(?:s|sec|secs|seconds?|m|mins?|minutes?|bpm|bars?|beats?|st|x)\b)"
)
_HYPHEN_NUMBER = re.compile(r"(?<=\d)-(?=[a-z])")
_ARROWS = re.compile(r"\s*(?:->|→|=>|>)\s*")
_ORDINAL_TAG = re.compile(r"\|ORD=[^|]*")
_NUMBER_WORD_RE = re.compile(
    r"\b(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b"
)


@cache
def english() -> Language:
    """spaCy's blank English: its tokenizer and vocabulary, no trained model to download."""
    return spacy.blank("en")


@cache
def _phrases() -> tuple[PhraseMatcher, dict[str, list[tuple[str, str]]]]:
    """The lexicon's phrase matcher, and for each phrase the (concept, value) pairs it means."""
    nlp = english()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    meanings: dict[str, list[tuple[str, str]]] = {}
    entries = [
        (concept, value, phrase)
        for concept, values in LEXICON.items()
        for value, phrases in values.items()
        for phrase in phrases
    ]
    entries += [("GENRE", GENRE_ALIASES.get(g, g), g) for g in GENRES]
    for concept, value, phrase in entries:
        key = " ".join(t.text for t in nlp.make_doc(normalize(phrase)))
        meanings.setdefault(key, []).append((concept, value))
    for key in meanings:
        matcher.add(key, [nlp.make_doc(key)])
    return matcher, meanings


def normalize(text: str) -> str:
    """Lower case, accents folded, arrows as 'into', number words as digits, '20s' as '20 s'."""
    text = fold(text[:MAX_CHARS]).lower().replace("’", "'")
    text = _ARROWS.sub(" into ", text)
    text = _NUMBER_WORD_RE.sub(lambda m: NUMBER_WORDS[m.group(1)], text)
    text = _HYPHEN_NUMBER.sub(" ", text)
    return _SPLIT_UNITS.sub(" ", text)


def tag(message: str, library: Sequence[LibraryTrack]) -> Doc:
    """The message as tagged tokens (see the module docstring)."""
    text = normalize(message)
    doc = english().make_doc(text)
    spans: list[tuple[Span, str, list[tuple[str, str]]]] = []
    for mention in find_mentions(text, library):
        span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
        if span is not None:
            spans.append((span, "track", [(TRACK, mention.match.track_id or "")]))
            if mention.match.track_id is None:
                spans[-1] = (span, "track", [(TRACK_MAYBE, ",".join(mention.match.candidates))])
    matcher, meanings = _phrases()
    for match_id, start, end in matcher(doc):
        key = doc.vocab.strings[match_id]
        spans.append((doc[start:end], "lexicon", meanings[key]))
    # Track names win over lexicon words inside them ("Deep Blue", "Slow Burn").
    tracks = [s for s, kind, _ in spans if kind == "track"]
    kept = filter_spans(tracks + [s for s, kind, _ in spans if kind == "lexicon"])
    tags: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for span, _kind, meaning in spans:
        if any(span.start == k.start and span.end == k.end for k in kept):
            tags.setdefault((span.start, span.end), []).extend(meaning)
    with doc.retokenize() as retokenizer:
        for span in kept:
            if len(span) > 1:
                retokenizer.merge(span)
    offset = 0  # merging a span shortens the doc before the spans after it
    for start, end in sorted((s.start, s.end) for s in kept):
        _apply(doc[start - offset], tags.get((start, end), []))
        offset += (end - start) - 1
    for token in doc:
        if _is_number(token.text):
            token._.tags += "|NUM=" + token.text.replace(",", ".")
    for token in doc[:-1]:
        if token.lower_ in ("a", "an") and value(doc[token.i + 1], "UNIT"):
            token._.tags += "|NUM=1"  # "add a minute", "an 8 bar blend" keeps its own number
    for token in doc[1:]:
        if value(token, "UNIT") and value(doc[token.i - 1], "NUM"):
            token._.tags = _ORDINAL_TAG.sub("", token._.tags)  # "3 second": a unit, not "2nd"
    return doc


def _apply(token: Token, meanings: list[tuple[str, str]]) -> None:
    parts = []
    for concept, value in meanings:
        if concept == TRACK:
            token._.track = value
        elif concept == TRACK_MAYBE:
            token._.candidates = tuple(v for v in value.split(",") if v)
        parts.append(f"{concept}={value}")
    token._.tags = "|" + "|".join(parts) + "|"


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def value(token: Token, concept: str) -> str | None:
    """The token's value for a concept, or None when it does not carry that concept."""
    found = re.search(rf"\|{concept}=([^|]*)", token._.tags)
    return found.group(1) if found else None


def has(token: Token, concept: str) -> bool:
    return f"|{concept}=" in token._.tags
