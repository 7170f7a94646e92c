"""Ports, and starting the gateway's own processes for a fault test, and waiting on what they do, within a deadline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
GATEWAY = str(Path(sys.executable).with_name("gateway"))  # the console script of this virtual environment


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gateway_process(args: list[str], env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``gateway ARGS`` with ``env`` (on top of this process's), its output in ``log``; kill it at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen([GATEWAY, *args], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def wait_until(done: Callable[[], T], what: str = "", timeout: float = 20.0) -> T:
    """Poll ``done`` until it returns something true, and return that; fail naming ``what`` when ``timeout``
    seconds pass first.

    A real process of its own does the work, so there is nothing to run here but to look, within a bound.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = done()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)
