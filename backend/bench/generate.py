"""A 2-minute track generated end to end: prompt → spec → stems → master → QA → files.

Target (issue 6): ≤ 15 s on the 2-core machine. Three genres with different synthesis costs
(house: stabs and supersaws; dubstep: wobble filter sweeps; lo-fi: swung keys and crackle)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

PROMPTS = {
    "house": "house at 124 bpm in A minor, 2 minutes",
    "dubstep": "dubstep with wobble bass at 140 bpm in E minor, 2 minutes",
    "lo_fi": "chill lo-fi with rhodes at 80 bpm in F major, 2 minutes",
}
TARGET_S = 15.0


def run() -> dict[str, Any]:
    from intellimix.audio.analysis import warm_up
    from intellimix.audio.generate import generate_track
    from intellimix.planner.intent import parse_prompt

    warm_up()  # numba compiles once per process, as the worker does at start
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, prompt in PROMPTS.items():
            started = time.perf_counter()
            spec = parse_prompt(prompt, seed=7)
            outcome = generate_track(spec.model_dump(), Path(scratch) / name)
            total = time.perf_counter() - started
            result[f"{name}_duration_s"] = spec.duration_s
            result[f"{name}_total_s"] = round(total, 2)
            result[f"{name}_qa_passed"] = outcome.qa["passed"]
            result[f"{name}_attempts"] = len(outcome.qa["attempts"])
            for stage, seconds in outcome.timings.items():
                result[f"{name}_stage_{stage}_s"] = seconds
    result["worst_total_s"] = max(v for k, v in result.items() if k.endswith("_total_s"))
    result["target_s"] = TARGET_S
    return result
