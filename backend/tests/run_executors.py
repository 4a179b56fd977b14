"""Executors the run tests register (RUN_EXECUTOR_MODULES=tests.run_executors).

Each appends a line to `input["journal"]` when it starts and when it finishes, so tests can
count executions across processes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from intellimix.runs.context import RunContext
from intellimix.runs.errors import RunFailure
from intellimix.runs.registry import executor


def _journal(context: RunContext, what: str) -> None:
    path = context.input.get("journal")
    if path:
        with Path(path).open("a") as handle:
            handle.write(f"{what} {context.run_id} {context.attempt} {os.getpid()} {time.time()}\n")
            handle.flush()
            os.fsync(handle.fileno())


def _steps(context: RunContext) -> dict[str, Any]:
    _journal(context, "start")
    steps = int(context.input.get("steps", 4))
    for step in range(steps):
        time.sleep(float(context.input.get("delay", 0.02)))
        context.progress("work", (step + 1) * 100 / steps, f"step {step + 1} of {steps}")
    _journal(context, "done")
    return {"steps": steps, "attempt": context.attempt}


executor("test_heavy", lane="heavy")(_steps)
executor("test_plan", lane="interactive")(_steps)


@executor("test_fail", lane="heavy")
def _fail(context: RunContext) -> dict[str, Any]:
    raise RunFailure("TEST_FAILED", "This run fails on purpose.")


@executor("test_crash", lane="interactive")
def _crash(context: RunContext) -> dict[str, Any]:
    raise ValueError("internal detail that must not reach the client")


@executor("test_hang", lane="heavy")
def _hang(context: RunContext) -> dict[str, Any]:
    """Reports once, then computes forever without a checkpoint (the 1 Hz WAV in `loudness`)."""
    context.progress("work", 10, "about to hang")
    _journal(context, "start")
    while True:
        time.sleep(0.05)


@executor("test_job", lane="heavy")
def _job(context: RunContext) -> dict[str, Any]:
    """A run that produces a Job with one file, written through its scratch folder."""
    from intellimix.history import service as history

    _journal(context, "start")
    job = history.create_job(
        user_id=context.user_id, type="render", input={"prompt": "test"}, run_id=context.run_id
    )
    scratch = context.scratch_path()
    scratch.mkdir(parents=True)
    (scratch / "mix.mp3").write_bytes(b"ID3 not really audio")
    context.progress("work", 50, "half way")
    if context.input.get("hang_on_attempt") == context.attempt:
        while True:
            time.sleep(0.05)
    history.add_file(job, scratch / "mix.mp3", name="mix.mp3", role="mix_mp3")
    history.finish_job(job)
    return {"job_id": job.id}


@executor("test_alloc", lane="heavy")
def _alloc(context: RunContext) -> dict[str, Any]:
    """Asks for more memory than a heavy slot may hold."""
    import numpy as np

    context.progress("work", 10, "allocating")
    block = np.ones(int(context.input["megabytes"]) * 1024 * 1024 // 8)
    return {"sum": float(block.sum())}
