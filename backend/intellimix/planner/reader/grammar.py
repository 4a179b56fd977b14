"""The reader's grammar: token patterns (spaCy `Matcher`) that say which operation a clause asks.

A rule names an operation frame and lists example shapes over tagged tokens (`tagging.py`):
`C("REMOVE")` is any word that removes, `C("ORD")` an ordinal, `W("into")` a literal word,
`GAP` up to three words of anything. A clause takes the frame of its highest-priority match;
the frame's slots (which track, which transition, how many beats, …) are then filled from the
tagged tokens of the clause (`operations.py`). New phrasings are taught by adding an example
shape here (and words to the lexicon), not by writing a regular expression.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from spacy.matcher import Matcher

from intellimix.planner.reader.tagging import TRACK, TRACK_MAYBE, english

Pattern = list[dict[str, Any]]


def C(concept: str, value: str | None = None, op: str | None = None) -> dict[str, Any]:
    """A token carrying a concept (optionally one value of it)."""
    needle = rf"\|{concept}={value}\|" if value is not None else rf"\|{concept}="
    token: dict[str, Any] = {"_": {"tags": {"REGEX": needle}}}
    if op:
        token["OP"] = op
    return token


def W(*words: str, op: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"LOWER": {"IN": list(words)}}
    if op:
        token["OP"] = op
    return token


GAP: dict[str, Any] = {"OP": "{0,3}"}
WIDE_GAP: dict[str, Any] = {"OP": "{0,6}"}
REF: dict[str, Any] = {
    "_": {"tags": {"REGEX": rf"\|(?:{TRACK}|{TRACK_MAYBE}|ORD|THING|EVERYTHING)="}}
}
PRONOUN = W("it", "that", "this", "them", "those", "these", "they")
NUM = C("NUM")
# A word the lexicon and the library do not know: a song's name ("throw in levitating").
UNKNOWN_WORD: dict[str, Any] = {
    "IS_ALPHA": True,
    "_": {"tags": {"REGEX": "^$"}},
    "LOWER": {"NOT_IN": ["a", "an", "the", "some", "something", "another", "more", "one", "back"]},
}

# Frame -> example shapes. Priority: the first frame in this table that matches a clause wins.
RULES: dict[str, list[Pattern]] = {
    "secret": [[C("SECRET")]],
    "redo": [[C("UNDO", "redo")]],
    "goto": [
        [C("UNDO", "goto"), W("the", op="?"), W("very", op="?"), C("ORD"), C("VERSION")],
        [C("UNDO", "goto"), W("the", op="?"), W("very", op="?"), C("ORD"), W("one")],
        [C("UNDO", "goto"), W("the", op="?"), C("VERSION"), NUM],
        [C("UNDO", "goto"), W("the", op="?"), C("VERSION", "version"), W("original")],
        [C("UNDO", "goto"), W("the", op="?"), W("original", "start", "beginning")],
        [C("UNDO", "goto"), W("the", op="?"), C("LATEST")],
        [C("UNDO", "goto"), W("the", op="?"), C("LATEST"), C("VERSION")],
        [W("version", "v", "draft"), NUM],
    ],
    "undo": [
        [C("UNDO", "undo")],
        [W("back"), C("ORD"), C("STEPS")],
        [W("back"), NUM, C("STEPS")],
        [W("back"), W("one", "a"), C("STEPS")],
    ],
    "pitch": [
        [C("PITCH"), GAP, C("DIR"), GAP, C("UNIT", "semitone")],
        [C("PITCH"), GAP, REF, GAP, C("DIR")],
        [REF, C("DIR"), NUM, C("UNIT", "semitone", op="?")],
        [REF, C("DIR"), W("a", "one"), C("UNIT", "semitone")],
        [C("DIR"), NUM, C("UNIT", "semitone")],
        [C("DIR"), W("a", "one"), C("UNIT", "semitone")],
        [C("PITCH"), GAP, C("DIR"), GAP, NUM],
    ],
    "harmonic": [
        [C("ORDER", "harmonic")],
        [C("FIX"), GAP, C("CLASH")],
        [W("fix"), W("them", "it", "that", "those")],
        [C("CLASH"), W("free")],
    ],
    "tempo_order": [[C("ORDER", "tempo_up")], [C("ORDER", "tempo_down")]],
    "reverse": [[C("ORDER", "reverse")]],
    "energy_order": [[C("ENERGY")]],
    "replace": [
        [C("REPLACE"), GAP, REF, GAP, C("WITH"), WIDE_GAP],
        [C("SWAP"), GAP, REF, GAP, W("for")],
        [C("SWAP"), PRONOUN, W("for", "with")],
        [C("SWAP"), W("out"), GAP, REF],
        [W("use", "play", "put"), GAP, REF, GAP, C("INSTEAD")],
        [C("INSTEAD"), GAP, REF],
        [C("REPLACE"), GAP, PRONOUN, GAP, C("WITH")],
    ],
    "swap": [
        [C("SWAP"), GAP, REF, GAP, W("and", "with", "&"), GAP, REF],
        [C("SWAP"), W("the", op="?"), C("ORD"), NUM],
        [C("SWAP"), W("the", op="?"), C("ORD"), W("2", "two", "pair")],
        [C("SWAP"), W("the", op="?"), C("ORD"), C("EVERYTHING", "all")],
        [C("SWAP"), W("them", "those")],
    ],
    # "can the second track start a bit later?": its cue point moves, its end stays.
    "nudge_start": [
        [REF, GAP, C("PLACE", "start"), GAP, W("later", "earlier", "sooner")],
        [C("PLACE", "start"), REF, GAP, W("later", "earlier", "sooner")],
        [
            REF,
            W("come", "comes", "kick", "kicks", "drop", "drops"),
            W("in"),
            GAP,
            W("later", "earlier", "sooner"),
        ],
    ],
    # A fade at the mix's very start or end is no transition: it plays the first track's intro
    # or the last one's outro ("make the ending fade out slowly", "let the last track fade out").
    "edge_fade": [
        [C("PLACE", "end"), GAP, W("fade", "fades", "fading")],
        [W("fade", "fades", "fading"), W("out"), GAP, C("PLACE", "end")],
        [W("end", "finish", "close"), GAP, W("fade", "fades", "fading")],
        [C("ORD", "-1"), C("THING"), GAP, W("fade", "fades", "fading")],
        [W("start", "begin", "open"), GAP, W("fade", "fades", "fading"), W("in")],
        [W("fade", "fades", "fading"), W("in"), GAP, C("PLACE", "start")],
    ],
    "transition": [
        [C("TTYPE")],
        [C("TRANS")],
        [NUM, C("UNIT", "beat")],
        [NUM, C("UNIT", "bar")],
        [NUM, C("UNIT", "phrase")],
        [W("mix"), W("out")],
        [C("LEN", "long"), W("blend", "mix")],
    ],
    "remove": [
        [C("REMOVE"), GAP, REF],
        [C("REMOVE"), GAP, PRONOUN],
        [W("take", "get", "pull", "throw", "kick"), GAP, W("out", "off", "rid")],
    ],
    "add": [
        [C("ADD"), GAP, C(TRACK)],
        [C("ADD"), GAP, C(TRACK_MAYBE)],
        [C("ADD"), GAP, PRONOUN],
        [C("ADD"), UNKNOWN_WORD],
        [W("get", "have", "fit", "squeeze"), GAP, C(TRACK), GAP, W("in"), W("there", "here")],
        [W("put"), GAP, PRONOUN, W("back"), GAP, C("PLACE")],
        [W("put"), GAP, PRONOUN, W("back"), GAP, C("RELPOS")],
    ],
    "move": [
        [C("MOVE"), GAP, REF, GAP, C("PLACE")],
        [C("MOVE"), GAP, REF, GAP, C("RELPOS")],
        [C("MOVE"), GAP, REF, GAP, C("ORD")],
        [C("MOVE"), GAP, PRONOUN, GAP, C("PLACE")],
        [C("MOVE"), GAP, PRONOUN, GAP, C("RELPOS")],
        [REF, W("first", "last", "1st")],
        [W("make", "have"), GAP, REF, W("the"), C("ORD")],  # "make Sunrise the last one"
        [REF, W("should"), W("go", "come", "be"), GAP, W("first", "last")],
        [REF, W("to"), W("the"), C("PLACE")],
        [W("start", "open", "begin", "kick"), W("off", op="?"), W("with", "on"), C(TRACK)],
        [W("end", "finish", "close"), W("with", "on"), C(TRACK)],
    ],
    "section_edge": [
        [W("start", "begin", "open"), C("MOOD", "calm")],
        [W("start", "begin", "open"), W("with", "on"), W("the", "an", "a"), W("intro")],
        [W("end", "finish", "close"), W("on", "with"), W("the", "an", "a"), W("outro")],
    ],
    "duration": [
        [NUM, C("UNIT", "second"), GAP, C("MORE")],
        [NUM, C("UNIT", "minute"), GAP, C("MORE")],
        [C("MORE"), GAP, NUM, C("UNIT", "second")],
        [C("MORE"), GAP, NUM, C("UNIT", "minute")],
        [C("SCALE")],
        [C("LENGTHQ")],
        [C("BIT"), GAP, W("longer", "shorter")],
        [W("longer", "shorter")],
    ],
    # After "transition": "make the blend quicker" is a shorter transition, "quicker" a tempo.
    "tempo": [
        [W("faster", "quicker", "slower")],
        [
            W("speed", "slow"),
            W("it", "things", "everything", "this", "that", op="?"),
            W("up", "down"),
        ],
        [W("pick"), W("up"), W("the"), W("pace", "tempo")],
        [W("pick"), W("the"), W("pace", "tempo"), W("up")],
        [
            W("raise", "increase", "bump", "push", "lower", "decrease", "reduce", "drop"),
            W("the", op="?"),
            W("tempo", "bpm", "speed", "pace"),
        ],
        [W("tempo", "bpm"), W("up", "down")],
    ],
    # "keep one tempo the whole way", "a single tempo", "no tempo changes": a journey ends.
    "one_tempo": [
        [W("one", "single", "same", "constant", "steady", "fixed"), W("tempo", "bpm")],
        [W("no"), W("tempo", "bpm"), W("changes", "change", "ramps", "journey")],
    ],
    "loudness": [
        [W("louder", "quieter", "softer")],
        [W("turn"), W("it", "this", "that", "the", op="?"), W("volume", op="?"), W("up", "down")],
        [W("more", "less"), W("loud")],
    ],
}


REVIEW_VERBS = ("review", "rate", "judge", "critique")
MINE = W("my", "this", "our")
WORK = W("mix", "master", "mixdown", "mastering", "track", "song", "tune", "record", "version")

# Feedback on a track's mix or master (issue 16), matched over the whole message. "ask" and
# "compare_mine" ask for a new report whatever came before; "first", "fix_it" and "sound" are
# follow-ups, read as such only while the chat is on a report (`reader.feedback`).
FEEDBACK_RULES: dict[str, list[Pattern]] = {
    "ask": [
        [C("FEEDBACK")],
        [W(*REVIEW_VERBS), MINE, WORK],
        [W(*REVIEW_VERBS), C(TRACK)],
        [W(*REVIEW_VERBS), C(TRACK_MAYBE)],
    ],
    "compare_mine": [
        [MINE, WORK, WIDE_GAP, C("COMPARE", "before")],
        [C("COMPARE", "before"), GAP, MINE, WORK],
    ],
    "first": [
        [W("fix", "sort", "tackle", "address", "do"), W("first")],
        [W("biggest", "main", "worst", "top", "first"), W("problem", "problems", "issue")],
        [W("where"), W("do", "should"), W("i", "we"), W("start", "begin")],
        [W("priority", "priorities", "prioritise", "prioritize")],
        [W("most"), W("important")],
    ],
    "fix_it": [
        [W("fix", "correct", "repair", "master", "remaster"), PRONOUN],
        [W("fix", "correct", "repair"), W("the", "my"), WORK],
        [W("fix", "correct", "repair"), W("everything", "all")],
        [W("sort"), PRONOUN, W("out")],
        [W("apply", "do", "make"), W("the", "those", "these", op="?"), W("fixes", "corrections")],
        [W("corrected", "fixed", "better"), W("master", "version")],
    ],
    "sound": [[C("SOUND")]],
}


def _matcher(rules: dict[str, list[Pattern]]) -> Matcher:
    built = Matcher(english().vocab)
    for frame, patterns in rules.items():
        built.add(frame, patterns)
    return built


@cache
def matcher() -> Matcher:
    return _matcher(RULES)


@cache
def feedback_matcher() -> Matcher:
    return _matcher(FEEDBACK_RULES)


FRAME_ORDER = tuple(RULES)
