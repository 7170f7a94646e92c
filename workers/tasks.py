"""RQ entry points. Each takes row ids and the worker's runtime (``gateway worker`` passes it) and calls the
gateway; nothing else lives here."""

from __future__ import annotations

from gateway.jobs.runner import execute_many
from gateway.runtime import Runtime


def run_outbox_jobs(rt: Runtime, outbox_ids: list[int]) -> None:
    """Run a batch of outbox jobs; each failure is recorded on its row, then reported to RQ."""
    failed = execute_many(rt, outbox_ids).failed
    if failed:
        raise RuntimeError(f"outbox jobs {failed} failed; recorded on their rows and retried by the relay")
