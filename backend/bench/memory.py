"""Peak memory of a heavy slot rendering a mix end to end (issue 19, part 5).

Two cases, each with synthetic tracks made here (the kick/bass/chords of `bench.analysis.music`
at different tempi, 44.1 kHz WAV files, so the render also resamples them to the plan's 48 kHz):
(a) a 3-minute mix of 6 segments from 4 tracks, (b) a one-hour mix of 20 segments from 20
tracks. Every transition type appears in both. The tracks' beat grids are the ones they were
made with, so no analysis runs: the bench measures `render_plan` alone — decode, render, master,
WAV + MP3 + stems, QA, as a render run does in a worker's heavy slot.

How memory is measured: each case renders in a fresh child process, alone, and reports its own
peak resident set (getrusage's ru_maxrss). That is what the slot costs the machine, numpy
arrays and everything else (Rubber Band's and libsndfile's buffers, the interpreter,
numba's compiled code); tracemalloc would see numpy's arrays only and its bookkeeping would
itself inflate the process. `import_rss_mb` is the same process after importing the audio
engine, before the render. A thread samples the resident set every 20 ms to tell which stage
the peak came from (`stage_peaks_mb`; a spike shorter than that may be missed there, never in
ru_maxrss). The child's address space is capped (MEMORY_CAP_GB), so a render that would not
fit fails with MemoryError inside the child instead of pushing a shared machine into swap.

Measured on the 2-core, 24 GB machine at a load of 15–24 (wall times inflated by it):
- 3-minute mix: main before this bench (403e1df) 1453 MB, QA the peak; now 803 MB (master).
- 8.3 minutes, 20 tracks (not a bench case, same layout): 5979 MB → 1869 MB.
- one hour (60.5 min), 20 tracks: 7583 MB (master; QA 6280 MB), QA passed, 1648 s wall.
  On 403e1df it cannot run: 20 full-length stems are 20 × 1.3 GB, and QA decoded every
  stem at once and refused any mix over 40 minutes.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from bench.analysis import music

SOURCE_RATE = 44_100
TARGET_BPM = 124.0
TRANSITIONS = ("crossfade", "bass_swap", "filter_sweep", "echo_out", "cut")
FIRST_BAR = 2
SAMPLE_EVERY_S = 0.02
# Address space, not resident memory: numba, glibc's per-thread arenas and thread stacks
# reserve gigabytes they never touch, so this sits well above any resident figure.
MEMORY_CAP_GB = float(os.environ.get("BENCH_MEMORY_CAP_GB", "20"))


@dataclass(frozen=True)
class Case:
    name: str
    tracks: int
    segments: int
    bars: int  # each segment plays this many bars of its track

    def bpm(self, track: int) -> float:
        """Tempi spread over 118–132 BPM: every segment is stretched to the target."""
        return 118.0 + 14.0 * track / max(1, self.tracks - 1)


# (a) ≈ 3 min: 6 × 19 bars at 124 BPM less five 16-beat overlaps; (b) ≈ 60 min: 20 × 97 bars.
CASES = (
    Case("three_minutes", tracks=4, segments=6, bars=19),
    Case("one_hour_20_tracks", tracks=20, segments=20, bars=97),
)


def run() -> dict[str, Any]:
    results = {case.name: measure(case) for case in CASES}
    flat: dict[str, Any] = {
        f"{name}_{key}": value
        for name, result in results.items()
        for key, value in result.items()
        if key != "stage_peaks_mb"
    }
    flat["detail"] = results
    flat["markdown"] = table(results)
    return flat


def measure(case: Case) -> dict[str, Any]:
    """Write the case's tracks, then render them in a child process and read what it reports."""
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as scratch:
        folder = Path(scratch)
        files = write_tracks(case, folder)
        context = multiprocessing.get_context("spawn")
        queue = context.SimpleQueue()
        child = context.Process(target=_child, args=(case, files, folder / "out", queue))
        child.start()
        child.join()
        if queue.empty():
            return {"error": f"the child exited with code {child.exitcode}"}
        result: dict[str, Any] = queue.get()
    return result


