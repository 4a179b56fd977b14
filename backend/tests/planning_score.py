"""An intent-level score of the local reader against the planning fixtures (issue 7).

The fixtures describe the plan a conversation should end with; the reader only produces
intents. This module folds each turn's intent into a small model of the conversation: a new mix
replaces it, a revision's edit operations are applied to it, a question is asked for every song
left unresolved (ids from `song_question_id`, options from `match_song`, as the builder asks
them), and the next turn is read with a minimal `current_plan` and those pending questions.
Then every property a case expects (tracks, order, sections, bpm, key, duration, loudness,
energy, transitions, questions, generation) is checked, and the checks are tallied per property.

The model applies edits the way the contract describes them (turns.EditOp); it is a yardstick
for reading, not the builder.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from intellimix.audio.tonal import normalize_key
from intellimix.planner.intent import PHRASE_BARS, bars_to_seconds, parse_prompt
from intellimix.planner.plan import MixPlan, Segment, Target, Transition
from intellimix.planner.reading import read_message
from intellimix.planner.songs import match_song, open_song_slots, song_question_id
from intellimix.planner.turns import (
    EditOperation,
    LibraryTrack,
    MixIntent,
    PlannerRequest,
    Question,
    QuestionOption,
    SongRequest,
    TransitionRequest,
)
from tests.planning_library import fixture_cases

TIME_TOLERANCE_S = 0.5


@dataclass
class Conversation:
    """What the conversation has settled so far."""

    songs: list[SongRequest] = field(default_factory=list)
    order_fixed: bool = False
    bpm: float | None = None
    key: str | None = None
    duration_s: float | None = None
    lufs: float | None = None
    energy: str | None = None
    transitions: list[TransitionRequest] = field(default_factory=list)
    generation: str | None = None
    questions: list[Question] = field(default_factory=list)


def _questions(intent: MixIntent, library: list[LibraryTrack]) -> list[Question]:
    """The song questions a builder asks about an intent."""
    titles = {t.id: f"{t.title} — {t.artist}" for t in library}
    return [
        Question(
            question_id=song_question_id(intent, slot),
            question=f"Which song do you mean by {query!r}?" if query else "Which songs?",
            options=[
                QuestionOption(id=c, label=titles[c]) for c in match_song(query, library).candidates
            ],
        )
        for slot, query in open_song_slots(intent, library)
    ]


def minimal_plan(
    songs: list[SongRequest], library: list[LibraryTrack], bpm: float | None = None
) -> MixPlan | None:
    """A plan playing each (resolved) song whole, labelled with its asked section."""
    durations = {t.id: t.duration_s for t in library}
    if not songs or any(s.track_id not in durations for s in songs):
        return None
    return MixPlan(
        target=Target(bpm=bpm or 120.0),
        segments=[
            Segment(
                id=f"s{i}",
                track_id=s.track_id or "",
                label=s.section or "",
                source_start_s=0.0,
                source_end_s=durations[s.track_id or ""],
                transition_in=None if i == 0 else Transition(type="crossfade", beats=16),
            )
            for i, s in enumerate(songs)
        ],
    )


def _index(state: Conversation, ref: str | None) -> int | None:
    return next((i for i, s in enumerate(state.songs) if ref in (s.track_id, s.query)), None)


def _set_transition(state: Conversation, wanted: TransitionRequest) -> None:
    kept = [t for t in state.transitions if wanted.into is not None and t.into != wanted.into]
    old = next((t for t in state.transitions if t.into == wanted.into), None)
    if old is not None and wanted.beats is None and wanted.type in (None, old.type):
        wanted = wanted.model_copy(update={"beats": old.beats})
    if old is not None and wanted.type is None:
        wanted = wanted.model_copy(update={"type": old.type})
    state.transitions = [*kept, wanted]


def _set_part(state: Conversation, song: SongRequest) -> None:
    i = _index(state, song.track_id or song.query)
    if i is None:
        return
    old = state.songs[i]
    if song.section or song.start_s is not None:
        parts = ("section", "occurrence", "start_s", "end_s")
        old = old.model_copy(update={p: getattr(song, p) for p in parts})
    if song.end_on_section:
        old = old.model_copy(update={"end_on_section": song.end_on_section})
    state.songs[i] = old


def _edit(state: Conversation, op: EditOperation) -> None:
    """One edit operation applied to the conversation, as the contract describes it."""
    songs = state.songs
    if op.op == "reorder":
        by_id = {s.track_id: s for s in songs}
        state.songs = [by_id[t] for t in op.tracks if t in by_id]
    elif op.op == "swap":
        i, j = _index(state, op.track), _index(state, op.other)
        if i is not None and j is not None:
            songs[i], songs[j] = songs[j], songs[i]
    elif op.op == "add_track" and op.song is not None:
        songs.insert(len(songs) if op.position is None else op.position, op.song)
    elif op.op == "remove_track":
        i = _index(state, op.track)
        if i is not None:
            songs.pop(i)
    elif op.op == "replace_track" and op.song is not None:
        i = _index(state, op.track)
        if i is not None:
            songs[i] = op.song
    elif op.op == "set_section" and op.song is not None:
        _set_part(state, op.song)
    elif op.op == "set_transition" and op.transition is not None:
        _set_transition(state, op.transition)
    elif op.op in ("set_bpm", "set_duration", "set_lufs"):
        setattr(
            state,
            {"set_bpm": "bpm", "set_duration": "duration_s", "set_lufs": "lufs"}[op.op],
            op.number,
        )
    elif op.op in ("set_key", "set_energy"):
        setattr(state, op.op.removeprefix("set_"), op.text)
    if op.op in ("reorder", "swap", "add_track"):
        state.order_fixed = True


def fold(state: Conversation, intent: MixIntent, library: list[LibraryTrack]) -> Conversation:
    """The conversation after one intent."""
    questions = _questions(intent, library)
    if intent.action == "mix":
        return Conversation(
            songs=list(intent.songs),
            order_fixed=intent.order_fixed,
            bpm=intent.bpm,
            key=intent.key,
            duration_s=intent.duration_s,
            lufs=intent.lufs,
            energy=intent.energy,
            transitions=list(intent.transitions),
            questions=questions,
        )
    if intent.action == "generate" and intent.generation is not None:
        return Conversation(generation=intent.generation.prompt)
    if intent.action == "revise":
        if questions:
            return replace(state, questions=questions)
        revised = replace(state, songs=list(state.songs), transitions=list(state.transitions))
        for op in intent.edits:
            _edit(revised, op)
        return replace(revised, questions=[])
    return replace(state, questions=[])


def run(turns: list[str], library: list[LibraryTrack]) -> tuple[Conversation, list[MixIntent]]:
    """The conversation after these turns, and the intent read from each."""
    state = Conversation()
    intents = []
    for message in turns:
        request = PlannerRequest(
            message=message,
            library=library,
            current_plan=minimal_plan(state.songs, library, state.bpm),
            pending_questions=state.questions,
        )
        intent = read_message(request)
        intents.append(intent)
        state = fold(state, intent, library)
    return state, intents


# --- checks -----------------------------------------------------------------------------------


def _nth_section(track: LibraryTrack, label: str, occurrence: int | None) -> tuple[float, float]:
    named = [s for s in track.sections if s.label == label]
    chosen = named[(occurrence or 1) - 1] if len(named) >= (occurrence or 1) else named[0]
    return chosen.start_s, chosen.end_s


def _section_ok(state: Conversation, want: dict[str, Any], tracks: dict[str, LibraryTrack]) -> bool:
    """The song plays the labelled section, or the time range (directly or via its nth section)."""
    song = next((s for s in state.songs if s.track_id == want["track"]), None)
    if song is None:
        return False
    if "label" in want:
        return want["label"] in (song.section, song.end_on_section)
    if song.start_s is not None and song.end_s is not None:
        span = (song.start_s, song.end_s)
    elif song.section is not None:
        span = _nth_section(tracks[want["track"]], song.section, song.occurrence)
    else:
        return False
    return all(
        abs(a - b) <= TIME_TOLERANCE_S
        for a, b in zip(span, (want["start_s"], want["end_s"]), strict=True)
    )


def _transition_ok(state: Conversation, want: dict[str, Any]) -> bool:
    """A transition into the track has the expected type and beats."""
    ids = [s.track_id for s in state.songs]
    for t in state.transitions:
        into = t.into if t.into is not None else (ids[1] if len(ids) == 2 else None)
        if t.into is None or into == want["into"]:
            if want.get("type") not in (None, t.type):
                continue
            if "beats" in want and want["beats"] != t.beats:
                continue
            if into == want["into"] or t.into is None:
                return True
    return False


def _generation_ok(state: Conversation, name: str, want: Any) -> bool:
    """The generator's parser reads the expected value from the prompt."""
    if state.generation is None:
        return False
    spec = parse_prompt(state.generation)
    if name == "genre":
        return bool(spec.genre == want)
    if name == "key":
        return spec.key == normalize_key(want)
    if name == "duration_s":
        # The generator fits a duration to whole phrases: it lands within half a phrase.
        return abs(spec.duration_s - float(want)) <= bars_to_seconds(PHRASE_BARS, spec.bpm) / 2
    return abs(float(getattr(spec, name)) - float(want)) < 1.0


