"""The local planner's reader: one chat message, in its conversation, as a `MixIntent` (issue 13).

A message is tagged (`tagging`: lexicon concepts, numbers, library tracks), cut into clauses and
each clause matched against the grammar (`grammar`) to find the operation it asks for; the
frames are filled from the clause and the conversation (`operations`). What a turn can be:

* nothing to read, small talk, something off-topic, or a request for secrets → chat;
* undo / redo / go back to an earlier plan → navigate;
* edits of the current plan (transitions at one boundary or all, add / remove / move / swap /
  replace, parts, pitch, harmonic / tempo / energy order, relative or absolute length, tempo,
  key, loudness) → revise, with only what was asked;
* an edit while there is no plan → a question: which tracks to mix (several may be chosen);
* a mix described instead of named ('my uploads', 'the chill ones') → mix with a selection;
* questions about the mix or the library → analyze;
* mix or master feedback on a track, and follow-ups about its report → feedback
  (`reader.feedback`).

Songs named in a new mix, with their parts and time ranges, generation prompts, suggestions and
answers to pending questions are read by the phrase reader (`planner.reading`), which this
reader calls for them.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

from intellimix.planner import reading as phrases
from intellimix.planner.intent import find_key
from intellimix.planner.plan import MixPlan
from intellimix.planner.reader.feedback import read_feedback
from intellimix.planner.reader.lexicon import NUMBER_WORDS
from intellimix.planner.reader.operations import (
    Conversation,
    Reading,
    library_selection,
    positions,
    read_operations,
    source_groups,
)
from intellimix.planner.reader.tagging import TRACK, TRACK_MAYBE, has, tag, value
from intellimix.planner.selection import select_tracks
from intellimix.planner.songs import read_song_question_id
from intellimix.planner.turns import (
    AnalysisFact,
    EditOperation,
    GenerationRequest,
    LibraryTrack,
    MixIntent,
    PlannerRequest,
    Question,
    SongRequest,
    TrackSelection,
)

EDIT_FRAMES = frozenset(
    {"pitch", "harmonic", "tempo_order", "reverse", "energy_order", "replace", "swap"}
    | {"transition", "remove", "add", "move", "section_edge", "duration"}
)
MUSIC_CONCEPTS = (
    "TTYPE", "TRANS", "MIXWORD", "GENRE", "EVERYTHING", "SOURCE", "NEWEST", "GENERATE",
    "SUGGEST", "ORDER", "ENERGY", "LENGTHQ", "SCALE", "SECTION",
)  # fmt: skip
LONG_MESSAGE_TOKENS = 60
ABOUT_MIX = frozenset(
    {"it", "that", "this", "they", "them", "those", "these", "mix", "each", "one", "ones"}
    | {"clash", "clashes", "camelot", "order", "transitions", "set", "first", "last", "now"}
)
REQUEST_VERBS = frozenset(
    {"make", "mix", "blend", "do", "give", "gimme", "create", "build", "throw", "put", "play"}
    | {"generate", "compose", "add", "remove", "swap", "move", "drop", "use", "start", "set"}
)
EDIT_VERBS = frozenset(
    {"fix", "sort", "order", "put", "swap", "move", "shift", "change", "replace", "reverse"}
    | {"take", "drop", "remove", "add", "use", "make", "set", "turn", "bump", "pitch"}
)
# After "can you …": asked for, not asked about ("can you keep one tempo?").
KEEP_VERBS = frozenset({"get", "have", "keep", "stay", "stick"})
CHANGE_WORDS = frozenset(
    {"longer", "shorter", "quicker", "faster", "slower", "louder", "quieter", "smoother"}
    | {"tighter", "harder", "softer", "calmer", "higher", "lower", "snappier", "gentler"}
)
QUESTION_STARTS = frozenset(
    {"what", "whats", "what's", "how", "hows", "how's", "which", "is", "are", "does", "do"}
    | {"did", "any", "can", "tell", "would", "will", "could", "list", "show", "who", "where"}
)
FACT_WORDS: dict[str, AnalysisFact] = {
    "length": "length", "count": "length", "key": "key", "bpm": "bpm", "meter": "meter",
    "energy": "all", "clash": "key",
}  # fmt: skip


def read_message(request: PlannerRequest) -> MixIntent:
    """Read one chat message, in its context, as a MixIntent; odd words never raise."""
    if not request.message.strip():
        return MixIntent(action="chat")
    message = _artists_in_brackets(_unslanged(request.message), request)
    message = _AND_A_HALF.sub(
        lambda m: f"{NUMBER_WORDS.get(m.group(1).lower(), m.group(1))}.5", message
    )
    message = _UNIT_AND_A_HALF.sub(lambda m: f"1.5 {m.group(1)}s", message)
    message = _HALF_A_UNIT.sub(lambda m: f"0.5 {m.group(1)}s", message)
    request = request.model_copy(update={"message": message})
    doc = tag(request.message, request.library)
    if len(doc) > LONG_MESSAGE_TOKENS:
        request, doc = _the_request_in(request, doc)
    corrected = _correction(request, doc)
    if corrected is not None:
        request, doc = corrected
    library = {track.id: track for track in request.library}
    conversation = Conversation(
        plan=request.current_plan,
        library=library,
        focus=list(request.focus_track_ids),
        removed=_removed(request.previous_plan, request.current_plan),
    )
    reading = read_operations(doc, conversation)
    if reading.secret:
        return MixIntent(action="chat")
    feedback = read_feedback(request, doc, asks=_is_question(doc))
    if feedback is not None:
        return feedback
    answered = _answer(request, doc)
    if answered is not None:
        return answered
    if reading.navigation is not None:
        return MixIntent(action="navigate", navigation=reading.navigation)
    if _tagged(doc, "GENERATE") or (
        not reading.frames and phrases.is_generation_request(request.message)
    ):
        read = phrases.read_message(request.model_copy(update={"current_plan": None}))
        if read.action == "generate":
            return read
        return MixIntent(action="generate", generation=GenerationRequest(prompt=request.message))
    if _continues_generation(request, doc):
        follow_up = phrases.read_message(request.model_copy(update={"current_plan": None}))
        if follow_up.action == "generate":
            return follow_up
        return MixIntent(action="generate", generation=GenerationRequest(prompt=request.message))
    if _tagged(doc, "SUGGEST") and not reading.edits:
        return _suggestion(request)
    if _is_question(doc):
        return _question(request, doc, conversation)
    if request.current_plan is not None and reading.edits and not _is_new_mix(doc, reading):
        return _revision(request, reading, doc)
    if request.current_plan is not None and not reading.frames and _sets_only(request, doc):
        return _revision(request, reading, doc)
    if request.current_plan is None and _only_edits(doc, reading):
        return MixIntent(action="revise")  # the builder asks which tracks to mix
    if not _about_music(doc):
        return MixIntent(action="chat")
    read = phrases.read_message(request)
    if read.action in ("generate", "suggest", "analyze"):
        return read
    return _with_energy(_mix_or_chat(request, doc, read), doc)


SLANG = {
    "smth": "something", "sth": "something", "n": "and", "u": "you", "ur": "your",
    "pls": "please", "plz": "please", "shud": "should", "wud": "would", "cud": "could",
    "r": "are", "em": "them", "ya": "you", "tho": "though", "w/": "with", "w": "with",
    "2nd": "second", "b4": "before", "thx": "thanks",
}  # fmt: skip
_WORD = re.compile(r"(?<![\w/])([a-z0-9/]+)(?![\w/])", re.IGNORECASE)


def _unslanged(message: str) -> str:
    """Chat shorthand spelled out ('u', 'n', 'shud'), so every reader sees plain words."""
    return _WORD.sub(lambda m: SLANG.get(m.group(1).lower(), m.group(1)), message)


_BRACKETED = re.compile(r"\(\s*(?:the\s+)?([^()]{2,60}?)(?:\s+(?:one|version|track))?\s*\)")


def _artists_in_brackets(message: str, request: PlannerRequest) -> str:
    """'home (the dj okoro one)' → 'home by dj okoro', when the brackets name an artist."""
    artists = {t.artist.lower() for t in request.library if t.artist}

    def spelled(match: re.Match[str]) -> str:
        inside = match.group(1).strip().lower()
        return f" by {inside} " if inside in artists else match.group(0)

    return _BRACKETED.sub(spelled, message)


def _correction(request: PlannerRequest, doc: Doc) -> tuple[PlannerRequest, Doc] | None:
    """'oh i meant the second': the previous message again, with the ordinal corrected."""
    words = [t.lower_ for t in doc]
    if "meant" not in words or not request.recent_messages:
        return None
    new = next((t for t in doc if has(t, "ORD")), None)
    if new is None:
        return None
    before = tag(request.recent_messages[-1], request.library)
    old = next((t for t in before if has(t, "ORD")), None)
    if old is None:
        return None
    text = before.text[: old.idx] + new.text + before.text[old.idx + len(old.text) :]
    return request.model_copy(update={"message": text}), tag(text, request.library)


def _tagged(doc: Doc, concept: str) -> bool:
    return any(has(t, concept) for t in doc)


_FIXED_ORDER = re.compile(
    r"\b(?:in (?:that|this|the same) order|in order|as listed|in the order)\b"
)
# "2 and a half minutes", "two and a half minutes" → "2.5 minutes" (the "half" alone would
# read as halving the mix).
_AND_A_HALF = re.compile(
    r"\b(\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\s+and\s+a\s+half\b",
    re.IGNORECASE,
)
# "a minute and a half shorter" is 90 s, not "half as long"; "half a minute" is 30 s.
_UNIT_AND_A_HALF = re.compile(
    r"\b(?:a|an|one)\s+(minute|min|hour|second|sec)\s+and\s+a\s+half\b", re.IGNORECASE
)
_HALF_A_UNIT = re.compile(r"\bhalf\s+(?:a|an)\s+(minute|min|hour)\b", re.IGNORECASE)


def _the_request_in(request: PlannerRequest, doc: Doc) -> tuple[PlannerRequest, Doc]:
    """A long message read for its request: the sentences that ask for something musical."""
    asking = [
        sentence
        for sentence in _sentences(doc)
        if any(t.lower_ in REQUEST_VERBS for t in sentence)
        and any(has(t, "MIXWORD") or has(t, "GENERATE") or has(t, TRACK) for t in sentence)
    ]
    text = asking[-1].text if asking else ""
    shorter = request.model_copy(update={"message": text})
    return shorter, tag(text, request.library)


def _sentences(doc: Doc) -> list[Span]:
    spans, start = [], 0
    for token in doc:
        if token.text in (".", "!", "?") or token.lower_ in ("so", "anyway"):
            if token.i > start:
                spans.append(doc[start : token.i + 1])
            start = token.i + 1
    if start < len(doc):
        spans.append(doc[start:])
    return spans


def _about_music(doc: Doc | Span) -> bool:
    """Anything a mix studio could act on: a track, a music word, a length or tempo."""
    for token in doc:
        if has(token, TRACK) or has(token, TRACK_MAYBE):
            return True
        if any(has(token, c) for c in MUSIC_CONCEPTS + ("MOOD", "UNDO", "LEN")):
            return True
        if has(token, "UNIT") and token.i > 0 and has(token.doc[token.i - 1], "NUM"):
            return True
        if token.lower_ in ("lufs", "louder", "quieter", "loud", "quiet", "bpm", "key", "tempo"):
            return True
        if len(token.text) <= 3 and find_key(
            token.text.upper() if token.text[:-1].isdigit() else token.text
        ):
            return True
        number = _number(token)
        if number is not None and (60 <= number <= 200 or -30 <= number <= -5):
            return True
    return False


def _number(token: object) -> float | None:
    raw = value(token, "NUM")  # type: ignore[arg-type]
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _continues_generation(request: PlannerRequest, doc: Doc) -> bool:
    """'and a techno track at 130' right after asking for a new track: another generation."""
    if not request.recent_messages or _tagged(doc, TRACK):
        return False
    previous = request.recent_messages[-1]
    if not (
        _tagged(tag(previous, request.library), "GENERATE")
        or phrases.is_generation_request(previous)
    ):
        return False
    describes_track = any(t.lower_ in ("track", "beat", "tune", "one", "song") for t in doc)
    settles = _tagged(doc, "GENRE") or _tagged(doc, "NUM") or _tagged(doc, "MOOD")
    # Without a mix, "make it 126 and in G minor" can only mean the track just asked for.
    return settles and (describes_track or request.current_plan is None)


def _answer(request: PlannerRequest, doc: Doc) -> MixIntent | None:
    """An answer to pending questions: chosen options, 'all of them', or names."""
    if not (request.pending_questions or request.answers):
        return None
    if not request.answers and _is_question(doc) and _tagged(doc, "ASKFACT"):
        return None  # "what tempo is my garage jam?" names a track to ask about, not to pick
    multi = [q for q in request.pending_questions if q.multi_select]
    if multi:
        chosen = _chosen(request, doc, multi[0])
        if chosen is not None:
            return chosen
    return phrases.read_answer(request)


def _chosen(request: PlannerRequest, doc: Doc, question: Question) -> MixIntent | None:
    """The answer to a multi-select question about tracks, as the mix it completes."""
    decoded = read_song_question_id(question.question_id)
    intent, slot = decoded if decoded else (MixIntent(action="mix"), "songs")
    options = [o.id for o in question.options if o.id != "all"]
    given = next((a for a in request.answers if a.question_id == question.question_id), None)
    ids: list[str] = []
    if given is not None:
        ids = list(given.selected_option_ids) or (
            [given.selected_option_id] if given.selected_option_id else []
        )
    elif _tagged(doc, "EVERYTHING") and not _tagged(doc, TRACK):
        ids = ["all"]
    else:
        ids = [t._.track for t in doc if has(t, TRACK) and t._.track]
    if not ids:
        return None
    intent = _with_settings(intent, _beside_tracks(doc))
    if "all" in ids:
        if slot == "songs":
            return intent.model_copy(update={"selection": TrackSelection(everything=True)})
        ids = options
    songs = [SongRequest(query=i, track_id=i) for i in ids]
    if slot.startswith("songs.") and slot[6:].isdigit():
        at = int(slot[6:])
        merged = [*intent.songs[:at], *songs, *intent.songs[at + 1 :]]
        return intent.model_copy(update={"songs": merged})
    return intent.model_copy(update={"songs": [*intent.songs, *songs]})


def _with_settings(intent: MixIntent, message: str) -> MixIntent:
    """An answer that also sets the mix ('all of them, 2 minutes')."""
    settings = phrases.read_settings(message)
    given = {
        name: getattr(settings, name)
        for name in ("bpm", "key", "duration_s", "lufs", "energy")
        if getattr(settings, name) is not None
    }
    return intent.model_copy(update=given)


def _beside_tracks(doc: Doc) -> str:
    """The message without the tracks it names: a title's '126 bpm in C minor' sets nothing."""
    return "".join(" " * len(t.text_with_ws) if has(t, TRACK) else t.text_with_ws for t in doc)


