"""Jobs and file objects as the API shows them, each URL signed fresh for its one file."""

from __future__ import annotations

from typing import Any

from flask import url_for

from intellimix.db_types import isoformat
from intellimix.history.models import Job
from intellimix.web.file_tokens import sign_file

MAIN_ROLES = ("mix_mp3", "mix", "track", "video")
# The IntelliMix web client's history vocabulary: a chat mix is an "AI Music Output"
# (`ai_parody`); the utility runs' types (`audio_mix`, `audio_download`, `video_download`) and
# generated tracks (`generate`) are already their own names.
GENERATION_TYPES = {"render": "ai_parody"}


def generation_type(job_type: str) -> str:
    return GENERATION_TYPES.get(job_type, job_type)


def job_types(generation_or_job_type: str) -> list[str]:
    """The job types a `?type=` filter means (either vocabulary)."""
    return [generation_or_job_type] + [
        job_type for job_type, name in GENERATION_TYPES.items() if name == generation_or_job_type
    ]


def file_url(job: Job, name: str) -> str:
    token = sign_file(user_id=job.user_id, scope="job-file", object_id=job.id, name=name)
    return url_for("api.history.job_file", job_id=job.id, filename=name, token=token)


def file_objects(job: Job) -> list[dict[str, Any]]:
    return [{**record, "url": file_url(job, record["name"])} for record in job.outputs or []]


def _input_payload(job: Job) -> dict[str, Any]:
    """The stored input, with the `prompt` the IntelliMix client titles an item by: a render's
    is its plan's title when it stored none."""
    payload = dict(job.input or {})
    plan = payload.get("plan")
    if not payload.get("prompt") and isinstance(plan, dict) and plan.get("title"):
        payload["prompt"] = plan["title"]
    return payload


def job_to_dict(job: Job, origin: dict[str, str | None] | None = None) -> dict[str, Any]:
    """A job as the API shows it; `origin` (history.service.origins) links its chat and version."""
    outputs = file_objects(job)
    main = next((f for role in MAIN_ROLES for f in outputs if f["role"] == role), None)
    return {
        "id": job.id,
        "type": job.type,
        "generation_type": generation_type(job.type),
        "status": job.status,  # processing | success | failed
        "input_payload": _input_payload(job),
        # A path ending in the file's name, no query: the IntelliMix client decides what plays
        # from the last path part and sets `?token=<access token>` itself. Signed urls are in
        # `outputs[].url`.
        "output_url": url_for("api.history.job_file", job_id=job.id, filename=main["name"])
        if main
        else None,
        "outputs": outputs,
        "error_message": (job.error or {}).get("message"),
        # A run the person cancelled stays `failed` for the IntelliMix client, which knows only
        # three statuses; the studio reads `cancelled` to show it as stopped, not as an error.
        "error_code": (job.error or {}).get("code"),
        "cancelled": (job.error or {}).get("code") == "RUN_CANCELLED",
        "run_id": job.run_id,
        "thread_id": (origin or {}).get("thread_id"),
        "version_id": (origin or {}).get("version_id"),
        "created_at": isoformat(job.created_at),
        "completed_at": isoformat(job.completed_at),
    }
