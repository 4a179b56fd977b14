"""One planning turn with the local planner: 50 prompts over a 20-track analysed library.

Target (issue 7): p95 ≤ 300 ms per turn on the 2-core machine. Each prompt is read
(`reading.read_message`) and planned (`builder.build_reply`) as `LocalPlanner.respond` does;
both halves are timed. The prompts are the first turns of the planning fixture's cases (dev and
blind interleaved), so they span every kind of reply: drafts, questions, generation requests.
"""

from __future__ import annotations

import itertools
import statistics
import time
from typing import Any

PROMPTS = 50
TARGET_P95_MS = 300.0


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run() -> dict[str, Any]:
    from intellimix.planner.builder import build_reply
    from intellimix.planner.reader import read_message
    from intellimix.planner.turns import PlannerRequest
    from tests.planning_library import fixture_cases, fixture_library

    library = fixture_library()
    paired = itertools.zip_longest(fixture_cases("dev"), fixture_cases("blind"))
    cases = [case for pair in paired for case in pair if case is not None]
    unique = list(dict.fromkeys(case["turns"][0] for case in cases))
    # Evenly across the cases, so questions and generation requests are among the prompts.
    prompts = [unique[i * len(unique) // PROMPTS] for i in range(PROMPTS)]

    first = time.perf_counter()
    request = PlannerRequest(message=prompts[-1], library=library)
    build_reply(request, read_message(request))  # word tables and name index are built once
    cold_ms = (time.perf_counter() - first) * 1000

    totals, reading, building = [], [], []
    kinds: dict[str, int] = {}
    for prompt in prompts:
        request = PlannerRequest(message=prompt, library=library)
        started = time.perf_counter()
        intent = read_message(request)
        read = time.perf_counter()
        reply = build_reply(request, intent)
        done = time.perf_counter()
        reading.append((read - started) * 1000)
        building.append((done - read) * 1000)
        totals.append((done - started) * 1000)
        kinds[reply.kind] = kinds.get(reply.kind, 0) + 1

    p95 = _percentile(totals, 0.95)
    return {
        "prompts": len(prompts),
        "library_tracks": len(library),
        "replies": ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items())),
        "cold_first_turn_ms": round(cold_ms, 1),
        "p50_ms": round(statistics.median(totals), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(totals), 1),
        "read_p95_ms": round(_percentile(reading, 0.95), 1),
        "build_p95_ms": round(_percentile(building, 0.95), 1),
        "target_p95_ms": TARGET_P95_MS,
        "within_target": p95 <= TARGET_P95_MS,
    }
