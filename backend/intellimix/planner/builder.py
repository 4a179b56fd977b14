"""The deterministic plan builder every provider ends in (DESIGN §8).

A provider reads the words into a `MixIntent`; `build_reply` turns that intent, the library and
the current plan into a reply: a validated draft plan, questions about songs it cannot pin down,
a generation request, suggestions, a clarification about an attached timeline, an answer to a
question about tracks (`analysis`), a feedback request (`planner.feedback`), or a chat answer.
Nothing here reads words, so a cloud model's reading and the local one are planned alike.

Questions about songs carry their intent in the question id (`songs.song_question_id`), so the
answer can be read back by any provider without stored state. A clarification about an attached
timeline is answered by repeating the message and attachment with an answer to `timeline`.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from intellimix.planner import analysis, feedback
from intellimix.planner.arrange import (
    TOO_LONG_FOR_ITS_SEGMENTS,
    assign_transitions,
    choose_bpm,
    default_transition,
    grid_of,
    order_slots,
    part_for,
    slot_for,
)
from intellimix.planner.changes import describe_changes, plan_changes
from intellimix.planner.compose import (
    DEFAULT_LUFS,
    Settings,
    Story,
    compatibility,
    compose,
    warnings,
    with_key,
)
from intellimix.planner.intent import PromptError, parse_prompt
from intellimix.planner.plan import MixPlan, Target, TransitionType
from intellimix.planner.revisions import apply_edits, resolve, unresolved
from intellimix.planner.selection import matching_tracks, select_tracks
from intellimix.planner.songs import MIN_SCORE, match_song, song_question_id
from intellimix.planner.suggest import suggest_tracks
from intellimix.planner.turns import (
    EditOperation,
    FeedbackAsk,
    GenerationRequest,
    LibraryTrack,
    MixIntent,
    PlannerReply,
    PlannerRequest,
    Question,
    QuestionOption,
    SongRequest,
)

Provider = Literal["local", "gemini"]
QUESTION_OPTIONS = 5
TIMELINE_QUESTION = "timeline"
TIMELINE_OPTIONS = (
    (
        "keep_attached_cuts",
        "Keep my edited cuts",
        "Apply only tempo, key, loudness and transitions",
    ),
    ("replan_with_prompt", "Replan from my message", "Ignore the edited timeline"),
    ("replace_timeline", "Use my timeline as it is", "Ignore the message"),
)
# Edits that change which tracks play, in what order, or where they are cut.
CUT_OPS = frozenset(
    {"reorder", "swap", "add_track", "remove_track", "replace_track", "set_section"}
    | {"set_duration", "set_energy"}
)


@dataclass(frozen=True)
class _Turn:
    request: PlannerRequest
    intent: MixIntent
    library: Mapping[str, LibraryTrack]
    provider: Provider

    def reply(self, kind: str, text: str, **fields: object) -> PlannerReply:
        """A reply of this turn, with its intent and provider."""
        return PlannerReply.model_validate(
            {"kind": kind, "text": text, "intent": self.intent, "provider": self.provider, **fields}
        )


def build_reply(
    request: PlannerRequest, intent: MixIntent, *, provider: Provider = "local"
) -> PlannerReply:
    """The reply to one planning turn, from what the words asked for."""
    turn = _Turn(request, intent, {t.id: t for t in request.library}, provider)
    # Words that ask nothing of their own ("use my timeline", "thanks") send the attached
    # timeline: the edit is the request.
    if request.attached_segments and intent.action in ("mix", "revise", "chat"):
        return _with_attachment(turn)
    return _answer(turn, request.current_plan)


def _answer(turn: _Turn, current: MixPlan | None) -> PlannerReply:
    intent = turn.intent
    if intent.action == "navigate" and intent.navigation is not None:
        return turn.reply("navigate", _navigation_text(intent), navigation=intent.navigation)
    if intent.action == "revise" and current is None:
        return _which_tracks(turn, "There is no mix yet to change.")
    if intent.action == "generate":
        return _generate(turn)
    if intent.action == "suggest":
        return _suggest(turn, current)
    if intent.action == "analyze":
        return _analyze(turn, current)
    if intent.action == "feedback":
        met = feedback.meet(turn.request, intent.feedback or FeedbackAsk(), turn.library)
        return turn.reply("feedback" if met.turn else "chat", met.text, feedback=met.turn)
    if intent.action == "chat":
        return _chat(turn, current)
    # Tempo or loudness words without songs change the plan there is, rather than start anew.
    touches_plan = intent.action == "revise" or (not intent.songs and _scalar_edits(intent))
    if current is not None and touches_plan:
        return _revise(turn, current, _all_edits(intent))
    return _mix(turn)


# --- a new plan -------------------------------------------------------------------------------


def _mix(turn: _Turn) -> PlannerReply:
    intent, library = turn.intent, turn.library
    chosen_because: list[str] = []
    if not intent.songs:
        if not library:
            return turn.reply(
                "chat", "Your library is empty: add some tracks and I can plan a mix."
            )
        described = (intent.selection, intent.duration_s, intent.energy, intent.bpm, intent.key)
        if not any(v is not None for v in described) and not intent.use_case:
            return _which_tracks(turn, "Happy to.")
        intent, chosen_because = _selected(turn)
        turn = _Turn(turn.request, intent, library, turn.provider)
    found = [resolve(song.query, song.track_id, library) for song in intent.songs]
    songs = [
        song.model_copy(update={"track_id": track_id})
        for song, (track_id, _) in zip(intent.songs, found, strict=True)
    ]
    # Songs the library has nothing like (no track, no near name): the chat may import them.
    absent = [
        song.query
        for song, (track_id, candidates) in zip(intent.songs, found, strict=True)
        if track_id is None and not candidates and song.track_id is None
    ]
    missing = [n for i, n in enumerate(absent) if n.lower() not in {a.lower() for a in absent[:i]}]
    known = [song for song in songs if song.track_id]
    if len(known) + len(absent) < len(songs) or not known:
        # A near name or a stale track is asked about; so is a mix of nothing but missing songs,
        # offering tracks that would mix with the ones that resolved.
        seed = next((library[s.track_id] for s in known if s.track_id), None)
        questions = [
            _song_question(turn, f"songs.{index}", song.query, candidates, seed=seed)
            for index, (song, (track_id, candidates)) in enumerate(
                zip(intent.songs, found, strict=True)
            )
            if track_id is None
        ]
        return turn.reply(
            "questions", _questions_text(questions), questions=questions, unresolved_songs=missing
        )
    if missing:
        # The plan goes on with the songs the library has; the missing ones are named, so the
        # chat can offer to import them and plan again.
        chosen_because = [f"I couldn't find {quoted_names(missing)} in your library."]
    songs = known
    intent = intent.model_copy(update={"songs": songs})
    turn = _Turn(turn.request, intent, library, turn.provider)

    notes: list[str] = []
    slots = []
    for song in songs:
        track = library[song.track_id or ""]
        grid = grid_of(track)
        part, part_notes = part_for(track, grid, song)
        slots.append(slot_for(track, part, grid))
        notes += part_notes
    ordered, order_reason = order_slots(slots, fixed=intent.order_fixed, energy=intent.energy)
    prefs = turn.request.preferences
    bpm, tempo_reason = choose_bpm([s.track for s in ordered], intent.bpm, prefs)
    key = _target_key(intent.key, notes)
    keyed, key_notes = with_key(ordered, key)
    playing = [s.track.id for s in keyed]
    asked, transition_notes = _asked_transitions(turn, songs, playing)
    fallback = default_transition(prefs)
    placed, assign_notes = assign_transitions(keyed, asked, fallback)
    duration = intent.duration_s or (prefs.duration_s if prefs else None)
    lufs = intent.lufs if intent.lufs is not None else (prefs.lufs if prefs else None)
    settings = Settings(
        bpm,
        key,
        duration,
        lufs if lufs is not None else DEFAULT_LUFS,
        journey=intent.bpm is None,
        default_transition=fallback,
    )
    story = Story(order=order_reason, tempo=tempo_reason, use_case=intent.use_case)
    plan, compose_notes = compose(placed, settings, story, refit=duration is not None)
    notes += key_notes + transition_notes + assign_notes + compose_notes
    if intent.edits:  # an order asked of tracks the set builder chose ("slowest to fastest")
        plan, _, edit_notes, _ = apply_edits(plan, intent.edits, library, preferences=prefs)
        notes += edit_notes
    return _draft(turn, plan, notes, lead=chosen_because, unresolved_songs=missing)


def _selected(turn: _Turn) -> tuple[MixIntent, list[str]]:
    """The intent with the songs the set builder chose for a mix that names none, and why."""
    intent = turn.intent
    prefs = turn.request.preferences
    picked = select_tracks(
        list(turn.library.values()),
        intent.selection,
        duration_s=intent.duration_s or (prefs.duration_s if prefs else None),
        energy=intent.energy,
    )
    songs = [SongRequest(query=t.title, track_id=t.id) for t in picked.tracks]
    return intent.model_copy(update={"songs": songs, "order_fixed": False}), [picked.reason]


def _target_key(asked: str | None, notes: list[str]) -> str | None:
    if asked is None:
        return None
    try:
        return Target(bpm=120, key=asked).key
    except ValueError:
        notes.append(f"'{asked}' is not a key I can read, so no target key is set.")
        return None


def _asked_transitions(
    turn: _Turn, songs: Sequence[SongRequest], playing: Sequence[str]
) -> tuple[list[tuple[str | None, TransitionType | None, int | None]], list[str]]:
    """The transitions asked for, each with the track it leads into (None: every one)."""
    by_query = {song.query.lower(): song.track_id for song in songs}
    asked: list[tuple[str | None, TransitionType | None, int | None]] = []
    notes: list[str] = []
    for request in turn.intent.transitions:
        into: str | None = None
        if request.into is not None:
            into = by_query.get(request.into.lower())
            if into is None:
                into, _ = resolve(request.into, None, turn.library, playing)
            if into is None or into not in playing:
                notes.append(f"No transition leads into '{request.into}'; that request is skipped.")
                continue
        asked.append((into, request.type, request.beats))
    return asked, notes


def _draft(
    turn: _Turn,
    plan: MixPlan,
    notes: Sequence[str],
    operations: Sequence[EditOperation] = (),
    *,
    lead: Sequence[str] = (),
    text: str | None = None,
    unresolved_songs: Sequence[str] = (),
) -> PlannerReply:
    used = {s.track_id: turn.library[s.track_id] for s in plan.segments}
    found = warnings(plan, used)
    text = text or " ".join([*lead, f"{plan.title}: {plan.summary}"])
    if notes:
        text += f" Note: {notes[0]}"
    return turn.reply(
        "draft",
        text,
        plan=plan,
        operations=list(operations),
        compatibility=compatibility(plan, used),
        warnings=found,
        notes=list(notes),
        unresolved_songs=list(unresolved_songs),
    )


# --- a revision -------------------------------------------------------------------------------


def _scalar_edits(intent: MixIntent) -> list[EditOperation]:
    """The intent's tempo, key, length, loudness, transition and energy words as edits."""
    values = [
        ("set_bpm", "number", intent.bpm),
        ("set_key", "text", intent.key),
        ("set_duration", "number", intent.duration_s),
        ("set_lufs", "number", intent.lufs),
        ("set_energy", "text", intent.energy),
    ]
    edits = [
        EditOperation.model_validate({"op": op, field: value})
        for op, field, value in values
        if value is not None
    ]
    edits += [
        EditOperation.model_validate({"op": "set_transition", "transition": t})
        for t in intent.transitions
    ]
    return edits


