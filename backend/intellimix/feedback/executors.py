"""The `feedback` run (measure and judge a track) and the `feedback_fix` run (a corrected
master through our chain, with its own report). With Gemini configured, each report's findings
are phrased and ordered by it (`phrasing`: the numbers stay the rule engine's)."""

from __future__ import annotations

import shutil
from typing import Any

from flask import current_app

from intellimix.audio import io
from intellimix.audio.errors import AudioError
from intellimix.audio.feedback import measure
from intellimix.audio.feedback.report import ReferenceAudio, report_from_measurements
from intellimix.audio.progress import scaled
from intellimix.extensions import db
from intellimix.feedback import phrasing, service
from intellimix.history import service as history
from intellimix.library.models import Track
from intellimix.runs.context import RunContext
from intellimix.runs.errors import RunFailure
from intellimix.runs.registry import executor
from intellimix.storage import get_storage


@executor("feedback", lane="heavy")
def feedback(context: RunContext) -> dict[str, Any]:
    spec = context.input
    track = _track(context.user_id, spec["track_id"], "The track was deleted.")
    try:
        context.progress("decode", 5, "Decoding the track")
        decoded = io.decode(get_storage().path(track.media_file or ""))
        context.progress("measure", 20, "Measuring loudness, spectrum, stereo and transients")
        measured = measure.measure(decoded.samples, decoded.sample_rate)
        reference = _reference(context, spec.get("reference_track_id"), at=55)
        context.progress("report", 90, "Judging against the targets")
        report = report_from_measurements(
            measured,
            type=spec["type"],
            genre=spec.get("genre"),
            reference=reference,
            detail=spec["detail"],
        )
    except AudioError as exc:
        raise RunFailure(exc.code, exc.message) from exc
    report = _phrased(context, report)
    row = service.store_report(
        user_id=context.user_id,
        track_id=track.id,
        run_id=context.run_id,
        type=spec["type"],
        genre=spec.get("genre"),
        detail=spec["detail"],
        reference_track_id=spec.get("reference_track_id"),
        report=report,
    )
    return _result(row.id, track.id, report)


@executor("feedback_fix", lane="heavy")
def feedback_fix(context: RunContext) -> dict[str, Any]:
    from intellimix.audio.feedback.fix import corrected_master

    original = service.get_owned_report(str(context.input["feedback_id"]), context.user_id)
    original_id, genre, report = original.id, original.genre, dict(original.report)
    reference_id = original.reference_track_id
    track = _track(context.user_id, original.track_id, "The track was deleted.")
    track_id, analysis = track.id, dict(track.analysis or {})
    job = history.create_job(
        user_id=context.user_id,
        type="feedback_fix",
        input={"feedback_id": original_id, "track_id": track_id},
        run_id=context.run_id,
    )
    scratch = get_storage().scratch_path()
    try:
        with history.failed_if_broken(job, work="corrected master", code="FIX_FAILED"):
            context.progress("decode", 3, "Decoding the track")
            decoded = io.decode(get_storage().path(track.media_file or ""))
            reference = _reference(context, reference_id, at=8)
            outcome = corrected_master(
                decoded.samples,
                decoded.sample_rate,
                original=report,
                genre=genre,
                reference=reference,
                analysis=analysis,
                out_dir=scratch,
                progress=scaled(context.progress, 10, 95),
            )
            history.add_file(job, outcome.wav, name="master.wav", role="mix")
            history.add_file(job, outcome.mp3, name="master.mp3", role="mix_mp3")
            history.add_file(job, outcome.qa_json, name="qa.json", role="qa")
            db.session.commit()
            history.finish_job(job)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    fixed = _phrased(context, outcome.report)
    row = service.store_report(
        user_id=context.user_id,
        track_id=track_id,
        run_id=context.run_id,
        type="master",
        genre=genre,
        detail=report["detail"],
        reference_track_id=reference_id,
        report=fixed,
        parent_id=original_id,
        job_id=job.id,
    )
    return {
        **_result(row.id, track_id, fixed),
        "parent_id": original_id,
        "job_id": job.id,
        "qa_passed": outcome.qa["passed"],
    }


def _phrased(context: RunContext, report: dict[str, Any]) -> dict[str, Any]:
    if current_app.config.get("PLANNER_PROVIDER") == "gemini":
        context.progress("phrase", 95, "Phrasing the findings")
    return phrasing.phrase_if_configured(report, current_app.config)


def _track(user_id: str, track_id: str, message: str) -> Track:
    track = db.session.get(Track, track_id, populate_existing=True)
    if track is None or track.user_id != user_id or not track.media_file:
        raise RunFailure("TRACK_NOT_FOUND", message)
    return track


def _reference(context: RunContext, track_id: str | None, *, at: int) -> ReferenceAudio | None:
    if not track_id:
        return None
    track = _track(context.user_id, track_id, "The reference track was deleted.")
    context.progress("reference", at, f"Measuring the reference '{track.title}'")
    decoded = io.decode(get_storage().path(track.media_file or ""))
    return ReferenceAudio(
        measured=measure.measure(decoded.samples, decoded.sample_rate),
        label=track.title,
        track_id=track.id,
    )


def _result(feedback_id: str, track_id: str, report: dict[str, Any]) -> dict[str, Any]:
    findings = report["findings"]
    return {
        "feedback_id": feedback_id,
        "track_id": track_id,
        "overall_score": report["overall_score"],
        "findings": report["finding_count"],
        "top_finding": findings[0]["title"] if findings else None,
    }
