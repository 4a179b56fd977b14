"""The `generate` run: a spec → a mastered track, its files as a Job, the track in the library."""

from __future__ import annotations

import shutil
from typing import Any

from intellimix.audio.progress import scaled
from intellimix.extensions import db
from intellimix.generation import service
from intellimix.history import service as history
from intellimix.library import service as library
from intellimix.runs.context import RunContext
from intellimix.runs.registry import executor

GENERATE_SHARE = 85  # of the run's progress; the library analysis takes the rest


@executor("generate", lane="heavy")
def generate(context: RunContext) -> dict[str, Any]:
    from intellimix.audio.generate import generate_track

    spec = dict(context.input["spec"])
    reference = service.reference_media(context.user_id, context.input.get("reference_track_id"))
    job = history.create_job(
        user_id=context.user_id,
        type="generate",
        input={"prompt": context.input.get("prompt"), "spec": spec},
        run_id=context.run_id,
    )
    scratch = context.scratch_path()  # run-named: cleaned even when the attempt dies
    try:
        with history.failed_if_broken(job, work="generation", code="GENERATE_FAILED"):
            outcome = generate_track(
                spec,
                scratch,
                reference=reference,
                progress=scaled(context.progress, 0, GENERATE_SHARE),
            )
            track = service.add_generated_track(context.user_id, outcome.track_wav, spec)
            history.add_file(job, outcome.track_wav, name="track.wav", role="track")
            history.add_file(job, outcome.track_mp3, name="track.mp3", role="mix_mp3")
            for name, path in outcome.stems.items():
                history.add_file(job, path, name=f"stem_{name}.wav", role="stem")
            history.add_file(job, outcome.qa_json, name="qa.json", role="qa")
            # The spec holds the arrangement (sections and their times): the track's cue sheet.
            history.add_file(job, outcome.spec_json, name="spec.json", role="cues")
            db.session.commit()
            with library.analysing(track.id, context.user_id) as track:
                track = library.analyze(
                    track, progress=scaled(context.progress, GENERATE_SHARE, 100), arrangement=spec
                )
            history.finish_job(job)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "track_id": track.id,
        "job_id": job.id,
        "qa_passed": outcome.qa["passed"],
        "similarity": outcome.similarity,
    }