def _all_edits(intent: MixIntent) -> list[EditOperation]:
    """The explicit edits, then the intent's own fields for whatever the edits leave out."""
    named = {(e.op, e.transition.into if e.transition else None) for e in intent.edits}
    extra = [
        e
        for e in _scalar_edits(intent)
        if (e.op, e.transition.into if e.transition else None) not in named
    ]
    return [*intent.edits, *extra]


def _revise(turn: _Turn, current: MixPlan, edits: Sequence[EditOperation]) -> PlannerReply:
    missing = unresolved(edits, current, turn.library)
    if missing:
        intent = turn.intent.model_copy(update={"edits": list(edits)})
        seed = turn.library.get(current.segments[-1].track_id)
        questions = [
            _song_question(turn, m.where, m.query, m.candidates, seed=seed, intent=intent)
            for m in missing
        ]
        # A song to bring in that nothing in the library is like: the chat may import it.
        absent = [m.query for m in missing if not m.candidates and m.query]
        return turn.reply(
            "questions", _questions_text(questions), questions=questions, unresolved_songs=absent
        )
    revised, applied, notes, said_changes = apply_edits(
        current, edits, turn.library, preferences=turn.request.preferences
    )
    if not applied:
        said = notes[0] if notes else "There was nothing in the message to change."
        return turn.reply("chat", f"I left the plan as it was. {said}", notes=notes)
    bpms = {t.id: t.bpm for t in turn.library.values()}
    changes = plan_changes(current, revised, track_bpms=bpms)
    if changes.unchanged:
        # The same plan again, so the card stays in view: already as asked, or the plan's
        # rules took the change back (a blend as long as its segments allow), saying why.
        shortened = [n for n in notes if TOO_LONG_FOR_ITS_SEGMENTS in n]
        if shortened:
            rest = [n for n in notes if n not in shortened]
            return _draft(turn, current, rest, applied, text=f"Nothing changed. {shortened[0]}")
        said = " ".join(said_changes) or "it already is that way"
        return _draft(turn, current, notes, applied, text=f"Already done — {said}")
    titles = {t.id: t.title for t in turn.library.values()}
    return _draft(turn, revised, notes, applied, text=describe_changes(changes, titles))


