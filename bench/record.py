"""Benchmark runs recorded as data: one JSON object per measured run, appended to bench/results.jsonl.

Every benchmark adds ``--record`` with ``option()``, builds one ``Recorder``, calls ``start()`` right before each
measured run and ``add()`` right after it. ``bench/render.py`` turns the file into bench/RESULTS.md. A record:

    {"bench": "parser", "at": "2026-11-30T10:15:02+00:00", "command": [".venv/bin/python", "bench/parser.py"],
     "machine": {"nproc": 2, "cpu": "...", "python": "3.11.7", "kernel": "6.18.44", "load_before": [0.2, 0.1, 0.1]},
     "git": "875bef4-dirty", "params": {...}, "figures": {...}, "target": "...", "met": true}
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results.jsonl"
# Recording and rendering write these; a tree dirty only there still runs the committed code.
GENERATED = ("bench/results.jsonl", "bench/RESULTS.md")


def option(parser: argparse.ArgumentParser) -> None:
    """Add ``--record`` to a benchmark's options."""
    parser.add_argument("--record", action="store_true",
                        help="append each measured run to bench/results.jsonl (then run bench/render.py)")  # fmt: skip


def cpu_model() -> str:
    """Return the CPU model name where the OS says it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine() -> dict[str, Any]:
    """Return the machine's facts now: cores, CPU, Python, kernel and the load average (1, 5, 15 minutes)."""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_before": [round(load, 2) for load in os.getloadavg()],
    }


def describe(facts: Mapping[str, Any]) -> str:
    """Return machine facts as one line."""
    load = " ".join(f"{value:.2f}" for value in facts["load_before"])
    return (f"nproc {facts['nproc']}, {facts['cpu']}, Python {facts['python']}, Linux {facts['kernel']}, "
            f"load average before {load}")  # fmt: skip


def commit() -> str:
    """Return the short commit hash, with ``-dirty`` when tracked files differ from it (GENERATED aside)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                      *(f":(exclude){path}" for path in GENERATED))  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if changed else "")


def params(args: argparse.Namespace, **override: Any) -> dict[str, Any]:
    """Return a run's options as recorded: every option but ``--record``, with ``override`` applied."""
    return {**{key: value for key, value in vars(args).items() if key != "record"}, **override}


class Recorder:
    """Append a benchmark's measured runs to the results file, when ``enabled`` (``--record``)."""

    def __init__(self, bench: str, target: str, enabled: bool, argv: Sequence[str] | None = None,
                 path: Path = RESULTS) -> None:  # fmt: skip
        self.bench = bench
        self.target = target
        self.enabled = enabled
        self.path = path
        # The exact argv as run, interpreter included; a programmatic main(argv) gets the script's equivalent.
        self.command = list(sys.orig_argv) if argv is None else [sys.executable, f"bench/{bench}.py", *argv]
        self.git = commit() if enabled else ""
        self.at = datetime.now(UTC)
        self.machine = machine()

    def start(self) -> dict[str, Any]:
        """Note the time and the machine's facts (its load above all) right before a measured run; return them."""
        self.at = datetime.now(UTC)
        self.machine = machine()
        return self.machine

    def add(self, params: Mapping[str, Any], figures: Mapping[str, Any], met: bool | None) -> dict[str, Any]:
        """Append one measured run to the results file when enabled; return its record."""
        entry: dict[str, Any] = finite(
            {
                "bench": self.bench,
                "at": self.at.isoformat(timespec="seconds"),
                "command": self.command,
                "machine": self.machine,
                "git": self.git,
                "params": dict(params),
                "figures": dict(figures),
                "target": self.target,
                "met": met,
            }
        )
        if self.enabled:
            append(self.path, entry)
            print(f"recorded in {self.path}; render with .venv/bin/python bench/render.py", flush=True)
        return entry


def finite(value: Any) -> Any:
    """Return ``value`` with NaN and infinities (a percentile of nothing) as None: JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def append(path: Path, entry: Mapping[str, Any]) -> None:
    """Append one record as one line, in one write, so benchmarks recording side by side do not interleave."""
    line = json.dumps(finite(entry), ensure_ascii=False, allow_nan=False).encode() + b"\n"
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":  # a hand-edited file without its last newline
            line = b"\n" + line
        os.write(fd, line)
    finally:
        os.close(fd)
