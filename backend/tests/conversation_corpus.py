"""Plays the conversation corpus (tests/fixtures/conversation) against a planner and scores it.

A dialogue is played turn by turn the way the chat plays it: the planner sees the current plan,
the questions still pending and the person's recent messages; a draft becomes the current plan,
a `navigate` reply moves over the plans made so far (undo, redo, go back to the n-th), a
question is pending until the next turn, and a `feedback` reply puts its track's report in
focus for the next turn (as the chat does once the report is written). Each turn's `expect`
(FORMAT.md) is checked against what the planner really did, and the dialogue goes on from
there.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from intellimix.audio.render import derive_timeline
from intellimix.audio.tonal import InvalidKey, normalize_key
from intellimix.planner.compat import camelot
from intellimix.planner.plan import MixPlan
from intellimix.planner.turns import LibraryTrack, PlannerReply, PlannerRequest, Question
from tests.planning_library import fixture_library

CORPUS = Path(__file__).parent / "fixtures" / "conversation"
RECENT_MESSAGES = 6
Respond = Callable[[PlannerRequest], PlannerReply]


@cache
def _extras() -> dict[str, dict[str, Any]]:
    data = json.loads((CORPUS / "library_extra.json").read_text())
    return {entry["ref"]: entry for entry in data["tracks"]}


def corpus_library(refs: Sequence[str] | str = "all") -> list[LibraryTrack]:
    """The fixture library with genre, source and time added, limited to `refs`."""
    extras = _extras()
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    tracks = []
    for track in fixture_library():
        extra = extras[track.id]
        if refs != "all" and track.id not in refs:
            continue
        tracks.append(
            track.model_copy(
                update={
                    "genre": extra["genre"],
                    "source": extra["source"],
                    "added_at": epoch + timedelta(hours=extra["added"]),
                }
            )
        )
    return tracks


def load(part: str) -> list[dict[str, Any]]:
    """The dialogues of `dev` or `blind`."""
    return json.loads((CORPUS / f"{part}.json").read_text())["dialogues"]


# --- playing ----------------------------------------------------------------------------------


@dataclass
class Conversation:
    """What the chat keeps between turns: the plans made (for undo/redo) and pending questions."""

    library: list[LibraryTrack]
    plans: list[MixPlan] = field(default_factory=list)
    cursor: int = -1
    pending: list[Question] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)
    focus: list[str] = field(default_factory=list)
    feedback_track: str | None = None

    @property
    def plan(self) -> MixPlan | None:
        return self.plans[self.cursor] if self.cursor >= 0 else None

    def request(self, message: str) -> PlannerRequest:
        return PlannerRequest(
            message=message,
            library=self.library,
            current_plan=self.plan,
            pending_questions=self.pending,
            recent_messages=self.recent[-RECENT_MESSAGES:],
            focus_track_ids=self.focus,
            previous_plan=self.plans[self.cursor - 1] if self.cursor > 0 else None,
            feedback_track_id=self.feedback_track,
        )

    def take(self, message: str, reply: PlannerReply) -> None:
        """The chat's state after the reply."""
        self.recent.append(message)
        self.pending = list(reply.questions) if reply.kind in ("questions", "clarification") else []
        self.focus = focus_of(reply, self.plan)
        reported = reply.feedback.track_id if reply.kind == "feedback" and reply.feedback else None
        self.feedback_track = reported
        if reply.kind == "draft" and reply.plan is not None:
            del self.plans[self.cursor + 1 :]
            self.plans.append(reply.plan)
            self.cursor = len(self.plans) - 1
        elif reply.kind == "navigate" and reply.navigation is not None:
            self.cursor = navigated(self.cursor, len(self.plans), reply.navigation)


def focus_of(reply: PlannerReply, before: MixPlan | None) -> list[str]:
    """The tracks an answer was about, as the chat records them: a question's tracks,
    suggestions, or the tracks a new draft brought in."""
    if reply.kind == "analysis" and reply.analysis is not None:
        return list(reply.analysis.track_ids)
    if reply.kind == "suggestions":
        return [s.track_id for s in reply.suggestions]
    if reply.kind == "feedback" and reply.feedback is not None and reply.feedback.track_id:
        return [reply.feedback.track_id]
    if reply.kind == "draft" and reply.plan is not None:
        old = {s.track_id for s in before.segments} if before else set()
        return [s.track_id for s in reply.plan.segments if s.track_id not in old]
    return []


def navigated(cursor: int, count: int, navigation: Any) -> int:
    """Where undo / redo / goto moves the current plan: undo and redo go as far as they can,
    a goto to a plan that does not exist stays put."""
    if cursor < 0:
        return cursor
    if navigation.action == "undo":
        return max(cursor - navigation.steps, 0)
    if navigation.action == "redo":
        return min(cursor + navigation.steps, count - 1)
    target = (navigation.draft_number or 0) - 1
    return target if 0 <= target < count else cursor


