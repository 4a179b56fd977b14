"""Jobs and file objects as the API shows them, each URL signed fresh for its one file."""

from __future__ import annotations

from typing import Any

from flask import url_for

from intellimix.db_types import isoformat
from intellimix.history.models import Job
from intellimix.web.file_tokens import sign_file

MAIN_ROLES = ("mix_mp3", "mix", "track", "video")


def file_url(job: Job, name: str) -> str:
    token = sign_file(user_id=job.user_id, scope="job-file", object_id=job.id, name=name)
    return url_for("api.history.job_file", job_id=job.id, filename=name, token=token)


def file_objects(job: Job) -> list[dict[str, Any]]:
    return [{**record, "url": file_url(job, record["name"])} for record in job.outputs or []]


def job_to_dict(job: Job) -> dict[str, Any]:
    outputs = file_objects(job)
    main = next((f for role in MAIN_ROLES for f in outputs if f["role"] == role), None)
    return {
        "id": job.id,
        "type": job.type,
        "generation_type": job.type,
        "status": job.status,  # processing | success | failed
        "input_payload": job.input,
        "output_url": main["url"] if main else None,
        "outputs": outputs,
        "error_message": (job.error or {}).get("message"),
        "run_id": job.run_id,
        "created_at": isoformat(job.created_at),
        "completed_at": isoformat(job.completed_at),
    }