def write_tracks(case: Case, folder: Path) -> dict[str, Path]:
    """One WAV per track, long enough for its segment(s) stretched to the target tempo."""
    uses = -(-case.segments // case.tracks)
    files = {}
    for index in range(case.tracks):
        bpm = case.bpm(index)
        bars = FIRST_BAR + uses * (case.bars + 1) + 2
        path = folder / f"t{index + 1}.wav"
        audio = music(bars * 4 * 60.0 / bpm, SOURCE_RATE, bpm=bpm)
        sf.write(str(path), audio.T, SOURCE_RATE, subtype="PCM_16")
        files[f"t{index + 1}"] = path
    return files


def plan_for(case: Case, durations: dict[str, float]) -> dict[str, Any]:
    """Segments cycling through the tracks, cut on their bars; every transition type in turn."""
    segments = []
    for index in range(case.segments):
        track = index % case.tracks
        bar = 4 * 60.0 / case.bpm(track)
        first = FIRST_BAR + (index // case.tracks) * (case.bars + 1)
        kind = TRANSITIONS[(index - 1) % len(TRANSITIONS)]
        segments.append(
            {
                "id": f"s{index + 1}",
                "track_id": f"t{track + 1}",
                "source_start_s": first * bar,
                "source_end_s": min((first + case.bars) * bar, durations[f"t{track + 1}"]),
                "transition_in": None
                if index == 0
                else {"type": kind, "beats": 0 if kind == "cut" else 16},
            }
        )
    return {"title": case.name, "target": {"bpm": TARGET_BPM}, "segments": segments}


def analysis_for(bpm: float, duration_s: float) -> dict[str, Any]:
    """The grid `music` was made on: a kick on every beat from 0 s, bars of four."""
    beats = np.arange(0.0, duration_s, 60.0 / bpm)
    return {
        "bpm": bpm,
        "beats": beats.tolist(),
        "downbeats": beats[::4].tolist(),
        "duration_s": duration_s,
    }


def _child(case: Case, files: dict[str, Path], out_dir: Path, queue: Any) -> None:
    cap = int(MEMORY_CAP_GB * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from intellimix import audio
    from intellimix.audio.analysis import warm_up
    from intellimix.audio.mixdown import TrackSource, render_plan
    from intellimix.planner.plan import TrackFacts, validate_plan

    warm_up()
    import_rss = _rss_mb()
    durations = {track_id: sf.info(str(path)).duration for track_id, path in files.items()}
    sources, facts = {}, {}
    for index, (track_id, path) in enumerate(files.items()):
        sources[track_id] = TrackSource(path, analysis_for(case.bpm(index), durations[track_id]))
        facts[track_id] = TrackFacts(durations[track_id], case.bpm(index))
    plan = validate_plan(plan_for(case, durations), facts).model_dump()

    sampler = _Sampler()
    started = time.perf_counter()
    result: dict[str, Any] = {
        "code": _revision(Path(audio.__file__)),
        "tracks": case.tracks,
        "segments": case.segments,
        "import_rss_mb": round(import_rss),
    }
    try:
        outcome = render_plan(plan, sources, out_dir, progress=sampler.stage)
    except MemoryError:
        result["error"] = f"MemoryError in stage {sampler.current!r} (cap {MEMORY_CAP_GB:g} GB)"
    except Exception as exc:  # a render that fails still reports how far memory got
        result["error"] = f"{type(exc).__name__} in stage {sampler.current!r}: {exc}"
    else:
        duration = outcome.timeline[-1]["end_s"]
        result |= {
            "mix_duration_s": round(duration, 1),
            "mix_array_mb": round(duration * int(plan["target"]["sample_rate"]) * 2 * 4 / 2**20),
            "qa_passed": outcome.qa["passed"],
            "stems_written": len(outcome.stems),
        }
    finally:
        wall = time.perf_counter() - started
        sampler.stop()
    result |= {
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "stage_peaks_mb": {stage: round(mb) for stage, mb in sampler.peaks.items()},
    }
    queue.put(result)


class _Sampler:
    """The largest resident set seen during each progress stage."""

    def __init__(self) -> None:
        self.current = "start"
        self.peaks: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stage(self, stage: str, _percent: float, _label: str) -> None:
        self.current = stage

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE_EVERY_S):
            stage = self.current
            self.peaks[stage] = max(self.peaks.get(stage, 0.0), _rss_mb())


def _rss_mb() -> float:
    """The resident set now (Linux /proc), in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _revision(module: Path) -> str:
    """The commit of the code measured (the bench can measure another checkout's engine)."""
    found = subprocess.run(
        ["git", "-C", str(module.parent), "describe", "--always", "--dirty", "--abbrev=7"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or "unknown"


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "Peak resident memory of a fresh process running `render_plan` (ru_maxrss).",
        "",
        "| case | mix | wall | peak RSS | after imports | QA | peak stage |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, r in results.items():
        peaks = r.get("stage_peaks_mb") or {}
        stage = max(peaks, key=peaks.__getitem__) if peaks else "-"
        mix = f"{r['mix_duration_s'] / 60:.1f} min" if "mix_duration_s" in r else r.get("error")
        lines.append(
            f"| {name} | {mix} | {r.get('wall_s', '-')} s | {r.get('peak_rss_mb', '-')} MB | "
            f"{r.get('import_rss_mb', '-')} MB | {r.get('qa_passed', '-')} | {stage} |"
        )
    return "\n".join(lines) + "\n"