@dataclass
class TurnResult:
    dialogue: str
    turn: int
    say: str
    reply: PlannerReply
    failures: list[str]

    @property
    def right(self) -> bool:
        return not self.failures


def play(dialogue: Mapping[str, Any], respond: Respond) -> list[TurnResult]:
    conversation = Conversation(corpus_library(dialogue.get("library", "all")))
    after: list[MixPlan | None] = []
    results = []
    for number, turn in enumerate(dialogue["turns"], start=1):
        before = conversation.plan
        reply = respond(conversation.request(turn["say"]))
        conversation.take(turn["say"], reply)
        after.append(conversation.plan)
        library = {t.id: t for t in conversation.library}
        failures = check(turn["expect"], reply, before, conversation.plan, after, library)
        results.append(TurnResult(dialogue["id"], number, turn["say"], reply, failures))
    return results


def score(part: str, respond: Respond) -> tuple[float, list[TurnResult]]:
    """The share of turns fully right over one part of the corpus, and every turn's result."""
    results = [r for d in load(part) for r in play(d, respond)]
    return sum(r.right for r in results) / len(results), results


# --- checking ---------------------------------------------------------------------------------


def check(
    expect: Mapping[str, Any],
    reply: PlannerReply,
    before: MixPlan | None,
    plan: MixPlan | None,
    history: Sequence[MixPlan | None],
    library: Mapping[str, LibraryTrack],
) -> list[str]:
    """Every property of `expect` that does not hold (FORMAT.md), as a sentence."""
    failures = []
    for key, want in expect.items():
        checker = CHECKS.get(key)
        if checker is None:
            failures.append(f"unknown property {key!r}")
            continue
        problem = checker(want, _Seen(reply, before, plan, history, library))
        if problem:
            failures.append(f"{key}: {problem}")
    return failures


@dataclass(frozen=True)
class _Seen:
    reply: PlannerReply
    before: MixPlan | None
    plan: MixPlan | None
    history: Sequence[MixPlan | None]
    library: Mapping[str, LibraryTrack]

    @property
    def tracks(self) -> list[str]:
        return [s.track_id for s in self.plan.segments] if self.plan else []


def _within(value: float | None, want: Any, tolerance: float = 0.0) -> bool:
    if value is None:
        return False
    if isinstance(want, list):
        return want[0] - tolerance <= value <= want[1] + tolerance
    return abs(value - want) <= tolerance


def _needs_plan(check_fn: Callable[[Any, _Seen], str | None]) -> Callable[[Any, _Seen], str | None]:
    def checked(want: Any, seen: _Seen) -> str | None:
        if seen.plan is None:
            return "there is no plan"
        return check_fn(want, seen)

    return checked


def _reply(want: str, seen: _Seen) -> str | None:
    return None if seen.reply.kind == want else f"got {seen.reply.kind} ({seen.reply.text[:120]!r})"


def _changed(want: bool, seen: _Seen) -> str | None:
    same = _dump(seen.before) == _dump(seen.plan)
    if want and same:
        return "the plan did not change"
    if not want and not same:
        return "the plan changed"
    return None


def _dump(plan: MixPlan | None) -> Any:
    return plan.model_dump(mode="json") if plan else None


@_needs_plan
def _tracks(want: list[str], seen: _Seen) -> str | None:
    return None if seen.tracks == want else f"got {seen.tracks}"


@_needs_plan
def _tracks_set(want: list[str], seen: _Seen) -> str | None:
    return None if set(seen.tracks) == set(want) else f"got {sorted(set(seen.tracks))}"


@_needs_plan
def _includes(want: list[str], seen: _Seen) -> str | None:
    missing = [ref for ref in want if ref not in seen.tracks]
    return f"missing {missing} in {seen.tracks}" if missing else None


@_needs_plan
def _excludes(want: list[str], seen: _Seen) -> str | None:
    present = [ref for ref in want if ref in seen.tracks]
    return f"{present} still in {seen.tracks}" if present else None


@_needs_plan
def _count(want: Any, seen: _Seen) -> str | None:
    n = len(seen.tracks)
    return None if _within(n, want) else f"got {n} segments"


@_needs_plan
def _distinct(want: Any, seen: _Seen) -> str | None:
    n = len(set(seen.tracks))
    return None if _within(n, want) else f"got {n} tracks ({seen.tracks})"


def plan_length(plan: MixPlan, library: Mapping[str, LibraryTrack]) -> float:
    bpms = {s.track_id: library[s.track_id].bpm for s in plan.segments}
    return float(derive_timeline(plan.model_dump(), bpms)[-1]["end_s"])


