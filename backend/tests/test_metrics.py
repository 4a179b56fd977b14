"""GET /metrics: who may read it, and that its numbers are the runs table's and this process's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from intellimix.db_types import utcnow
from intellimix.extensions import db
from intellimix.runs import service
from intellimix.runs.models import Run

pytestmark = pytest.mark.database


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _scrape(client, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    return _samples(response.get_data(as_text=True))


def _run(app: Flask, user_id: str, kind: str, status: str, seconds: float | None = None) -> None:
    with app.app_context():
        run = service.create_run(user_id=user_id, kind=kind, input={})
        row = db.session.get(Run, run.id)
        assert row is not None
        row.status = status
        if seconds is not None:
            row.finished_at = utcnow()
            row.started_at = row.finished_at - timedelta(seconds=seconds)
        db.session.commit()


def test_runs_by_kind_and_status_queue_depth_and_durations(app, client, api) -> None:
    user_id = api.register()["user"]["id"]
    _run(app, user_id, "plan", "queued")
    _run(app, user_id, "render", "queued")
    _run(app, user_id, "render", "queued")
    _run(app, user_id, "render", "running")
    _run(app, user_id, "render", "completed", seconds=3)
    _run(app, user_id, "render", "completed", seconds=70)
    _run(app, user_id, "plan", "failed", seconds=0.2)

    samples = _scrape(client)

    assert samples[("intellimix_runs", (("kind", "render"), ("status", "queued")))] == 2
    assert samples[("intellimix_runs", (("kind", "render"), ("status", "completed")))] == 2
    assert samples[("intellimix_runs", (("kind", "plan"), ("status", "failed")))] == 1
    assert samples[("intellimix_queue_depth", (("lane", "heavy"),))] == 2
    assert samples[("intellimix_queue_depth", (("lane", "interactive"),))] == 1
    render_done = (("kind", "render"), ("status", "completed"))

    def bucket(le: str) -> float:
        labels = tuple(sorted((*render_done, ("le", le))))
        return samples[("intellimix_run_duration_seconds_bucket", labels)]

    assert bucket("2.5") == 0
    assert bucket("5.0") == 1
    assert bucket("60.0") == 1
    assert bucket("120.0") == 2
    assert bucket("+Inf") == 2
    assert samples[("intellimix_run_duration_seconds_count", render_done)] == 2
    assert samples[("intellimix_run_duration_seconds_sum", render_done)] == pytest.approx(73, 0.01)


def test_http_latency_is_recorded_per_route_pattern(client, api) -> None:
    key = (
        "intellimix_http_request_duration_seconds_count",
        (
            ("method", "GET"),
            ("route", "/api/v1/tracks/<string(length=36):track_id>"),
            ("status", "404"),
        ),
    )
    before = _scrape(client).get(key, 0)
    headers = api.bearer(api.register()["access_token"])
    for _ in range(3):
        client.get("/api/v1/tracks/" + "0" * 36, headers=headers)
    assert _scrape(client)[key] == before + 3


def test_open_event_streams_are_counted(app, client, api) -> None:
    body = api.register()
    with app.app_context():
        run_id = service.create_run(user_id=body["user"]["id"], kind="plan", input={}).id
    gauge = ("intellimix_sse_connections", ())
    before = _scrape(client)[gauge]
    stream = client.get(
        f"/api/v1/mix-chat-runs/{run_id}/events",
        headers=api.bearer(body["access_token"]),
        buffered=False,
    )
    chunks = iter(stream.response)
    assert next(chunks).startswith(b"retry:")
    assert _scrape(client)[gauge] == before + 1
    stream.close()
    assert _scrape(client)[gauge] == before


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.9", "2001:db8::1"])
def test_without_a_token_only_loopback_clients_are_answered(client, address) -> None:
    assert client.get("/metrics").status_code == 200
    hidden = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert hidden.status_code == 404
    assert hidden.get_json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 404), ("Bearer wrong", 404), ("Bearer s3cret-metrics-token", 200)],
)
def test_with_a_token_it_is_required_from_everywhere(make_app, db_backend, header, status) -> None:
    client = make_app(METRICS_TOKEN="s3cret-metrics-token").test_client()
    headers = {"Authorization": header} if header else {}
    assert client.get("/metrics", headers=headers).status_code == status
    remote = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == status
