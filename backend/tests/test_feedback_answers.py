"""Follow-up questions answered from a stored report (what the chat calls)."""

from __future__ import annotations

import pytest

from intellimix.audio.feedback.measure import measure
from intellimix.audio.feedback.report import ReferenceAudio, feedback_report
from intellimix.feedback import answers
from intellimix.feedback.pdf import fix_text

from .audio import feedback_signals as signals


@pytest.fixture(scope="module")
def report():
    # Muddy low-mids and out-of-phase bass, judged against a clean take.
    stems = dict(signals.song())
    bass = stems["bass"].copy()
    bass[1] *= -1.0
    stems["bass"] = bass
    muddy = signals.mastered(signals.peaking(signals.mixdown(stems), hz=250.0, gain_db=6.0, q=1.0))
    reference = ReferenceAudio(measure(signals.clean_master(3), signals.RATE), "clean take")
    return feedback_report(muddy, signals.RATE, type="master", reference=reference)


def test_what_to_fix_first_is_the_top_finding_with_its_settings(report):
    reply = answers.answer(report, "What should I fix first?")
    top = report["findings"][0]
    assert top["title"] in reply
    assert fix_text(top["fixes"][0]) in reply


def test_why_is_the_low_end_muddy_names_the_low_end_and_low_mid_findings(report):
    reply = answers.answer(report, "why is the low end muddy?")
    titles = [f["title"] for f in report["findings"] if f["area"] in ("low_end", "tonal_balance")]
    assert any(f["rule"] == "low_end_phase" for f in report["findings"])
    for title in titles:
        if any(tag in ("muddy", "low end", "bass") for tag in _tags(report, title)):
            assert title in reply


def test_an_area_without_a_finding_is_answered_from_its_measurements(report):
    reply = answers.answer(report, "is it clipping?")
    assert "no finding" in reply
    assert str(report["measurements"]["peaks"]["clipped_runs"]) in reply


def test_anything_else_gets_the_summary(report):
    reply = answers.answer(report, "thoughts?")
    assert reply.startswith(report["summary"])
    assert reply.count("\n") == min(3, len(report["findings"]))


def _tags(report, title):
    return next(f["tags"] for f in report["findings"] if f["title"] == title)