@_needs_plan
def _duration(want: list[float], seen: _Seen) -> str | None:
    assert seen.plan is not None
    length = plan_length(seen.plan, seen.library)
    return None if _within(length, want) else f"got {length:.1f} s"


@_needs_plan
def _bpm(want: Any, seen: _Seen) -> str | None:
    assert seen.plan is not None
    bpm = seen.plan.target.bpm
    return None if _within(bpm, want, 0.5) else f"got {bpm}"


def _same_key(a: str | None, b: str | None) -> bool:
    try:
        return a is not None and b is not None and normalize_key(a) == normalize_key(b)
    except InvalidKey:
        return False


@_needs_plan
def _key(want: str, seen: _Seen) -> str | None:
    assert seen.plan is not None
    return None if _same_key(seen.plan.target.key, want) else f"got {seen.plan.target.key}"


@_needs_plan
def _lufs(want: float, seen: _Seen) -> str | None:
    assert seen.plan is not None
    return None if _within(seen.plan.target.lufs, want, 0.05) else f"got {seen.plan.target.lufs}"


def _transition_problem(plan: MixPlan, index: int, want: Mapping[str, Any]) -> str | None:
    if not 1 <= index < len(plan.segments):
        return f"there is no transition {index}"
    made = plan.segments[index].transition_in
    kind, beats = (made.type, made.beats) if made else ("cut", 0)
    if "type" in want and kind != want["type"]:
        return f"transition {index} is {kind}"
    if "beats" in want and not _within(beats, want["beats"]):
        return f"transition {index} is {beats} beats"
    return None


@_needs_plan
def _transitions(want: Mapping[str, Mapping[str, Any]], seen: _Seen) -> str | None:
    assert seen.plan is not None
    problems = [_transition_problem(seen.plan, int(i), w) for i, w in want.items()]
    found = [p for p in problems if p]
    return "; ".join(found) if found else None


@_needs_plan
def _all_transitions(want: Mapping[str, Any], seen: _Seen) -> str | None:
    assert seen.plan is not None
    if len(seen.plan.segments) < 2:
        return "there is no transition"
    problems = [_transition_problem(seen.plan, i, want) for i in range(1, len(seen.plan.segments))]
    found = [p for p in problems if p]
    return "; ".join(found) if found else None


def _segment_of(plan: MixPlan, ref: str) -> Any:
    return next((s for s in plan.segments if s.track_id == ref), None)


@_needs_plan
def _sections(want: Mapping[str, str], seen: _Seen) -> str | None:
    assert seen.plan is not None
    problems = []
    for ref, label in want.items():
        segment = _segment_of(seen.plan, ref)
        if segment is None or segment.label != label:
            problems.append(f"{ref} plays {segment.label if segment else 'nothing'}")
    return "; ".join(problems) or None


@_needs_plan
def _pitch(want: Mapping[str, int], seen: _Seen) -> str | None:
    assert seen.plan is not None
    problems = []
    for ref, semitones in want.items():
        shifts = [s.pitch_semitones for s in seen.plan.segments if s.track_id == ref]
        if not shifts or any(p != semitones for p in shifts):
            problems.append(f"{ref} shifted {shifts}")
    return "; ".join(problems) or None


def _energies(seen: _Seen) -> list[float]:
    return [seen.library[ref].energy or 0.0 for ref in seen.tracks]


@_needs_plan
def _energy_order(want: str, seen: _Seen) -> str | None:
    values = _energies(seen)
    pairs = list(itertools.pairwise(values))
    if want == "rising":
        ok = all(b >= a for a, b in pairs)
    elif want == "falling":
        ok = all(b <= a for a, b in pairs)
    else:
        top = values.index(max(values)) if values else 0
        ok = 0 < top < len(values) - 1 and all(
            (b >= a) if i < top else (b <= a) for i, (a, b) in enumerate(pairs)
        )
    return None if ok else f"energies {values}"


@_needs_plan
def _tempo_order(want: str, seen: _Seen) -> str | None:
    values = [seen.library[ref].bpm or 0.0 for ref in seen.tracks]
    pairs = list(itertools.pairwise(values))
    ok = all(b >= a for a, b in pairs) if want == "ascending" else all(b <= a for a, b in pairs)
    return None if ok else f"tempi {values}"


def camelot_neighbours(a: str | None, b: str | None) -> bool:
    """Same key, one step around the wheel in the same mode, or the relative major/minor."""
    if a is None or b is None:
        return False
    ca, cb = camelot(a), camelot(b)
    if ca is None or cb is None:
        return False
    na, la, nb, lb = int(ca[:-1]), ca[-1], int(cb[:-1]), cb[-1]
    if la == lb:
        return (na - nb) % 12 in (0, 1, 11)
    return na == nb