def _suggestion(request: PlannerRequest) -> MixIntent:
    read = phrases.read_message(request)
    if read.action == "suggest":
        return read
    return MixIntent(action="suggest", songs=read.songs)


def _order_edits(doc: Doc) -> list[EditOperation]:
    """An order asked of a new mix ('slowest to fastest'), applied once its tracks are chosen."""
    orders = [value(t, "ORDER") for t in doc if has(t, "ORDER")]
    return [EditOperation(op="order_by", text=o) for o in orders if o != "reverse"][-1:]


def _with_energy(intent: MixIntent, doc: Doc) -> MixIntent:
    """The energy curve the words name ('start chill, end hype', 'build to a peak')."""
    curves = [value(t, "ENERGY") for t in doc if has(t, "ENERGY")]
    moods = [value(t, "MOOD") for t in doc if has(t, "MOOD")]
    if not curves and len(set(moods)) == 2:
        curves = ["rising" if moods[0] == "calm" else "falling"]  # "mellow, then harder"
    if intent.action != "mix" or not curves:
        return intent
    return intent.model_copy(update={"energy": curves[-1]})


def _sets_only(request: PlannerRequest, doc: Doc) -> bool:
    """'put the whole thing in 7A', 'at 125', '-9': settings of the mix there is."""
    if _tagged(doc, TRACK) or _tagged(doc, "MIXWORD") and _tagged(doc, "GENRE"):
        return False
    settings = phrases.read_settings(_beside_tracks(doc))
    if any(v is not None for v in (settings.bpm, settings.key, settings.lufs, settings.duration_s)):
        return True
    return _bare_lufs(doc) is not None


