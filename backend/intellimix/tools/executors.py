"""The utility runs: `audio_mix` (trim and join clips), `audio_download`, `video_download`."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from intellimix.audio.progress import scaled
from intellimix.errors import ApiError
from intellimix.history import service as history
from intellimix.library import imports
from intellimix.library.models import Track
from intellimix.planner.plan import validate_plan
from intellimix.runs.context import RunContext
from intellimix.runs.errors import RunFailure
from intellimix.runs.registry import executor
from intellimix.sources.errors import SourceError
from intellimix.sources.registry import fetch_audio
from intellimix.storage import get_storage
from intellimix.tools.convert import convert_audio, convert_video
from intellimix.tools.join import ClipSpan, join_plan, joined_length_s
from intellimix.web.http import field_errors

MIN_CLIP_SECONDS = 1.0
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()-]+")


@contextmanager
def _coded_failures() -> Iterator[None]:
    """A link or source problem becomes the run's failure under its own code."""
    try:
        yield
    except SourceError as exc:
        raise RunFailure(exc.code, exc.message, retryable=exc.retryable) from exc
    except ApiError as exc:
        raise RunFailure(exc.code, exc.message) from exc


@executor("audio_mix", lane="heavy")
def audio_mix(context: RunContext) -> dict[str, Any]:
    """Import each clip's song (once per link), trim on beats, join with our renderer."""
    from intellimix.audio.mixdown import TrackSource, render_plan

    clips = list(context.input["clips"])
    job = history.create_job(
        user_id=context.user_id, type="audio_mix", input={"urls": clips}, run_id=context.run_id
    )
    scratch = get_storage().scratch_path()
    try:
        with history.failed_if_broken(job, work="trim and join", code="MIX_FAILED"):
            with _coded_failures():
                tracks = [
                    _library_track(context, clip["url"], index, len(clips))
                    for index, clip in enumerate(clips)
                ]
            spans = [
                ClipSpan(track.id, float(clip["start_s"]), float(clip["end_s"]))
                for track, clip in zip(tracks, clips, strict=True)
            ]
            analyses = {track.id: track.analysis or {} for track in tracks}
            plan = join_plan(spans, analyses, title=_title(tracks))
            _check_clips(plan)
            try:
                checked = validate_plan(plan).model_dump()
            except ValidationError as exc:
                problems = "; ".join(f"{e['field']}: {e['message']}" for e in field_errors(exc))
                raise RunFailure(
                    "INVALID_CLIPS", f"The clips cannot be joined: {problems}"
                ) from exc
            outcome = render_plan(
                checked,
                {
                    track.id: TrackSource(
                        get_storage().path(track.media_file or ""), analyses[track.id]
                    )
                    for track in tracks
                },
                scratch,
                progress=scaled(
                    lambda stage, percent, label: context.progress(stage, percent, label), 50, 99
                ),
            )
            history.add_file(job, outcome.mix_mp3, name="mix.mp3", role="mix_mp3")
            history.add_file(job, outcome.mix_wav, name="mix.wav", role="mix")
            history.finish_job(job)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "job_id": job.id,
        "file": "mix.mp3",
        "expected_duration_s": round(joined_length_s(checked, analyses), 3),
        "plan": checked,
    }


def _library_track(context: RunContext, url: str, index: int, count: int) -> Track:
    """The clip's song in the person's library, imported now when it is not there yet."""
    track, needed = imports.ensure_track(context.user_id, url)
    if needed or track.status != "ready":
        low, high = 2 + 48 * index / count, 2 + 48 * (index + 1) / count

        def report(stage: str, percent: float, label: str, detail: Any) -> None:
            context.progress(
                stage, low + (high - low) * percent / 100, f"Clip {index + 1}: {label}", detail
            )

        track = imports.perform_import(
            track.id,
            context.user_id,
            track.source_url or url,
            report=report,
            checkpoint=context.checkpoint,
        )
    return track


def _check_clips(plan: dict[str, Any]) -> None:
    for number, segment in enumerate(plan["segments"], start=1):
        if segment["source_end_s"] - segment["source_start_s"] < MIN_CLIP_SECONDS:
            raise RunFailure(
                "CLIP_OUTSIDE_TRACK",
                f"Clip {number} is shorter than {MIN_CLIP_SECONDS:.0f} s within its song "
                "(does it start after the song ends?).",
            )


def _title(tracks: list[Track]) -> str:
    return " + ".join(track.title for track in tracks)[:200] or "Trimmed mix"


@executor("audio_download", lane="heavy")
def audio_download(context: RunContext) -> dict[str, Any]:
    return _download(context, video=False)


@executor("video_download", lane="heavy")
def video_download(context: RunContext) -> dict[str, Any]:
    return _download(context, video=True)


def _download(context: RunContext, *, video: bool) -> dict[str, Any]:
    """Fetch the link (checked like an import), convert to the format asked, keep it in history."""
    url, fmt = str(context.input["url"]), str(context.input["format"])
    job = history.create_job(
        user_id=context.user_id,
        type=context.kind,
        input={"url": url, "format": fmt},
        run_id=context.run_id,
    )
    scratch = get_storage().scratch_path()
    scratch.mkdir()
    try:
        with history.failed_if_broken(job, work="download", code="DOWNLOAD_FAILED"):
            with _coded_failures():
                provider = imports.get_sources().for_url(url)
                context.progress("resolving", 2, "Looking up the link")
                metadata = provider.resolve(url)
                download, _info = fetch_audio(
                    provider,
                    url,
                    scratch / "source",
                    on_progress=imports.download_progress(
                        context.progress, context.checkpoint, span=(5.0, 80.0)
                    ),
                    max_seconds=None,
                    video=video and fmt == "mp4",
                )
            context.progress("converting", 85, "Converting")
            name = _safe_name(download.file_name or metadata.title)
            if video and fmt == "mp4":
                produced = convert_video(download.path, scratch / name)
                role = "video"
            else:
                produced = convert_audio(download.path, scratch / name, fmt)
                role = "track"
            history.add_file(job, produced, name=produced.name, role=role)
            history.finish_job(job)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {"job_id": job.id, "file": produced.name}


def _safe_name(title: str) -> str:
    """A flat, portable file name from a title (the client names the download after it)."""
    stem = title.rsplit(".", 1)[0] if "." in title[-6:] else title
    cleaned = _UNSAFE.sub("_", stem).strip(" ._") or "download"
    return cleaned[:80]
