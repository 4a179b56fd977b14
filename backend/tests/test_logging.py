"""Request ids: returned in X-Request-ID and carried by every log line of the request."""

from __future__ import annotations

import json
import logging

import pytest

from intellimix.logs import JsonFormatter, run_id_var


def test_every_response_has_a_request_id(client):
    first = client.get("/api/v1/health").headers["X-Request-ID"]
    second = client.get("/api/v1/nope").headers["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize(
    ("offered", "echoed"),
    [("abc-123-def-456", True), ("x" * 65, False), ("bad id with spaces", False), ("<s>", False)],
)
def test_client_request_ids_are_echoed_only_when_safe(client, offered, echoed):
    returned = client.get("/api/v1/health", headers={"X-Request-ID": offered}).headers[
        "X-Request-ID"
    ]
    assert (returned == offered) is echoed


def test_access_log_lines_carry_the_request_id(client, caplog):
    caplog.set_level(logging.INFO, logger="intellimix.access")
    response = client.get("/api/v1/health", headers={"X-Request-ID": "trace-me-12345"})
    records = [r for r in caplog.records if r.name == "intellimix.access"]
    assert records, "one access line per request"
    line = json.loads(JsonFormatter().format(records[-1]))
    assert line["status"] == response.status_code
    assert line["path"] == "/api/v1/health"
    assert line["method"] == "GET"
    assert line["request_id"] == "trace-me-12345"


def test_run_id_lands_in_json_lines(app, caplog):
    caplog.set_level(logging.INFO, logger="intellimix.runs")
    token = run_id_var.set("run-42")
    try:
        logging.getLogger("intellimix.runs").info("step")
    finally:
        run_id_var.reset(token)
    line = json.loads(JsonFormatter().format(caplog.records[-1]))
    assert line["run_id"] == "run-42" and line["request_id"] == "-"
