"""The `render` run: an approved plan → mastered files, a Job in history and a MixVersion (and,
in a chat, the `mix_proposal` message); and what any stopped chat run leaves in its chat."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import select

from intellimix.chats import exports, outcomes
from intellimix.chats.models import MixVersion
from intellimix.extensions import db
from intellimix.history import service as history
from intellimix.history.models import Job
from intellimix.library.models import Track
from intellimix.planner.plan import MixPlan, TrackFacts, validate_plan
from intellimix.runs.context import RunContext
from intellimix.runs.errors import RunFailure
from intellimix.runs.models import Run
from intellimix.runs.registry import executor, on_run_stopped
from intellimix.storage import get_storage
from intellimix.web.http import field_errors

if TYPE_CHECKING:
    from intellimix.audio.mixdown import MixdownOutcome


@executor("render", lane="heavy")
def render(context: RunContext) -> dict[str, Any]:
    from intellimix.audio.mixdown import TrackSource, render_plan

    outcomes.mark_running(context.run_id)
    plan, tracks = _plan_and_tracks(context)
    reference = _reference(context)
    job = history.create_job(
        user_id=context.user_id,
        type="render",
        input={"plan": context.input["plan"]},
        run_id=context.run_id,
    )
    scratch = context.scratch_path()  # run-named: cleaned even when the attempt dies
    try:
        with history.failed_if_broken(job, work="render", code="RENDER_FAILED"):
            outcome = render_plan(
                plan.model_dump(),
                {
                    t.id: TrackSource(get_storage().path(t.media_file or ""), t.analysis or {})
                    for t in tracks
                },
                scratch,
                reference=reference,
                progress=lambda stage, percent, label: context.progress(stage, percent, label),
            )
            made = exports.write_exports(
                title=plan.title,
                segments=plan.model_dump()["segments"],
                tracks={t.id: (t.title, t.artist) for t in tracks},
                cues=outcome.cues,
                duration_s=max((entry["end_s"] for entry in outcome.timeline), default=0.0),
                mix_wav=outcome.mix_wav,
                mix_mp3=outcome.mix_mp3,
                stems=outcome.stems,
                out_dir=scratch,
            )
            _add_files(job, outcome, made)
            version = _store_version(context, job, plan, outcome.qa)
            history.finish_job(job)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if version is not None:
        outcomes.record_render(context.run_id, version)
    return {
        "job_id": job.id,
        "version_id": version.id if version else None,
        "qa_passed": outcome.qa["passed"],
    }


def _add_files(job: Job, outcome: MixdownOutcome, made: exports.ExportSet) -> None:
    """The render's files into its job: stored under safe names, downloaded under titled ones."""
    mix = made.mix_stem
    history.add_file(job, outcome.mix_wav, name="mix.wav", role="mix", download_name=f"{mix}.wav")
    history.add_file(
        job, outcome.mix_mp3, name="mix.mp3", role="mix_mp3", download_name=f"{mix}.mp3"
    )
    for track_id, path in outcome.stems.items():
        history.add_file(
            job,
            path,
            name=f"stem_{track_id}.wav",
            role="stem",
            download_name=made.stem_names[track_id],
            track_id=track_id,
        )
    history.add_file(
        job, made.cue_sheet, name="mix.cue", role="cue_sheet", download_name=f"{mix}.cue"
    )
    history.add_file(
        job,
        made.tracklist,
        name="tracklist.txt",
        role="tracklist",
        download_name=f"{mix} - tracklist.txt",
    )
    history.add_file(job, made.bundle, name="mix.zip", role="bundle", download_name=f"{mix}.zip")
    history.add_file(job, outcome.qa_json, name="qa.json", role="qa")
    history.add_file(job, outcome.cues_json, name="cues.json", role="cues")


def _plan_and_tracks(context: RunContext) -> tuple[MixPlan, list[Track]]:
    raw = context.input.get("plan")
    track_ids = {s.get("track_id") for s in (raw or {}).get("segments", []) if isinstance(s, dict)}
    tracks = list(
        db.session.scalars(
            select(Track).where(
                Track.user_id == context.user_id, Track.id.in_(track_ids), Track.status == "ready"
            )
        )
    )
    facts = {
        t.id: TrackFacts(duration_s=float(t.duration_s or 0), bpm=(t.analysis or {}).get("bpm"))
        for t in tracks
    }
    try:
        return validate_plan(raw, facts), tracks
    except ValidationError as exc:
        problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
        raise RunFailure("INVALID_PLAN", f"The plan cannot be rendered: {problems}") from exc


def _reference(context: RunContext) -> Path | None:
    reference_id = context.input.get("reference_track_id")
    if not reference_id:
        return None
    track = db.session.get(Track, reference_id)
    if track is None or track.user_id != context.user_id or not track.media_file:
        raise RunFailure("TRACK_NOT_FOUND", "The reference track does not exist.")
    return get_storage().path(track.media_file)


def _store_version(
    context: RunContext, job: Job, plan: MixPlan, qa: dict[str, Any]
) -> MixVersion | None:
    if not context.thread_id:
        return None  # a render outside a chat keeps its Job in history only
    version = MixVersion(
        thread_id=context.thread_id,
        parent_id=context.input.get("parent_version_id"),
        draft_id=context.input.get("draft_id"),
        job_id=job.id,
        plan=plan.model_dump(),
        outputs=list(job.outputs),  # file objects; urls are signed fresh when read
        qa=qa,
    )
    db.session.add(version)
    db.session.commit()
    return version


@on_run_stopped
def _settle_chat(run: Run) -> None:
    outcomes.settle_stopped(run)
