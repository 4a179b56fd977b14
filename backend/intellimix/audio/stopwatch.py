"""Per-stage wall time, for progress reports and benchmarks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stopwatch:
    """`with clock("stage"):` adds the stage's seconds to `timings` (when one is given).

    A stage timed again (a retake, a re-master) adds to its total rather than replacing it.
    """

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            if self.timings is not None:
                elapsed = time.perf_counter() - started
                self.timings[stage] = round(self.timings.get(stage, 0.0) + elapsed, 4)
