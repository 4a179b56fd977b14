"""Gemini phrases and orders a report's findings through google-genai, against the local stub;
an answer that changes a number is refused and the rule engine's text stays."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from intellimix.audio import io
from intellimix.audio.feedback.report import feedback_report
from intellimix.extensions import db
from intellimix.feedback.models import FeedbackReport
from intellimix.feedback.phrasing import numbers_in, phrase
from intellimix.library import service as library
from intellimix.planner.providers.gemini import GeminiCaller, settings_from
from intellimix.runs.queue import Delivery
from intellimix.runs.worker import execute_delivery

from .audio import feedback_signals as signals
from .conftest import Api
from .gemini_stub import GeminiStub, Scripted, candidate, gemini_config, running_stub

Findings = list[dict[str, Any]]


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    with running_stub() as running:
        yield running


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return feedback_report(signals.boosted_250(), signals.RATE, type="master", genre="house")


def caller(stub: GeminiStub, **overrides: Any) -> GeminiCaller:
    return GeminiCaller(settings_from(gemini_config(stub, **overrides)))


def model(reword: Callable[[Findings], list[dict[str, Any]]]) -> Scripted:
    """A model answering from the findings it was sent."""

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        sent = json.loads(request["contents"][0]["parts"][0]["text"])["findings"]
        return candidate(json.dumps({"findings": reword(sent)}))

    return Scripted(200, answer)


def reversed_in_a_studio_voice(sent: Findings) -> list[dict[str, Any]]:
    """Last finding first, each reworded with the numbers of its own title only."""
    return [
        {
            "finding": f["finding"],
            "title": f"Heard: {f['title']}",
            "explanation": f"In short, {f['title'].lower()} — and it shows in the {f['area']}.",
        }
        for f in reversed(sent)
    ]


def test_the_model_may_reword_and_reorder_but_every_number_stays(stub, report):
    stub.answer(model(reversed_in_a_studio_voice))
    phrased = phrase(report, caller(stub), model="gemini-2.5-flash")

    rules = report["findings"]
    assert [f["title"] for f in phrased["findings"]] == [
        f"Heard: {f['title']}" for f in rules[::-1]
    ]
    for before, after in zip(rules[::-1], phrased["findings"], strict=True):
        assert {k: v for k, v in after.items() if k not in ("title", "explanation")} == {
            k: v for k, v in before.items() if k not in ("title", "explanation")
        }
    for part in ("scores", "overall_score", "measurements", "presets", "tonal", "finding_count"):
        assert phrased[part] == report[part]
    assert f"Fix first: Heard: {rules[-1]['title']}." in phrased["summary"]
    assert phrased["phrasing"] == {"provider": "gemini", "model": "gemini-2.5-flash"}
    [seen] = stub.seen
    schema = seen.body["generationConfig"]["responseSchema"]
    assert seen.body["generationConfig"]["responseMimeType"] == "application/json"
    assert set(schema["properties"]["findings"]["items"]["properties"]) == {
        "finding",
        "title",
        "explanation",
    }
    assert "never round" in seen.body["systemInstruction"]["parts"][0]["text"]


def _one_number_changed(sent: Findings) -> Findings:
    """The first finding's first number moved by 0.7 (+10.0 dB → +10.7 dB), a value that
    finding states nowhere."""
    first = sent[0]
    match = re.search(r"\d+(?:\.\d+)?", first["title"])
    assert match is not None
    changed = float(match.group()) + 0.7
    stated = set(numbers_in(json.dumps(first)))
    assert changed not in stated and -changed not in stated
    title = first["title"][: match.start()] + f"{changed:g}" + first["title"][match.end() :]
    return [{**first, "title": title}, *sent[1:]]


@pytest.mark.parametrize(
    "reword",
    [
        pytest.param(_one_number_changed, id="a changed number"),
        pytest.param(
            lambda sent: [
                {
                    **f,
                    "title": "Too much energy around 0.25 kHz" if f["finding"] == 0 else f["title"],
                }
                for f in sent
            ],
            id="a converted unit",
        ),
        pytest.param(lambda sent: sent[1:], id="a finding left out"),
        pytest.param(lambda sent: [sent[0], *sent], id="a finding twice"),
    ],
)
def test_an_answer_that_changes_a_number_or_a_finding_is_refused(stub, report, reword):
    def answer(sent: Findings) -> list[dict[str, Any]]:
        return [{k: f[k] for k in ("finding", "title", "explanation")} for f in reword(sent)]

    stub.answer(model(answer))
    phrased = phrase(report, caller(stub), model="gemini-2.5-flash")

    assert {k: v for k, v in phrased.items() if k != "phrasing"} == report
    assert phrased["phrasing"]["provider"] == "rules"
    assert phrased["phrasing"]["refused"]


def test_a_cloud_failure_keeps_the_rule_text(stub, report):
    stub.answer(Scripted(503, {"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}))
    phrased = phrase(report, caller(stub, GEMINI_MAX_RETRIES=0), model="gemini-2.5-flash")
    assert phrased["findings"] == report["findings"]
    assert phrased["phrasing"] == {"provider": "rules", "refused": "AI_TEMPORARILY_UNAVAILABLE"}


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("+10.0 dB around 251 Hz", [10.0, 251.0]),
        ("between 3–5 kHz and 3-5 kHz", [3.0, 5.0, 3.0, 5.0]),
        ("−14 LUFS, -1.0 dBTP, 1/3-octave", [-14.0, -1.0, 1.0, 3.0]),
        ("1,000 Hz", [1000.0]),
    ],
)
def test_numbers_are_read_as_written(text, numbers):
    assert list(numbers_in(text)) == numbers


def test_a_feedback_run_with_gemini_configured_stores_the_phrased_report(make_app, stub, tmp_path):
    settings = gemini_config(stub).items()
    app = make_app(**{k: v for k, v in settings if k.startswith(("PLANNER", "GEMINI"))})
    client = app.test_client()
    body = Api(client).register()
    headers = Api.bearer(body["access_token"])
    path = tmp_path / "muddy.wav"
    io.encode_wav(path, signals.boosted_250(), signals.RATE, bit_depth=24)
    with app.app_context():
        track = library.add_track(
            body["user"]["id"],
            path,
            source="upload",
            new=library.NewTrack(title="Muddy", artist=None, original_filename="muddy.wav"),
        )
        track.status, track.analysis = "ready", {"bpm": signals.BPM}
        db.session.commit()
        track_id = track.id
    stub.answer(model(reversed_in_a_studio_voice))
    started = client.post(
        f"/api/v1/tracks/{track_id}/feedback", json={"type": "master"}, headers=headers
    ).get_json()["run"]
    with app.app_context():
        execute_delivery(app, Delivery(started["id"], "heavy"), "test-worker", threading.Event())
        stored = db.session.query(FeedbackReport).one().report
    assert stored["phrasing"]["provider"] == "gemini"
    assert all(f["title"].startswith("Heard: ") for f in stored["findings"])
    assert len(stub.seen) == 1
