"""Mix and master feedback through the chat (issue 16, build step 4), over HTTP.

A request in words starts a `feedback` run that answers into the turn's placeholder (followed
like any chat run: active runs, SSE, the polling fallback); when it ends the message is a
`feedback_report` card. Follow-ups answer from the latest report of the track in focus, "fix it"
starts the corrected master. Names are looked up among the person's own tracks only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from intellimix.audio import io
from intellimix.extensions import db
from intellimix.feedback.models import FeedbackReport
from intellimix.library import service as library
from intellimix.runs.models import Run

from .audio import feedback_signals as signals
from .chat_support import CHATS, Person, answer, execute, post, thread
from .sse_client import parse_frames, until_end

RUNS = "/api/v1/mix-chat-runs"


def _person(api: Any, email: str) -> Person:
    body = api.register(email=email)
    return Person(body["user"]["id"], api.bearer(body["access_token"]), {})


def _track(
    app: Any,
    tmp_path: Path,
    who: Person,
    samples: np.ndarray,
    title: str,
    *,
    status: str = "ready",
    artist: str | None = None,
) -> str:
    """A track of `who` with real audio, analysed as far as feedback needs (or still not)."""
    path = tmp_path / f"{who.id}-{title}.wav"
    io.encode_wav(path, samples, signals.RATE, bit_depth=24)
    with app.app_context():
        track = library.add_track(
            who.id,
            path,
            source="upload",
            new=library.NewTrack(title=title, artist=artist, original_filename=f"{title}.wav"),
        )
        track.status = status
        track.duration_s = signals.SECONDS
        track.analysis = {"bpm": signals.BPM, "key": "A minor"} if status == "ready" else None
        db.session.commit()
        who.tracks[title] = track.id
        return track.id


class Chat:
    def __init__(self, app: Any, api: Any, who: Person) -> None:
        self.app, self.client, self.who = app, api.client, who
        self.id = thread(self.client, who)["thread"]["id"]

    def say(self, words: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Post and run the plan run; its run snapshot and the message it answers into."""
        posted = post(self.client, self.who, self.id, {"content": words})
        assert posted.status_code == 202, posted.get_json()
        run_id = posted.get_json()["run"]["id"]
        execute(self.app, run_id)
        return self.run(run_id), answer(self.client, self.who, run_id)

    def run(self, run_id: str) -> dict[str, Any]:
        got = self.client.get(f"{RUNS}/{run_id}", headers=self.who.headers)
        return dict(got.get_json()["run"])

    def active(self) -> list[dict[str, Any]]:
        got = self.client.get(f"{CHATS}/{self.id}/runs?active=1", headers=self.who.headers)
        return list(got.get_json()["items"])

    def finish(self, run_id: str) -> dict[str, Any]:
        """Run a feedback run to its end; the message it answered into."""
        execute(self.app, run_id)
        return answer(self.client, self.who, run_id)


@pytest.mark.database
def test_feedback_is_asked_for_in_words_answered_as_a_card_and_followed_up(app, api, tmp_path):
    dj = _person(api, "dj@example.com")
    muddy = _track(app, tmp_path, dj, signals.boosted_250(), "Warehouse Sunrise")
    reference = _track(app, tmp_path, dj, signals.clean_master(3), "Night Drive")
    chat = Chat(app, api, dj)

    plan_run, placeholder = chat.say("give me mastering feedback on Warehouse Sunrise")
    assert plan_run["status"] == "completed"
    feedback_run_id = plan_run["result"]["feedback_run_id"]
    # The placeholder is handed to the feedback run: still pending, and that run answers it.
    assert placeholder["content_text"] is None and placeholder["status"] == "running"
    [active] = chat.active()
    assert active["id"] == feedback_run_id and active["kind"] == "feedback"
    assert active["assistant_message_id"] == placeholder["id"]
    with app.app_context():
        run = db.session.get(Run, feedback_run_id)
        assert run.input["track_id"] == muddy and run.input["type"] == "master"

    card = chat.finish(feedback_run_id)
    assert card["id"] == placeholder["id"] and card["status"] == "completed"
    content = card["content_json"]
    assert content["kind"] == "feedback_report" and content["track_id"] == muddy
    with app.app_context():
        row = db.session.get(FeedbackReport, content["feedback_id"])
        report = row.report
    assert content["overall_score"] == report["overall_score"]
    assert [f["title"] for f in content["findings"]] == [f["title"] for f in report["findings"]][:3]
    assert report["findings"][0]["title"] in card["content_text"]
    assert card["content_text"].startswith("Master feedback: Warehouse Sunrise:")
    pdf = chat.client.get(content["pdf_url"])
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    # The same run/SSE protocol as every chat run: the stream ends with the completed snapshot.
    stream = chat.client.get(f"{RUNS}/{feedback_run_id}/events", headers=dj.headers, buffered=False)
    frames = until_end(parse_frames(stream.response))
    stream.close()
    assert frames[-2].data["terminal"] is True
    assert frames[-2].data["run"]["assistant_message_id"] == placeholder["id"]

    _, why = chat.say("why is the low end muddy?")
    assert why["content_json"]["kind"] == "feedback_answer"
    assert why["content_json"]["feedback_id"] == row.id
    muddy_finding = next(f for f in report["findings"] if f["area"] == "tonal_balance")
    assert muddy_finding["title"] in why["content_text"]
    assert chat.client.get(why["content_json"]["pdf_url"]).status_code == 200

    _, first = chat.say("what should I fix first?")
    assert first["content_text"].startswith(
        f"Fix this first: [{report['findings'][0]['severity']}]"
    )

    plan_run, _ = chat.say("and how does it compare against Night Drive?")
    compared = chat.finish(plan_run["result"]["feedback_run_id"])
    assert compared["content_json"]["reference_track_id"] == reference
    assert compared["content_json"]["reference_title"] == "Night Drive"

    plan_run, fixing = chat.say("fix it")
    fix_run = chat.run(plan_run["result"]["feedback_run_id"])
    assert fix_run["kind"] == "feedback_fix" and fix_run["assistant_message_id"] == fixing["id"]
    with app.app_context():
        latest = db.session.get(Run, fix_run["id"]).input["feedback_id"]
        assert latest == compared["content_json"]["feedback_id"]  # the latest report is fixed
    cancelled = chat.client.post(f"{RUNS}/{fix_run['id']}/cancel", headers=dj.headers)
    assert cancelled.status_code == 200
    stopped = answer(chat.client, dj, fix_run["id"])
    assert stopped["status"] == "failed" and stopped["content_json"]["kind"] == "error"
    assert stopped["content_json"]["code"] == "RUN_CANCELLED"


