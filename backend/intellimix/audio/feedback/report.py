"""A feedback report: measure → compare (genre target, reference) → rules → scores and presets.

`feedback_report(samples, rate, type=…, genre=…, reference=…)` reads top to bottom. The tonal
comparison is the reference track's balance when one is given (what the person asked to sound
like), else the genre's measured curve, else the mean of every genre's curve; the EQ it implies
is `master.match_levels_db` — the same level-neutral, band-smoothed correction the mastering
chain applies, so a "fix it" master moves the track by exactly what the report says.

The correction is shown centred on its median band (`tonal_correction`).

Area scores are 100 / (1 + ½ · the sum of the area's finding scores): 100 without a finding,
67 for one medium, 50 for one high, never 0, so any improvement shows; the overall score is
their mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from intellimix.audio.errors import AudioError
from intellimix.audio.feedback import measure, rules, targets
from intellimix.audio.master import BAND_CENTRES_HZ, match_levels_db

Detail = Literal["brief", "detailed"]
SCHEMA_VERSION = 1
BRIEF_FINDINGS = 3
AREA_SLOPE = 0.5  # a medium finding (1) scores 67, a high one (2) 50, two highs 33


@dataclass(frozen=True)
class ReferenceAudio:
    """A reference track: its measurements (from `measure.measure`) and its name."""

    measured: dict[str, Any]
    label: str
    track_id: str | None = None


def feedback_report(
    samples: np.ndarray,
    sample_rate: int,
    *,
    type: rules.FeedbackType = "master",
    genre: str | None = None,
    reference: ReferenceAudio | None = None,
    detail: Detail = "detailed",
) -> dict[str, Any]:
    """Measure a track and judge it; JSON-ready."""
    measured = measure.measure(samples, sample_rate)
    return report_from_measurements(
        measured, type=type, genre=genre, reference=reference, detail=detail
    )


def report_from_measurements(
    measured: dict[str, Any],
    *,
    type: rules.FeedbackType,
    genre: str | None,
    reference: ReferenceAudio | None,
    detail: Detail,
) -> dict[str, Any]:
    """Judge a measured track (see `feedback_report`)."""
    target = genre_target(genre)
    comparison = comparison_curve(target, reference)
    levels = _array(measured["spectrum"]["levels_db"])
    correction = (
        None
        if comparison is None or not np.isfinite(levels).any()
        else tonal_correction(levels, comparison.levels_db)
    )
    findings = rules.run_rules(
        measured,
        type=type,
        correction_db=correction,
        comparison=comparison,
        reference=reference.measured if reference else None,
    )
    scores = _area_scores(findings)
    shown = findings[:BRIEF_FINDINGS] if detail == "brief" else findings
    return {
        "schema_version": SCHEMA_VERSION,
        "type": type,
        "detail": detail,
        "genre": (
            None
            if target is None
            else {
                "id": target.genre,
                "label": target.label,
                "source": target.source,
            }
        ),
        "reference": (
            None
            if reference is None
            else {"track_id": reference.track_id, "title": reference.label}
        ),
        "compared_with": (
            None
            if comparison is None
            else {"kind": comparison.kind, "label": comparison.label, "source": comparison.source}
        ),
        "summary": _summary(findings, scores),
        "overall_score": round(sum(scores.values()) / len(scores)),
        "scores": scores,
        "findings": [f.as_dict() for f in shown],
        "finding_count": len(findings),
        "presets": _presets(measured, findings, type),
        "targets": _targets(type),
        "tonal": {
            "band_centres_hz": [round(hz, 1) for hz in BAND_CENTRES_HZ],
            "track_db": measured["spectrum"]["levels_db"],
            "genre_db": None if target is None else _list(target.levels_db),
            "reference_db": None
            if reference is None
            else reference.measured["spectrum"]["levels_db"],
            "correction_db": None if correction is None else _list(correction),
        },
        "measurements": measured,
    }


def tonal_correction(levels_db: np.ndarray, target_db: np.ndarray) -> np.ndarray:
    """Per-band EQ (dB) towards the target: the master's matching curve, centred on its median.

    The master keeps its correction power-neutral, so when one region holds most of the
    energy, a bump there reads as every other band being low; centred on the median band, the
    same shape names the bump. The two differ by a constant gain only.
    """
    curve = match_levels_db(levels_db, target_db)
    return curve - np.nanmedian(curve)


def comparison_curve(
    genre_target: targets.GenreTarget | None, reference: ReferenceAudio | None
) -> rules.Comparison | None:
    """What the tonal balance is judged against: reference, else genre, else every genre."""
    if reference is not None:
        levels = _array(reference.measured["spectrum"]["levels_db"])
        if not np.isfinite(levels).any():
            raise AudioError("The reference track is silent.", code="SILENT_REFERENCE")
        return rules.Comparison(
            "reference", f"the reference '{reference.label}'", levels, "measured"
        )
    if genre_target is not None:
        return rules.Comparison(
            "genre", f"the {genre_target.label} target", genre_target.levels_db, genre_target.source
        )
    every = targets.genre_targets()
    if not every:
        return None
    mean = np.mean([t.levels_db for t in every.values()], axis=0)
    source = next(iter(every.values())).source.replace("seeds", "every genre, seeds")
    return rules.Comparison("genre", "the all-genre average target", mean, source)


def genre_target(genre: str | None) -> targets.GenreTarget | None:
    if genre is None:
        return None
    found = targets.genre_targets().get(genre)
    if found is None:
        raise AudioError(
            f"Unknown genre {genre!r}; known: {', '.join(targets.known_genres())}.",
            code="UNKNOWN_GENRE",
            status=422,
        )
    return found


def _area_scores(findings: list[rules.Finding]) -> dict[str, int]:
    weight = dict.fromkeys(rules.AREAS, 0.0)
    for finding in findings:
        weight[finding.area] += min(finding.score, rules.MAX_SCORE)
    # Never floored: a smaller problem always scores higher, so an improvement always shows.
    return {area: int(round(100.0 / (1.0 + AREA_SLOPE * value))) for area, value in weight.items()}


def _summary(findings: list[rules.Finding], scores: dict[str, int]) -> str:
    if not findings:
        return "No problems found: every area is within its target."
    counts = {
        level: sum(f.severity == level for f in findings) for level in ("high", "medium", "low")
    }
    listed = ", ".join(f"{n} {level}" for level, n in counts.items() if n)
    weakest = min(scores, key=lambda area: scores[area])
    return (
        f"{len(findings)} finding(s) ({listed}). Fix first: {findings[0].title}. "
        f"Weakest area: {weakest.replace('_', ' ')} ({scores[weakest]}/100)."
    )


def _presets(
    measured: dict[str, Any], findings: list[rules.Finding], type: rules.FeedbackType
) -> dict[str, Any]:
    """Plugin-agnostic settings gathered from the findings' fixes, one chain in order."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        for fix in finding.fixes:
            by_kind.setdefault(fix["kind"], []).append(fix)
    eq = sorted(
        ({k: v for k, v in fix.items() if k != "kind"} for fix in by_kind.get("eq", [])),
        key=lambda band: band["freq_hz"],
    )
    stereo: dict[str, Any] = {}
    for fix in by_kind.get("stereo", []):
        stereo.update({k: v for k, v in fix.items() if k != "kind"})
    lufs = measured["loudness"]["lufs_integrated"]
    limiter = None
    if type == "master" and lufs is not None:
        loud = lufs > targets.DELIVERY["streaming_lufs"].value + 2.0
        ceiling = targets.DELIVERY["loud_master_true_peak_dbtp" if loud else "true_peak_dbtp"]
        limiter = {
            "ceiling_dbtp": ceiling.value,
            "input_gain_db": round(targets.DELIVERY["streaming_lufs"].value - lufs, 1),
            "true_peak": True,
            "oversampling": 4,
            "target_lufs": targets.DELIVERY["streaming_lufs"].value,
        }
    compressors = by_kind.get("compressor", [])
    return {
        "eq": eq,
        "compressor": (
            {k: v for k, v in compressors[0].items() if k != "kind"} if compressors else None
        ),
        "de_esser": next(
            ({k: v for k, v in f.items() if k != "kind"} for f in by_kind.get("de_esser", [])),
            None,
        ),
        "stereo": stereo or None,
        "limiter": limiter,
    }


def _targets(type: rules.FeedbackType) -> dict[str, Any]:
    names = (
        ("mix_peak_dbfs", "min_lra_lu", "min_plr_db")
        if type == "mix"
        else ("streaming_lufs", "true_peak_dbtp", "min_lra_lu", "min_plr_db")
    )
    return {
        name: {
            "value": targets.DELIVERY[name].value,
            "unit": targets.DELIVERY[name].unit,
            "source": targets.DELIVERY[name].source,
            "convention": targets.DELIVERY[name].convention,
        }
        for name in names
    }


def _array(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _list(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 2) + 0.0 for v in values]
