"""Songs imported from a link: the `import_track` run's work, and the one track per link rule."""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from limits import RateLimitItem, parse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from intellimix.db_types import new_id
from intellimix.errors import ApiError
from intellimix.extensions import db, limiter, person_key
from intellimix.library import service
from intellimix.library.models import Track
from intellimix.library.tags import read_tags
from intellimix.runs import fair_use
from intellimix.runs import service as runs
from intellimix.runs.context import RunContext
from intellimix.runs.models import Run
from intellimix.sources.errors import SourceError
from intellimix.sources.models import ProgressFn, SourceMetadata, SourceSettings
from intellimix.sources.registry import Sources, fetch_audio
from intellimix.storage import get_storage

IMPORT_KIND = "import_track"
# The bucket of the hourly import limit (IMPORT_RATE_LIMIT), shared by POST /tracks/import and
# the imports a chat starts, keyed by the person as the route's limit is.
IMPORT_LIMIT_SCOPE = "track-import"
# How far along the run is when each stage starts (download 5–70 %, analysis 75–100 %).
DOWNLOAD_SPAN = (5.0, 70.0)
ANALYSIS_SPAN = (75.0, 100.0)
_RECENT_RUNS_SCANNED = 50
MB = 1024 * 1024
REPORT_INTERVAL_S = 0.25
# `report(stage, percent, label, detail)`, as `RunContext.progress` (detail: a line of text).
Report = Callable[[str, float, str, Any], None]


def source_settings(config: Mapping[str, Any]) -> SourceSettings:
    return SourceSettings(
        allowed_hosts=frozenset(config["SOURCE_ALLOWED_HOSTS"]),
        max_bytes=int(config["SOURCE_MAX_MB"] * 1024 * 1024),
        max_seconds=config["MAX_TRACK_SECONDS"],
        connect_timeout_s=config["SOURCE_CONNECT_TIMEOUT_SECONDS"],
        read_timeout_s=config["SOURCE_READ_TIMEOUT_SECONDS"],
        download_timeout_s=config["SOURCE_DOWNLOAD_TIMEOUT_SECONDS"],
    )


def get_sources() -> Sources:
    """The app's providers (built once per app; plug-in modules imported first)."""
    extensions = current_app.extensions
    if "intellimix_sources" not in extensions:
        config = current_app.config
        for module in config["SOURCE_PROVIDER_MODULES"]:
            importlib.import_module(module)
        extensions["intellimix_sources"] = Sources(
            source_settings(config), search_providers=config["SOURCE_SEARCH_PROVIDERS"]
        )
    sources: Sources = extensions["intellimix_sources"]
    return sources


def api_error(exc: SourceError) -> ApiError:
    return ApiError(exc.message, code=exc.code, status=exc.status)


def search(query: str, *, limit: int) -> list[SourceMetadata]:
    try:
        return get_sources().search(query, limit=limit)
    except SourceError as exc:
        raise api_error(exc) from exc


def identify(url: str) -> SourceMetadata:
    """The link checked (scheme, host, private addresses) and made canonical; fetches nothing."""
    try:
        return get_sources().for_url(url).identify(url)
    except SourceError as exc:
        raise api_error(exc) from exc


def linked_track(user_id: str, url: str) -> Track | None:
    """The person's track imported from `url` (any spelling of the link), if there is one."""
    try:
        canonical = identify(url).url
    except ApiError:
        return None  # a link no provider takes was never imported
    return _track_for(user_id, canonical)


def ensure_track(user_id: str, url: str, *, title: str | None = None) -> tuple[Track, bool]:
    """The person's track for `url`: (track, needs importing?) — one track per canonical link.

    The link is checked here (scheme, host, private addresses), so a bad one is refused before
    anything is stored. A track whose earlier import failed is reset to `pending`.
    """
    provisional = identify(url)
    canonical = provisional.url
    existing = _track_for(user_id, canonical)
    if existing is not None and existing.status != "failed":
        return existing, False
    track = existing or Track(
        id=new_id(),
        user_id=user_id,
        title=(title or provisional.title)[:300],
        source="url",
        source_url=canonical,
        original_filename=None,
        status="pending",
    )
    track.status = "pending"
    if existing is None:
        db.session.add(track)
    try:
        db.session.commit()
    except IntegrityError:  # the same link, added a moment ago by a concurrent request
        db.session.rollback()
        raced = _track_for(user_id, canonical)
        if raced is None:
            raise
        return raced, False
    return track, True


def start_import(
    user_id: str, url: str, *, title: str | None = None, thread_id: str | None = None
) -> tuple[Track, Run | None, bool]:
    """The track for `url` and its import run: (track, run, started a new import?).

    The same link imported again returns the existing track and its run without downloading,
    unless its earlier import failed, which is then tried again.
    """
    fair_use.ensure_allowed(user_id, IMPORT_KIND)  # before the track row is written
    track, needed = ensure_track(user_id, url, title=title)
    if not needed:
        return track, latest_import_run(track), False
    run = runs.create_run(
        user_id=user_id,
        kind=IMPORT_KIND,
        input={"track_id": track.id, "url": track.source_url},
        thread_id=thread_id,
    )
    return track, run, True


