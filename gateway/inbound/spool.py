"""The spool: inbound SMS kept on local disk while the database is down, replayed into it when it is back.

The webhook appends the message it could not store (one JSON line, fsync'd) and answers 200, so an
aggregator that does not retry loses nothing; the relay replays the spool by provider id, which stores each
message once however often it is replayed. The same idea as Kannel's store file and Courier's spool.

Writers and the replayer share the file through ``flock``: the replayer takes the lock, renames the file
aside and releases it; a writer that locked the old file finds it renamed and opens the new one.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SPOOL = "inbound.jsonl"
REPLAYING = "replaying-"  # a file renamed aside for replay; one left behind by a crash is replayed next time


class Spool:
    """A folder of spooled inbound messages (one JSON object per line)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / SPOOL

    def append(self, message: dict[str, Any]) -> None:
        """Write one message to disk for good (fsync) before the webhook answers; OSError if it cannot."""
        line = (json.dumps(message, default=_iso, ensure_ascii=False) + "\n").encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        with self._locked(self.path, create=True) as fd:
            os.write(fd, line)
            os.fsync(fd)

    def backlog(self) -> tuple[int, float]:
        """Messages waiting in the spool, and the age in seconds of the oldest file holding any."""
        files = self._files()
        if not files:
            return 0, 0.0
        count = sum(_lines(path) for path in files)
        oldest = min(path.stat().st_mtime for path in files) if count else time.time()
        return count, round(max(time.time() - oldest, 0.0), 1)

    def replay(self, store: Callable[[dict[str, Any]], int | None]) -> list[int]:
        """Store every spooled message (``store`` returns its job id, None if it was stored already); remove each
        file once all of it is stored. A failure (the database down again) leaves the file for the next call."""
        if not self.path.exists() and not any(self.folder.glob(f"{REPLAYING}*")):
            return []
        if self.path.exists():
            with self._locked(self.path, create=False) as fd:
                if fd >= 0:
                    self.path.rename(self.folder / f"{REPLAYING}{time.time_ns()}-{os.getpid()}.jsonl")
        jobs: list[int] = []
        for path in sorted(self.folder.glob(f"{REPLAYING}*")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    job = store(json.loads(line))
                    if job is not None:
                        jobs.append(job)
            path.unlink()
            log.warning("replayed the spool file %s into the database", path.name)
        return jobs

    def _files(self) -> list[Path]:
        return [p for p in (self.path, *self.folder.glob(f"{REPLAYING}*")) if p.exists()]

    @contextmanager
    def _locked(self, path: Path, *, create: bool) -> Iterator[int]:
        """The file at ``path`` open for appending and locked; -1 when it is gone and ``create`` is false."""
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | (os.O_CREAT if create else 0), 0o600)
            except FileNotFoundError:
                yield -1
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if os.fstat(fd).st_ino == os.stat(path).st_ino:  # still the spool, not renamed aside meanwhile
                    yield fd
                    return
            except FileNotFoundError:
                pass
            finally:
                os.close(fd)  # closing releases the lock


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot spool a {type(value).__name__}")
