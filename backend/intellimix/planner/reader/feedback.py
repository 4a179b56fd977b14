"""Feedback turns (issue 16): a request for a mix or master report, and follow-ups about one.

The grammar's feedback rules (`grammar.FEEDBACK_RULES`) say what a message asks: a report
("mastering feedback on Warehouse Sunrise", "how does my mix compare to Night Drive") at any
point in a chat; while the chat is on a report (`PlannerRequest.feedback_track_id`), also a
question about it ("why is the low end muddy?", "what should I fix first?") or a corrected
master ("fix it"). The slots come from the tagged tokens: the track judged and the reference
(the one after a comparing word: "compare to", "against", "versus"), the type (mastering or
mix words), the genre and how much detail.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from intellimix.planner.reader import grammar
from intellimix.planner.reader.tagging import TRACK, TRACK_MAYBE, has, value
from intellimix.planner.turns import (
    FeedbackAsk,
    FeedbackDetail,
    FeedbackType,
    MixIntent,
    PlannerRequest,
    SongRequest,
)

MIX_WORDS = frozenset({"mix", "mixing", "mixdown"})
BRIEF_WORDS = frozenset({"quick", "brief", "short", "tldr", "summary", "quickly"})
DETAILED_WORDS = frozenset({"detailed", "full", "thorough", "complete", "everything"})
# Words around a track's name that are not the name: "feedback on the mix of <name> please".
FILLER = frozenset(
    {"on", "of", "about", "for", "the", "my", "a", "an", "this", "me", "give", "some", "your"}
    | {"mix", "master", "mastering", "mixing", "mixdown", "track", "song", "tune", "version"}
    | {"to", "with", "please", "pls", "quick", "brief", "detailed", "full", "new", "latest"}
    | {"how", "does", "do", "is", "it", "sound", "sounds", "can", "you", "could", "i", "get"}
)
NAME_ENDS = frozenset({"for", "against", "with", "and", "please", "as", "in", "to", "using"})
POINTING = frozenset({"it", "this", "that", "mine", "them", "one"})


def read_feedback(request: PlannerRequest, doc: Doc, *, asks: bool) -> MixIntent | None:
    """The message as a feedback intent, or None when it is not about feedback.

    `asks`: the message is a question rather than a request ("how do I fix it?" asks how;
    "fix it" and "can you fix it?" ask for the corrected master).
    """
    frames = {doc.vocab.strings[m] for m, _, _ in grammar.feedback_matcher()(doc)}
    if frames & {"ask", "compare_mine"}:
        return _report(doc)
    if request.feedback_track_id is None:
        return None
    named = _named(doc)
    if "fix_it" in frames and not asks:
        return _intent(FeedbackAsk(track=_first(named), follow_up="fix"))
    if "first" in frames or (asks and frames & {"sound", "fix_it"}):
        return _intent(FeedbackAsk(track=_first(named), follow_up="question"))
    if _tagged(doc, "COMPARE") and named:
        return _report(doc)  # "and against Night Drive?": a new report on the same track
    return None


def _report(doc: Doc) -> MixIntent:
    """A new report: the track, the reference, the type, genre and detail asked for."""
    track, reference = _track_and_reference(doc)
    return _intent(
        FeedbackAsk(
            track=track,
            reference=reference,
            type=_type(doc),
            genre=next((value(t, "GENRE") for t in doc if _is_genre(t)), None),
            detail=_detail(doc),
        )
    )


def _intent(ask: FeedbackAsk) -> MixIntent:
    return MixIntent(action="feedback", feedback=ask)


def _track_and_reference(doc: Doc) -> tuple[SongRequest | None, SongRequest | None]:
    """Which named track is judged and which is the reference.

    Tracks after a comparing word ("compare to", "against") are references, unless nothing
    before it named the track judged ("compare X to Y": X is judged); a track just before
    "as a reference" is the reference.
    """
    named = _named(doc)
    cue = next((t for t in doc if has(t, "COMPARE")), None)
    if cue is None:
        return _first(named) or _unknown(doc, after=_ask_cue(doc)), None
    if value(cue, "COMPARE") == "after":
        reference = next((s for i, s in reversed(named) if i < cue.i), None)
        return next((s for _, s in named if s is not reference), None), reference
    before = [s for i, s in named if i < cue.i]
    after = [s for i, s in named if i > cue.i]
    if before:
        return before[0], after[0] if after else _unknown(doc, after=cue)
    if len(after) >= 2 and not _points_at_mine(doc, cue):
        return after[0], after[1]
    reference = after[0] if after else _unknown(doc, after=cue)
    track = None if _points_at_mine(doc, cue) else _unknown(doc, after=_ask_cue(doc), stop=cue)
    return track, reference


def _named(doc: Doc) -> list[tuple[int, SongRequest]]:
    """Every track the message names, with its token position.

    Untagged words written against a name stay in its query ("warehouse sunrise" names no
    "Sunrise"), so the builder can tell a longer name from the track it contains.
    """
    found = []
    for token in doc:
        if not (has(token, TRACK) or has(token, TRACK_MAYBE)):
            continue
        written = " ".join(t.text for t in _name_around(doc, token))
        track_id = token._.track if has(token, TRACK) and written == token.text else None
        found.append((token.i, SongRequest(query=written, track_id=track_id or None)))
    return found


def _name_around(doc: Doc, token: Token) -> list[Token]:
    """The track's token with the plain words written right before and after it."""
    start, end = token.i, token.i + 1
    while start > 0 and _plain(doc[start - 1]):
        start -= 1
    while end < len(doc) and _plain(doc[end]):
        end += 1
    return list(doc[start:end])