# --- an attached timeline ---------------------------------------------------------------------


def _attached_plan(turn: _Turn) -> MixPlan | None:
    """The edited timeline as a plan, under the current plan's target (else a fitting one)."""
    attached = turn.request.attached_segments or []
    segments = [s for s in attached if s.track_id in turn.library]
    if not segments:
        return None
    segments[0] = segments[0].model_copy(update={"transition_in": None})
    current = turn.request.current_plan
    if current is not None:  # the same mix, cut differently: it keeps its name and target
        return MixPlan(title=current.title, target=current.target, segments=segments)
    bpms = [t.bpm for s in segments if (t := turn.library.get(s.track_id)) and t.bpm]
    target = Target(bpm=round(statistics.median(bpms), 1) if bpms else 120.0)
    return MixPlan(title="Edited timeline", target=target, segments=segments)


def _conflicts(turn: _Turn, attached: MixPlan) -> list[str]:
    """What the message asks for that the attached cuts do not do."""
    intent, found = turn.intent, []
    if any(e.op in CUT_OPS for e in intent.edits):
        found.append("it changes tracks, order or cuts")
    if intent.songs:
        ids = [resolve(s.query, s.track_id, turn.library)[0] for s in intent.songs]
        attached_ids = [s.track_id for s in attached.segments]
        if set(ids) != set(attached_ids):
            found.append("it names other tracks than the timeline")
        elif intent.order_fixed and ids != list(dict.fromkeys(attached_ids)):
            found.append("it asks for another order")
        if any(s.section or s.start_s is not None or s.end_s is not None for s in intent.songs):
            found.append("it asks for other sections")
    if intent.energy in ("rising", "falling", "peak"):
        found.append("its energy curve would reorder the timeline")
    if intent.duration_s is not None:
        found.append("a new length would move the cuts")
    return found