def compatible_pairs(keys: Sequence[str | None]) -> int:
    return sum(camelot_neighbours(a, b) for a, b in itertools.pairwise(keys))


@_needs_plan
def _harmonic(want: bool, seen: _Seen) -> str | None:
    assert seen.plan is not None
    keys = [seen.library[s.track_id].key for s in seen.plan.segments]
    best = max(compatible_pairs(p) for p in itertools.permutations(keys))
    got = compatible_pairs(keys)
    return None if got == best else f"{got} compatible neighbours, {best} possible"


def _fingerprint(plan: MixPlan | None) -> dict[str, Any]:
    if plan is None:
        return {}
    parts: dict[str, Any] = {
        "order": [s.track_id for s in plan.segments],
        "tracks": sorted({s.track_id for s in plan.segments}),
        "title": plan.title,
        "pitch": [(s.track_id, s.pitch_semitones) for s in plan.segments],
    }
    for name in ("bpm", "key", "duration_s", "lufs"):
        parts[f"target.{name}"] = getattr(plan.target, name)
    for n, segment in enumerate(plan.segments, start=1):
        parts[f"segment:{n}"] = (
            segment.track_id,
            segment.source_start_s,
            segment.source_end_s,
            segment.gain_db,
        )
        if n > 1:
            t = segment.transition_in
            parts[f"transition:{n - 1}"] = (t.type, t.beats) if t else ("cut", 0)
    return parts


@_needs_plan
def _same_except(allowed: list[str], seen: _Seen) -> str | None:
    old, new = _fingerprint(seen.before), _fingerprint(seen.plan)
    if not old:
        return "there was no plan before"
    may = set(allowed)
    if "order" in may or "tracks" in may:
        may |= {"order", "tracks", "pitch"} | {
            k for k in old | new if k.startswith(("segment:", "transition:"))
        }
    if "segments" in may:
        may |= {k for k in old | new if k.startswith("segment:")}
    if "transitions" in may:
        may |= {k for k in old | new if k.startswith("transition:")}
    differ = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k) and k not in may]
    return f"also changed {differ}" if differ else None


def _same_as_turn(want: int, seen: _Seen) -> str | None:
    if not 1 <= want <= len(seen.history):
        return f"there is no turn {want}"
    return None if _dump(seen.history[want - 1]) == _dump(seen.plan) else "a different plan"


def _multi_select(want: bool, seen: _Seen) -> str | None:
    multi = [
        q for q in seen.reply.questions if q.multi_select and any(o.id == "all" for o in q.options)
    ]
    return None if bool(multi) == want else "no multi-select question with 'all'"


def _feedback(want: Mapping[str, Any], seen: _Seen) -> str | None:
    """The feedback request: track and reference (refs, or null), type, genre, detail,
    follow_up, and `not_found` (true: the track named is not in the library)."""
    asked = seen.reply.feedback
    if asked is None:
        return "no feedback request"
    got = {
        "track": asked.track_id,
        "reference": asked.reference_track_id,
        "type": asked.type,
        "genre": asked.genre,
        "detail": asked.detail,
        "follow_up": asked.follow_up,
        "not_found": bool(asked.not_found),
    }
    wrong = [f"{k} is {got[k]!r}" for k, v in want.items() if got[k] != v]
    return "; ".join(wrong) or None


def _mentions(want: list[str], seen: _Seen) -> str | None:
    missing = [w for w in want if w.lower() not in seen.reply.text.lower()]
    return f"missing {missing} in {seen.reply.text[:160]!r}" if missing else None


def _not_mentions(want: list[str], seen: _Seen) -> str | None:
    present = [w for w in want if w.lower() in seen.reply.text.lower()]
    return f"says {present}" if present else None


CHECKS: dict[str, Callable[[Any, _Seen], str | None]] = {
    "reply": _reply,
    "changed": _changed,
    "tracks": _tracks,
    "tracks_set": _tracks_set,
    "includes": _includes,
    "excludes": _excludes,
    "count": _count,
    "distinct_tracks": _distinct,
    "duration_s": _duration,
    "bpm": _bpm,
    "key": _key,
    "lufs": _lufs,
    "transitions": _transitions,
    "all_transitions": _all_transitions,
    "sections": _sections,
    "pitch": _pitch,
    "energy_order": _energy_order,
    "tempo_order": _tempo_order,
    "harmonic_optimal": _harmonic,
    "same_except": _same_except,
    "same_as_turn": _same_as_turn,
    "multi_select": _multi_select,
    "feedback": _feedback,
    "mentions": _mentions,
    "not_mentions": _not_mentions,
}
