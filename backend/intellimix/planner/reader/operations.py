"""Frames to operations: the slots of a matched clause filled from its tagged tokens.

`read_operations` splits a message into clauses, asks the grammar which frame each clause is,
and fills the frame from the clause's tokens and the conversation: ordinals and names are read
against the current plan ("the second one", "the last transition"), pronouns against what the
conversation last pointed at ("it", "that one", "them"). The result is a list of typed
`EditOperation`s, a `Navigation`, or nothing (the clause is not an edit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from spacy.tokens import Doc, Span, Token

from intellimix.planner.changes import mix_length
from intellimix.planner.compat import energy_of, tempo_fit
from intellimix.planner.intent import find_key
from intellimix.planner.plan import MixPlan, TransitionType
from intellimix.planner.reader import grammar
from intellimix.planner.reader.tagging import TRACK, TRACK_MAYBE, has, value
from intellimix.planner.reading import BEATS_PER_BAR, LONG_BEATS, SHORT_BEATS
from intellimix.planner.songs import fold
from intellimix.planner.turns import (
    EditOperation,
    LibraryTrack,
    Navigation,
    SectionLabel,
    SongRequest,
    TrackSelection,
    TransitionRequest,
)

SPECIFIC_TYPES = ("bass_swap", "filter_sweep", "echo_out", "cut")
MAX_STEPS = 50
CLAUSE_BREAKS = frozenset({",", ";", ".", "!", "?", "and", "then", "also", "plus", "&", "but"})


@dataclass
class Conversation:
    """What references resolve against: the plan, the library, and what was last pointed at."""

    plan: MixPlan | None
    library: dict[str, LibraryTrack]
    focus: list[str] = field(default_factory=list)  # track ids the last turn was about
    removed: list[str] = field(default_factory=list)  # tracks the last change took out

    @property
    def playing(self) -> list[str]:
        return [s.track_id for s in self.plan.segments] if self.plan else []

    @property
    def count(self) -> int:
        return len(self.playing)


@dataclass
class Reading:
    frames: list[str] = field(default_factory=list)
    edits: list[EditOperation] = field(default_factory=list)
    navigation: Navigation | None = None
    secret: bool = False


def clauses(doc: Doc) -> list[Span]:
    """The message cut at punctuation and joining words ('and', 'then')."""
    spans, start = [], 0
    for token in doc:
        if token.lower_ in CLAUSE_BREAKS and not _inside_pair(doc, token):
            if token.i > start:
                spans.append(doc[start : token.i])
            start = token.i + 1
    if start < len(doc):
        spans.append(doc[start:])
    joined: list[Span] = []
    for span in spans:
        if joined and _only_a_length(span):
            # "make it shorter, about 30 seconds", "make the blend longer, 8 seconds": the
            # length belongs to the change before it
            joined[-1] = doc[joined[-1].start : span.end]
        else:
            joined.append(span)
    return joined


def _only_a_length(span: Span) -> bool:
    """A clause that says a length and asks nothing by itself ("about 30 seconds")."""
    measured = any(
        has(token, "UNIT") and token.i > span.start and has(span.doc[token.i - 1], "NUM")
        for token in span
    )
    return measured and not frames_of(span)


def _inside_pair(doc: Doc, token: Token) -> bool:
    """'swap X and Y', 'between X and Y', 'the 2nd and 3rd': this 'and' joins two references."""
    if token.lower_ not in ("and", "&"):
        return False
    before = [t.lower_ for t in doc[max(0, token.i - 6) : token.i]]
    if any(w in before for w in ("swap", "switch", "between", "flip", "trade", "exchange")):
        return True
    after = doc[token.i + 1 : token.i + 3]
    prior = doc[token.i - 1] if token.i > 0 else None
    return (
        prior is not None
        and has(prior, "ORD")
        and any(has(t, "ORD") for t in after)
        and not any(has(t, "TTYPE") for t in doc[token.i + 1 :])
    )


def frames_of(clause: Span) -> list[str]:
    """Every frame the grammar finds in a clause, in priority order."""
    found = {clause.doc.vocab.strings[m] for m, _, _ in grammar.matcher()(clause)}
    return [f for f in grammar.FRAME_ORDER if f in found]


def read_operations(doc: Doc, conversation: Conversation) -> Reading:
    reading = Reading()
    for clause in clauses(doc):
        frames = frames_of(clause)
        if not frames:
            # "the 3rd one doesn't fit, swap it for…": what a clause points at is what a
            # pronoun in the next one means
            pointed = [p for p in positions(clause, conversation) if p <= conversation.count]
            if pointed and not _pronoun_only(clause):
                conversation.focus = [conversation.playing[p - 1] for p in pointed]
            continue
        frame = frames[0]
        reading.frames.append(frame)
        handler = _HANDLERS.get(frame)
        if handler is not None:
            handler(clause, conversation, reading)
    return reading


# --- references -------------------------------------------------------------------------------


def _position(ordinal: str, count: int) -> int | None:
    """A 1-based plan position from an ordinal value ('2', '-1')."""
    n = int(ordinal)
    position = n if n > 0 else count + 1 + n
    return position if 1 <= position <= count else None


def positions(tokens: Sequence[Token] | Span, conversation: Conversation) -> list[int]:
    """The plan positions the tokens point at: names, ordinals, 'the first two', pronouns."""
    found: list[int] = []
    playing = conversation.playing
    tokens = list(tokens)
    for i, token in enumerate(tokens):
        track_id = token._.track if has(token, TRACK) else None
        if track_id and track_id in playing:
            track_id = _qualified(tokens[max(0, i - 2) : i], track_id, conversation)
            found.append(playing.index(track_id) + 1)
        elif has(token, TRACK_MAYBE):
            for candidate in token._.candidates:
                if candidate in playing:
                    found.append(playing.index(candidate) + 1)
                    break
        elif has(token, "ORD"):
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            if following is not None and has(following, "NUM") and not has(following, "UNIT"):
                span = int(float(value(following, "NUM") or 1))
                first = value(token, "ORD") == "1"
                picked = (
                    range(1, span + 1)
                    if first
                    else range(conversation.count - span + 1, conversation.count + 1)
                )
                found.extend(p for p in picked if 1 <= p <= conversation.count)
            else:
                position = _position(value(token, "ORD") or "0", conversation.count)
                if position:
                    found.append(position)
        elif (
            token.lower_ in ("track", "song", "#")
            and i + 1 < len(tokens)
            and has(tokens[i + 1], "NUM")
        ):
            position = _position(value(tokens[i + 1], "NUM") or "0", conversation.count)
            if position:
                found.append(position)
        elif token.lower_ in (
            "faster",
            "fastest",
            "slower",
            "slowest",
            "calmer",
            "harder",
            "louder",
        ):
            chosen = _superlative(token.lower_, conversation)
            if chosen:
                found.append(chosen)
    if not found:
        found = _pronoun(tokens, conversation)
    return list(dict.fromkeys(found))


def _qualified(before: Sequence[Token], track_id: str, conversation: Conversation) -> str:
    """'the extended sunrise': another playing version of the named title, if a word says so."""
    named = conversation.library[track_id].title.lower()
    hints = [t.lower_ for t in before if len(t.lower_) > 3 and t.lower_ not in STOP_WORDS]
    for other in conversation.playing:
        title = conversation.library[other].title.lower() if other in conversation.library else ""
        if other != track_id and named in title and any(h in title for h in hints):
            return other
    return track_id


def _superlative(word: str, conversation: Conversation) -> int | None:
    tracks = [conversation.library[t] for t in conversation.playing if t in conversation.library]
    if not tracks:
        return None
    if word in ("faster", "fastest"):
        best = max(tracks, key=lambda t: t.bpm or 0)
    elif word in ("slower", "slowest"):
        best = min(tracks, key=lambda t: t.bpm or 0)
    elif word == "calmer":
        best = min(tracks, key=energy_of)
    else:
        best = max(tracks, key=energy_of)
    return conversation.playing.index(best.id) + 1


def _pronoun_only(clause: Span) -> bool:
    """A clause that points only by pronoun or description ('it', 'the slow one')."""
    return not any(has(t, TRACK) or has(t, TRACK_MAYBE) or has(t, "ORD") for t in clause)


def _pronoun(tokens: Sequence[Token], conversation: Conversation) -> list[int]:
    words = {t.lower_ for t in tokens}
    if words & {"them", "those", "these", "they", "everything", "em"} or any(
        has(t, "EVERYTHING") for t in tokens
    ):
        return list(range(1, conversation.count + 1))
    described = _described(tokens, conversation)
    if described:
        return described
    if words & {"it", "that", "this", "new"}:
        if tokens:
            # "iron lung is too much, take it out": a track named earlier in the same message
            earlier = [
                t._.track
                for t in tokens[0].doc[: tokens[0].i]
                if has(t, TRACK) and t._.track in conversation.playing
            ]
            if earlier:
                return [conversation.playing.index(earlier[-1]) + 1]
        for track_id in conversation.focus:
            if track_id in conversation.playing:
                return [conversation.playing.index(track_id) + 1]
        if conversation.count == 1:
            return [1]
    return []


STOP_WORDS = frozenset(
    {"the", "a", "an", "one", "ones", "track", "song", "tune", "that", "this", "it", "out"}
    | {"for", "with", "and", "of", "in", "to", "swap", "replace", "remove", "drop", "move"}
)


def _described(tokens: Sequence[Token], conversation: Conversation) -> list[int]:
    """'the extended one', 'the okoro track': a playing track whose title or artist has the word."""
    words = [t.lower_ for t in tokens]
    if not ({"one", "track", "song", "version"} & set(words)):
        return []
    hints = [w for w in words if w not in STOP_WORDS and len(w) > 2 and w.isalpha()]
    found = []
    for position, track_id in enumerate(conversation.playing, start=1):
        track = conversation.library.get(track_id)
        if track is None:
            continue
        name = f"{track.title} {track.artist or ''}".lower()
        if hints and any(h in name.split() or h in name for h in hints):
            found.append(position)
    return found if len(found) == 1 else []


def _new_tracks(tokens: Sequence[Token] | Span, conversation: Conversation) -> list[str]:
    """Library tracks named in the tokens that are not playing yet."""
    found = []
    for token in tokens:
        if has(token, TRACK) and token._.track and token._.track not in conversation.playing:
            found.append(token._.track)
    return found


def _split_at(clause: Span, words: Sequence[str], concept: str | None = None) -> int | None:
    for token in clause:
        if token.lower_ in words or (concept and has(token, concept)):
            return token.i - clause.start
    return None


# --- frames -----------------------------------------------------------------------------------


def _undo(clause: Span, conversation: Conversation, reading: Reading) -> None:
    if any(has(t, "PLACE") or has(t, "RELPOS") for t in clause) and conversation.removed:
        _add(clause, conversation, reading)  # "put it back at the end" places a track again
        return
    reading.navigation = Navigation(action="undo", steps=_steps(clause))


def _redo(clause: Span, conversation: Conversation, reading: Reading) -> None:
    reading.navigation = Navigation(action="redo", steps=_steps(clause))


def _steps(clause: Span) -> int:
    for token in clause:
        kind = value(token, "STEPS")
        if kind == "twice":
            return 2
        if kind == "both":
            return 2
        if has(token, "NUM") and not has(token, "UNIT"):
            try:
                return max(1, min(int(float(value(token, "NUM") or 1)), MAX_STEPS))
            except ValueError:
                return 1
    return 1


def _goto(clause: Span, conversation: Conversation, reading: Reading) -> None:
    for token in clause:
        if has(token, "LATEST"):
            reading.navigation = Navigation(action="redo", steps=MAX_STEPS)
            return
        ordinal = value(token, "ORD")
        if ordinal is not None and ordinal.lstrip("-").isdigit():
            number = int(ordinal)
            if number > 0:
                reading.navigation = Navigation(action="goto", draft_number=number)
                return
        if has(token, "NUM"):
            try:
                reading.navigation = Navigation(
                    action="goto", draft_number=max(1, int(float(value(token, "NUM") or 1)))
                )
                return
            except ValueError:
                pass
        if token.lower_ in ("original", "start", "beginning"):
            reading.navigation = Navigation(action="goto", draft_number=1)
            return
    reading.navigation = Navigation(action="undo", steps=1)


def _secret(clause: Span, conversation: Conversation, reading: Reading) -> None:
    reading.secret = True


def _pitch(clause: Span, conversation: Conversation, reading: Reading) -> None:
    direction = next((value(t, "DIR") for t in clause if has(t, "DIR")), "up")
    amount = 1.0
    for token in clause:
        if has(token, "NUM") and not has(token, "ORD"):
            amount = float(value(token, "NUM") or 1)
            break
    if any(t.lower_ in ("whole", "tone") for t in clause) and amount == 1.0:
        amount = 2.0
    semitones = amount if direction == "up" else -amount
    targets = positions(clause, conversation)
    if not targets and conversation.count:
        targets = (
            [p for p in range(1, conversation.count + 1)]
            if any(t.lower_ in ("everything", "all", "whole", "mix") for t in clause)
            else []
        )
    for position in targets:
        reading.edits.append(EditOperation(op="set_pitch", index=position, number=semitones))


def _harmonic(clause: Span, conversation: Conversation, reading: Reading) -> None:
    reading.edits.append(EditOperation(op="order_by", text="harmonic"))


def _tempo_order(clause: Span, conversation: Conversation, reading: Reading) -> None:
    up = any(value(t, "ORDER") == "tempo_up" for t in clause)
    reading.edits.append(EditOperation(op="order_by", text="tempo_up" if up else "tempo_down"))


def _reverse(clause: Span, conversation: Conversation, reading: Reading) -> None:
    reading.edits.append(EditOperation(op="order_by", text="reverse"))


def _energy_order(clause: Span, conversation: Conversation, reading: Reading) -> None:
    curve = next(value(t, "ENERGY") for t in clause if has(t, "ENERGY"))
    reading.edits.append(EditOperation(op="set_energy", text=curve))


def _remove(clause: Span, conversation: Conversation, reading: Reading) -> None:
    verb = next(
        (
            t.i - clause.start
            for t in clause
            if has(t, "REMOVE") or t.lower_ in ("take", "get", "pull", "throw", "kick")
        ),
        0,
    )
    targets = positions(clause[verb:], conversation) or positions(clause, conversation)
    if not targets:
        named = [t for t in clause if has(t, TRACK) or has(t, TRACK_MAYBE)]
        text = named[0].text if named else clause.text
        reading.edits.append(EditOperation(op="remove_track", track=text))
        return
    for position in sorted(targets, reverse=True):
        reading.edits.append(EditOperation(op="remove_track", index=position))


def _replace(clause: Span, conversation: Conversation, reading: Reading) -> None:
    cut = _split_at(clause, ("with", "for", "by"), "INSTEAD")
    if cut is None:
        return
    before, after = clause[:cut], clause[cut + 1 :]
    if any(has(t, "INSTEAD") for t in clause):
        # "use Y instead of X": the old one comes after
        before, after = after, before
    old = positions(before, conversation)
    new = _new_tracks(after, conversation)
    if not old:
        return
    if new:
        reading.edits.append(
            EditOperation(
                op="replace_track", index=old[0], song=SongRequest(query=new[0], track_id=new[0])
            )
        )
        return
    mood = next((value(t, "MOOD") for t in after if has(t, "MOOD")), None)
    if mood is None and any(t.lower_ in ("calmer", "chiller", "softer", "slower") for t in after):
        mood = "calm"
    if mood is None and any(t.lower_ in ("harder", "faster", "heavier", "bigger") for t in after):
        mood = "energetic"
    more = _more_energy(after) if mood is None else None
    if more is not None:
        mood = "energetic" if more else "calm"
    if mood is not None:
        replacement = _by_mood(conversation, mood, exclude=conversation.playing)
        if replacement:
            reading.edits.append(
                EditOperation(
                    op="replace_track",
                    index=old[0],
                    song=SongRequest(query=replacement, track_id=replacement),
                )
            )


def _more_energy(tokens: Span) -> bool | None:
    """'something with more energy' → True, 'less energy' → False, else None."""
    words = [t.lower_ for t in tokens]
    for before, after in zip(words, words[1:], strict=False):
        if after in ("energy", "energetic", "punch", "drive", "hype", "power"):
            if before in ("more", "higher", "extra"):
                return True
            if before in ("less", "lower"):
                return False
    return None


def _unknown_song(tokens: Sequence[Token]) -> str | None:
    """The words after 'add' that nothing knows: a song to find ('throw in levitating by dua
    lipa' → 'levitating by dua lipa'), up to a word that places it."""
    start = next((i + 1 for i, t in enumerate(tokens) if has(t, "ADD")), None)
    if start is None:
        return None
    words: list[str] = []
    for token in tokens[start:]:
        if has(token, "RELPOS") or has(token, "PLACE") or token.is_punct:
            break
        if token.lower_ in ("too", "please", "pls", "aswell") or (words and token.lower_ == "as"):
            break
        words.append(token.text)
    while words and words[0].lower() in ("a", "the", "some"):
        words.pop(0)
    while words and words[-1].lower() in ("at", "to", "on", "in", "the", "right"):
        words.pop()  # "…by abba at the end": the place was cut off, its lead-in goes too
    return " ".join(words) or None


def _by_mood(conversation: Conversation, mood: str, *, exclude: Sequence[str]) -> str | None:
    """The calmest or liveliest track not playing, among those that blend at the mix's tempo
    when there are any (the liveliest track at 174 BPM is no replacement in a 120 BPM set)."""
    pool = [t for t in conversation.library.values() if t.id not in exclude]
    if not pool:
        return None
    bpm = conversation.plan.target.bpm if conversation.plan else None
    blending = [t for t in pool if bpm and tempo_fit(bpm, t.bpm) > 0.0]
    pool = blending or pool
    chosen = min(pool, key=energy_of) if mood == "calm" else max(pool, key=energy_of)
    return chosen.id


def _swap(clause: Span, conversation: Conversation, reading: Reading) -> None:
    targets = positions(clause, conversation)
    words = {t.lower_ for t in clause}
    if len(targets) < 2 and words & {"them", "those"} and conversation.count == 2:
        targets = [1, 2]
    if len(targets) >= 2:
        reading.edits.append(EditOperation(op="swap", index=targets[0], other_index=targets[1]))


def _transition(clause: Span, conversation: Conversation, reading: Reading) -> None:
    kind = _transition_type(clause)
    beats, change = _beats(clause, conversation.plan.target.bpm if conversation.plan else None)
    indexes = _boundaries(clause, conversation, kind)
    if kind is None and beats is None and change is None:
        return
    if indexes is None:
        reading.edits.append(
            EditOperation(
                op="set_transition",
                transition=TransitionRequest(type=kind, beats=beats, change=change),
            )
        )
        return
    for index in indexes:
        reading.edits.append(
            EditOperation(
                op="set_transition",
                transition=TransitionRequest(index=index, type=kind, beats=beats, change=change),
            )
        )


def _transition_type(clause: Span) -> TransitionType | None:
    found = _type_word(clause)
    return cast(TransitionType, found) if found in get_args(TransitionType) else None


def _type_word(clause: Span) -> str | None:
    kinds = [(t.i, value(t, "TTYPE")) for t in clause if has(t, "TTYPE")]
    if not kinds:
        return None
    specific = [k for _, k in kinds if k in SPECIFIC_TYPES]
    if specific:
        # "cut" also names cutting a track out; a verb at the start of a clause is not a type.
        last = specific[-1]
        if last == "cut" and len(specific) == 1 and kinds[0][0] == clause.start and len(kinds) == 1:
            return None
        return last
    first_index, first_kind = kinds[0]
    if first_index == clause.start and len(kinds) == 1 and first_kind == "crossfade":
        word = clause[0].lower_
        if word in ("blend", "fade", "mix over"):
            return None  # "blend the second one into the first…" is a verb
    return first_kind


def _beats(
    clause: Span, bpm: float | None
) -> tuple[int | None, Literal["longer", "shorter"] | None]:
    """The length a clause gives a transition: beats, bars or phrases as counted, seconds at the
    mix's tempo ("a 3 second crossfade" at 120 BPM is 6 beats), or longer/shorter."""
    tokens = list(clause)
    for i, token in enumerate(tokens):
        unit = value(token, "UNIT")
        if unit in ("beat", "bar", "phrase") and i > 0 and has(tokens[i - 1], "NUM"):
            count = float(value(tokens[i - 1], "NUM") or 0)
            beats = count * {"beat": 1, "bar": 4, "phrase": 32}[unit]
            return max(0, min(int(beats), 64)), None
        if unit == "second" and bpm and i > 0 and has(tokens[i - 1], "NUM"):
            seconds = float(value(tokens[i - 1], "NUM") or 0)
            return max(1, min(round(seconds * bpm / 60), 64)), None
    for token in tokens:
        length = value(token, "LEN")
        if length is None:
            continue
        relative = token.lower_.endswith("er")
        if length == "long":
            return (None, "longer") if relative else (LONG_BEATS, None)
        return (None, "shorter") if relative else (SHORT_BEATS, None)
    return None, None


def _boundaries(clause: Span, conversation: Conversation, kind: str | None) -> list[int] | None:
    """The transitions a clause means (1-based), or None for every one."""
    count = conversation.count
    tokens = list(clause)
    words = [t.lower_ for t in tokens]
    last = count - 1
    if last < 1:
        return None
    # "the second transition", "2nd blend", "transition 3", "the last one"
    for i, token in enumerate(tokens):
        if has(token, "TRANS") or (
            has(token, "TTYPE") and token.lower_ in ("blend", "blends", "mix")
        ):
            before = tokens[max(0, i - 3) : i]
            ordinal = next((value(t, "ORD") for t in reversed(before) if has(t, "ORD")), None)
            if ordinal is not None:
                return _one_boundary(int(ordinal), last)
            after = tokens[i + 1 : i + 3]
            if after and has(after[0], "NUM") and not (len(after) > 1 and has(after[1], "UNIT")):
                return _one_boundary(int(float(value(after[0], "NUM") or 0)), last)
    if any(w in ("all", "every", "each", "em", "them", "everything") for w in words) or any(
        has(t, "EVERYTHING") for t in tokens
    ):
        return None
    # "between X and Y", "X into Y", "the third one into the second", "mix out of the first"
    into = _split_at(clause, ("into", "to", "onto"))
    out_of = _split_at(clause, ("out",))
    named = positions(tokens, conversation)
    if "between" in words and len(named) >= 2:
        return _pair_boundary(named[0], named[1], last)
    if into is not None:
        left = positions(tokens[:into], conversation)
        right = positions(tokens[into + 1 :], conversation)
        if left and right:
            return _pair_boundary(left[-1], right[0], last)
        if right and not left:
            return _one_boundary(right[0] - 1, last) if right[0] > 1 else None
    if out_of is not None and named:
        return _one_boundary(named[0], last)
    # "and the first one a hard cut", "first one a quick crossfade", "the first two with …"
    ordinals = [(i, t) for i, t in enumerate(tokens) if has(t, "ORD")]
    if ordinals and not any(has(t, TRACK) for t in tokens):
        i, token = ordinals[0]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        nth = int(value(token, "ORD") or 0)
        if following is not None and has(following, "NUM") and not has(following, "UNIT"):
            return _one_boundary(1 if nth > 0 else last, last)
        return _one_boundary(nth, last)
    if len(named) == 1 and any(has(t, TRACK) for t in tokens):
        # "make the transition into Sunrise…" without 'into' read: the name's incoming one
        return _one_boundary(named[0] - 1, last) if named[0] > 1 else None
    if kind is not None and not any(has(t, "TRANS") for t in tokens):
        # "make the echo 8 beats": the one transition of that type, if there is one
        current = _typed_boundaries(conversation, kind)
        if len(current) == 1:
            return current
    return [1] if last == 1 else None


def _typed_boundaries(conversation: Conversation, kind: str) -> list[int]:
    if conversation.plan is None:
        return []
    return [
        i
        for i, segment in enumerate(conversation.plan.segments[1:], start=1)
        if segment.transition_in is not None and segment.transition_in.type == kind
    ]


def _one_boundary(ordinal: int, last: int) -> list[int]:
    index = ordinal if ordinal > 0 else last + 1 + ordinal
    return [index] if 1 <= index <= last else [index if index > 0 else 0]


def _pair_boundary(a: int, b: int, last: int) -> list[int]:
    return [max(a, b) - 1] if abs(a - b) == 1 else [min(max(a, b) - 1, last)]


def _move(clause: Span, conversation: Conversation, reading: Reading) -> None:
    tokens = list(clause)
    words = [t.lower_ for t in tokens]
    place = next((value(t, "PLACE") for t in tokens if has(t, "PLACE")), None)
    relative = next(
        ((i, value(t, "RELPOS")) for i, t in enumerate(tokens) if has(t, "RELPOS")), None
    )
    if words and words[0] in ("start", "open", "begin", "kick"):
        place = "start"
    elif words and words[0] in ("end", "finish", "close"):
        place = "end"
    elif "first" in words[-2:] or "1st" in words[-2:]:
        place = "start"
    elif "last" in words[-2:]:
        place = "end"
    subject_tokens = tokens[: relative[0]] if relative else tokens
    subject = positions(subject_tokens, conversation)
    new = _new_tracks(subject_tokens, conversation)
    anchors = positions(tokens[relative[0] + 1 :], conversation) if relative else []
    if relative is not None and not anchors and place is None:
        place = "middle" if relative[1] == "between" else None
        relative = None
        subject_tokens = tokens
        subject = positions(subject_tokens, conversation)
        new = _new_tracks(subject_tokens, conversation)
    if relative is not None and anchors:
        kind = relative[1]
        target = (
            anchors[0] if kind == "before" else anchors[-1] + 1 if kind == "after" else max(anchors)
        )
        if kind == "between" and len(anchors) >= 2:
            target = max(anchors[0], anchors[1])
        _place_track(reading, conversation, subject, new, target, subject_tokens)
        return
    if place is None:
        ordinal = next((value(t, "ORD") for t in tokens[1:] if has(t, "ORD")), None)
        if ordinal is None:
            return
        final = _position(ordinal, conversation.count) or conversation.count
        subject = [p for p in subject if p != final] or subject
        # "put Sunrise second" names where it ends up: a track moving later is taken out first,
        # which _place_track counts for an insertion point, not for a final place.
        target = final + 1 if subject and not new and subject[0] < final else final
        _place_track(reading, conversation, subject[:1], new, target, subject_tokens)
        return
    target = {"start": 1, "end": conversation.count + 1, "middle": conversation.count // 2 + 1}.get(
        place or "middle", conversation.count + 1
    )
    _place_track(reading, conversation, subject, new, target, subject_tokens)


def _place_track(
    reading: Reading,
    conversation: Conversation,
    subject: list[int],
    new: list[str],
    target: int,
    subject_tokens: Sequence[Token],
) -> None:
    """Move a playing track to a 1-based position, or add a new one there."""
    if subject and not new:
        position = subject[0]
        destination = min(max(target, 1), conversation.count + 1)
        if destination > position:
            destination -= 1  # taking the track out first shifts the ones after it
        reading.edits.append(
            EditOperation(op="move_track", index=position, position=destination - 1)
        )
        return
    incoming = new or [t for t in conversation.removed if t not in conversation.playing]
    if incoming:
        reading.edits.append(
            EditOperation(
                op="add_track",
                song=SongRequest(query=incoming[0], track_id=incoming[0]),
                position=min(max(target, 1), conversation.count + 1) - 1,
            )
        )


def _add(clause: Span, conversation: Conversation, reading: Reading) -> None:
    tokens = list(clause)
    relative = next(
        ((i, value(t, "RELPOS")) for i, t in enumerate(tokens) if has(t, "RELPOS")), None
    )
    place = next((value(t, "PLACE") for t in tokens if has(t, "PLACE")), None)
    subject_tokens = tokens[: relative[0]] if relative else tokens
    new = _new_tracks(subject_tokens, conversation)
    if not new and any(
        t.lower_ in ("it", "that", "back") or value(t, "UNDO") for t in subject_tokens
    ):
        new = [t for t in conversation.removed if t not in conversation.playing]
    if not new:
        unresolved = [
            t for t in subject_tokens if has(t, TRACK_MAYBE) or (has(t, TRACK) and not t._.track)
        ]
        named = [t._.track for t in subject_tokens if has(t, TRACK) and t._.track]
        if named:  # "get Castle Gardens in there" when it plays already: the builder says so
            song = SongRequest(query=named[0], track_id=named[0])
            reading.edits.append(EditOperation(op="add_track", song=song))
            return
        query = unresolved[0].text if unresolved else _unknown_song(subject_tokens)
        if query:
            reading.edits.append(EditOperation(op="add_track", song=SongRequest(query=query)))
        return
    target = conversation.count + 1
    if relative is not None:
        anchors = positions(tokens[relative[0] + 1 :], conversation)
        kind = relative[1]
        if anchors:
            target = (
                anchors[0]
                if kind == "before"
                else max(anchors)
                if kind == "between"
                else anchors[-1] + 1
            )
    elif place == "start":
        target = 1
    elif place == "middle":
        target = conversation.count // 2 + 1
    reading.edits.append(
        EditOperation(
            op="add_track",
            song=SongRequest(query=new[0], track_id=new[0]),
            position=min(max(target, 1), conversation.count + 1) - 1,
        )
    )


def _section_edge(clause: Span, conversation: Conversation, reading: Reading) -> None:
    words = [t.lower_ for t in clause]
    _edge_section(conversation, reading, first=words[0] in ("start", "begin", "open"))


# How far "start later" moves a cue point: a phrase, or half of one for "a bit later".
NUDGE_BARS, SMALL_NUDGE_BARS = 8, 4
MIN_NUDGED_BARS = 4  # a part shorter than this after the move is not moved


def _nudge_start(clause: Span, conversation: Conversation, reading: Reading) -> None:
    """'can the second track start a bit later?': its part starts a phrase (or half of one)
    later or earlier on the track, its end where it was."""
    plan = conversation.plan
    picked = positions(list(clause), conversation)
    if plan is None or not picked:
        return
    segment = plan.segments[picked[0] - 1]
    track = conversation.library.get(segment.track_id)
    if track is None or not track.bpm:
        return
    bars = SMALL_NUDGE_BARS if any(has(t, "BIT") for t in clause) else NUDGE_BARS
    later = any(t.lower_ == "later" for t in clause)
    shift = bars * BEATS_PER_BAR * 60.0 / track.bpm * (1 if later else -1)
    start = max(0.0, segment.source_start_s + shift)
    if segment.source_end_s - start < MIN_NUDGED_BARS * BEATS_PER_BAR * 60.0 / track.bpm:
        return
    song = SongRequest(
        query=segment.track_id, track_id=segment.track_id, start_s=start, end_s=segment.source_end_s
    )
    reading.edits.append(EditOperation(op="set_section", song=song))


def _edge_fade(clause: Span, conversation: Conversation, reading: Reading) -> None:
    """A fade in at the very start plays the first track from the start of its intro, a fade out
    at the very end the last one to the end of its outro, each part as long as it was; a track
    without that section plays it as a section edit does ("has no outro")."""
    plan = conversation.plan
    if plan is None:
        return
    first = bool({t.lower_ for t in clause} & {"start", "begin", "open", "in"})
    segment = plan.segments[0 if first else -1]
    label: SectionLabel = "intro" if first else "outro"
    track = conversation.library.get(segment.track_id)
    spans = [(s.start_s, s.end_s) for s in (track.sections if track else []) if s.label == label]
    song = SongRequest(query=segment.track_id, track_id=segment.track_id, section=label)
    if spans:
        length = segment.source_end_s - segment.source_start_s
        start, end = (
            (spans[0][0], spans[0][0] + length)
            if first
            else (max(0.0, spans[-1][1] - length), spans[-1][1])
        )
        song = song.model_copy(update={"section": None, "start_s": start, "end_s": end})
    reading.edits.append(EditOperation(op="set_section", song=song))


def _edge_section(conversation: Conversation, reading: Reading, *, first: bool) -> None:
    """The first track from its intro, or the last one to its outro."""
    if conversation.plan is None:
        return
    segment = conversation.plan.segments[0 if first else -1]
    section: SectionLabel = "intro" if first else "outro"
    reading.edits.append(
        EditOperation(
            op="set_section",
            song=SongRequest(query=segment.track_id, track_id=segment.track_id, section=section),
        )
    )


def _duration(clause: Span, conversation: Conversation, reading: Reading) -> None:
    tokens = list(clause)
    for token in tokens:
        if has(token, "LENGTHQ"):
            reading.edits.append(EditOperation(op="set_duration", number=3600))
            return
        scale = value(token, "SCALE")
        if scale is not None:
            reading.edits.append(
                EditOperation(op="set_duration", number=float(scale), relative="scale")
            )
            return
    seconds, number_at = None, 0
    for i, token in enumerate(tokens):
        unit = value(token, "UNIT")
        if unit in ("second", "minute") and i > 0 and has(tokens[i - 1], "NUM"):
            seconds = float(value(tokens[i - 1], "NUM") or 0) * (60 if unit == "minute" else 1)
            number_at = i - 1
            break
    less = any(value(t, "MORE") == "less" for t in tokens)
    if seconds is not None:
        if _names_the_new_length(tokens, number_at, seconds, less, conversation):
            reading.edits.append(EditOperation(op="set_duration", number=seconds))
        else:
            change = -seconds if less else seconds
            reading.edits.append(EditOperation(op="set_duration", number=change, relative="add"))
        return
    bit = any(has(t, "BIT") for t in tokens)
    factor = (0.9 if bit else 0.8) if less else (1.1 if bit else 1.25)
    reading.edits.append(EditOperation(op="set_duration", number=factor, relative="scale"))


def _names_the_new_length(
    tokens: Sequence[Token], number_at: int, seconds: float, less: bool, conversation: Conversation
) -> bool:
    """'make it shorter, about 30 seconds' / 'longer, to 4 minutes' name the length the mix
    should have; 'shorter by 30 seconds', '30 seconds longer' and 'add a minute' name a change.
    The length must also go the asked way from the mix's length now."""
    direction = next(
        (i for i, t in enumerate(tokens[:number_at]) if t.lower_ in ("longer", "shorter")), None
    )
    if direction is None:
        return False
    between = {t.lower_ for t in tokens[direction + 1 : number_at]}
    plan = conversation.plan
    bpms = {t.id: t.bpm for t in conversation.library.values()}
    now = mix_length(plan, bpms) if plan is not None else None
    if "by" in between or any(has(t, "BIT") for t in tokens) or now is None:
        return False  # "shorter by 30 seconds", "a tiny bit shorter, 10 sec": a change
    if not (seconds < now if less else seconds > now):
        return False
    # "shorter, about 30 seconds" / "longer, to 4 minutes" say where to; a bare "longer, 4
    # minutes" does too when as a change it would more than halve or double the mix
    return bool(between & _NEW_LENGTH_LEADS) or ("," in between and seconds > now / 2)


_NEW_LENGTH_LEADS = frozenset({"to", "about", "around", "roughly", "approximately", "like", "than"})


def _tempo(clause: Span, conversation: Conversation, reading: Reading) -> None:
    """'a bit faster', 'slow it down', 'speed it up by 4 bpm', '5% slower': the mix's tempo,
    moved from where it is (a nudge of NUDGE_BPM, a small one of SMALL_NUDGE_BPM)."""
    tokens = list(clause)
    words = {t.lower_ for t in tokens}
    sign = -1.0 if words & _SLOWER_WORDS else 1.0
    for i, token in enumerate(tokens[:-1]):
        if not has(token, "NUM"):
            continue
        amount = float(value(token, "NUM") or 0)
        following = tokens[i + 1]
        if following.text == "%" and 0 < amount < 100:
            factor = 1 + sign * amount / 100
            reading.edits.append(EditOperation(op="set_bpm", number=factor, relative="scale"))
            return
        if value(following, "UNIT") == "bpm" and 0 < amount <= MAX_TEMPO_NUDGE_BPM:
            reading.edits.append(EditOperation(op="set_bpm", number=sign * amount, relative="add"))
            return
    nudge = SMALL_NUDGE_BPM if any(has(t, "BIT") for t in tokens) else NUDGE_BPM
    reading.edits.append(EditOperation(op="set_bpm", number=sign * nudge, relative="add"))


def _one_tempo(clause: Span, conversation: Conversation, reading: Reading) -> None:
    """'keep one tempo the whole way': the set's tempo for every segment, ending a journey;
    'the same tempo as Sunrise': that track's tempo."""
    words = [t.lower_ for t in clause]
    if any(a in ("tempo", "bpm") and b == "as" for a, b in zip(words, words[1:], strict=False)):
        named = [conversation.library.get(t._.track) for t in clause if has(t, TRACK)]
        bpm = next((track.bpm for track in named if track and track.bpm), None)
        if bpm:
            reading.edits.append(EditOperation(op="set_bpm", number=round(bpm, 2)))
        return
    if conversation.plan is not None:
        bpm = conversation.plan.target.bpm
        reading.edits.append(EditOperation(op="set_bpm", number=bpm))


def _loudness(clause: Span, conversation: Conversation, reading: Reading) -> None:
    """'make it louder', 'a bit quieter', 'turn it up': the master's loudness target, moved
    by NUDGE_LU (SMALL_NUDGE_LU for 'a bit'). A LUFS number is read with the settings."""
    if {t.lower_ for t in clause.doc} & {"lufs", "lu", "db"}:
        return  # "louder, -9 LUFS" names the target itself (read with the settings)
    words = {t.lower_ for t in clause}
    sign = -1.0 if words & {"quieter", "softer", "down", "less"} else 1.0
    nudge = SMALL_NUDGE_LU if any(has(t, "BIT") for t in clause) else NUDGE_LU
    reading.edits.append(EditOperation(op="set_lufs", number=sign * nudge, relative="add"))


NUDGE_LU, SMALL_NUDGE_LU = 2.0, 1.0
NUDGE_BPM, SMALL_NUDGE_BPM = 4.0, 2.0
MAX_TEMPO_NUDGE_BPM = 40.0  # "40 bpm faster" is a change; "126 bpm" is a tempo, read elsewhere
_SLOWER_WORDS = frozenset({"slower", "slow", "down", "lower", "decrease", "reduce", "drop"})

_HANDLERS = {
    "secret": _secret,
    "undo": _undo,
    "redo": _redo,
    "goto": _goto,
    "pitch": _pitch,
    "harmonic": _harmonic,
    "tempo_order": _tempo_order,
    "reverse": _reverse,
    "energy_order": _energy_order,
    "replace": _replace,
    "swap": _swap,
    "transition": _transition,
    "remove": _remove,
    "add": _add,
    "move": _move,
    "section_edge": _section_edge,
    "edge_fade": _edge_fade,
    "nudge_start": _nudge_start,
    "duration": _duration,
    "tempo": _tempo,
    "one_tempo": _one_tempo,
    "loudness": _loudness,
}


def library_selection(doc: Doc, library: Sequence[LibraryTrack]) -> TrackSelection | None:
    """The tracks a message describes instead of naming ('my uploads', 'the chill ones')."""
    fields: dict[str, Any] = {}
    tokens = list(doc)
    words = [t.lower_ for t in tokens]
    for i, token in enumerate(tokens):
        if value(token, "EVERYTHING") == "all":
            fields["everything"] = True
        elif value(token, "EVERYTHING") == "pool":
            fields.setdefault("pool", True)
        source = value(token, "SOURCE")
        if source and not _excluded(tokens, i):  # "the demo tracks but not my uploads"
            fields["source"] = source
        genre = value(token, "GENRE")
        if genre:
            field_name = "exclude_genres" if _excluded(tokens, i) else "genres"
            fields.setdefault(field_name, []).append(genre)
        mood = value(token, "MOOD")
        if mood and _excluded(tokens, i):  # "not too slow" asks for no calm mood
            mood = None
        if mood and "mood" not in fields:
            fields["mood"] = mood
        elif mood and fields.get("mood") != mood:
            fields["mood"] = None  # "mellow at first, then harder" is an arc, not a mood
        newest = value(token, "NEWEST")
        if newest:
            count = _nearby_number(tokens, i) or 3
            if newest == "oldest":
                fields["oldest"] = count
            else:
                fields["newest"] = count
    chosen: list[str] = fields.setdefault("genres", [])
    excluded: list[str] = fields.get("exclude_genres", [])
    for genre in sorted({t.genre.lower() for t in library if t.genre}):
        named = genre in doc.text
        if named and genre not in chosen and not any(g in genre for g in chosen + excluded):
            chosen.append(genre)
    if not chosen:
        fields.pop("genres")
    low, high = _bpm_window(tokens, words)
    if low is not None:
        fields["bpm_min"] = low
    if high is not None:
        fields["bpm_max"] = high
    asked_count = _track_count(tokens)
    if asked_count:
        fields["count"] = asked_count
    key = _key_of_tracks(doc)
    if (
        key
        and (fields or any(has(t, "MIXWORD") for t in tokens))
        and not any(has(t, TRACK) for t in tokens)
    ):
        fields["key"] = key
    if "mood" in fields and fields["mood"] is None:
        fields.pop("mood")
    if not fields:
        return None
    fields.pop("pool", None)
    return TrackSelection.model_validate(fields)


def source_groups(doc: Doc) -> list[tuple[str, int | None]]:
    """Each library source the message names, with how many of its tracks it asks for:
    'my two recordings and one of the demo tracks' is [("upload", 2), ("demo", 1)]."""
    tokens = list(doc)
    groups: dict[str, int | None] = {}
    for i, token in enumerate(tokens):
        source = value(token, "SOURCE")
        if source and source not in groups and not _excluded(tokens, i):
            before = [t.lower_ for t in tokens[max(0, i - 3) : i]]
            one_of = before[-2:] == ["one", "of"] or before[:2] == ["one", "of"]
            groups[source] = 1 if one_of else _nearby_number(tokens, i)
    return list(groups.items())


def _key_of_tracks(doc: Doc) -> str | None:
    """'everything I have in A minor': the key the tracks are in."""
    words = [t.lower_ for t in doc]
    if "in" not in words:
        return None
    found = find_key(fold(doc.text))
    return found[0] if found else None


def _excluded(tokens: Sequence[Token], i: int) -> bool:
    return any(
        t.lower_ in ("except", "not", "no", "without", "minus", "but")
        for t in tokens[max(0, i - 3) : i]
    )


def _nearby_number(tokens: Sequence[Token], i: int) -> int | None:
    for token in list(tokens[max(0, i - 3) : i])[::-1] + list(tokens[i + 1 : i + 3]):
        if has(token, "NUM") and not has(token, "UNIT"):
            try:
                return max(1, int(float(value(token, "NUM") or 0)))
            except ValueError:
                return None
    return None


# "nothing too fast" / "nothing too slow": a limit without a number, a DJ's moderate range.
NOT_TOO_FAST_BPM, NOT_TOO_SLOW_BPM = 120.0, 90.0
_NEGATIONS = frozenset(("nothing", "no", "not", "none", "never"))


def _bpm_window(tokens: Sequence[Token], words: Sequence[str]) -> tuple[float | None, float | None]:
    limit = _unnumbered_limit(words)
    if limit != (None, None):
        return limit
    numbers = [
        (i, float(value(t, "NUM") or 0))
        for i, t in enumerate(tokens)
        if has(t, "NUM") and 40 <= float(value(t, "NUM") or 0) <= 250
    ]
    if (
        not numbers
        or "bpm" not in words
        and not any(
            w in ("around", "about", "under", "below", "over", "above", "between") for w in words
        )
    ):
        return None, None
    if "between" in words and len(numbers) >= 2:
        return min(numbers[0][1], numbers[1][1]), max(numbers[0][1], numbers[1][1])
    i, number = numbers[0]
    lead = set(words[max(0, i - 2) : i])
    # "nothing over 110": a negated bound is the other one.
    negated = bool(set(words[max(0, i - 4) : i]) & _NEGATIONS)
    if lead & {"under", "below", "less", "slower"}:
        return (number, None) if negated else (None, number)
    if lead & {"over", "above", "faster", "more"}:
        return (None, number) if negated else (number, None)
    if (
        lead & {"around", "about", "roughly", "approx", "~", "like"}
        or "bpm" in words[i + 1 : i + 2]
    ):
        if lead & {"at"}:
            return None, None  # "at 124 bpm" is a target tempo, not a selection
        return number - 5, number + 5
    return None, None


def _unnumbered_limit(words: Sequence[str]) -> tuple[float | None, float | None]:
    """'nothing too fast', 'not too fast', 'no fast tracks': a tempo bound with no number."""
    for i, word in enumerate(words):
        if word in ("fast", "slow") and set(words[max(0, i - 3) : i]) & _NEGATIONS:
            return (None, NOT_TOO_FAST_BPM) if word == "fast" else (NOT_TOO_SLOW_BPM, None)
    return None, None


def _track_count(tokens: Sequence[Token]) -> int | None:
    """'3 tracks', '2 techno tunes', 'my 2 most energetic tracks', 'the 3 calmest songs'."""
    for i, token in enumerate(tokens[:-1]):
        if not has(token, "NUM") or has(token, "UNIT"):
            continue
        # Describing words may stand between the number and the tracks.
        following = next(
            (t for t in tokens[i + 1 : i + 4] if not (has(t, "MOOD") or has(t, "GENRE"))), None
        )
        if following is not None and (
            has(following, "THING")
            or has(following, "GENRE")
            or following.lower_ in ("track", "tracks", "songs")
            or (following is not tokens[i + 1] and following.lower_ in ("ones", "tunes"))
        ):
            try:
                count = int(float(value(token, "NUM") or 0))
            except ValueError:
                return None
            return count if 1 <= count <= 50 else None
    return None