def _with_attachment(turn: _Turn) -> PlannerReply:
    attached = _attached_plan(turn)
    if attached is None:
        return turn.reply("chat", "The attached timeline uses no track from your library.")
    choice = next(
        (
            a.selected_option_id
            for a in turn.request.answers
            if a.question_id == TIMELINE_QUESTION and a.selected_option_id
        ),
        None,
    )
    if choice == "replan_with_prompt":
        return _answer(turn, turn.request.current_plan)
    if choice == "replace_timeline":
        return _revise_or_keep(turn, attached, [])
    scalar = [e for e in _all_edits(turn.intent) if e.op not in CUT_OPS]
    if choice == "keep_attached_cuts":
        return _revise_or_keep(turn, attached, scalar)
    conflicts = _conflicts(turn, attached)
    if conflicts:
        question = Question(
            question_id=TIMELINE_QUESTION,
            question=f"Your message conflicts with the edited timeline ({'; '.join(conflicts)}). "
            "What should I do?",
            options=[
                QuestionOption(id=id_, label=label, description=description)
                for id_, label, description in TIMELINE_OPTIONS
            ],
            allow_other=False,
        )
        return turn.reply("clarification", question.question, questions=[question])
    return _revise_or_keep(turn, attached, scalar)


def _revise_or_keep(turn: _Turn, attached: MixPlan, edits: Sequence[EditOperation]) -> PlannerReply:
    """The attached timeline with the edits (possibly none) applied and validated."""
    if edits:
        return _revise(turn, attached, edits)
    plan, _, notes, _ = apply_edits(
        attached, [], turn.library, preferences=turn.request.preferences
    )
    return _draft(turn, plan, notes)