def take_import_allowance(user_id: str, count: int) -> None:
    """Count `count` songs a chat imports against the person's hourly import limit, the bucket
    POST /tracks/import counts in (the chat starts its imports in a worker, outside any request,
    where the route's limit cannot see them). 429 IMPORT_RATE_LIMITED when over.

    When the limiter's storage is down the imports go ahead, as the route's in-process fallback
    lets requests through."""
    limit = parse(current_app.config["IMPORT_RATE_LIMIT"])
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], person_key(user_id), IMPORT_LIMIT_SCOPE)
    strategy = limiter.limiter
    try:
        if strategy.hit(limit, *key, cost=count):
            return
        reset_at = strategy.get_window_stats(limit, *key).reset_time
    except limiter.storage.base_exceptions:
        current_app.logger.warning("import limit not counted: the rate-limit storage is down")
        return
    retry_after = max(1, math.ceil(reset_at - time.time()))
    raise ApiError(
        f"You have reached the import limit ({limit.amount} "
        f"song{'' if limit.amount == 1 else 's'} per {_period(limit)}); "
        f"try again in {_minutes(retry_after)}.",
        code="IMPORT_RATE_LIMITED",
        status=429,
        details={"limit": str(limit), "retry_after_seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def _period(limit: RateLimitItem) -> str:
    name = limit.GRANULARITY.name
    return name if limit.multiples == 1 else f"{limit.multiples} {name}s"


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def latest_import_run(track: Track) -> Run | None:
    recent = db.session.scalars(
        select(Run)
        .where(Run.user_id == track.user_id, Run.kind == IMPORT_KIND)
        .order_by(Run.created_at.desc())
        .limit(_RECENT_RUNS_SCANNED)
    )
    return next((run for run in recent if (run.input or {}).get("track_id") == track.id), None)


def _track_for(user_id: str, canonical: str) -> Track | None:
    return db.session.scalar(
        select(Track).where(Track.user_id == user_id, Track.source_url == canonical)
    )


def run_import(context: RunContext) -> dict[str, Any]:
    """The `import_track` run: resolving → downloading N % → converting → analysing."""
    track = perform_import(
        str(context.input.get("track_id")),
        context.user_id,
        str(context.input.get("url")),
        report=context.progress,
        checkpoint=context.checkpoint,
    )
    analysis = track.analysis or {}
    return {
        "track_id": track.id,
        "title": track.title,
        "bpm": analysis.get("bpm"),
        "key": analysis.get("key"),
    }


def perform_import(
    track_id: str, user_id: str, url: str, *, report: Report, checkpoint: Callable[[], None]
) -> Track:
    """Download, check, store and analyse the track's link; partial files never stay.

    `report(stage, percent, label, detail)` may raise to stop (a cancelled run does).
    """
    with service.analysing(track_id, user_id, status="pending") as track:
        provider = get_sources().for_url(url)
        report("resolving", 2, "Looking up the link", None)
        metadata = provider.resolve(url)
        if metadata.provider != "direct":  # a direct link's name is known only after download
            _name_track(track, metadata.title, metadata.artist)
        scratch = get_storage().scratch_path()
        max_seconds = current_app.config["MAX_TRACK_SECONDS"]
        download, _info = fetch_audio(
            provider,
            url,
            scratch,
            on_progress=download_progress(report, checkpoint, span=DOWNLOAD_SPAN),
            max_seconds=max_seconds,
        )
        try:
            report("converting", 72, "Checking the audio", None)
            if metadata.provider == "direct":
                tags = read_tags(
                    scratch, fallback_name=download.file_name or f"{metadata.title}.audio"
                )
                track.genre = tags.genre
                _name_track(track, tags.title, tags.artist)
            track.original_filename = (download.file_name or metadata.title)[:500]
            service.store_media(track, scratch, max_seconds=max_seconds)
            track.status = "analyzing"
            db.session.commit()
        finally:
            scratch.unlink(missing_ok=True)
        low, high = ANALYSIS_SPAN
        return service.analyze(
            track,
            progress=lambda _stage, percent, label: report(
                "analysing", low + (high - low) * percent / 100, label, None
            ),
        )


def _name_track(track: Track, title: str, artist: str | None) -> None:
    track.title = title[:300]
    track.artist = artist[:300] if artist else None
    db.session.commit()


def download_progress(
    report: Report, checkpoint: Callable[[], None], *, span: tuple[float, float]
) -> ProgressFn:
    """A download callback that reports progress at most every `REPORT_INTERVAL_S` (each is a
    database write and an event) — the first and the last report always — and checks for a
    stop at every chunk."""
    low, high = span
    last_at: list[float] = [-REPORT_INTERVAL_S]

    def on_progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        if finished or now - last_at[0] >= REPORT_INTERVAL_S:
            last_at[0] = now
            if total:
                percent = min(100, done * 100 // total)
                report(
                    "downloading",
                    low + (high - low) * percent / 100,
                    f"Downloading {percent} %",
                    f"{done / MB:.1f} of {total / MB:.1f} MB",
                )
            else:
                report("downloading", low, f"Downloading {done / MB:.0f} MB", f"{done / MB:.1f} MB")
        checkpoint()

    return on_progress