def _plain(token: Token) -> bool:
    """A word no concept claims and no name-bounding word: part of a name the library lacks."""
    return (
        token.is_alpha
        and not token._.tags
        and token.lower_ not in FILLER
        and token.lower_ not in NAME_ENDS
        and token.lower_ not in POINTING
    )


def _first(named: list[tuple[int, SongRequest]]) -> SongRequest | None:
    return named[0][1] if named else None


def _ask_cue(doc: Doc) -> Token | None:
    """The word asking for the report ('feedback', 'review'), which a name follows."""
    return next((t for t in doc if has(t, "FEEDBACK") or t.lower_ in grammar.REVIEW_VERBS), None)


def _points_at_mine(doc: Doc, cue: Token) -> bool:
    """'my mix', 'this master', 'it' before or just after the comparing word."""
    words = [t.lower_ for t in doc[: cue.i + 3]]
    return any(w in POINTING for w in words) or any(
        a in ("my", "this", "our") and b in FILLER for a, b in zip(words, words[1:], strict=False)
    )


def _unknown(doc: Doc, *, after: Token | None, stop: Token | None = None) -> SongRequest | None:
    """A name the library does not know, from the words after `after`: 'feedback on <name>'."""
    if after is None:
        return None
    end = stop.i if stop is not None and stop.i > after.i else len(doc)
    words: list[str] = []
    for token in doc[after.i + 1 : end]:
        if token.is_punct or has(token, "COMPARE") or _is_genre(token):
            break
        if not words and (token.lower_ in FILLER or has(token, "FBTYPE")):
            continue
        if words and token.lower_ in NAME_ENDS:
            break
        words.append(token.text)
    name = " ".join(words).strip()
    if not name or name in POINTING or all(w in FILLER for w in words):
        return None
    return SongRequest(query=name)


def _type(doc: Doc) -> FeedbackType | None:
    if any(value(t, "FBTYPE") == "master" for t in doc):
        return "master"
    if any(t.lower_ in MIX_WORDS or value(t, "FBTYPE") == "mix" for t in doc):
        return "mix"
    return None


def _detail(doc: Doc) -> FeedbackDetail | None:
    words = {t.lower_ for t in doc}
    if words & BRIEF_WORDS:
        return "brief"
    return "detailed" if words & DETAILED_WORDS else None


def _is_genre(token: Token) -> bool:
    return has(token, "GENRE") and not has(token, TRACK)


def _tagged(doc: Doc, concept: str) -> bool:
    return any(has(t, concept) for t in doc)