def _removed(previous: MixPlan | None, current: MixPlan | None) -> list[str]:
    if previous is None or current is None:
        return []
    playing = {s.track_id for s in current.segments}
    return [s.track_id for s in previous.segments if s.track_id not in playing]


# --- kinds of turn ----------------------------------------------------------------------------


def _is_question(doc: Doc) -> bool:
    """A question to answer, not a request phrased as one ('can you make a mix…?')."""
    words = [w for t in doc if not t.is_punct for w in t.lower_.split()]
    if not words or _is_request(words):
        return False
    return doc.text.rstrip().endswith("?") or words[0] in QUESTION_STARTS


def _is_request(words: list[str]) -> bool:
    if words[0] in REQUEST_VERBS - {"do"} or words[0] in EDIT_VERBS:
        return True
    polite = words[0] in ("can", "could", "would", "will", "please", "shall") and words[1:2] in (
        ["you"],
        ["u"],
        ["we"],
        ["i"],
    )
    if polite and any(w in REQUEST_VERBS | EDIT_VERBS | KEEP_VERBS for w in words[2:6]):
        return True
    # "could it stay at one tempo?", "can it keep the same tempo?"
    if words[0] in ("can", "could", "would") and words[1:3] in (["it", w] for w in KEEP_VERBS):
        return True
    # "can the second track start a bit later?": a cue point moved, asked as a question
    if (
        words[0] in ("can", "could", "would", "should")
        and {"start", "begin", "come", "kick"} & set(words)
        and {"later", "earlier", "sooner"} & set(words)
    ):
        return True
    # "can the transitions be a bit quicker?", "could it be louder": a change asked as a question
    if words[0] in ("can", "could", "would", "should") and "be" in words[1:5]:
        after = words[words.index("be") + 1 :]
        return any(word in CHANGE_WORDS for word in after)
    return False


