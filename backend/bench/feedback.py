"""Mix/master feedback on a 3-minute stereo 44.1 kHz track, and its PDF, in a warm process.

Targets (issue 16): the report ≤ 5 s (decode → measure → rules), its PDF ≤ 2 s. Wall time
and this process's CPU time are both reported, with the machine's load average: on a shared
machine the wall time grows with the load while the CPU time stays what the work costs.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import soundfile as sf

from bench.analysis import RATE, SECONDS, music

REPEATS = 3


def run() -> dict[str, Any]:
    from intellimix.audio import io
    from intellimix.audio.feedback import measure
    from intellimix.audio.feedback.report import report_from_measurements
    from intellimix.feedback.pdf import render_pdf

    stages: dict[str, list[float]] = {"decode": [], "measure": [], "rules": [], "pdf": []}
    totals, cpu_totals, pdf_cpu = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "three_minutes.wav"
        sf.write(str(path), music(SECONDS, RATE).T, RATE, subtype="PCM_24")
        for repeat in range(REPEATS + 1):  # the first pass warms imports and caches
            cpu = time.process_time()
            clock = time.perf_counter()
            decoded = io.decode(path)
            decode_s = time.perf_counter() - clock
            clock = time.perf_counter()
            measured = measure.measure(decoded.samples, decoded.sample_rate)
            measure_s = time.perf_counter() - clock
            clock = time.perf_counter()
            report = report_from_measurements(
                measured, type="master", genre="house", reference=None, detail="detailed"
            )
            rules_s = time.perf_counter() - clock
            feedback_cpu = time.process_time() - cpu
            cpu = time.process_time()
            clock = time.perf_counter()
            pdf = render_pdf(report, title="Master feedback: three minutes")
            pdf_s = time.perf_counter() - clock
            pdf_cpu_s = time.process_time() - cpu
            if repeat == 0:
                continue
            for name, value in zip(stages, (decode_s, measure_s, rules_s, pdf_s), strict=True):
                stages[name].append(value)
            totals.append(decode_s + measure_s + rules_s)
            cpu_totals.append(feedback_cpu)
            pdf_cpu.append(pdf_cpu_s)
    return {
        "track": f"{SECONDS:.0f} s stereo {RATE} Hz WAV",
        "feedback_median_s": round(statistics.median(totals), 3),
        "feedback_best_s": round(min(totals), 3),
        "feedback_cpu_median_s": round(statistics.median(cpu_totals), 3),
        "pdf_cpu_median_s": round(statistics.median(pdf_cpu), 3),
        **{f"stage_{name}_median_s": round(statistics.median(v), 3) for name, v in stages.items()},
        "pdf_bytes": len(pdf),
        "findings": report["finding_count"],
        "load_average_1min": round(os.getloadavg()[0], 1),
        "target_feedback_s": 5.0,
        "target_pdf_s": 2.0,
    }
