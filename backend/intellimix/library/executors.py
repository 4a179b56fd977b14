"""The `analyze_track` run: decode, analyse, store the result on the track."""

from __future__ import annotations

from typing import Any

from intellimix.audio.progress import Progress, scaled
from intellimix.library import service
from intellimix.runs.context import RunContext
from intellimix.runs.models import Run
from intellimix.runs.registry import executor, on_run_stopped, warm_up


@warm_up
def _warm_analysis() -> None:
    from intellimix.audio.analysis import warm_up as warm_audio

    warm_audio()


@executor("analyze_track", lane="heavy")
def analyze_track(context: RunContext) -> dict[str, Any]:
    progress: Progress = context.progress
    with service.analysing(str(context.input.get("track_id")), context.user_id) as track:
        demo = context.input.get("demo")
        arrangement = None
        if demo:
            from intellimix.generation.service import demo_arrangement, materialize_demo

            arrangement = demo_arrangement(str(demo))
            if not track.media_file:
                # A demo track gets its audio here, in the worker, not in the request that added it.
                materialize_demo(track, str(demo), progress=scaled(progress, 0, 60))
                progress = scaled(progress, 60, 100)
        track = service.analyze(track, progress=progress, arrangement=arrangement)
    analysis = track.analysis or {}
    return {"track_id": track.id, "bpm": analysis["bpm"], "key": analysis["key"]}


@executor("import_track", lane="heavy")
def import_track(context: RunContext) -> dict[str, Any]:
    from intellimix.library import imports

    return imports.run_import(context)


@on_run_stopped
def _settle_track(run: Run) -> None:
    """An analysis that stopped without its worker (lost, cancelled, killed) fails its track,
    which would otherwise stay `analyzing` or `pending` forever."""
    if run.kind in ("analyze_track", "import_track"):
        service.mark_unfinished_analysis_failed(str((run.input or {}).get("track_id")), run.user_id)
