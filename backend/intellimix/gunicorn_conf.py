"""gunicorn settings: gevent workers, so open SSE streams cost a greenlet, not a thread."""

import os

worker_class = "gevent"
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "2000"))
# Streams stay open for minutes; gevent workers heartbeat from their hub, so no request timeout.
timeout = 30
graceful_timeout = 20
keepalive = 5
bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '5000')}")
accesslog = None  # the app writes one structured line per request itself
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):  # noqa: ANN001 — gunicorn's Arbiter
    """Embedded default: start the local worker beside the API (never under gevent's patches)."""
    import subprocess
    import sys

    from intellimix.config import load_config

    config = load_config()
    if config["MIX_CHAT_QUEUE_URL"] or not config["EMBEDDED_WORKER"]:
        return
    server.embedded_worker = subprocess.Popen([sys.executable, "-m", "intellimix", "worker"])
    server.log.info("embedded worker started (pid %s)", server.embedded_worker.pid)


def on_exit(server):  # noqa: ANN001
    worker = getattr(server, "embedded_worker", None)
    if worker is not None and worker.poll() is None:
        worker.terminate()
        worker.wait(timeout=60)
