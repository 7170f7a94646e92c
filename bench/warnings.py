"""Early warnings at scale: how long `gateway warn` takes to queue 100,000 recipients (SQLite and PostgreSQL) and
its peak memory (against a run a fifth the size: flat means the same), and how long a report waits for its reply
while a large warning drains through its own lane (against the same reports with no warning).

Each run starts from an empty database (SQLite in a temporary folder; PostgreSQL database
``gateway_bench_warnings``) and Redis DB 11, seeds phones watching the 20 desa of Kec. Kendal and residents
vouched for households there, then runs the real CLI as an operator would. The latency part runs `gateway
serve` (web, hand-off to Redis) and `gateway worker` processes, posts reports to the real webhook once the
warning drains, and reads each reply's ``sent_at - received_at`` from the database.

    .venv/bin/python bench/warnings.py [--recipients 100000] [--database both] [--record]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import ingest
import record

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "gateway_bench_warnings"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/11"  # the Redis DB of this work's tests: another flushes 12
SECRET = "bench-warnings-secret-0123456789"
AREA = "33.24.15"  # Kec. Kendal
TEXT = "Air Kali Bodri naik cepat. Warga bantaran sungai siapkan tas siaga dan ikuti arahan petugas desa."
TARGET_SECONDS = 30.0


def prepare_postgres() -> str:
    """Create the bench database if missing, with an empty public schema; return its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_BENCH_DB,)).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
    with psycopg.connect(PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + PG_BENCH_DB, autocommit=True) as bench:
        bench.execute("DROP SCHEMA IF EXISTS public CASCADE")
        bench.execute("CREATE SCHEMA public")
    return PG_URL


def seed(url: str, recipients: int) -> None:
    """Migrate, then add ``recipients`` phones: nine in ten watch a desa (PANTAU), one in ten is a resident."""
    from sqlalchemy import insert

    from gateway.db import Database, utcnow
    from gateway.models import Contact, Household, Subscription
    from gateway.parsers import load_region

    villages = [code for code, _ in load_region("33.24").villages(AREA)]
    database = Database(url)
    database.upgrade()
    now = utcnow()
    residents = recipients // 10
    with database.engine.begin() as conn:
        for start in range(0, recipients - residents, 10_000):
            conn.execute(insert(Subscription), [
                {"phone": f"+62857{n:08d}", "village_code": villages[n % len(villages)], "channel": "sms",
                 "created_at": now} for n in range(start, min(start + 10_000, recipients - residents))])  # fmt: skip
        conn.execute(insert(Household), [
            {"id": n + 1, "kk": f"33241501{n:08d}", "village_code": villages[n % len(villages)], "address": "",
             "in_registry": True, "eligible": True, "created_at": now, "updated_at": now}
            for n in range(residents)])  # fmt: skip
        conn.execute(insert(Contact), [
            {"phone": f"+62858{n:08d}", "household_id": n + 1, "link_vouched": True, "link_failures": 0,
             "language": "en" if n % 4 == 0 else None, "created_at": now} for n in range(residents)])  # fmt: skip
    database.dispose()


def environment(url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "WARNING_", "SMS_"))}
    env.update(DATABASE_URL=url, REDIS_URL=REDIS_URL, GATEWAY_VAR_DIR=str(var_dir), WEBHOOK_SECRET=SECRET,
               SMS_BACKEND="file", SMS_FILE_PATH=str(var_dir / "sent_sms.jsonl"), **extra)  # fmt: skip
    return env


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def queue_warning(url: str, var_dir: Path, recipients: int) -> dict[str, Any]:
    """Run `gateway warn` once (dry run first): wall time, peak memory of the process, what it printed."""
    env = environment(url, var_dir)
    gateway = str(BIN / "gateway")
    dry = subprocess.run([gateway, "warn", "--area", AREA, "--text", TEXT, "--dry-run"], env=env, cwd=REPO,
                         capture_output=True, text=True, check=True)  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([gateway, "warn", "--area", AREA, "--text", TEXT, "--key", f"bench-{recipients}",
                           "--by", "bench"], env=env, cwd=REPO, capture_output=True, text=True, check=True)  # fmt: skip
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child so far
    counted = int(dry.stdout.split(" ", 1)[0])
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(max(peak, before) / 1024, 1),
            "dry_run_count": counted, "queued_line": done.stdout.strip().splitlines()[-3],
            "warning": done.stdout.strip().splitlines()[-1]}  # fmt: skip


