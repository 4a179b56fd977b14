""" "Fix it": a corrected master of a judged track through our own chain, then judged again.

`corrected_master` reads top to bottom: options from the report's findings → `mixdown.deliver`
(master → encode WAV and MP3 → QA on the decoded files, re-mastering while QA asks) → measure
the delivered WAV → a new report → `improvement` against the first one.

What the chain changes, and only when the report flagged it:
- tonal balance: the master's linear-phase matching EQ towards the same curve the report
  compared with (reference, genre target or the all-genre average);
- low end: `mono_below_hz` folds the side signal under MONO_BASS_HZ into the middle;
- loudness and peaks: always, to −14 LUFS under a −1 dBTP ceiling (the streaming guidance in
  `targets.DELIVERY`).
What no re-master can undo (clipping already in the file, lost dynamics, transients) is left
as it is; the new report still lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from intellimix.audio import io, mixdown
from intellimix.audio.feedback import report as feedback
from intellimix.audio.feedback.rules import MONO_BASS_HZ
from intellimix.audio.feedback.targets import DELIVERY
from intellimix.audio.progress import Progress, scaled
from intellimix.audio.stopwatch import Stopwatch

DEFAULT_BPM = 120.0  # QA's tempo check needs one; a track without a pulse keeps its reading


@dataclass
class FixOutcome:
    wav: Path
    mp3: Path
    qa_json: Path
    qa: dict[str, Any]
    report: dict[str, Any]  # the corrected master's report, with its `improvement`
    options: dict[str, Any]


def master_options(report: dict[str, Any], comparison_levels: np.ndarray | None) -> dict[str, Any]:
    """What to pass the master for the findings of `report` (see the module docstring)."""
    rules = {finding["rule"] for finding in _all_findings(report)}
    options: dict[str, Any] = {}
    if "tonal" in rules and comparison_levels is not None:
        options["reference_levels_db"] = comparison_levels
    if "low_end_phase" in rules:
        options["mono_below_hz"] = MONO_BASS_HZ
    return options


def corrected_master(
    samples: np.ndarray,
    sample_rate: int,
    *,
    original: dict[str, Any],
    genre: str | None,
    reference: feedback.ReferenceAudio | None,
    analysis: dict[str, Any],
    out_dir: Path,
    progress: Progress,
) -> FixOutcome:
    """Master the track with the corrections its report asks for, and judge the result."""
    comparison = feedback.comparison_curve(feedback.genre_target(genre), reference)
    options = master_options(original, None if comparison is None else comparison.levels_db)
    duration_s = samples.shape[-1] / sample_rate
    plan = {
        "target": {
            "bpm": analysis.get("bpm") or DEFAULT_BPM,
            "key": analysis.get("key"),
            "lufs": DELIVERY["streaming_lufs"].value,
            "true_peak_db": DELIVERY["true_peak_dbtp"].value,
        }
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    delivered = mixdown.deliver(
        samples,
        sample_rate,
        plan=plan,
        timeline=[{"start_s": 0.0, "end_s": duration_s}],
        out_dir=out_dir,
        name="master",
        stem_writer=dict,
        reference=None,
        bit_depth=24,
        progress=scaled(progress, 0, 80),
        clock=Stopwatch(None),
        master_options=options,
    )
    progress("measure", 85, "Judging the corrected master")
    decoded = io.decode(delivered.wav)
    after = feedback.feedback_report(
        decoded.samples,
        decoded.sample_rate,
        type="master",
        genre=genre,
        reference=reference,
        detail=original["detail"],
    )
    after["improvement"] = improvement(original, after)
    after["fixed_with"] = {
        "tonal_match": "reference_levels_db" in options,
        "mono_below_hz": options.get("mono_below_hz"),
        "target_lufs": plan["target"]["lufs"],
        "ceiling_dbtp": plan["target"]["true_peak_db"],
        "qa_passed": delivered.qa["passed"],
    }
    return FixOutcome(
        wav=delivered.wav,
        mp3=delivered.mp3,
        qa_json=delivered.qa_json,
        qa=delivered.qa,
        report=after,
        options={k: v for k, v in options.items() if k != "reference_levels_db"},
    )


def improvement(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per area, the score before and after; which findings went away and which remain."""
    before_rules = {_key(f): f for f in _all_findings(before)}
    after_rules = {_key(f): f for f in _all_findings(after)}
    return {
        "areas": {
            area: {"before": score, "after": after["scores"][area]}
            for area, score in before["scores"].items()
        },
        "overall": {"before": before["overall_score"], "after": after["overall_score"]},
        "resolved": [f["title"] for key, f in before_rules.items() if key not in after_rules],
        "remaining": [f["title"] for key, f in before_rules.items() if key in after_rules],
        "loudness": {
            "before": before["measurements"]["loudness"]["lufs_integrated"],
            "after": after["measurements"]["loudness"]["lufs_integrated"],
        },
        "true_peak_db": {
            "before": before["measurements"]["loudness"]["true_peak_db"],
            "after": after["measurements"]["loudness"]["true_peak_db"],
        },
    }


def _all_findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings the report shows (a brief report's top few): what was flagged."""
    return list(report["findings"])


def _key(finding: dict[str, Any]) -> tuple[str, str]:
    return finding["rule"], finding["area"]