@pytest.mark.database
def test_names_resolve_among_the_persons_own_tracks_and_a_track_not_ready_is_said(
    app, api, tmp_path
):
    dj = _person(api, "dj@example.com")
    other = _person(api, "other@example.com")
    _track(app, tmp_path, dj, signals.clean_master(), "Night Drive")
    _track(app, tmp_path, dj, signals.clean_master(1), "Warehouse Sunrise", status="analyzing")
    theirs = _track(
        app, tmp_path, other, signals.clean_master(2), "Midnight Vault", artist="Hidden Band"
    )
    chat = Chat(app, api, dj)

    plan_run, reply = chat.say("give me mastering feedback on Midnight Vault")
    assert "feedback_run_id" not in plan_run["result"] and reply["status"] == "completed"
    assert 'can\'t find "midnight vault"' in reply["content_text"].lower()
    assert "Hidden Band" not in reply["content_text"] and theirs not in str(reply)

    plan_run, reply = chat.say(f"feedback on {theirs}")  # their id, typed: still nothing
    assert "feedback_run_id" not in plan_run["result"]
    assert "Midnight Vault" not in reply["content_text"] and "Hidden" not in reply["content_text"]

    plan_run, reply = chat.say("give me mastering feedback on Warehouse Sunrise")
    assert "feedback_run_id" not in plan_run["result"]
    assert reply["content_text"] == (
        "Warehouse Sunrise is still being analysed, so I can't judge it yet: ask again once it "
        "shows as ready in your library."
    )

    _, reply = chat.say("feedback on the mix of Night Drive for jazz")
    assert reply["content_text"].startswith("Unknown genre 'jazz'. Known genres:")
    assert "house" in reply["content_text"]

    with app.app_context():
        assert db.session.query(Run).filter(Run.kind.like("feedback%")).count() == 0
        assert db.session.query(FeedbackReport).count() == 0


def test_a_corrected_master_answers_with_what_improved(app, api, tmp_path):
    dj = _person(api, "dj@example.com")
    quiet = _track(app, tmp_path, dj, signals.too_quiet(), "Q")
    chat = Chat(app, api, dj)
    plan_run, _ = chat.say("quick mastering feedback on Q")
    report = chat.finish(plan_run["result"]["feedback_run_id"])
    assert report["content_json"]["detail"] == "brief"
    assert "loudness" in {f["area"] for f in report["content_json"]["findings"]}

    plan_run, _ = chat.say("fix it")
    fixed = chat.finish(plan_run["result"]["feedback_run_id"])
    content = fixed["content_json"]
    assert content["kind"] == "feedback_report" and content["track_id"] == quiet
    assert content["fixed_from"] == report["content_json"]["feedback_id"]
    assert content["improvement"]["overall"]["after"] > content["improvement"]["overall"]["before"]
    assert "The corrected master scores" in fixed["content_text"]
    mp3 = next(f for f in content["files"] if f["name"] == "master.mp3")
    assert chat.client.get(mp3["url"]).status_code == 200
