"""GET /api/v1/health measures each component; 503 names what is down."""

from __future__ import annotations

import pytest


@pytest.mark.database
def test_healthy_embedded_default(client, db_backend, live_worker):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["checks"]["database"] == {
        "status": "ok",
        "detail": "sqlite" if db_backend == "sqlite" else "postgresql",
    }
    assert body["checks"]["worker"]["status"] == "ok"
    for name in ("queue", "ai"):
        assert body["checks"][name]["status"] == "disabled"


def test_unreachable_postgres_is_503_naming_database(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/nowhere")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"]["status"] == "down"
    assert "database" in body["down"]
    assert "password" not in body["checks"]["database"]["detail"]


def test_redis_configured_and_reachable(make_app, redis_url, redis_db, live_worker):
    app = make_app(MIX_CHAT_QUEUE_URL=redis_url)
    body = app.test_client().get("/api/v1/health").get_json()
    assert body["checks"]["queue"]["status"] == "ok"


def test_redis_configured_but_unreachable_is_503_naming_queue(make_app):
    app = make_app(MIX_CHAT_QUEUE_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert "queue" in response.get_json()["down"]


def test_health_needs_no_token(client, live_worker):
    assert client.get("/api/v1/health").status_code == 200


def test_no_worker_is_503_naming_worker(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 503
    assert response.get_json()["down"] == ["worker"]
    assert response.get_json()["checks"]["worker"]["detail"] == "no worker has reported"


def test_stale_worker_heartbeat_is_down(app, client):
    from datetime import timedelta

    from intellimix.db_types import utcnow
    from intellimix.extensions import db
    from intellimix.runs.models import WorkerHeartbeat

    with app.app_context():
        stale = utcnow() - timedelta(seconds=4 * app.config["WORKER_HEARTBEAT_SECONDS"])
        db.session.add(WorkerHeartbeat(id="old:1", lanes={}, last_seen_at=stale))
        db.session.commit()
    body = client.get("/api/v1/health").get_json()
    assert body["checks"]["worker"]["status"] == "down"


def test_each_app_keeps_its_own_redis_setting(make_app, redis_url, redis_db):
    with_redis = make_app(MIX_CHAT_QUEUE_URL=redis_url)
    embedded = make_app()  # built later: must not switch the first app back to embedded
    queue_of = {
        name: app.test_client().get("/api/v1/health").get_json()["checks"]["queue"]["status"]
        for name, app in (("redis", with_redis), ("embedded", embedded))
    }
    assert queue_of == {"redis": "ok", "embedded": "disabled"}
