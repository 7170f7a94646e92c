"""gunicorn settings for the web process (Procfile ``web``); every value can be overridden by environment."""

from __future__ import annotations

import os
import sys
from typing import Any


def _whole(name: str, default: int, maximum: int = 1024) -> int:
    """A whole number from the environment; a bad one stops gunicorn with one line naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        sys.exit(f"gateway: {name} must be a whole number from 1 to {maximum}, got {raw!r}")
    return int(raw)


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{_whole('PORT', 8000, maximum=65535)}"
# One worker per core: the webhook is CPU-bound Python, so more processes only add GIL and SQLite-lock contention.
# On PostgreSQL a second thread per worker hides the database round trip. bench/ingest.py on 2 cores (see
# bench/HISTORY.md): SQLite 2x1 ~1,500-1,900 msg/s, PostgreSQL 2x2 ~1,000-1,300 msg/s, p99 under 40 ms.
workers = _whole("WEB_CONCURRENCY", max(2, os.cpu_count() or 1))
worker_class = "gthread"  # keeps the aggregator's connections alive between callbacks
_postgres = os.environ.get("DATABASE_URL", "").startswith("postgresql")
threads = _whole("WEB_THREADS", 2 if _postgres else 1)
keepalive = 5
timeout = 30
graceful_timeout = 20
# No query string in the access log: callback URLs carry the webhook secret.
accesslog = os.environ.get("ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def on_starting(server: Any) -> None:
    """Check the settings once in the master: a bad value stops gunicorn with one line, not a traceback per worker."""
    from gateway.config import ConfigError, load_settings

    try:
        load_settings()
    except ConfigError as error:
        sys.exit(f"gateway: {error}")
