"""What the /api/v1 routes answer, as pydantic models: the response half of the OpenAPI document.

The serializers build plain dicts; these models describe them (every key the serializer always
writes is required, with its type) so the document can be checked against live answers — the
schemathesis test does exactly that. Large free-form parts (a plan, an analysis, message
content) are objects here; their own contracts live in the README and `planner/plan.py`.
Unknown keys are allowed, so adding a field is not a breaking change.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Timestamp = str  # ISO 8601 with offset
Object = dict[str, Any]


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. VALIDATION_ERROR.")
    message: str
    details: Object


class ErrorEnvelope(BaseModel):
    """Every 4xx (and the 503 of health) answers with this one envelope."""

    error: ErrorBody
    message: str = Field(description="`error.message` again, for the IntelliMix web client.")


class Page(BaseModel):
    page: int
    limit: int
    total: int
    pages: int
    has_more: bool


class User(BaseModel):
    id: str
    name: str
    email: str
    is_active: bool
    created_at: Timestamp


class UserOut(BaseModel):
    user: User


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str


class Session(TokenPair):
    user: User


class Run(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "completed", "failed", "cancelled"]
    thread_id: str | None
    user_message_id: str | None
    assistant_message_id: str | None
    progress_stage: str | None
    progress_percent: float | None
    progress_label: str | None
    progress_detail: Object | None
    attempts: int
    cancel_requested: bool
    error: Object | None
    result: Object | None
    created_at: Timestamp | None
    started_at: Timestamp | None
    completed_at: Timestamp | None
    updated_at: Timestamp | None


class Message(BaseModel):
    id: str
    thread_id: str
    role: str
    content_text: str | None
    content_json: Object | None
    status: str
    created_at: Timestamp | None


class RunDetail(Run):
    assistant_message: Message | None = Field(
        description="The chat message this run answers with (plan, render and edit runs)."
    )


class RunOut(BaseModel):
    run: Run


class RunDetailOut(BaseModel):
    run: RunDetail


class RunPage(Page):
    items: list[Run]


class Track(BaseModel):
    id: str
    title: str
    artist: str | None
    source: str
    source_url: str | None = Field(description="The link an imported track came from.")
    original_filename: str | None
    genre: str | None = Field(description="From the file's tags, the generator, or the person.")
    duration_s: float | None
    sample_rate: int | None
    channels: int | None
    status: str
    analysis: Object | None
    audio_url: str = Field(description="Signed link to the original file (Range works).")
    created_at: Timestamp | None
    updated_at: Timestamp | None


class TrackOut(BaseModel):
    track: Track


class TrackPage(Page):
    items: list[Track]


class Upload(BaseModel):
    track: Track
    run: Run | None = Field(description="The analysis run; null when the file was a duplicate.")
    duplicate: bool = Field(
        description="The library held this file already: `track` is that track, nothing stored."
    )


class LibraryGenre(BaseModel):
    genre: str
    count: int


class LibraryGenres(BaseModel):
    items: list[LibraryGenre]


class Imported(BaseModel):
    track: Track
    run: Run | None = Field(description="The import run; null when the link was imported before.")


class SourceCandidate(BaseModel):
    title: str
    artist: str | None
    duration_s: float | None
    thumbnail_url: str | None
    url: str
    provider: str


class SourceSearch(BaseModel):
    items: list[SourceCandidate]


class DemoTracks(BaseModel):
    tracks: list[Track]
    runs: list[Run]


class WaveformBands(BaseModel):
    low: list[float] = Field(description="Peak level under 200 Hz per point, 0..1.")
    mid: list[float] = Field(description="Peak level from 200 Hz to 2 kHz per point, 0..1.")
    high: list[float] = Field(description="Peak level above 2 kHz per point, 0..1.")


class Peaks(BaseModel):
    track_id: str
    duration_s: float | None
    peaks: list[list[float]]
    bands: WaveformBands | None = Field(
        None, description="Three-band peaks (4000 points); null without stored audio."
    )


class JobFile(BaseModel):
    name: str
    role: str
    format: str
    url: str
    download_name: str | None = Field(
        None, description="What it is called when downloaded (from the mix and track titles)."
    )
    track_id: str | None = Field(None, description="A stem's track.")


class Job(BaseModel):
    id: str
    type: str
    generation_type: str
    status: str
    input_payload: Object | None
    output_url: str | None
    outputs: list[JobFile]
    error_message: str | None
    error_code: str | None = Field(description="The run's error code when it failed.")
    cancelled: bool = Field(description="Failed because the person cancelled its run.")
    run_id: str | None
    thread_id: str | None = Field(description="The chat whose run made it (a render).")
    version_id: str | None = Field(description="The version it rendered.")
    created_at: Timestamp | None
    completed_at: Timestamp | None


class JobOut(BaseModel):
    job: Job


class JobPage(Page):
    items: list[Job]


class Generation(BaseModel):
    run: Run
    spec: Object = Field(description="The spec the prompt was read into (defaults, clamps).")


class MergedClips(BaseModel):
    merged_file_path: str = Field(description="Signed link to the joined file.")
    message: str
    job_id: str
    run: Run


class DownloadedFile(BaseModel):
    filepath: str = Field(description="Signed link to the converted file.")
    message: str
    job_id: str
    run: Run


class FeedbackSummary(BaseModel):
    id: str
    track_id: str
    reference_track_id: str | None
    parent_id: str | None
    run_id: str | None
    type: str
    genre: str | None
    detail: str
    overall_score: float
    summary: Any
    pdf_url: str = Field(description="Signed link to the report as a PDF.")
    files: list[JobFile]
    created_at: Timestamp | None


class Feedback(FeedbackSummary):
    report: Object


class FeedbackOut(BaseModel):
    feedback: Feedback


class FeedbackList(BaseModel):
    items: list[FeedbackSummary]


class Genre(BaseModel):
    id: str
    label: str
    source: str


class GenreList(BaseModel):
    genres: list[Genre]


class Thread(BaseModel):
    id: str
    title: str
    archived: bool
    created_at: Timestamp | None
    updated_at: Timestamp | None
    last_message_at: Timestamp | None
    active_planning_draft_id: str | None
    active_planning_status: str | None


class Posted(BaseModel):
    user_message: Message | None
    assistant_message_placeholder: Message
    run: Run
    poll_hint_ms: int


class RerenderStarted(Posted):
    outcome: Literal["started"]


class ThreadOut(BaseModel):
    thread: Thread


class ThreadCreated(ThreadOut):
    """A thread; with `first_message`, also the posted turn's fields."""

    user_message: Message | None = None
    assistant_message_placeholder: Message | None = None
    run: Run | None = None
    poll_hint_ms: int | None = None


