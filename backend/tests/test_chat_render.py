"""A chat from words to audio: uploaded tracks, a planned draft, approval, a rendered version."""

from __future__ import annotations

import numpy as np

from intellimix.chats.models import MixVersion, PlanDraft
from intellimix.extensions import db

from .audio.drum_signals import synth_drum_track
from .audio.media import write_wav
from .chat_support import CHATS, Person, answer, execute, post, say, thread


def _upload(api, who: Person, path) -> str:
    with path.open("rb") as handle:
        body = api.client.post(
            "/api/v1/tracks",
            data={"file": (handle, path.name)},
            headers=who.headers,
            content_type="multipart/form-data",
        ).get_json()
    return str(body["run"]["id"])


def test_words_to_a_rendered_mix_proposal(app, api, tmp_path):
    body = api.register()
    ada = Person(body["user"]["id"], api.bearer(body["access_token"]), {})
    for name, style, bpm in (("Night Groove", "house", 120.0), ("Day Break", "techno", 126.0)):
        track = synth_drum_track(style, bpm=bpm, duration_s=20.0, sample_rate=44100)
        path = write_wav(tmp_path / f"{name}.wav", np.stack([track.audio, track.audio]), 44100)
        execute(app, _upload(api, ada, path))
    thread_id = thread(api.client, ada)["thread"]["id"]
    planned = say(app, api.client, ada, thread_id, {"content": "Night Groove into Day Break"})
    assert planned["content_json"]["kind"] == "planning_draft_ready", planned
    draft_id = planned["content_json"]["draft_id"]
    approve = {"planning_action": {"draft_id": draft_id, "action": "approve_plan"}}
    run_id = post(api.client, ada, thread_id, approve).get_json()["run"]["id"]
    execute(app, run_id)
    message = answer(api.client, ada, run_id)
    assert message["status"] == "completed", message
    content = message["content_json"]
    assert content["kind"] == "mix_proposal"
    assert api.client.get(content["final_output"]["mp3_url"]).data[:3] in (b"ID3", b"\xff\xfb")
    assert len(content["proposal"]["segments"]) == 2
    with app.app_context():
        version = db.session.get(MixVersion, content["version_id"])
        assert version.draft_id == draft_id and version.parent_id is None
        assert version.plan == db.session.get(PlanDraft, draft_id).plan
        assert db.session.get(PlanDraft, draft_id).status == "executed"
    shown = api.client.get(f"{CHATS}/{thread_id}", headers=ada.headers).get_json()["thread"]
    assert shown["active_planning_status"] == "executed"
