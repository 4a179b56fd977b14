"""Answers to follow-up questions from a stored feedback report, for the chat.

Nothing here measures or invents: every sentence is built from the report's findings,
measurements and fixes. `answer(report, question)` picks what the question is about by the
words it shares with the findings' tags ("why is the low end muddy?" → the low-end and
low-mid findings), or the top finding for "what should I fix first?", and falls back to the
summary with the top findings. `summarize(report)` is the opening answer after a run.
"""

from __future__ import annotations

import re
from typing import Any

from intellimix.feedback.pdf import AREA_NAMES, fix_text

TOP = 3
FIRST_WORDS = ("first", "priority", "prioritise", "prioritize", "most important", "start")
# Words of a question that name an area even when that area has no finding.
AREA_WORDS: dict[str, tuple[str, ...]] = {
    "low_end": ("bass", "low end", "sub", "kick", "boomy", "low-end"),
    "tonal_balance": ("muddy", "mud", "mids", "dull", "tone", "tonal", "eq", "balance"),
    "harshness": ("harsh", "bright", "sibilan", "esses", "piercing"),
    "loudness": ("loud", "quiet", "lufs", "volume", "streaming", "level"),
    "dynamics": ("dynamic", "compress", "squash", "crush", "lra"),
    "peaks": ("clip", "peak", "distort", "ceiling"),
    "stereo": ("stereo", "wide", "width", "narrow", "phase", "mono"),
    "transients": ("punch", "transient", "snap", "attack", "drums"),
    "noise": ("noise", "hiss", "hum"),
}


def summarize(report: dict[str, Any], *, title: str | None = None) -> str:
    """A few lines: overall score, the top findings with their fixes."""
    head = f"{title}: " if title else ""
    lines = [f"{head}{report['summary']} Overall {report['overall_score']}/100."]
    for rank, finding in enumerate(report["findings"][:TOP], start=1):
        lines.append(f"{rank}. {_finding_line(finding)}")
    return "\n".join(lines)


def answer(report: dict[str, Any], question: str) -> str:
    """Answer a follow-up about the report ("why is the low end muddy?", "fix first?")."""
    text = question.lower()
    findings = report["findings"]
    if any(word in text for word in FIRST_WORDS):
        if not findings:
            return "Nothing needs fixing: every area is within its target."
        first = findings[0]
        return f"Fix this first: {_finding_line(first)}\nWhy: {first['explanation']}"
    matched = [f for f in findings if _mentions(text, f)]
    if matched:
        return "\n".join(f"{f['title']}. {f['explanation']} Fix: {_fixes(f)}" for f in matched)
    areas = [area for area, words in AREA_WORDS.items() if any(w in text for w in words)]
    if areas:
        return "\n".join(_area_is_fine(report, area) for area in areas)
    return summarize(report)


def findings_for_area(report: dict[str, Any], area: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["area"] == area]


def _mentions(text: str, finding: dict[str, Any]) -> bool:
    words = set(re.findall(r"[a-z][a-z\-]+", text))
    for tag in finding["tags"]:
        if (" " in tag and tag in text) or tag in words:
            return True
    area_words = AREA_WORDS.get(finding["area"], ())
    return any(word in text for word in area_words)


def _finding_line(finding: dict[str, Any]) -> str:
    return f"[{finding['severity']}] {finding['title']} — fix: {_fixes(finding)}"


def _fixes(finding: dict[str, Any]) -> str:
    return "; ".join(fix_text(fix) for fix in finding["fixes"])


def _area_is_fine(report: dict[str, Any], area: str) -> str:
    """What the measurements say about an area that has no finding."""
    m = report["measurements"]
    name = AREA_NAMES.get(area, area)
    score = report["scores"].get(area)
    facts = {
        "low_end": lambda: (
            f"under 150 Hz correlation {m['bands']['low']['correlation']}, "
            f"mono loss {m['bands']['low']['mono_loss_db']} dB"
        ),
        "loudness": lambda: f"{m['loudness']['lufs_integrated']} LUFS integrated",
        "dynamics": lambda: (
            f"loudness range {m['loudness']['loudness_range_lu']} LU, "
            f"PLR {m['loudness']['plr_db']} dB"
        ),
        "peaks": lambda: (
            f"true peak {m['loudness']['true_peak_db']} dBTP, "
            f"{m['peaks']['clipped_runs']} clipped runs"
        ),
        "stereo": lambda: (
            f"correlation {m['stereo']['correlation']}, width {m['stereo']['stereo_width']}"
        ),
        "transients": lambda: f"crest {m['transients']['crest_db']['full']} dB",
        "harshness": lambda: f"2.5–5 kHz at {m['harshness']['harsh_share_db']} dB of the total",
        "noise": lambda: f"noise floor {m['noise']['floor_dbfs']} dBFS",
    }
    measured = facts[area]() if area in facts else "no deviation from the target"
    return f"{name} has no finding ({score}/100): {measured}."