# --- questions --------------------------------------------------------------------------------


def _option(track: LibraryTrack) -> QuestionOption:
    by = f" — {track.artist}" if track.artist else ""
    facts = [f"{track.bpm:g} BPM" if track.bpm else "", track.key or ""]
    return QuestionOption(
        id=track.id, label=f"{track.title}{by}", description=", ".join(f for f in facts if f)
    )


def _song_question(
    turn: _Turn,
    slot: str,
    query: str,
    candidates: Sequence[str],
    *,
    seed: LibraryTrack | None,
    intent: MixIntent | None = None,
) -> Question:
    """Which track a song means: its candidates (the closest titles), else suggestions."""
    library = turn.library
    options = [c for c in candidates if c in library]
    # Tracks that each answer to the name ("Home" by two artists), not one that does and
    # others that only look a little like it ("Iron": Iron Lung, Amen Horizon).
    named = [c for c in options if match_song(query, [library[c]]).score >= MIN_SCORE]
    same_name = len(named) >= 2
    if same_name and slot.startswith("songs"):
        # A mix may well want every track of that name ("mix Home" → "both").
        shown = named[:QUESTION_OPTIONS]
        every = "Both" if len(shown) == 2 else f"All {len(shown)}"
        return Question(
            question_id=song_question_id(intent or turn.intent, slot),
            question=f'Which "{query}" do you mean? You can pick more than one.',
            options=[
                *(_option(library[c]) for c in shown),
                QuestionOption(id=ALL_TRACKS, label=every),
            ],
            multi_select=True,
        )
    if same_name:
        text = f'Which "{query}" do you mean?'
    elif len(options) == 1:
        text = f'Did you mean "{library[options[0]].title}" for "{query}"?'
    elif options:
        text = f'Did you mean one of these for "{query}"?'
    else:
        text = f'I can\'t find "{query}" in your library. Which track should play instead?'
        ranked = suggest_tracks(list(library.values()), seed, count=QUESTION_OPTIONS)
        options = [s.track_id for s in ranked]
    return Question(
        question_id=song_question_id(intent or turn.intent, slot),
        question=text,
        options=[_option(library[c]) for c in options[:QUESTION_OPTIONS]],
    )


def _navigation_text(intent: MixIntent) -> str:
    navigation = intent.navigation
    assert navigation is not None  # checked by the caller
    if navigation.action == "goto":
        return f"Going back to plan {navigation.draft_number}."
    steps = navigation.steps
    if navigation.action == "redo":
        return "Redoing the latest changes." if steps > 1 else "Redoing the last change."
    return f"Undoing the last {steps} changes." if steps > 1 else "Undoing the last change."


ALL_TRACKS = "all"


def _which_tracks(turn: _Turn, lead: str) -> PlannerReply:
    """Which tracks to mix: a multi-select question with the best-fitting tracks and 'all'."""
    library = turn.library
    if not library:
        return turn.reply("chat", f"{lead} Your library is empty: add some tracks first.")
    ranked = suggest_tracks(list(library.values()), None, count=QUESTION_OPTIONS)
    options = [_option(library[s.track_id]) for s in ranked]
    options.append(QuestionOption(id=ALL_TRACKS, label=f"All of them ({len(library)} tracks)"))
    question = Question(
        question_id=song_question_id(MixIntent(action="mix"), "songs"),
        question=f"{lead} Which tracks should I mix? Pick several, or all of them.",
        options=options,
        multi_select=True,
    )
    return turn.reply("questions", question.question, questions=[question])