def post_report(port: int, tag: str, n: int) -> None:
    fields = {"from": f"0813{n:08d}", "to": "98123", "text": "LAPOR BANJIR SUKODONO 25 KK", "id": f"{tag}-{n}",
              "date": "2026-11-30 10:00:00"}  # fmt: skip
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/sms?secret={SECRET}",
                                     data=urllib.parse.urlencode(fields).encode())  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def reply_latencies(url: str, tag: str) -> tuple[list[float], int]:
    """Seconds from each bench report's arrival to its reply's sending; and warnings sent so far."""
    from sqlalchemy import func, select

    from gateway.db import Database
    from gateway.models import InboundMessage, OutboundMessage

    database = Database(url)
    with database.session() as session:
        rows = session.execute(
            select(InboundMessage.received_at, OutboundMessage.sent_at)
            .join(OutboundMessage, OutboundMessage.inbound_id == InboundMessage.id)
            .where(InboundMessage.provider_id.like(f"{tag}-%"),
                   OutboundMessage.template == "report_received")
        ).all()  # fmt: skip
        warnings = session.scalar(select(func.count()).where(OutboundMessage.template == "early_warning",
                                                             OutboundMessage.sent_at.is_not(None)))  # fmt: skip
    database.dispose()
    return [(sent - received).total_seconds() for received, sent in rows if sent is not None], int(warnings or 0)


def latency_run(url: str, var_dir: Path, args: argparse.Namespace, with_warning: bool) -> dict[str, Any]:
    """Reports posted every ``--interval`` s while workers run (and, ``with_warning``, drain a warning)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = environment(url, var_dir, WARNING_MAX_PER_SECOND=str(args.warning_rate))
    gateway = str(BIN / "gateway")
    logs = (var_dir / "serve.log").open("ab")
    processes = [subprocess.Popen([gateway, "serve", "--port", str(port)], env=env, cwd=REPO, stdout=logs,
                                  stderr=subprocess.STDOUT, start_new_session=True)]  # fmt: skip
    processes += [subprocess.Popen([gateway, "worker"], env=env, cwd=REPO, stdout=logs, stderr=subprocess.STDOUT,
                                   start_new_session=True) for _ in range(args.workers)]  # fmt: skip
    tag = "draining" if with_warning else "quiet"
    try:
        for _ in range(100):  # the web process is up when it answers
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2.0)  # the lane is draining (or, without a warning, the workers idle)
        _, warnings_before = reply_latencies(url, tag)
        started = time.perf_counter()
        for n in range(args.reports):
            post_report(port, tag, n + (1000 if with_warning else 0))
            time.sleep(args.interval)
        elapsed = time.perf_counter() - started
        latencies, warnings_after = reply_latencies(url, tag)
        deadline = time.monotonic() + 60
        while len(latencies) < args.reports and time.monotonic() < deadline:  # the last replies, however late
            time.sleep(0.5)
            latencies, _ = reply_latencies(url, tag)
    finally:
        ingest.stop_processes(processes, signal.SIGINT, grace=10)
        logs.close()
    mine = sorted(latencies)
    median = round(statistics.median(mine) * 1000, 1) if mine else None
    return {"reports": args.reports, "replies": len(mine), "p50_ms": median,
            "max_ms": round(mine[-1] * 1000, 1) if mine else None,
            "warnings_sent_per_s": round((warnings_after - warnings_before) / elapsed, 1)}  # fmt: skip


def run(kind: str, args: argparse.Namespace, recorder: record.Recorder) -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-warnings-") as folder:
        var_dir = Path(folder)
        url = f"sqlite:///{var_dir / 'gateway.db'}" if kind == "sqlite" else prepare_postgres()
        flush_redis()
        seed(url, args.recipients)
        quiet = latency_run(url, var_dir, args, with_warning=False) if args.latency else None
        recorder.start()
        queued = queue_warning(url, var_dir, args.recipients)
        figures: dict[str, Any] = {"recipients": args.recipients, **queued}
        print(f"[{kind}] {queued['dry_run_count']} recipients queued in {queued['seconds']} s "
              f"(peak RSS {queued['peak_rss_mib']} MiB); {queued['queued_line']}; {queued['warning']}")  # fmt: skip
        if quiet is not None:
            draining = latency_run(url, var_dir, args, with_warning=True)
            figures["reply_no_warning"], figures["reply_while_draining"] = quiet, draining
            print(
                f"[{kind}] reply latency with no warning: p50 {quiet['p50_ms']} ms, max {quiet['max_ms']} ms; "
                f"while the warning drains at {draining['warnings_sent_per_s']}/s: p50 {draining['p50_ms']} ms, "
                f"max {draining['max_ms']} ms ({draining['replies']} reports)"
            )
        met = bool(queued["seconds"] < TARGET_SECONDS and queued["dry_run_count"] == args.recipients)
        recorder.add(record.params(args, database=kind), figures, met)
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--latency", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure a report's reply latency while the warning drains")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="`gateway worker` processes for the latency part")
    parser.add_argument("--warning-rate", type=int, default=50, help="WARNING_MAX_PER_SECOND while draining")
    parser.add_argument("--reports", type=int, default=20, help="reports posted while the warning drains")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between those reports")
    record.option(parser)
    args = parser.parse_args(argv)
    recorder = record.Recorder("warnings", f"{args.recipients} recipients queued in < {TARGET_SECONDS:.0f} s",
                               args.record, argv)  # fmt: skip
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    return 0 if all([run(kind, args, recorder) for kind in kinds]) else 1


if __name__ == "__main__":
    sys.exit(main())
