"""The fault suite (bench/faults.py --short): every fault against the real processes, each on a stack of its own
(private PostgreSQL, Redis and fake provider, gunicorn, a worker and the relay), and nothing lost or doubled."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def test_no_fault_loses_or_doubles_a_reply() -> None:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") and not shutil.which("initdb"):
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    done = subprocess.run([sys.executable, "bench/faults.py", "--short"], cwd=REPO, capture_output=True, text=True,
                          timeout=240)  # fmt: skip
    assert done.returncode == 0, f"bench/faults.py --short exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    assert "lost 0, doubled 0" in done.stdout
