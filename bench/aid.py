"""Aid ledger benchmark: import a registry of ~100,000 people / 25,000 households, mark them affected, allocate
two programs of one category (the second is refused for everyone: the one-door rule), and time each step.

Runs the real commands (`gateway import households`, `gateway aid affected`, `gateway aid allocate`) on SQLite and
on PostgreSQL (database ``gateway_bench``; never ``test``), with the file SMS backend and no Redis, so the pickup
SMS are only queued here: sending is measured by bench/pipeline.py.

    .venv/bin/python bench/aid.py --households 25000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run a gateway command; return its wall seconds and its last output line."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=ingest.REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise ingest.SetupError(f"{' '.join(command[1:])} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed, (done.stdout.strip().splitlines() or [""])[-1]


def run(kind: str, households: int, registry: Path) -> list[str]:
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
        for label, seconds, text in [
            ("import (new)", first, summary), ("import (same again)", again, resummary),
            ("mark affected", affected, affected_summary), ("allocate SEMBAKO", allocate, allocate_summary),
            ("allocate LOGISTIK", refused, refused_summary),
        ]:  # fmt: skip
            print(f"  {label:<20} {seconds:6.1f}s  {text}")
        return [
            f"| {kind} | {rows} | {households} | {first:.1f} ({rows / first:,.0f} rows/s) | {again:.1f} | "
            f"{affected:.1f} | {allocate:.1f} ({households / allocate:,.0f}/s) | {refused:.1f} |"
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--households", type=int, default=25_000)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gateway-aid-registry-"))
    try:
        registry = work / "registry.csv"
        subprocess.run([sys.executable, "-m", "gateway.aid.sample", str(registry), "--households",
                        str(args.households)], cwd=ingest.REPO, check=True)  # fmt: skip
        rows: list[str] = []
        for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
            rows += run(kind, args.households, registry)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} — `bench/aid.py "
          f"{' '.join(argv or sys.argv[1:])}`\n\n{ingest.machine_facts()}\n")  # fmt: skip
    print("| database | registry rows | households | import s | re-import s | mark affected s | allocate s | "
          "second agency, same category s |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
