"""Undo, redo and "go back to plan N": moves over a thread's drafts, never a replan.

Every plan the planner makes is a draft (an *edit*). A move makes a new active draft whose plan
is an exact copy of an earlier edit's plan and which records that edit in `restores_id`; it is
not an edit itself. The thread's undo line is replayed from its drafts, oldest first, the way
an editor keeps its undo stack:

- an edit joins the line after the current plan, dropping whatever was ahead of it (a new
  edit after an undo discards what could have been redone);
- a restoring draft moves the current plan to the edit it restores; an edit that is not on the
  line (an abandoned branch, reached with "go back to plan N") joins it like an edit.

Drafts that wait for answers keep the plan they ask about and do not move anything. Plans are
numbered 1, 2, … in the order they were made, abandoned branches included, so "plan 3" always
means the same plan.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from intellimix.chats import drafts
from intellimix.chats.models import PlanDraft
from intellimix.extensions import db
from intellimix.planner.changes import describe_changes, mmss, plan_changes
from intellimix.planner.plan import MixPlan
from intellimix.planner.turns import LibraryTrack, Navigation

# Drafts that show no plan of their own: questions (they keep the plan they ask about).
NOT_PLANS = ("collecting", "cancelled")


@dataclass(frozen=True)
class History:
    edits: list[PlanDraft]  # every plan made, oldest first: plan N is edits[N - 1]
    line: list[PlanDraft]  # the undo line
    at: int  # where the current plan is on the line; -1 before the first plan

    @property
    def current(self) -> PlanDraft | None:
        return self.line[self.at] if self.at >= 0 else None

    def number(self, edit: PlanDraft) -> int:
        return self.edits.index(edit) + 1


@dataclass(frozen=True)
class Move:
    """What a navigation did: the draft it made (None when it changed nothing) and its words."""

    draft: PlanDraft | None
    text: str
    facts: dict[str, Any]  # the message's `navigation` field


def history(thread_id: str) -> History:
    """The thread's plans and undo line, replayed from its drafts."""
    rows = db.session.scalars(
        select(PlanDraft)
        .where(PlanDraft.thread_id == thread_id)
        .order_by(PlanDraft.created_at, PlanDraft.id)
    )
    edits: list[PlanDraft] = []
    by_id: dict[str, PlanDraft] = {}
    line: list[PlanDraft] = []
    at = -1
    for draft in rows:
        if draft.plan is None or draft.status in NOT_PLANS:
            continue
        restored = by_id.get(draft.restores_id or "")
        if restored is not None and restored in line:
            at = line.index(restored)
            continue
        edit = restored or draft
        if restored is None:
            edits.append(draft)
            by_id[draft.id] = draft
        line = [*line[: at + 1], edit]
        at = len(line) - 1
    return History(edits=edits, line=line, at=at)


def navigate(
    thread_id: str,
    navigation: Navigation,
    library: Mapping[str, LibraryTrack],
    *,
    source_message_id: str | None,
) -> Move:
    """Undo, redo or go back: a new draft restoring the plan moved to, or a reply saying why
    nothing moved. Nothing here commits."""
    past = history(thread_id)
    current = past.current
    facts: dict[str, Any] = {
        "action": navigation.action,
        "steps": navigation.steps,
        "plan_count": len(past.edits),
    }
    if current is None:
        return Move(
            None, f"There is no plan yet, so there is nothing to {_verb(navigation)}.", facts
        )
    target, steps, refusal = _target(past, navigation)
    if target is None:
        return Move(None, refusal, {**facts, "plan_number": past.number(current)})
    draft = drafts.add(
        thread_id,
        parent=drafts.active(thread_id),
        status="draft_ready",
        plan=copy.deepcopy(target.plan),
        notes=[f"Plan {past.number(target)} again."],
        source_message_id=source_message_id,
        restores=target,
    )
    text = _said(navigation, steps, past.number(target), current.plan, target.plan, library)
    if steps < navigation.steps and navigation.action != "goto":
        text = f"There {'was' if steps == 1 else 'were'} only {_changes(steps)} to " + (
            f"{navigation.action}. {text}"
        )
    return Move(
        draft,
        text,
        {
            **facts,
            "steps": steps,
            "plan_number": past.number(target),
            "restores_draft_id": target.id,
        },
    )


def _target(past: History, navigation: Navigation) -> tuple[PlanDraft | None, int, str]:
    """The edit to restore and the steps taken, or None and why nothing can move."""
    if navigation.action == "undo":
        steps = min(navigation.steps, past.at)
        if steps == 0:
            return None, 0, "There is nothing to undo: this is the first plan of this chat."
        return past.line[past.at - steps], steps, ""
    if navigation.action == "redo":
        steps = min(navigation.steps, len(past.line) - 1 - past.at)
        if steps == 0:
            return None, 0, "There is nothing to redo: this is the latest change."
        return past.line[past.at + steps], steps, ""
    count = len(past.edits)
    number = navigation.draft_number
    if number is None or number > count:
        said = "Which plan?" if number is None else f"There is no plan {number}."
        plans = "only plan 1" if count == 1 else f"plans 1 to {count}"
        return None, 0, f"{said} This chat has {plans}."
    target = past.edits[number - 1]
    if target is past.current:
        return None, 0, f"Plan {number} is the current plan already."
    return target, 1, ""


def _said(
    navigation: Navigation,
    steps: int,
    number: int,
    current: dict[str, Any] | None,
    target: dict[str, Any] | None,
    library: Mapping[str, LibraryTrack],
) -> str:
    """ "Undid: Transition 2 → 16-beat filter sweep." — what the move reverts or re-applies."""
    titles = {track_id: track.title for track_id, track in library.items()}
    bpms = {track_id: track.bpm for track_id, track in library.items()}
    now, then = MixPlan.model_validate(current), MixPlan.model_validate(target)
    if navigation.action == "undo":
        # Said as the change that was made (and is now undone), with the length it returns to.
        changes = plan_changes(then, now, track_bpms=bpms)
        head = "Undid" if steps == 1 else f"Undid {_changes(steps)}"
        if changes.unchanged:
            return f"{head}; the plan is the same as it was."
        said = f"{head}: {describe_changes(changes, titles, say_length=False)}"
        return said + _length_again(changes.old_length_s, changes.new_length_s)
    changes = plan_changes(now, then, track_bpms=bpms)
    if navigation.action == "redo":
        head = "Redid" if steps == 1 else f"Redid {_changes(steps)}"
    else:
        head = f"Back to plan {number}"
    if changes.unchanged:
        return f"{head}; the plan is the same as it was."
    return f"{head}: {describe_changes(changes, titles)}"


def _length_again(length: float | None, left: float | None) -> str:
    """ " The mix is 3:05 again." after an undo that changes the length."""
    if length is None or left is None or abs(length - left) < 0.5:
        return ""
    return f" The mix is {mmss(length)} again."


def _changes(count: int) -> str:
    return "1 change" if count == 1 else f"{count} changes"


def _verb(navigation: Navigation) -> str:
    return {"undo": "undo", "redo": "redo", "goto": "go back to"}[navigation.action]
