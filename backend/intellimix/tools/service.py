"""Start a utility run, wait (bounded) for it to end, and answer in the client's shapes."""

from __future__ import annotations

import time
from typing import Any

from flask import current_app

from intellimix.audio import errors as audio_errors
from intellimix.errors import ApiError
from intellimix.extensions import db
from intellimix.history.models import Job
from intellimix.history.serializers import file_url
from intellimix.library import imports
from intellimix.runs import service as runs
from intellimix.runs.models import TERMINAL_STATUSES, Run
from intellimix.runs.serializers import run_snapshot
from intellimix.sources import errors as source_errors
from intellimix.tools.schemas import Clip

# The HTTP status a failed run's code answers with; codes of their own classes.
_STATUS_OF_CODE = {
    cls.code: cls.status
    for module in (source_errors, audio_errors)
    for cls in vars(module).values()
    if isinstance(cls, type) and hasattr(cls, "code") and hasattr(cls, "status")
}
_STATUS_OF_CODE.update({"NO_VIDEO_STREAM": 422, "CLIP_OUTSIDE_TRACK": 422, "INVALID_CLIPS": 422})


def start_mix(user_id: str, clips: list[Clip]) -> Run:
    for clip in clips:
        check_link(clip.url)
    return runs.create_run(
        user_id=user_id,
        kind="audio_mix",
        input={"clips": [{"url": c.url, "start_s": c.start_s, "end_s": c.end_s} for c in clips]},
    )


def start_download(user_id: str, url: str, fmt: str, *, video: bool) -> Run:
    check_link(url)
    kind = "video_download" if video else "audio_download"
    return runs.create_run(user_id=user_id, kind=kind, input={"url": url, "format": fmt})


def check_link(url: str) -> None:
    """Refuse a bad link before a run is started for it (as an import would)."""
    try:
        imports.get_sources().for_url(url).identify(url)
    except source_errors.SourceError as exc:
        raise imports.api_error(exc) from exc


def wait_for(run: Run) -> Run:
    """The run once it has ended; past `TOOLS_WAIT_SECONDS` a 504 naming the run goes on."""
    run_id = run.id
    config = current_app.config
    deadline = time.monotonic() + config["TOOLS_WAIT_SECONDS"]
    while True:
        current = db.session.get(Run, run_id, populate_existing=True)
        if current is None:
            raise ApiError("The run disappeared.", code="RUN_NOT_FOUND", status=404)
        if current.status in TERMINAL_STATUSES:
            return current
        db.session.rollback()  # end the read, so the next one sees the worker's writes
        if time.monotonic() >= deadline:
            raise ApiError(
                "This is taking longer than expected; it goes on and will appear in History.",
                code="RUN_STILL_RUNNING",
                status=504,
                details={"run": run_snapshot(current)},
            )
        time.sleep(config["TOOLS_POLL_SECONDS"])


def answer(run: Run, *, path_key: str, done: str) -> dict[str, Any]:
    """`{<path_key>: the file's url, message, job_id, run}`, or the run's failure as an error."""
    if run.status == "cancelled":
        raise ApiError("The run was cancelled.", code="RUN_CANCELLED", status=409)
    if run.status != "completed":
        error = run.error or {}
        code = str(error.get("code") or "RUN_FAILED")
        raise ApiError(
            str(error.get("message") or "The run failed."),
            code=code,
            status=_STATUS_OF_CODE.get(code, 500),
            details={"run": run_snapshot(run)},
        )
    result = run.result or {}
    job = db.session.get(Job, result["job_id"])
    if job is None:  # deleted from history in the meantime
        raise ApiError("The result was deleted.", code="JOB_NOT_FOUND", status=404)
    return {
        path_key: file_url(job, result["file"]),
        "message": done,
        "job_id": job.id,
        "run": run_snapshot(run),
    }
