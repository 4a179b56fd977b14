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
