"""Gemini phrases and prioritises a report's findings; it never changes a number (issue 16).

With Gemini configured (`PLANNER_PROVIDER=gemini`), the rule engine's findings go to the model
with their evidence and fixes, and it answers (structured output, `Phrasing`) a title and an
explanation for each finding, in the order to fix them. The answer is checked before anything
of it is used: every finding exactly once, and every number in its words one the finding
already states (in its title, explanation, evidence or fixes). A model that rounds, converts
or invents a number is refused and the rule engine's text stays — as it does when the cloud
fails. Only words and order can change: evidence, fixes, scores and measurements are the rule
engine's, and `report["phrasing"]` says who phrased it (or why the model's answer was refused).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from intellimix.feedback.pdf import fix_text
from intellimix.planner.providers.gemini import (
    CloudError,
    GeminiCaller,
    gemini_schema,
    settings_from,
)

log = logging.getLogger(__name__)

SYSTEM_INSTRUCTION = """\
You are a mastering engineer rewording an automatic mix or master report for the producer who
asked for it. The user turn is JSON: the report type, genre or reference, and its findings,
each with a number, severity, title, explanation, evidence and fixes.
Answer every finding exactly once, in the order the producer should fix them (most important
first; the given order is the rule engine's ranking by severity). For each, write a short title
and a plain explanation of what is heard and why it matters, in a studio voice.
Use only numbers that the finding itself states, written exactly as given (same value, same
unit, same sign): never round, convert units (250 Hz stays 250 Hz, not 0.25 kHz), estimate or
add a number. Do not restate the fixes' settings; they are shown beside your words.
"""


class PhrasedFinding(BaseModel):
    """One finding in the model's words."""

    model_config = ConfigDict(extra="forbid")

    finding: int = Field(ge=0, description="The finding's number in the request.")
    title: str = Field(min_length=3, max_length=140, description="A short title.")
    explanation: str = Field(
        min_length=3, max_length=900, description="What is heard and why it matters."
    )


class Phrasing(BaseModel):
    """The findings, reworded, in the order to fix them."""

    model_config = ConfigDict(extra="forbid")

    findings: list[PhrasedFinding] = Field(
        description="Every finding exactly once, most important first."
    )


PHRASING_SCHEMA: dict[str, Any] = gemini_schema(Phrasing.model_json_schema())
# A number as written: a sign only where it is one ("-3.9 dB", "−14 LUFS"), not the hyphen of
# a range ("3-5 kHz") or a word ("1/3-octave").
_NUMBER = re.compile(r"(?:(?<![\w.])([-−+]))?(\d+(?:\.\d+)?)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


class Refused(Exception):
    """The model's answer cannot be used as it is; says why."""


def phrase_if_configured(report: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The report phrased by Gemini when it is the configured provider, else as it is."""
    if config.get("PLANNER_PROVIDER") != "gemini" or not report["findings"]:
        return report
    settings = settings_from(config)
    return phrase(report, GeminiCaller(settings), model=settings.model)


def phrase(report: dict[str, Any], caller: GeminiCaller, *, model: str) -> dict[str, Any]:
    """The report with the model's titles, explanations and order, or unchanged (with why)."""
    try:
        answer = caller.ask(
            _prompt(report), system=SYSTEM_INSTRUCTION, schema=PHRASING_SCHEMA, answer=Phrasing
        )
        findings = checked(report["findings"], answer)
    except CloudError as exc:
        log.warning("feedback phrasing: the cloud failed, the rule text stays: %s", exc)
        return {**report, "phrasing": {"provider": "rules", "refused": exc.code}}
    except Refused as exc:
        log.warning("feedback phrasing refused: %s", exc)
        return {**report, "phrasing": {"provider": "rules", "refused": str(exc)}}
    first, now_first = report["findings"][0]["title"], findings[0]["title"]
    return {
        **report,
        "findings": findings,
        "summary": report["summary"].replace(f"Fix first: {first}.", f"Fix first: {now_first}."),
        "phrasing": {"provider": "gemini", "model": model},
    }


def checked(findings: list[dict[str, Any]], answer: Phrasing) -> list[dict[str, Any]]:
    """The findings reworded and reordered as the answer says; raises Refused when the answer
    leaves a finding out, repeats one, or writes a number its finding does not state."""
    order = [phrased.finding for phrased in answer.findings]
    if sorted(order) != list(range(len(findings))):
        raise Refused(f"the answer numbers the findings {order}, not each of 0–{len(findings) - 1}")
    reworded = []
    for phrased in answer.findings:
        finding = findings[phrased.finding]
        stated = set(numbers_in(_stated(finding)))
        for text in (phrased.title, phrased.explanation):
            changed = [n for n in numbers_in(text) if n not in stated]
            if changed:
                raise Refused(
                    f"finding {phrased.finding} ({finding['rule']}) says {changed}, which it "
                    "does not state"
                )
        reworded.append({**finding, "title": phrased.title, "explanation": phrased.explanation})
    return reworded


def numbers_in(text: str) -> Iterator[float]:
    """Every number written in the text, signed where a sign is written."""
    for match in _NUMBER.finditer(_THOUSANDS.sub("", text)):
        sign, digits = match.groups()
        value = float(digits)
        yield -value if sign in ("-", "−") else value


def _stated(finding: dict[str, Any]) -> str:
    """Everything a finding says in numbers: its words, evidence and fixes."""
    fixes = [fix_text(fix) for fix in finding["fixes"]]
    return " ".join(
        [
            finding["title"],
            finding["explanation"],
            *fixes,
            json.dumps(finding["evidence"]),
            json.dumps(finding["fixes"]),
        ]
    )


def _prompt(report: dict[str, Any]) -> str:
    compared = report.get("compared_with") or {}
    document = {
        "type": report["type"],
        "compared_with": compared.get("label"),
        "findings": [
            {
                "finding": number,
                "severity": finding["severity"],
                "area": finding["area"],
                "title": finding["title"],
                "explanation": finding["explanation"],
                "evidence": finding["evidence"],
                "fixes": [fix_text(fix) for fix in finding["fixes"]],
            }
            for number, finding in enumerate(report["findings"])
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