def check(
    case: dict[str, Any], state: Conversation, library: list[LibraryTrack]
) -> dict[str, bool]:
    """Each property the case expects -> whether the conversation has it."""
    want = case["expect"]
    tracks = {t.id: t for t in library}
    ids = [s.track_id for s in state.songs]
    results: dict[str, bool] = {}
    generating = bool(want.get("generate"))
    for name, value in want.items():
        if name in ("question_about",):
            continue
        if name == "tracks":
            results[name] = ids == value and (state.order_fixed or len(ids) < 2)
        elif name == "tracks_unordered":
            results[name] = sorted(i or "" for i in ids) == sorted(value) and not state.order_fixed
        elif name == "sections":
            results[name] = all(_section_ok(state, s, tracks) for s in value)
        elif name == "transitions":
            results[name] = all(_transition_ok(state, t) for t in value)
        elif name == "questions":
            results[name] = bool(state.questions) == value
        elif name == "generate":
            results[name] = (state.generation is not None) == value
        elif generating and name in ("genre", "bpm", "key", "duration_s"):
            results[name] = _generation_ok(state, name, value)
        elif name == "key":
            results[name] = state.key is not None and normalize_key(state.key) == normalize_key(
                value
            )
        elif name in ("bpm", "duration_s", "lufs"):
            got = getattr(state, name)
            results[name] = got is not None and abs(got - value) < 0.51
        elif name == "energy":
            results[name] = state.energy == value
    return results


@dataclass
class Score:
    """Checks passed and made, per property."""

    passed: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return sum(self.passed.values()) / max(sum(self.total.values()), 1)

    def table(self, title: str) -> str:
        lines = [
            f"{title}: {sum(self.passed.values())}/{sum(self.total.values())} = {self.ratio:.1%}"
        ]
        for name in sorted(self.total):
            lines.append(f"  {name:<18} {self.passed[name]:>3}/{self.total[name]:<3}")
        return "\n".join(lines)


def score(name: str, library: list[LibraryTrack]) -> Score:
    """The intent-level score of one fixture corpus."""
    result = Score()
    for case in fixture_cases(name):
        state, intents = run(case["turns"], library)
        for prop, ok in check(case, state, library).items():
            result.total[prop] += 1
            result.passed[prop] += ok
            if not ok:
                result.failures.append(
                    f"{case['id']}: {prop} — {intents[-1].model_dump(exclude_defaults=True)}"
                )
    return result
