"""Leases on running jobs: the process running a batch renews them; one it let lapse is gone, and the relay takes
its jobs back within seconds instead of waiting out a fixed timeout."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from types import TracebackType
from typing import cast

from sqlalchemy import Table, bindparam, update

from gateway.db import Database, utcnow
from gateway.models import OutboxJob, OutboxStatus

log = logging.getLogger(__name__)

JOB_LEASE = timedelta(seconds=30)  # a running job whose lease is this old has lost its process
RENEW_EVERY = JOB_LEASE.total_seconds() / 3


class Lease:
    """Renews the lease of ``job_ids`` from a thread while the ``with`` block runs them."""

    def __init__(self, db: Database, job_ids: Sequence[int]) -> None:
        self.db = db
        self.job_ids = list(job_ids)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        if self.job_ids:
            self._thread = threading.Thread(target=self._renew, name="lease", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _renew(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                with self.db.engine.begin() as conn:
                    conn.execute(RENEW, {"ids": self.job_ids, "until": utcnow() + JOB_LEASE})
            except Exception:  # the next renewal may pass; if none does, the relay takes the jobs back
                log.warning("could not renew the lease of %d running jobs", len(self.job_ids), exc_info=True)


_TABLE = cast(Table, OutboxJob.__table__)
RENEW = (
    update(_TABLE)
    .where(_TABLE.c.id.in_(bindparam("ids", expanding=True)), _TABLE.c.status == OutboxStatus.RUNNING)
    .values(lease_until=bindparam("until"))
)