def _is_new_mix(doc: Doc, reading: Reading) -> bool:
    """'mix golden hour and neon rain' while a plan exists starts a new mix, not an edit."""
    first = next((t for t in doc if not t.is_punct), None)
    named = sum(1 for t in doc if has(t, TRACK))
    asks_mix = first is not None and first.lower_ in ("mix", "blend", "make", "play", "do")
    return asks_mix and named >= 2 and not ({"add", "remove", "move", "swap"} & set(reading.frames))


def _only_edits(doc: Doc, reading: Reading) -> bool:
    """An edit with nothing to edit: no tracks named or described, no mix asked for."""
    if not (set(reading.frames) & EDIT_FRAMES) and not _scalar_only(doc):
        return False
    if library_selection(doc, []) is not None:
        return False
    return not any(
        has(t, TRACK) or has(t, TRACK_MAYBE) or has(t, "MIXWORD") or has(t, "GENRE")
        or has(t, "EVERYTHING") or has(t, "SOURCE") or has(t, "GENERATE") or has(t, "MOOD")
        for t in doc
    )  # fmt: skip


def _scalar_only(doc: Doc) -> bool:
    """'make it louder', '-9 lufs', 'at 126': settings of a mix, without a mix."""
    words = {t.lower_ for t in doc}
    return bool(words & {"louder", "quieter", "lufs", "faster", "slower", "it", "bpm"}) and not (
        words & {"track", "song", "beat", "lofi"}
    )


