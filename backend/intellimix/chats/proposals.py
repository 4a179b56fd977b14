"""What the chat shows of a plan: its review (timeline, compatibility, warnings, what blocks
approval, what changed since the plan it came from), the proposal card of a draft, and the
stored body of a `mix_proposal` message.

Reviews are made against the person's library as it is now, so a draft whose track was
deleted since it was planned shows that as a violation instead of failing to render later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from intellimix.audio.render import derive_timeline
from intellimix.chats.models import MixVersion
from intellimix.chats.timeline import to_client_segments, track_order
from intellimix.planner.arrange import mmss
from intellimix.planner.changes import plan_changes
from intellimix.planner.compose import compatibility, track_facts, warnings
from intellimix.planner.plan import MixPlan, validate_plan
from intellimix.planner.turns import LibraryTrack
from intellimix.web.http import field_errors

Library = Mapping[str, LibraryTrack]
NO_PLAN = "There is no plan yet: answer the questions first."


@dataclass(frozen=True)
class Review:
    """A plan checked against the library: derived timeline, transitions, warnings, blockers."""

    timeline: list[dict[str, Any]] = field(default_factory=list)
    compatibility: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # planner.changes.PlanChanges as JSON, against the plan this one came from; None for a
    # first plan (or when either plan no longer validates)
    changes: dict[str, Any] | None = None


def review_plan(
    plan: Mapping[str, Any] | None, library: Library, *, base: Mapping[str, Any] | None = None
) -> Review:
    """Check a stored plan; violations list what blocks approval (empty: it can be approved).
    With `base`, the plan it was made from, the review says what changed."""
    if plan is None:
        return Review(violations=[NO_PLAN])
    changes = _changes(base, plan, library)
    try:
        checked = validate_plan(plan, track_facts(library.values()))
        violations: list[str] = []
    except ValidationError as exc:
        violations = [f"{e['field']}: {e['message']}" for e in field_errors(exc)]
        try:
            checked = MixPlan.model_validate(plan)
        except ValidationError:
            return Review(violations=violations, changes=changes)
    used = {t: library[t] for t in track_order(checked) if t in library}
    if len(used) < len(track_order(checked)):
        return Review(violations=violations, changes=changes)  # positions need every tempo
    timeline = derive_timeline(checked.model_dump(), {t: used[t].bpm for t in used})
    return Review(
        timeline=[
            {**entry, **{k: round(entry[k], 3) for k in ("start_s", "end_s", "transition_in_s")}}
            for entry in timeline
        ],
        compatibility=[c.model_dump() for c in compatibility(checked, used)],
        warnings=warnings(checked, used),
        violations=violations,
        changes=changes,
    )


def _changes(
    base: Mapping[str, Any] | None, plan: Mapping[str, Any], library: Library
) -> dict[str, Any] | None:
    if base is None:
        return None
    try:
        old, new = MixPlan.model_validate(base), MixPlan.model_validate(plan)
    except ValidationError:
        return None
    bpms = {track_id: track.bpm for track_id, track in library.items()}
    return plan_changes(old, new, track_bpms=bpms).model_dump(mode="json")


def planning_proposal(plan: MixPlan, review: Review, library: Library) -> dict[str, Any]:
    """The proposal card of a `planning_draft_ready` message."""
    length = review.timeline[-1]["end_s"] if review.timeline else None
    return {
        "title": plan.title,
        "summary": plan.summary,
        "rationale": plan.rationale,
        "target_duration_seconds": round(plan.target.duration_s or length or 0.0, 1),
        "target": plan.target.model_dump(),
        "provisional_timeline": [
            {
                "segment_index": index + 1,
                "segment_id": entry["segment_id"],
                "track_id": entry["track_id"],
                "song": song_name(library.get(entry["track_id"])),
                "label": plan.segments[index].label,
                "start_seconds": round(entry["start_s"], 1),
                "end_seconds": round(entry["end_s"], 1),
            }
            for index, entry in enumerate(review.timeline)
        ],
    }


def song_name(track: LibraryTrack | None) -> str:
    if track is None:
        return "A deleted track"
    return f"{track.title} — {track.artist}" if track.artist else track.title


def mix_proposal(version: MixVersion, library: Library) -> dict[str, Any]:
    """A rendered version as the `mix_proposal` message stores it; urls are added when read."""
    plan = MixPlan.model_validate(version.plan)
    titles = {t: song_name(library.get(t)) for t in track_order(plan)}
    return {
        "kind": "mix_proposal",
        "version_id": version.id,
        "job_id": version.job_id,
        "version": {
            "id": version.id,
            "parent_id": version.parent_id,
            "draft_id": version.draft_id,
            "plan": version.plan,
            "qa": version.qa,
            "job_id": version.job_id,
            "files": list(version.outputs),
        },
        "proposal": {
            "title": plan.title,
            "summary": plan.summary,
            "mixing_rationale": plan.rationale,
            "segments": to_client_segments(plan, titles),
        },
        "final_output": {"mp3_url": None, "wav_url": None, "job_id": version.job_id},
        "tracks": [
            {
                "id": track_id,
                "track_index": index,
                "title": library[track_id].title if track_id in library else titles[track_id],
                "artist": library[track_id].artist if track_id in library else None,
                "duration_seconds": library[track_id].duration_s if track_id in library else None,
            }
            for index, track_id in enumerate(track_order(plan))
        ],
    }


def render_summary(plan: MixPlan, qa: Mapping[str, Any] | None) -> str:
    """What the assistant says about a finished render, from its last QA attempt."""
    attempts = (qa or {}).get("attempts") or [{}]
    last = attempts[-1].get("qa") or {}
    failed = [c.get("name", "?") for c in last.get("checks", []) if not c.get("passed")]
    verdict = (
        "Every QA check passed."
        if not failed
        else f"QA flagged: {', '.join(failed)} (the files are kept; listen before you share)."
    )
    measured = last.get("measured") or {}
    length, lufs = measured.get("duration_s"), measured.get("lufs")
    facts = [plan.tempo_text()]
    if isinstance(length, int | float):
        facts.insert(0, mmss(length))
    if isinstance(lufs, int | float):
        facts.append(f"{lufs:.1f} LUFS")
    return f"{plan.title} is rendered ({', '.join(facts)}). {verdict}"