class ThreadPage(Page):
    items: list[Thread]


class MessagePage(BaseModel):
    items: list[Message]
    next_cursor: str | None
    has_more: bool


class VersionFile(BaseModel):
    name: str
    role: str
    url: str | None


class Version(BaseModel):
    id: str
    thread_id: str
    parent_id: str | None
    draft_id: str | None
    job_id: str | None
    plan: Object | None
    qa: Any
    files: list[VersionFile]
    final_output: Object
    created_at: Timestamp | None


class VersionOut(BaseModel):
    version: Version


class VersionPage(Page):
    items: list[Version]


class RerenderAnswered(BaseModel):
    """Nothing to render again: the version's own result, or the render of it under way."""

    outcome: Literal["existing_result", "in_progress"]
    run: Run | None
    version: Version


class Draft(BaseModel):
    id: str
    thread_id: str
    parent_id: str | None
    source_message_id: str | None
    status: str
    plan: Object | None
    timeline: Any
    compatibility: Any
    warnings: list[Any]
    violations: list[Any]
    questions: list[Any]
    answers: list[Any]
    notes: list[Any]
    created_at: Timestamp | None
    updated_at: Timestamp | None


class DraftOut(BaseModel):
    draft: Draft


class Restored(DraftOut):
    assistant_message: Message


class Memory(BaseModel):
    enabled: bool
    preferences: Object
    created_at: Timestamp | None
    updated_at: Timestamp | None


class MemoryOut(BaseModel):
    memory: Memory


class Check(BaseModel):
    status: Literal["ok", "degraded", "down", "disabled"]
    detail: str


class Health(BaseModel):
    status: Literal["ok", "degraded", "down"]
    checks: dict[str, Check]
    version: str
    down: list[str] | None = None


class Quota(BaseModel):
    limit: int
    used: int
    remaining: int
    reset_in_seconds: int | None = None


class FairUseLimits(BaseModel):
    queued_heavy_runs: Quota
    heavy_runs_per_hour: Quota


class RateLimitStatus(BaseModel):
    limits: FairUseLimits
