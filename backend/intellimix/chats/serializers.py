"""Threads, messages, drafts, versions and memory as the API shows them (DESIGN §4).

File and audio urls are never stored: `Links` signs them fresh for each response, from the
jobs and tracks the response refers to (loaded in one query each by the service).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from intellimix.chats.memory import settings_of
from intellimix.chats.models import ChatMessage, ChatThread, MixVersion, PlanDraft, UserMemory
from intellimix.chats.proposals import Review
from intellimix.db_types import isoformat
from intellimix.feedback.models import FeedbackReport
from intellimix.feedback.serializers import pdf_url
from intellimix.history.models import Job
from intellimix.history.serializers import file_objects, file_url
from intellimix.library.models import Track
from intellimix.library.serializers import track_to_dict
from intellimix.planner.turns import Preferences


@dataclass(frozen=True)
class Links:
    """The jobs, tracks and feedback reports a response links to; every url is signed when
    asked for."""

    jobs: Mapping[str, Job] = field(default_factory=dict)
    tracks: Mapping[str, Track] = field(default_factory=dict)
    reports: Mapping[str, FeedbackReport] = field(default_factory=dict)

    def file(self, job_id: str | None, name: str) -> str | None:
        job = self.jobs.get(job_id or "")
        if job is None or not any(f["name"] == name for f in job.outputs or []):
            return None  # the job or its file was deleted from history
        return file_url(job, name)

    def audio(self, track_id: str) -> str | None:
        track = self.tracks.get(track_id)
        return str(track_to_dict(track)["audio_url"]) if track is not None else None

    def pdf(self, feedback_id: str | None) -> str | None:
        report = self.reports.get(feedback_id or "")
        return pdf_url(report) if report is not None else None  # None: the report is gone


@dataclass(frozen=True)
class LinkedIds:
    jobs: set[str]
    tracks: set[str]
    reports: set[str]


FEEDBACK_KINDS = ("feedback_report", "feedback_answer")


def linked_ids(
    messages: Iterable[ChatMessage] = (), versions: Iterable[MixVersion] = ()
) -> LinkedIds:
    """The job, track and feedback report ids whose urls these messages and versions show."""
    jobs: set[str] = set()
    tracks: set[str] = set()
    reports: set[str] = set()
    for message in messages:
        content = message.content_json or {}
        if content.get("kind") == "mix_proposal":
            jobs.add(content.get("job_id") or "")
            tracks.update(t.get("id", "") for t in content.get("tracks", []))
        elif content.get("kind") in FEEDBACK_KINDS:
            reports.add(content.get("feedback_id") or "")
            jobs.add(content.get("job_id") or "")
    for version in versions:
        jobs.add(version.job_id or "")
        tracks.update(_version_track_ids(version))
    return LinkedIds(jobs - {""}, tracks - {""}, reports - {""})


def _version_track_ids(version: MixVersion) -> list[str]:
    """The plan's tracks in order of first use, as `timeline.track_order` counts `track_index`
    (read from the stored dict: listing versions validates no plans)."""
    segments = (version.plan or {}).get("segments") or []
    return list(dict.fromkeys(str(s.get("track_id") or "") for s in segments))


def thread_to_dict(thread: ChatThread, active: PlanDraft | None) -> dict[str, Any]:
    return {
        "id": thread.id,
        "title": thread.title,
        "archived": thread.archived,
        "created_at": isoformat(thread.created_at),
        "updated_at": isoformat(thread.updated_at),
        "last_message_at": isoformat(thread.last_message_at),
        "active_planning_draft_id": active.id if active else None,
        "active_planning_status": active.status if active else None,
    }


def message_to_dict(message: ChatMessage, links: Links) -> dict[str, Any]:
    return {
        "id": message.id,
        "thread_id": message.thread_id,
        "role": message.role,
        "content_text": message.content_text,
        "content_json": _with_urls(message.content_json, links),
        "status": message.status,
        "created_at": isoformat(message.created_at),
    }


def _with_urls(content: dict[str, Any] | None, links: Links) -> dict[str, Any] | None:
    """A mix_proposal as stored, with fresh urls for its files, final output and tracks; a
    feedback message with its report's PDF and a corrected master's files."""
    if content and content.get("kind") in FEEDBACK_KINDS:
        job = links.jobs.get(content.get("job_id") or "")
        return {
            **content,
            "pdf_url": links.pdf(content.get("feedback_id")),
            "files": file_objects(job) if job is not None else [],
        }
    if not content or content.get("kind") != "mix_proposal":
        return content
    shown = copy.deepcopy(content)
    job_id = shown.get("job_id")
    files = shown.get("version", {}).get("files", [])
    for record in files:
        record["url"] = links.file(job_id, record["name"])
    shown["final_output"] = _final_output(job_id, files)
    for track in shown.get("tracks", []):
        track["preview_url"] = links.audio(track.get("id", ""))
    return shown


def _final_output(job_id: str | None, files: list[dict[str, Any]]) -> dict[str, Any]:
    by_role = {f["role"]: f.get("url") for f in files}
    return {"mp3_url": by_role.get("mix_mp3"), "wav_url": by_role.get("mix"), "job_id": job_id}


def draft_to_dict(draft: PlanDraft, review: Review) -> dict[str, Any]:
    """The body of GET …/plan-drafts/<id>, also embedded in planning_draft_ready messages."""
    return {
        "id": draft.id,
        "thread_id": draft.thread_id,
        "parent_id": draft.parent_id,
        "source_message_id": draft.source_message_id,
        "status": draft.status,
        "plan": draft.plan,
        "timeline": review.timeline,
        "compatibility": review.compatibility,
        "warnings": review.warnings,
        "violations": review.violations,
        "changes": review.changes,
        "restores_id": draft.restores_id,
        "questions": draft.questions or [],
        "answers": draft.answers or [],
        "notes": draft.notes or [],
        "created_at": isoformat(draft.created_at),
        "updated_at": isoformat(draft.updated_at),
    }


def version_to_dict(version: MixVersion, links: Links) -> dict[str, Any]:
    files = [{**f, "url": links.file(version.job_id, f["name"])} for f in version.outputs or []]
    final_output = _final_output(version.job_id, files)
    title = (version.plan or {}).get("title")
    return {
        "id": version.id,
        "thread_id": version.thread_id,
        "parent_id": version.parent_id,
        "draft_id": version.draft_id,
        "job_id": version.job_id,
        "plan": version.plan,
        "qa": version.qa,
        "files": files,
        "final_output": final_output,
        "created_at": isoformat(version.created_at),
        # The IntelliMix web client's names for the same facts (its media panel reads them;
        # its timeline editor finds a version's tracks by `track_index` in `tracks`).
        "parent_version_id": version.parent_id,
        "final_output_json": final_output,
        "proposal_json": {"proposal": {"title": title}, "tracks": _version_tracks(version, links)},
    }


def _version_tracks(version: MixVersion, links: Links) -> list[dict[str, Any]]:
    """A version's tracks as the client's timeline editor reads them (a mix_proposal's `tracks`);
    a track deleted since keeps its place, without title or audio."""
    rows = []
    for index, track_id in enumerate(_version_track_ids(version)):
        track = links.tracks.get(track_id)
        rows.append(
            {
                "id": track_id,
                "track_index": index,
                "title": track.title if track else None,
                "artist": track.artist if track else None,
                "duration_seconds": track.duration_s if track else None,
                "preview_url": links.audio(track_id),
            }
        )
    return rows


def memory_to_dict(memory: UserMemory | None, preferences: Preferences, *, enabled: bool) -> dict:
    return {
        "enabled": enabled,
        "preferences": preferences.model_dump(mode="json"),
        "settings": settings_of(memory),
        "created_at": isoformat(memory.created_at) if memory else None,
        "updated_at": isoformat(memory.updated_at) if memory else None,
    }
