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