def _bare_lufs(doc: Doc) -> float | None:
    """'nah too loud, -9': a lone negative number in the loudness range is a LUFS target."""
    numbers = [n for t in doc if (n := _number(t)) is not None]
    return numbers[0] if len(numbers) == 1 and -30 <= numbers[0] <= -5 else None


def _revision(request: PlannerRequest, reading: Reading, doc: Doc) -> MixIntent:
    """The operations read, plus whatever the words set for the whole mix."""
    settings = phrases.read_settings(_beside_tracks(doc))
    if settings.lufs is None and _bare_lufs(doc) is not None:
        settings = settings.model_copy(update={"lufs": _bare_lufs(doc)})
    edits = list(reading.edits)
    touched = {e.op for e in edits}
    intent = MixIntent(action="revise", edits=edits)
    updates: dict[str, object] = {
        "bpm": settings.bpm,
        "key": settings.key,
        "lufs": settings.lufs,
    }
    if "set_duration" not in touched:
        updates["duration_s"] = settings.duration_s
    return intent.model_copy(update={k: v for k, v in updates.items() if v is not None})


def _question(request: PlannerRequest, doc: Doc, conversation: Conversation) -> MixIntent:
    """A question: about named tracks, the mix, or the library ('what are my techno tracks?')."""
    read = phrases.read_message(request)
    if read.action in ("analyze", "suggest", "generate"):
        return read
    facts = _facts(doc)
    named = [t._.track for t in doc if has(t, TRACK) and t._.track]
    if named:
        if _named_after(doc):
            named = named[::-1]  # "how does Night Runner fit after Velvet Smoke?"
        songs = [SongRequest(query=conversation.library[t].title, track_id=t) for t in named]
        return MixIntent(action="analyze", songs=songs, asked=facts)
    described = library_selection(doc, request.library)
    if described is not None and not described.everything:
        return MixIntent(action="analyze", selection=described, asked=facts)
    about_mix = {t.lower_ for t in doc} & ABOUT_MIX or _tagged(doc, "ASKFACT")
    if conversation.plan is not None and about_mix:
        picked = positions(list(doc), conversation)
        playing = conversation.playing
        ids = [playing[p - 1] for p in picked] if picked else []
        if ids and len(ids) < len(playing):
            songs = [SongRequest(query=i, track_id=i) for i in ids]
            return MixIntent(action="analyze", songs=songs, asked=facts)
        return MixIntent(action="analyze", asked=facts)
    pointing = {t.lower_ for t in doc} & {"they", "them", "those", "it", "both"}
    focus = [t for t in request.focus_track_ids if t in conversation.library]
    if pointing and focus:
        songs = [SongRequest(query=conversation.library[t].title, track_id=t) for t in focus]
        return MixIntent(action="analyze", songs=songs, asked=facts)
    if any(has(t, c) for t in doc for c in MUSIC_CONCEPTS):
        return read
    return MixIntent(action="chat")


