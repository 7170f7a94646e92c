"""Aid ledger benchmark: import a registry of ~100,000 people / 25,000 households, mark them affected, allocate
two programs of one category (the second is refused for everyone: the one-door rule), and time each step.

Runs the real commands (`gateway import households`, `gateway aid affected`, `gateway aid allocate`) on SQLite and
on PostgreSQL (database ``gateway_bench``; never ``test``), with the file SMS backend and no Redis, so the pickup
SMS are only queued here: sending is measured by bench/pipeline.py.

    .venv/bin/python bench/aid.py --households 25000
    .venv/bin/python bench/aid.py --record          # also append each run to bench/results.jsonl
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest
import record

TARGET_ROWS_PER_S = 100_000 / 60
TARGET = f"100,000 registry rows imported in under a minute (first import ≥ {TARGET_ROWS_PER_S:,.0f} rows/s)"
STEPS = ("import (new)", "import (same again)", "mark affected", "allocate SEMBAKO", "allocate LOGISTIK")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a gateway command; return its wall seconds and its last output line."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ingest.REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise ingest.SetupError(f"{' '.join(command[1:])} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed, (done.stdout.strip().splitlines() or [""])[-1]


def run(kind: str, households: int, registry: Path) -> tuple[dict[str, Any], bool]:
    """Run the commands on a fresh database; print and return the figures, and whether the target was met."""
    tmp = Path(tempfile.mkdtemp(prefix=f"gateway-aid-{kind}-"))
    try:
        url = f"sqlite:///{tmp / 'gateway.db'}" if kind == "sqlite" else ingest.prepare_postgres()
        env = ingest.server_env(url, tmp / "var", 0, "bench-secret-0123456789",
                                argparse.Namespace(redis=False, workers=0, threads=0))  # fmt: skip
        gateway = ingest.executable("gateway")
        subprocess.run([gateway, "init"], env=env, cwd=ingest.REPO, check=True, capture_output=True)
        rows = sum(1 for _ in registry.open()) - 1
        first, summary = timed([gateway, "import", "households", str(registry)], env)
        again, resummary = timed([gateway, "import", "households", str(registry)], env)
        # An incident, and every household in the registry affected by it.
        subprocess.run([gateway, "simulate", "sms", "--from", "081234567890", "LAPOR BANJIR SUKODONO 25 KK"],
                       env=env, cwd=ingest.REPO, check=True, capture_output=True)  # fmt: skip
        kks = tmp / "affected.csv"
        with registry.open() as src, kks.open("w") as out:
            next(src)
            out.write("no_kk\n" + "".join(sorted({line.split(",", 1)[0] + "\n" for line in src})))
        affected, affected_summary = timed([gateway, "aid", "affected", "1001", str(kks)], env)
        allocate, allocate_summary = timed(
            [gateway, "aid", "allocate", "1001", "SEMBAKO", "--point", "Balai Desa"], env
        )
        refused, refused_summary = timed([gateway, "aid", "allocate", "1001", "LOGISTIK", "--point", "Posko BPBD"], env)
        print(f"== {kind}: {rows} registry rows, {households} households ==")
        steps = [(first, summary), (again, resummary), (affected, affected_summary), (allocate, allocate_summary),
                 (refused, refused_summary)]  # fmt: skip
        for label, (seconds, text) in zip(STEPS, steps, strict=True):
            print(f"  {label:<20} {seconds:6.1f}s  {text}")
        met = rows / first >= TARGET_ROWS_PER_S
        print(f"  target               {'met' if met else 'NOT met'} ({TARGET}; {rows / first:,.0f} rows/s)")
        figures = {
            "database": kind,
            "registry rows": rows,
            "households": households,
            **{f"{label} s": round(seconds, 1) for label, (seconds, _) in zip(STEPS, steps, strict=True)},
            "import rows/s": round(rows / first),
            "allocate households/s": round(households / allocate),
            "output": {label: text for label, (_, text) in zip(STEPS, steps, strict=True)},
        }
        return figures, met
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--households", type=int, default=25_000)
    record.option(parser)
    args = parser.parse_args(argv)
    recorder = record.Recorder("aid", TARGET, args.record, argv)
    print(f"Machine: {record.describe(recorder.start())}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="gateway-aid-registry-"))
    try:
        registry = work / "registry.csv"
        subprocess.run([sys.executable, "-m", "gateway.aid.sample", str(registry), "--households",
                        str(args.households)], cwd=ingest.REPO, check=True)  # fmt: skip
        for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
            recorder.start()
            figures, met = run(kind, args.households, registry)
            recorder.add(record.params(args, database=kind), figures, met)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