def _questions_text(questions: Sequence[Question]) -> str:
    return " ".join(q.question for q in questions)


def quoted_names(names: Sequence[str]) -> str:
    """'"A"', '"A" and "B"', '"A", "B" and "C"'."""
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- generation, suggestions, analysis, chat --------------------------------------------------


def _generate(turn: _Turn) -> PlannerReply:
    generation = turn.intent.generation or GenerationRequest(prompt=turn.request.message)
    try:
        spec = parse_prompt(generation.prompt)
    except PromptError as exc:
        return turn.reply("chat", exc.message)
    text = (
        f"I'll compose a new {spec.genre.replace('_', ' ')} track: {spec.bpm:g} BPM in "
        f"{spec.key}, about {round(spec.duration_s)} s."
    )
    return turn.reply("generate", text, generation=generation, notes=spec.notes)


def _suggest(turn: _Turn, current: MixPlan | None) -> PlannerReply:
    intent, library = turn.intent, turn.library
    seed_id = None
    if intent.songs:
        seed_id, _ = resolve(intent.songs[0].query, intent.songs[0].track_id, library)
    elif current is not None:
        seed_id = current.segments[-1].track_id
    seed = library.get(seed_id or "")
    playing = [s.track_id for s in current.segments] if current else []
    ranked = suggest_tracks(
        list(library.values()),
        seed,
        bpm=intent.bpm or (current.target.bpm if current else None),
        count=intent.suggest_count or QUESTION_OPTIONS,
        energy=intent.energy,
        exclude=playing,
    )
    if not ranked:
        return turn.reply("chat", "There is nothing else in your library to suggest.")
    after = f" after {seed.title}" if seed else ""
    listed = "; ".join(f"{library[s.track_id].title} ({s.reasons[0]})" for s in ranked[:3])
    return turn.reply("suggestions", f"Tracks that would fit{after}: {listed}.", suggestions=ranked)


def _analyze(turn: _Turn, current: MixPlan | None) -> PlannerReply:
    """Facts about the tracks asked about; the current plan is left as it is."""
    intent = turn.intent
    if intent.selection is not None and not intent.songs:
        matching = matching_tracks(list(turn.library.values()), intent.selection)
        if not matching:
            return turn.reply("analysis", "No track in your library matches that.")
        songs = [SongRequest(query=t.title, track_id=t.id) for t in matching]
        intent = intent.model_copy(update={"songs": songs, "selection": None})
        text, report = analysis.answer(intent, turn.library, [])
        names = ", ".join(t.title for t in matching)
        return turn.reply("analysis", f"{len(matching)} match: {names}.\n{text}", analysis=report)
    playing = list(dict.fromkeys(s.track_id for s in current.segments)) if current else []
    text, report = analysis.answer(intent, turn.library, playing)
    if current is not None and not intent.songs:
        text = f"{_mix_facts(turn, current)}\n{text}"
    return turn.reply("analysis", text, analysis=report)


def _mix_facts(turn: _Turn, plan: MixPlan) -> str:
    """The mix as a whole: length, tracks, tempo, and how its keys step."""
    used = {
        s.track_id: turn.library[s.track_id] for s in plan.segments if s.track_id in turn.library
    }
    scored = compatibility(plan, used)
    clashes = [c for c in scored if c.key_relation == "clash"]
    steps = len(plan.segments) - 1
    keys = (
        f"{steps - len(clashes)} of {steps} transitions are key-compatible"
        + (f"; {len(clashes)} clash" if clashes else "")
        if steps
        else "one track, no transitions"
    )
    return f"The mix: {plan.summary} {keys}."


def _chat(turn: _Turn, current: MixPlan | None) -> PlannerReply:
    if current is not None:
        text = (
            f"Your current mix is {current.title}: {current.summary} You can change the order, "
            "a section, the tempo, key, length, loudness or a transition, or approve it to render."
        )
    else:
        text = (
            "Tell me which tracks to mix (for example 'Night Drive into the drop of Sunrise at "
            "124 BPM'), ask me to suggest tracks from your library, or to generate a new one."
        )
    return turn.reply("chat", text)
