"""Jobs (history) and their files: created by runs, read and deleted by their owner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from intellimix.audio.errors import AudioError
from intellimix.db_types import utcnow
from intellimix.errors import NotFound
from intellimix.extensions import db
from intellimix.history.models import Job
from intellimix.runs.errors import RunCancelled, RunFailure
from intellimix.runs.models import Run
from intellimix.runs.registry import on_run_stopped
from intellimix.storage import get_storage

FILE_ROLES = (
    *("mix", "mix_mp3", "stem", "cues", "qa", "track", "original", "video"),
    *("cue_sheet", "tracklist", "bundle"),  # a render's exports (chats/exports.py)
)


def job_folder(job_id: str) -> str:
    return f"jobs/{job_id}"


def create_job(*, user_id: str, type: str, input: dict[str, Any], run_id: str | None) -> Job:
    """A new `processing` Job; an earlier attempt's Job of the same run, left behind when its
    worker died, is failed first (a run executes once at a time, so that attempt is over)."""
    if run_id is not None:
        _fail_processing_jobs(
            run_id,
            {
                "code": "ATTEMPT_INTERRUPTED",
                "message": "This attempt was interrupted; a later attempt took over.",
            },
        )
    job = Job(
        user_id=user_id, type=type, input=input, run_id=run_id, status="processing", outputs=[]
    )
    db.session.add(job)
    db.session.commit()
    return job


def add_file(
    job: Job,
    source: Path,
    *,
    name: str,
    role: str,
    download_name: str | None = None,
    track_id: str | None = None,
) -> dict[str, Any]:
    """Move a produced file into the job's folder and record it (name is app-chosen, flat).

    `download_name` (made from titles) is only ever sent in Content-Disposition, never used as
    a path; `track_id` says which track a stem is.
    """
    if role not in FILE_ROLES or "/" in name or name.startswith("."):
        raise ValueError(f"bad job file {name!r} ({role})")
    target = get_storage().move_into(source, f"{job_folder(job.id)}/{name}")
    record: dict[str, Any] = {
        "name": name,
        "role": role,
        "format": name.rsplit(".", 1)[-1],
        "size_bytes": target.stat().st_size,
    }
    if download_name:
        record["download_name"] = download_name
    if track_id:
        record["track_id"] = track_id
    job.outputs = [*(f for f in job.outputs if f["name"] != name), record]
    return record


def finish_job(job: Job, *, error: dict[str, Any] | None = None) -> None:
    job.status = "failed" if error else "success"
    job.error = error
    job.completed_at = utcnow()
    db.session.commit()


def fail_job(job_id: str, code: str, message: str) -> None:
    """Mark a job failed after its run broke off (the session is rolled back first)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is not None:
        finish_job(job, error={"code": code, "message": message})


@contextmanager
def failed_if_broken(job: Job, *, work: str, code: str) -> Iterator[None]:
    """Mark `job` failed, saying why, when the run's work inside breaks off; the error goes on.

    An audio error becomes the run's failure under the same code; anything unforeseen is
    recorded as `code` ("The <work> did not finish.").
    """
    job_id = job.id  # read now: a failure rolls the session back, expiring the job
    try:
        yield
    except AudioError as exc:
        fail_job(job_id, exc.code, exc.message)
        raise RunFailure(exc.code, exc.message) from exc
    except RunFailure as exc:
        fail_job(job_id, exc.code, exc.message)
        raise
    except RunCancelled:
        fail_job(job_id, "RUN_CANCELLED", f"The {work} was cancelled.")
        raise
    except BaseException:
        fail_job(job_id, code, f"The {work} did not finish.")
        raise


def _fail_processing_jobs(run_id: str, error: dict[str, Any]) -> None:
    db.session.execute(
        update(Job)
        .execution_options(synchronize_session=False)
        .where(Job.run_id == run_id, Job.status == "processing")
        .values(status="failed", error=error, completed_at=utcnow())
    )


@on_run_stopped
def _fail_jobs_of_stopped_run(run: Run) -> None:
    """A failed or cancelled run never leaves its Job `processing` (its worker may be dead)."""
    error = run.error or {}
    if run.status == "cancelled":
        error = {"code": "RUN_CANCELLED", "message": "The run was cancelled."}
    _fail_processing_jobs(
        run.id,
        {
            "code": error.get("code", "RUN_FAILED"),
            "message": error.get("message", "The run did not finish."),
        },
    )


def get_owned_job(job_id: str, user_id: str) -> Job:
    job = db.session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
    if job is None:
        raise NotFound("No such job.", code="JOB_NOT_FOUND")
    return job


def list_jobs(
    user_id: str, *, types: list[str] | None, page: int, limit: int
) -> tuple[list[Job], int]:
    statement = select(Job).where(Job.user_id == user_id)
    if types:
        statement = statement.where(Job.type.in_(types))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    jobs = db.session.scalars(
        statement.order_by(Job.created_at.desc(), Job.id).offset((page - 1) * limit).limit(limit)
    ).all()
    return list(jobs), total


def origins(jobs: list[Job]) -> dict[str, dict[str, str | None]]:
    """Where each job came from: its run's chat (`thread_id`) and the version it made."""
    run_ids = [job.run_id for job in jobs if job.run_id]
    if not run_ids:
        return {}
    by_run: dict[str, dict[str, str | None]] = {}
    for run in db.session.scalars(select(Run).where(Run.id.in_(run_ids))):
        version_id = (run.result or {}).get("version_id")
        by_run[run.id] = {"thread_id": run.thread_id, "version_id": version_id}
    return {job.id: by_run[job.run_id] for job in jobs if job.run_id in by_run}


def delete_job(job: Job) -> None:
    folder = job_folder(job.id)
    db.session.delete(job)
    db.session.commit()
    get_storage().delete_tree(folder)


def file_record(job: Job, name: str) -> dict[str, Any]:
    """The stored record of one of the job's files; the request's name is only compared."""
    for record in job.outputs or []:
        if record["name"] == name:
            return dict(record)
    raise NotFound("No such file in this job.", code="FILE_NOT_FOUND")
