"""A 3-minute mix rendered end to end: stretch, every transition type, master, WAV + MP3 +
stems + QA, per stage. Target (issue 5): ≤ 12 s on the 2-core machine (≥ 15× real time)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import soundfile as sf

from bench.analysis import music

RATE = 44_100
TRACK_BPMS = {"t1": 118.0, "t2": 122.0, "t3": 128.0, "t4": 131.0}
TARGET_BPM = 124.0
# Six segments from four tracks, so that all five transition types appear in one mix.
LAYOUT = [
    ("t1", None),
    ("t2", "crossfade"),
    ("t3", "bass_swap"),
    ("t4", "filter_sweep"),
    ("t1", "echo_out"),
    ("t2", "cut"),
]
BARS = 18


def run() -> dict[str, Any]:
    from intellimix.audio.analysis import analyze_file, warm_up
    from intellimix.audio.mixdown import TrackSource, render_plan
    from intellimix.planner.plan import TrackFacts, validate_plan

    warm_up()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        sources = {}
        for track_id, bpm in TRACK_BPMS.items():
            path = folder / f"{track_id}.wav"
            sf.write(str(path), music(90.0, RATE, bpm=bpm).T, RATE, subtype="PCM_16")
            sources[track_id] = TrackSource(path, analyze_file(path))
        segments = []
        for index, (track_id, transition) in enumerate(LAYOUT):
            downbeats = sources[track_id].analysis["downbeats"]
            first = 2 if index < 4 else 22  # the reused tracks play a later passage
            segments.append(
                {
                    "id": f"s{index + 1}",
                    "track_id": track_id,
                    "source_start_s": downbeats[first],
                    "source_end_s": downbeats[first + BARS],
                    "transition_in": None
                    if transition is None
                    else {"type": transition, "beats": 0 if transition == "cut" else 16},
                }
            )
        facts = {
            t: TrackFacts(s.analysis["duration_s"], s.analysis["bpm"]) for t, s in sources.items()
        }
        plan = validate_plan(
            {"title": "bench", "target": {"bpm": TARGET_BPM}, "segments": segments}, facts
        ).model_dump()
        started = time.perf_counter()
        outcome = render_plan(plan, sources, folder / "out")
        total = time.perf_counter() - started
    duration = outcome.timeline[-1]["end_s"]
    return {
        "mix_duration_s": round(duration, 1),
        "segments": len(segments),
        "tracks": len(TRACK_BPMS),
        "total_s": round(total, 2),
        "realtime_factor": round(duration / total, 1),
        "qa_passed": outcome.qa["passed"],
        "attempts": len(outcome.qa["attempts"]),
        **{f"stage_{name}_s": seconds for name, seconds in outcome.timings.items()},
        "target_s": 12.0,
    }
