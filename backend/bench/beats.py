"""Tempo, beats and downbeats on the dev set (`bench.beats_devset`): ours, librosa, essentia.

One run scores every tracker on the same files with mir_eval's beat F-measure (±70 ms, the
first 5 s ignored as mir_eval does) and the usual tempo accuracies: Acc1 (within 4 % of the
true tempo) and Acc2 (within 4 % of it, its double, half, triple or third). Downbeat F and
the meter (4/4, 3/4, 6/8; a 12/8 reported as 6/8 counts as right) are scored for ours only
(librosa and essentia's RhythmExtractor2013 find no downbeats).

essentia is AGPL-licensed: it is a benchmark-only extra (`pip install essentia`, the
`bench` extra of backend/pyproject.toml), never imported by the application. When it is not
installed its column says so.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mir_eval
import numpy as np
import soundfile as sf

from bench.beats_devset import build, devset_dir

TOLERANCE = 0.04
# (tempo, beats, downbeats or None, meter or None) of one excerpt.
Reading = tuple[float | None, np.ndarray, np.ndarray | None, str | None]
Tracker = Callable[[np.ndarray, int], Reading]


def ours(y: np.ndarray, rate: int) -> Reading:
    from intellimix.audio.rhythm import analyze_rhythm

    rhythm = analyze_rhythm(y, rate)
    beats, downbeats = np.array(rhythm["beats"]), np.array(rhythm["downbeats"])
    return rhythm["bpm"], beats, downbeats, rhythm["meter"]


def meter_right(reported: str | None, truth: str) -> bool:
    """A 12/8 reported as 6/8 is right: ours counts it as two bars of 6/8 (see rhythm.py)."""
    return reported == truth or (truth == "12/8" and reported == "6/8")


def librosa_beat_track(y: np.ndarray, rate: int) -> Reading:
    import librosa

    tempo, beats = librosa.beat.beat_track(y=y, sr=rate, units="time")
    return float(np.atleast_1d(tempo)[0]), np.asarray(beats), None, None


def essentia_rhythm(y: np.ndarray, rate: int) -> Reading:
    import essentia.standard as es
    import librosa

    # RhythmExtractor2013 assumes 44.1 kHz input.
    audio = librosa.resample(y, orig_sr=rate, target_sr=44_100).astype(np.float32)
    bpm, ticks, *_ = es.RhythmExtractor2013(method="multifeature")(audio)
    return float(bpm), np.asarray(ticks), None, None


def _essentia_available() -> bool:
    try:
        import essentia.standard  # noqa: F401
    except ImportError:
        return False
    return True


def tempo_accuracy(estimate: float | None, truth: float) -> tuple[bool, bool]:
    """(Acc1, Acc2) for one estimate."""
    if estimate is None:
        return False, False

    def near(factor: float) -> bool:
        return abs(estimate - truth * factor) <= TOLERANCE * truth * factor

    return near(1.0), any(near(f) for f in (1.0, 2.0, 0.5, 3.0, 1.0 / 3.0))


def score_item(tracker: Tracker, y: np.ndarray, rate: int, truth: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    bpm, beats, downbeats, meter = tracker(y, rate)
    seconds = time.perf_counter() - started
    acc1, acc2 = tempo_accuracy(bpm, truth["bpm"])
    reference = mir_eval.beat.trim_beats(np.array(truth["beats"]))
    beat_f = mir_eval.beat.f_measure(reference, mir_eval.beat.trim_beats(beats))
    result = {"bpm": bpm, "acc1": acc1, "acc2": acc2, "beat_f": beat_f, "seconds": seconds}
    if downbeats is not None:
        reference_down = mir_eval.beat.trim_beats(np.array(truth["downbeats"]))
        result["downbeat_f"] = mir_eval.beat.f_measure(
            reference_down, mir_eval.beat.trim_beats(downbeats)
        )
    if downbeats is not None:  # a tracker that finds bars also names their meter
        result["meter"] = meter
        result["meter_right"] = meter_right(meter, truth["meter"])
    return result


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out = {
        "acc1_pct": round(100 * statistics.mean(r["acc1"] for r in rows), 1),
        "acc2_pct": round(100 * statistics.mean(r["acc2"] for r in rows), 1),
        "beat_f": round(statistics.mean(r["beat_f"] for r in rows), 3),
        "seconds_per_item": round(statistics.mean(r["seconds"] for r in rows), 3),
    }
    if all("downbeat_f" in r for r in rows):
        out["downbeat_f"] = round(statistics.mean(r["downbeat_f"] for r in rows), 3)
    if all("meter_right" in r for r in rows):
        out["meter_pct"] = round(100 * statistics.mean(r["meter_right"] for r in rows), 1)
    return out


def evaluate(folder: Path, trackers: dict[str, Tracker]) -> dict[str, Any]:
    """Every tracker on every item; overall and per-source summaries, and ours' misses."""
    per: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_source: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    misses = []
    meters: dict[str, int] = defaultdict(int)
    items = sorted(folder.glob("*.json"))
    for path in items:
        truth = json.loads(path.read_text())
        y, rate = sf.read(str(path.with_suffix(".wav")), dtype="float32")
        for name, tracker in trackers.items():
            row = score_item(tracker, y, rate, truth)
            per[name].append(row)
            by_source[(name, truth["source"])].append(row)
            if "meter" in row:
                meters[f"{truth['meter']} as {row['meter']}"] += 1
            if name == "ours" and (not row["acc1"] or row["beat_f"] < 0.8):
                misses.append(
                    f"{path.stem}: truth {truth['bpm']:g} ({truth['meter']}), "
                    f"ours {row['bpm']}, beat F {row['beat_f']:.2f}"
                )
    return {
        "items": len(items),
        "overall": {name: _summary(rows) for name, rows in per.items()},
        "by_source": {
            f"{name}/{source}": {"n": len(rows), **_summary(rows)}
            for (name, source), rows in sorted(by_source.items())
        },
        "ours_misses": misses,
        "ours_meters": dict(sorted(meters.items())),
    }


