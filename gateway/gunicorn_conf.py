"""gunicorn settings for the web process (Procfile ``web``); every value can be overridden by environment."""

from __future__ import annotations

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
# One worker per core: the webhook is CPU-bound Python, so more processes only add GIL and SQLite-lock contention.
# On PostgreSQL a second thread per worker hides the database round trip. bench/ingest.py on 2 cores (see
# bench/HISTORY.md): SQLite 2x1 ~1,500-1,900 msg/s, PostgreSQL 2x2 ~1,000-1,300 msg/s, p99 under 40 ms.
workers = int(os.environ.get("WEB_CONCURRENCY", str(max(2, os.cpu_count() or 1))))
worker_class = "gthread"  # keeps the aggregator's connections alive between callbacks
_postgres = os.environ.get("DATABASE_URL", "").startswith("postgresql")
threads = int(os.environ.get("WEB_THREADS", "2" if _postgres else "1"))
keepalive = 5
timeout = 30
graceful_timeout = 20
# No query string in the access log: callback URLs carry the webhook secret.
accesslog = os.environ.get("ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
