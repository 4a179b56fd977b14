"""Generation: prompts checked before a run exists, generated and demo tracks in the library."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flask import current_app

from intellimix.audio.progress import Progress
from intellimix.errors import Conflict, NotFound, ValidationFailed
from intellimix.extensions import db
from intellimix.generation.demo import (
    DEMO_ARTIST,
    DEMO_BY_SLUG,
    DEMO_SET,
    DemoEntry,
    demo_audio,
    demo_spec,
)
from intellimix.generation.schemas import GenerateRequest
from intellimix.library import service as library
from intellimix.library.models import Track
from intellimix.planner.intent import GENRES, PromptError, parse_prompt
from intellimix.runs import service as runs
from intellimix.runs.errors import RunFailure
from intellimix.runs.models import Run
from intellimix.storage import get_storage

GENERATED_ARTIST = "IntelliMix"
# The parser's names for what the request calls otherwise.
REQUEST_FIELDS = {"reference": "reference_track_id"}


def start_generation(user_id: str, request: GenerateRequest) -> Run:
    """Read the prompt (a 422 names the field at fault), then queue the `generate` run."""
    reference = _reference_track(user_id, request.reference_track_id)
    measured = (reference.analysis or {}) if reference else {}
    try:
        spec = parse_prompt(
            request.prompt,
            seed=request.seed,
            duration_s=request.duration_s,
            reference_bpm=measured.get("bpm"),
            reference_key=measured.get("key"),
        )
    except PromptError as exc:
        field = REQUEST_FIELDS.get(exc.field or "prompt", exc.field or "prompt")
        raise ValidationFailed(
            exc.message,
            code=exc.code,
            details={"fields": [{"field": field, "message": exc.message, "type": "value_error"}]},
        ) from exc
    # The spec (with its notes on defaults and clamps) goes in the input, so clients can show it.
    return runs.create_run(
        user_id=user_id,
        kind="generate",
        input={
            "prompt": request.prompt,
            "seed": request.seed,
            "duration_s": request.duration_s,
            "reference_track_id": reference.id if reference else None,
            "spec": spec.model_dump(),
        },
    )


def _reference_track(user_id: str, track_id: str | None) -> Track | None:
    if track_id is None:
        return None
    track = library.get_owned_track(track_id, user_id)
    if track.status != "ready":
        raise Conflict(
            f"The reference track is {track.status}; use it once its analysis is ready.",
            code="REFERENCE_NOT_READY",
        )
    return track


def reference_media(user_id: str, track_id: str | None) -> Path | None:
    """The stored audio of a run's reference track, when it names one."""
    if not track_id:
        return None
    try:
        track = library.get_owned_track(track_id, user_id)
    except NotFound as exc:
        raise RunFailure(exc.code, "The reference track was deleted.") from exc
    return get_storage().path(track.media_file or "")


def track_title(spec: dict[str, Any]) -> str:
    """E.g. "House in A minor · 124 BPM"."""
    return f"{genre_name(spec)} in {spec['key']} · {spec['bpm']:g} BPM"


def genre_name(spec: dict[str, Any]) -> str:
    """The spec's genre as a library shows it: "House", "Drum & bass"."""
    label = GENRES[spec["genre"]].label
    return f"{label[:1].upper()}{label[1:]}"


def add_generated_track(user_id: str, wav: Path, spec: dict[str, Any]) -> Track:
    """A copy of a generated WAV joins the person's library (the Job keeps its own)."""
    copy = _scratch_copy(wav)
    try:
        return library.add_track(
            user_id,
            copy,
            source="generated",
            new=library.NewTrack(
                title=track_title(spec),
                artist=GENERATED_ARTIST,
                original_filename="track.wav",
                genre=genre_name(spec),
            ),
        )
    finally:
        copy.unlink(missing_ok=True)


def add_demo_tracks(user_id: str) -> tuple[list[Track], list[Run]]:
    """The person's demo tracks, adding the missing ones with an analysis run each."""
    tracks, added = library.ensure_tracks(
        user_id,
        source="demo",
        wanted=[
            library.NewTrack(
                title=e.title,
                artist=DEMO_ARTIST,
                original_filename=e.filename,
                genre=genre_name(demo_spec(e)),
            )
            for e in DEMO_SET
        ],
    )
    slugs = {entry.filename: entry.slug for entry in DEMO_SET}
    started = [
        runs.create_run(
            user_id=user_id,
            kind="analyze_track",
            input={"track_id": track.id, "demo": slugs[track.original_filename or ""]},
            quota=False,  # the demo set is bounded and added once per person
        )
        for track in added
    ]
    return tracks, started


def demo_arrangement(slug: str) -> dict[str, Any]:
    """The spec a demo track was generated from: its sections are known, not estimated."""
    return demo_spec(_demo_entry(slug))


def materialize_demo(track: Track, slug: str, *, progress: Progress) -> None:
    """Give a demo track its audio: from the demo cache, generated first when absent."""
    entry = _demo_entry(slug)
    progress("generate", 0, f"Preparing {entry.title}")
    cached = demo_audio(
        entry,
        Path(current_app.config["DEMO_CACHE_DIR"]),
        progress=lambda _stage, percent, label: progress("generate", percent, label),
    )
    copy = _scratch_copy(cached)
    try:
        library.store_media(track, copy)
        db.session.commit()
    finally:
        copy.unlink(missing_ok=True)


def _demo_entry(slug: str) -> DemoEntry:
    entry = DEMO_BY_SLUG.get(slug)
    if entry is None:
        raise RunFailure("DEMO_NOT_FOUND", f"There is no demo track {slug!r}.")
    return entry


def _scratch_copy(source: Path) -> Path:
    """A copy in storage's scratch folder, so moving it into place is a rename."""
    copy = get_storage().scratch_path()
    shutil.copyfile(source, copy)
    return copy