def table(report: dict[str, Any]) -> str:
    """The overall comparison as a Markdown table."""
    lines = [
        f"Dev set: {report['items']} excerpts of 30 s (bench/beats_devset.py).",
        "",
        "| tracker | Acc1 % | Acc2 % | beat F | downbeat F | meter % | s per 30 s |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in report["overall"].items():
        lines.append(
            f"| {name} | {s['acc1_pct']} | {s['acc2_pct']} | {s['beat_f']} | "
            f"{s.get('downbeat_f', 'n/a')} | {s.get('meter_pct', 'n/a')} | "
            f"{s['seconds_per_item']} |"
        )
    lines += ["", "Meters, ours (truth as reported; a 12/8 as 6/8 counts as right):", ""]
    lines += [f"- {pair}: {count}" for pair, count in report["ours_meters"].items()]
    lines += ["", "| tracker/source | n | Acc1 % | Acc2 % | beat F | downbeat F |"]
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for name, s in report["by_source"].items():
        lines.append(
            f"| {name} | {s['n']} | {s['acc1_pct']} | {s['acc2_pct']} | {s['beat_f']} | "
            f"{s.get('downbeat_f', 'n/a')} |"
        )
    return "\n".join(lines) + "\n"


def run() -> dict[str, Any]:
    from intellimix.audio.analysis import warm_up

    warm_up()
    folder = devset_dir()
    if len(list(folder.glob("*.json"))) < 150:
        build(folder)
    trackers: dict[str, Tracker] = {"ours": ours, "librosa": librosa_beat_track}
    if _essentia_available():
        trackers["essentia"] = essentia_rhythm
    report = evaluate(folder, trackers)
    if not _essentia_available():
        report["essentia"] = "not installed (pip install essentia; AGPL, bench-only)"
    flat: dict[str, Any] = {"items": report["items"]}
    for name, summary in report["overall"].items():
        flat.update({f"{name}_{key}": value for key, value in summary.items()})
    flat["targets"] = "ours Acc1 >= 90, Acc2 >= 97, beat F >= 0.90"
    flat["detail"] = report
    flat["markdown"] = table(report)
    return flat