def _songs_of_sources(
    groups: list[tuple[str, int | None]],
    selection: TrackSelection,
    library: list[LibraryTrack],
) -> list[SongRequest]:
    """'my two recordings and one of the demo tracks': each source's tracks as the set builder
    chooses them (all of them when no number is said), together as the mix's songs."""
    chosen: list[LibraryTrack] = []
    for source, count in groups:
        wanted = selection.model_copy(update={"source": source, "count": count})
        picked = select_tracks(library, wanted, minimum=1).tracks
        chosen += [t for t in picked[: count or len(picked)] if t not in chosen]
    return [SongRequest(query=t.title, track_id=t.id) for t in chosen]


def _named_after(doc: Doc) -> bool:
    """Two tracks asked about as 'the first … after the second': they play the other way round."""
    tracks = [t.i for t in doc if has(t, TRACK) and t._.track]
    if len(tracks) != 2:
        return False
    between = {t.lower_ for t in doc[tracks[0] + 1 : tracks[1]]}
    return bool(between & {"after", "following", "behind"})


def _facts(doc: Doc) -> list[AnalysisFact]:
    found: list[AnalysisFact] = []
    for token in doc:
        for concept_value in token._.tags.split("|"):
            if concept_value.startswith("ASKFACT="):
                fact = FACT_WORDS.get(concept_value.split("=", 1)[1])
                if fact and fact not in found:
                    found.append(fact)
    return found or ["all"]


def _mix_or_chat(request: PlannerRequest, doc: Doc, read: MixIntent) -> MixIntent:
    """A new mix: named songs (the phrase reader's), or tracks described; else chat."""
    selection = library_selection(doc, request.library)
    groups = source_groups(doc)
    if read.action in ("mix", "chat") and not read.songs and selection and len(groups) > 1:
        songs = _songs_of_sources(groups, selection, request.library)
        if songs:
            base = read if read.action == "mix" else MixIntent(action="mix")
            return base.model_copy(update={"songs": songs, "order_fixed": False})
    named = any(has(t, TRACK) or has(t, TRACK_MAYBE) for t in doc)
    focus = [t for t in request.focus_track_ids if any(x.id == t for x in request.library)]
    pointing = {t.lower_ for t in doc} & {"those", "them", "these"}
    if read.action == "mix" and not read.songs and focus and pointing:
        songs = [SongRequest(query=t, track_id=t) for t in focus]
        return read.model_copy(update={"songs": songs})
    if read.action in ("mix", "revise") and read.songs and _FIXED_ORDER.search(doc.text):
        read = read.model_copy(update={"order_fixed": True})
    if read.action in ("mix", "revise") and read.songs:
        if selection is None:
            return read
        if named:
            return read.model_copy(update={"selection": selection})
        read = read.model_copy(update={"songs": [], "order_fixed": False, "transitions": []})
    music = _about_music(doc)
    if selection is not None and (music or selection.count):
        base = read if read.action == "mix" else MixIntent(action="mix")
        return base.model_copy(update={"selection": selection, "edits": _order_edits(doc)})
    if read.action == "mix" and music:
        return read
    if read.action == "revise" and request.current_plan is not None:
        return read
    return MixIntent(action="chat")
