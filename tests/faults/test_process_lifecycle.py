"""Processes started and stopped as a process manager does: two migrating at once, a worker told to stop."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gateway.jobs.worker import live_consumers
from gateway.runtime import Runtime
from tests.conftest import POSTGRES_URL, SECRET, make_settings
from tests.faults.processes import GATEWAY, gateway_process, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh_postgres() -> Any:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    name = "gateway_migrate_test"
    admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_processes_that_start_together_migrate_one_at_a_time(kind: str, tmp_path: Path, fresh_postgres: str) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}" if kind == "sqlite" else fresh_postgres
    env = {"DATABASE_URL": url, "WEBHOOK_SECRET": SECRET, "GATEWAY_VAR_DIR": str(tmp_path), "REDIS_URL": ""}
    starts = [subprocess.Popen([GATEWAY, "db", "upgrade"], env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT) for _ in range(3)]  # fmt: skip
    outputs = [process.communicate(timeout=120)[0].decode() for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0], outputs


@pytest.mark.parametrize("settings_overrides", [{}])
def test_an_idle_worker_stops_at_once_on_sigterm(
    app: Any, tmp_path: Path, database_url: str, settings_overrides: dict[str, Any]
) -> None:
    rt = Runtime(make_settings(tmp_path, database_url))
    s = rt.settings
    env = {"DATABASE_URL": s.database_url, "REDIS_URL": s.redis_url or "", "WEBHOOK_SECRET": SECRET,
           "GATEWAY_VAR_DIR": str(s.var_dir)}  # fmt: skip
    try:
        with gateway_process(["worker"], env, tmp_path / "worker.log") as worker:
            wait_until(lambda: live_consumers(rt) >= 1, "the worker to start")
            worker.send_signal(signal.SIGTERM)  # as systemd, a Procfile runner or Ctrl-C stops it
            # 0 once RQ's handler is in; SIGTERM's own exit if the signal beat it (nothing was in flight either way)
            assert worker.wait(timeout=10) in (0, -signal.SIGTERM)
        assert "Redis unavailable" not in (tmp_path / "worker.log").read_text()
    finally:
        rt.close()
