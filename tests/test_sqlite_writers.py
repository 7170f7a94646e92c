"""SQLite writers queue on a file lock beside the database instead of polling SQLite's busy handler."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from sqlalchemy import text

from gateway.db import Database
from gateway.inbound.store import store_inbound

WAIT = 5.0  # seconds a blocked writer is given to prove it was waiting on the lock, not on anything else


def hold_lock(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_a_write_waits_for_the_writer_lock_and_goes_on_when_it_is_free(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'gateway.db'}")
    database.upgrade()
    holder = hold_lock(tmp_path / "gateway.db.lock")  # another process is writing
    stored: list[int | None] = []
    values = {"provider_id": "ATXid_1", "phone": "+6281234567890", "to": "98123", "text": "HELP", "link_id": None,
              "sent_at": None}  # fmt: skip
    writer = threading.Thread(target=lambda: stored.append(store_inbound(database, values)))
    writer.start()
    writer.join(0.5)
    assert writer.is_alive() and stored == []  # queued behind the holder, not writing around it
    fcntl.flock(holder, fcntl.LOCK_UN)
    writer.join(WAIT)
    assert not writer.is_alive() and stored and stored[0] is not None
    os.close(holder)
    database.dispose()


def test_a_session_releases_the_lock_on_commit_and_on_rollback(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'gateway.db'}")
    database.upgrade()
    lock = tmp_path / "gateway.db.lock"
    with database.session() as session:
        session.execute(text("SELECT 1"))
    try:
        with database.session() as session:
            session.execute(text("SELECT 1"))
            raise RuntimeError("a job failed half-way")
    except RuntimeError:
        pass
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if a transaction kept it
    os.close(fd)
    database.dispose()
