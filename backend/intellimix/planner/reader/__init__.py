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
* questions about the mix or the library → analyze.

Songs named in a new mix, with their parts and time ranges, generation prompts, suggestions and
answers to pending questions are read by the phrase reader (`planner.reading`), which this
reader calls for them.
"""

from __future__ import annotations

from spacy.tokens import Doc

from intellimix.planner import reading as phrases
from intellimix.planner.plan import MixPlan
from intellimix.planner.reader.operations import (
    Conversation,
    Reading,
    library_selection,
    positions,
    read_operations,
)
from intellimix.planner.reader.tagging import TRACK, TRACK_MAYBE, has, tag
from intellimix.planner.turns import AnalysisFact, MixIntent, PlannerRequest, SongRequest

EDIT_FRAMES = frozenset(
    {"pitch", "harmonic", "tempo_order", "reverse", "energy_order", "replace", "swap"}
    | {"transition", "remove", "add", "move", "section_edge", "duration"}
)
NAVIGATION_FRAMES = frozenset({"undo", "redo", "goto"})
MUSIC_CONCEPTS = (
    "TTYPE", "TRANS", "MIXWORD", "GENRE", "EVERYTHING", "SOURCE", "NEWEST", "GENERATE",
    "SUGGEST", "ORDER", "ENERGY", "LENGTHQ", "SCALE",
)  # fmt: skip
QUESTION_STARTS = frozenset(
    {"what", "whats", "what's", "how", "hows", "how's", "which", "is", "are", "does", "do"}
    | {"did", "any", "can", "tell", "would", "will", "could", "list", "show", "who", "where"}
)
FACT_WORDS: dict[str, AnalysisFact] = {
    "length": "length", "count": "length", "key": "key", "bpm": "bpm", "energy": "all",
    "clash": "key",
}  # fmt: skip


def read_message(request: PlannerRequest) -> MixIntent:
    """Read one chat message, in its context, as a MixIntent; odd words never raise."""
    if not request.message.strip():
        return MixIntent(action="chat")
    library = {track.id: track for track in request.library}
    doc = tag(request.message, request.library)
    conversation = Conversation(
        plan=request.current_plan,
        library=library,
        focus=list(request.focus_track_ids),
        removed=_removed(request.previous_plan, request.current_plan),
    )
    reading = read_operations(doc, conversation)
    if reading.secret:
        return MixIntent(action="chat")
    if request.pending_questions or request.answers:
        answered = phrases.read_message(request)
        if answered.action != "chat" or request.answers:
            return answered
    if reading.navigation is not None:
        return MixIntent(action="navigate", navigation=reading.navigation)
    asking = _is_question(doc) and not reading.edits
    if asking:
        return _question(request, doc, conversation)
    if request.current_plan is not None and reading.edits and not _is_new_mix(doc, reading):
        return _revision(request, reading)
    if request.current_plan is None and _only_edits(doc, reading):
        return MixIntent(action="revise")  # the builder asks which tracks to mix
    read = phrases.read_message(request)
    if read.action in ("generate", "suggest", "analyze"):
        return read
    return _mix_or_chat(request, doc, read)


def _removed(previous: MixPlan | None, current: MixPlan | None) -> list[str]:
    if previous is None or current is None:
        return []
    playing = {s.track_id for s in current.segments}
    return [s.track_id for s in previous.segments if s.track_id not in playing]


# --- kinds of turn ----------------------------------------------------------------------------


def _is_question(doc: Doc) -> bool:
    words = [t.lower_ for t in doc if not t.is_punct]
    if not words:
        return False
    if any(has(t, "GENERATE") or has(t, "SUGGEST") for t in doc):
        return False
    return doc.text.rstrip().endswith("?") or words[0] in QUESTION_STARTS


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


def _revision(request: PlannerRequest, reading: Reading) -> MixIntent:
    """The operations read, plus whatever the words set for the whole mix."""
    settings = phrases.read_settings(request.message)
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
        songs = [SongRequest(query=conversation.library[t].title, track_id=t) for t in named]
        return MixIntent(action="analyze", songs=songs, asked=facts)
    described = library_selection(doc, request.library)
    if described is not None and not described.everything:
        return MixIntent(action="analyze", selection=described, asked=facts)
    if conversation.plan is not None:
        picked = positions(list(doc), conversation)
        playing = conversation.playing
        ids = [playing[p - 1] for p in picked] if picked else []
        if ids and len(ids) < len(playing):
            songs = [SongRequest(query=i, track_id=i) for i in ids]
            return MixIntent(action="analyze", songs=songs, asked=facts)
        return MixIntent(action="analyze", asked=facts)
    if any(has(t, c) for t in doc for c in MUSIC_CONCEPTS):
        return read
    return MixIntent(action="chat")


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
    named = any(has(t, TRACK) or has(t, TRACK_MAYBE) for t in doc)
    focus = [t for t in request.focus_track_ids if any(x.id == t for x in request.library)]
    pointing = {t.lower_ for t in doc} & {"those", "them", "these"}
    if read.action == "mix" and not read.songs and focus and pointing:
        songs = [SongRequest(query=t, track_id=t) for t in focus]
        return read.model_copy(update={"songs": songs})
    if read.action in ("mix", "revise") and read.songs:
        return read if selection is None or named else read.model_copy(update={"selection": selection})
    music = any(has(t, c) for t in doc for c in MUSIC_CONCEPTS) or named
    if selection is not None and (music or selection.count):
        base = read if read.action == "mix" else MixIntent(action="mix")
        return base.model_copy(update={"selection": selection})
    if read.action == "mix" and music:
        return read
    if read.action == "revise" and request.current_plan is not None:
        return read
    return MixIntent(action="chat")
