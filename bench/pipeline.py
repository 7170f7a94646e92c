"""End-to-end benchmark: from ``POST /webhooks/sms`` to the confirmation and the officers' alerts handed to the
provider, with gunicorn, Redis, RQ workers and the relay running as the Procfile runs them.

Reports go out at a fixed rate over a realistic spread of desa and hazards (most join an incident already open,
some open new ones and alert officers). Afterwards the database says, for every report, when it was received and
when the last SMS it caused was handed to the provider: that is its end-to-end latency. Throughput is the rate at
which reports were completed while the load ran. Only loopback traffic; bounded in count and time.

    .venv/bin/python bench/pipeline.py --database sqlite --rate 300 --duration 20
    .venv/bin/python bench/pipeline.py --record     # also append each run to bench/results.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest
import record

HAZARDS = ("BANJIR", "LONGSOR", "KEBAKARAN", "ANGIN KENCANG")
TARGET_RATE = 500.0  # reports/s
TARGET_P99_MS = 1000.0
TARGET = (f"≥ {TARGET_RATE:.0f} reports/s arriving and every one done, end-to-end p99 < {TARGET_P99_MS / 1000:.0f} s, "
          "no errors")  # fmt: skip
WARMUP_BASE = 10_000_000  # warm-up reports are numbered from here, apart from the measured ones
VILLAGES = 60  # desa the load spreads over: 60 x 4 hazards = up to 240 incidents


@dataclass(frozen=True)
class ReportSet(ingest.MessageSet):
    """Report ``n``: a hazard at one of VILLAGES desa of Kendal, from its own phone."""

    villages: tuple[str, ...] = ()

    def body(self, n: int) -> bytes:
        rng = random.Random(n)
        text = f"LAPOR {rng.choice(HAZARDS)} {rng.choice(self.villages)} {rng.randint(1, 80)} KK"
        fields = {"from": f"0812{(n * 7919 + 12_345_678) % 100_000_000:08d}", "to": "98123", "text": text,
                  "date": "2026-11-23 10:21:36", "id": self.provider_id(n)}  # fmt: skip
        return urlencode(fields).encode()


def kendal_villages() -> tuple[str, ...]:
    """Desa names that resolve on their own (no same-named desa elsewhere in Kendal)."""
    from gateway.parsers import load_region, parse

    region = load_region("33.24")
    names = [name for code, _ in region.districts() for _, name in region.villages(code)]
    unique = [n for n in names if parse(f"LAPOR BANJIR {n} 5 KK", region).village_code]
    return tuple(random.Random(3).sample(unique, VILLAGES))


ROSTER_AGENCIES = ("BPBD", "DINSOS", "BAZNAS", "PMI", "TAGANA", "RELAWAN")


def write_roster(path: Path) -> None:
    """Two officers and a supervisor per agency for the whole kabupaten, and the coordinator desk."""
    lines = ["name,phone,agency,role,districts"]
    n = 0
    for agency in ROSTER_AGENCIES:
        for role in ("officer", "officer", "supervisor"):
            n += 1
            lines.append(f"{agency} {role} {n},08119{n:07d},{agency},{role},")
    lines.append("Pusdalops,0811900000099,PUSDALOPS,officer,")
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Outcome:
    kind: str
    workers: int
    rate: float
    sent: int = 0
    errors: int = 0
    load_seconds: float = 0.0
    reports: int = 0
    completed_in_window: int = 0
    drained_after: float = 0.0
    sms: int = 0
    alerts: int = 0
    incidents: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def ms(self, q: float) -> float:
        """Return the q-th percentile (0..100) of the end-to-end latency in ms (NaN without reports)."""
        return ingest.percentile(self.latencies, q) * 1000

    @property
    def completed_per_s(self) -> float:
        return self.completed_in_window / self.load_seconds if self.load_seconds else 0.0

    @property
    def arrived_per_s(self) -> float:
        return self.sent / self.load_seconds if self.load_seconds else 0.0

    @property
    def meets_target(self) -> bool:
        # Reports arrive at the client's pace, so the pipeline cannot finish more per second than that: it sustains
        # the pace when the client kept it and (nearly) every report was done within a second of arriving.
        kept_pace = self.arrived_per_s >= ingest.PACE_KEPT * TARGET_RATE and self.reports == self.sent
        return bool(kept_pace and self.latencies and self.ms(99) < TARGET_P99_MS and not self.problems
                    and not self.errors)  # fmt: skip


def read_latencies(url: str, load_end: float, first_id: int) -> tuple[list[float], int, int, int, int]:
    """Per measured report (inbound id >= ``first_id``): last SMS handed over minus received; plus reports done
    in the window, and the SMS, alerts and incidents of the whole run.
    """
    from sqlalchemy import text

    with ingest.connect(url) as conn:
        rows = conn.execute(text(
            "SELECT i.received_at, MAX(o.sent_at) FROM inbound_messages i JOIN outbound_messages o "
            "ON o.inbound_id = i.id WHERE o.status = 'sent' AND i.id >= :first GROUP BY i.id"
        ), {"first": first_id}).all()  # fmt: skip
        sms = conn.execute(text("SELECT COUNT(*) FROM outbound_messages WHERE status = 'sent'")).scalar_one()
        alerts = conn.execute(text("SELECT COUNT(*) FROM outbound_messages WHERE template = 'alert'")).scalar_one()
        incidents = conn.execute(text("SELECT COUNT(*) FROM incidents")).scalar_one()

    def seconds(value: object) -> float:
        if isinstance(value, str):
            from datetime import datetime

            value = datetime.fromisoformat(value)
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=ingest.UTC).timestamp()  # type: ignore[attr-defined]

    latencies = []
    in_window = 0
    for received, last_sent in rows:
        start, end = seconds(received), seconds(last_sent)
        latencies.append(end - start)
        if end <= load_end:
            in_window += 1
    return sorted(latencies), in_window, int(sms), int(alerts), int(incidents)


def pending_sms(url: str) -> int:
    """Reports not yet processed plus SMS not yet handed over."""
    from sqlalchemy import text

    with ingest.connect(url) as conn:
        waiting = conn.execute(text(
            "SELECT (SELECT COUNT(*) FROM inbound_messages WHERE processed_at IS NULL) + "
            "(SELECT COUNT(*) FROM outbound_messages WHERE status IN ('queued', 'sending'))"
        )).scalar_one()  # fmt: skip
    return int(waiting)


def wait_drained(url: str, timeout: float) -> int:
    """Wait until nothing is waiting (or ``timeout``); return how much still waits."""
    deadline = time.monotonic() + timeout
    while (waiting := pending_sms(url)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return waiting


def last_inbound_id(url: str) -> int:
    """The newest inbound message's id (0 when there is none): the measured reports come after it."""
    from sqlalchemy import text

    with ingest.connect(url) as conn:
        return int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM inbound_messages")).scalar_one())


def process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes and their children."""
    total = 0.0
    for pid, ppid, _comm, cpu in ingest._proc_stats():
        if pid in pids or ppid in pids:
            total += cpu
    return total


def run(kind: str, args: argparse.Namespace) -> Outcome:
    tmp = Path(tempfile.mkdtemp(prefix=f"gateway-pipeline-{kind}-"))
    processes: list[subprocess.Popen[bytes]] = []
    outcome = Outcome(kind, args.workers, args.rate)
    try:
        url = f"sqlite:///{tmp / 'gateway.db'}" if kind == "sqlite" else ingest.prepare_postgres()
        ingest.flush_redis()
        port = ingest.free_port()
        secret = "bench-" + secrets.token_urlsafe(18)
        web_args = argparse.Namespace(redis=True, workers=args.web_workers, threads=args.web_threads)
        env = ingest.server_env(url, tmp / "var", port, secret, web_args)
        gateway = ingest.executable("gateway")
        subprocess.run([gateway, "init"], env=env, cwd=ingest.REPO, check=True, capture_output=True)
        write_roster(tmp / "officers.csv")
        subprocess.run([gateway, "import", "officers", str(tmp / "officers.csv")], env=env, cwd=ingest.REPO,
                       check=True, capture_output=True)  # fmt: skip
        web = ingest.start_server(env, tmp / "web.log", ingest.DEFAULT_GUNICORN_CONFIG)
        processes.append(web)
        for n in range(args.workers):
            with (tmp / f"worker{n}.log").open("wb") as log:
                processes.append(subprocess.Popen([gateway, "worker"], env=env, cwd=ingest.REPO, stdout=log,
                                                  stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
        with (tmp / "relay.log").open("wb") as log:
            processes.append(subprocess.Popen([gateway, "relay"], env=env, cwd=ingest.REPO, stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
        ingest.wait_healthy(port, web, tmp / "web.log")
        reports = ReportSet(run=secrets.token_hex(3), villages=kendal_villages())
        client = ingest.Client(port, secret, reports, timeout=10.0)
        count = int(args.rate * args.duration)
        if args.warmup:  # every process loads the region, rules and templates on its first job
            client.run(range(WARMUP_BASE, WARMUP_BASE + args.warmup), args.concurrency, 60, args.rate)
            wait_drained(url, args.drain_timeout)
        first_id = last_inbound_id(url) + 1
        print(f"[{kind}] gunicorn + {args.workers} worker(s) + relay; {args.warmup} warm-up reports, then {count} "
              f"at {args.rate:.0f}/s", flush=True)  # fmt: skip
        pids = [p.pid for p in processes]
        cpu_before = {"web": process_cpu([web.pid]), "workers+relay": process_cpu(pids[1:])}
        sample_before = ingest.CpuSample.take(web.pid)
        load = client.run(range(count), args.concurrency, args.duration + 5, args.rate)
        load_end = time.time()
        outcome.sent, outcome.errors, outcome.load_seconds = load.sent, len(load.failed), load.elapsed
        waiting = wait_drained(url, args.drain_timeout)
        outcome.drained_after = time.time() - load_end
        if waiting:
            outcome.problems.append(f"{waiting} reports or SMS still waiting after {args.drain_timeout:.0f}s")
        sample = ingest.CpuSample.take(web.pid) - sample_before
        outcome.cpu = {"web": process_cpu([web.pid]) - cpu_before["web"],
                       "workers+relay": process_cpu(pids[1:]) - cpu_before["workers+relay"],
                       "postgres": sample.postgres, "redis": sample.redis, "machine": sample.machine_busy,
                       "seconds": load.elapsed + outcome.drained_after}  # fmt: skip
        latencies, in_window, outcome.sms, outcome.alerts, outcome.incidents = read_latencies(url, load_end, first_id)
        outcome.latencies, outcome.reports, outcome.completed_in_window = latencies, len(latencies), in_window
        if outcome.reports < len(load.ok):
            outcome.problems.append(f"{len(load.ok) - outcome.reports} accepted reports got no SMS out")
        return outcome
    finally:
        ingest.stop_processes(processes)
        with contextlib.suppress(ingest.SetupError):
            ingest.flush_redis()
        shutil.rmtree(tmp, ignore_errors=True)


def show(o: Outcome) -> None:
    """Print one database's figures."""
    print(f"== {o.kind}: {o.sent} reports sent at {o.rate:.0f}/s, {o.errors} errors ==")
    print(f"  completed          {o.reports} reports ({o.completed_in_window} within the load window: "
          f"{o.completed_per_s:.0f}/s), backlog drained {o.drained_after:.1f}s after the load")  # fmt: skip
    print(f"  end-to-end ms      p50 {o.ms(50):.0f}  p95 {o.ms(95):.0f}  p99 {o.ms(99):.0f}  max {o.ms(100):.0f}")
    print(f"  SMS handed over    {o.sms} ({o.alerts} officer alerts), {o.incidents} incidents")
    print(f"  CPU seconds        web {o.cpu.get('web', 0):.1f}, workers+relay {o.cpu.get('workers+relay', 0):.1f}, "
          f"postgres {o.cpu.get('postgres', 0):.1f}, redis {o.cpu.get('redis', 0):.1f}; machine busy "
          f"{o.cpu.get('machine', 0):.1f} of {(os.cpu_count() or 1) * o.cpu.get('seconds', 0):.1f}")  # fmt: skip
    for problem in o.problems:
        print(f"  PROBLEM            {problem}")
    print(f"  target             {'met' if o.meets_target else 'NOT met'} (>= {TARGET_RATE:.0f} reports/s arriving, "
          f"all done, p99 < 1 s; arrived at {o.arrived_per_s:.0f}/s)")  # fmt: skip


def figures(o: Outcome) -> dict[str, Any]:
    """Return the figures show() prints, as recorded."""
    cpu = o.cpu
    return {
        "database": o.kind,
        "workers": o.workers,
        "rate sent/s": o.rate,
        "sent": o.sent,
        "errors": o.errors,
        "arrived/s": round(o.arrived_per_s),
        "completed": o.reports,
        "completed in window": o.completed_in_window,
        "completed/s": round(o.completed_per_s),
        "drained after s": round(o.drained_after, 1),
        "p50 / p95 / p99 / max ms": [round(o.ms(q)) if o.latencies else None for q in (50, 95, 99, 100)],
        "SMS": o.sms,
        "alerts": o.alerts,
        "incidents": o.incidents,
        "CPU s web / workers+relay / postgres / redis": [
            round(cpu.get(name, 0), 1) for name in ("web", "workers+relay", "postgres", "redis")
        ],
        "machine busy / available CPU s": [
            round(cpu.get("machine", 0), 1),
            round((os.cpu_count() or 1) * cpu.get("seconds", 0), 1),
        ],
        "problems": [problem.splitlines()[0] for problem in o.problems],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rate", type=float, default=500.0, help="reports/s sent")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=2, help="`gateway worker` processes")
    parser.add_argument("--concurrency", type=int, default=32, help="client connections")
    parser.add_argument("--web-workers", type=int, default=0, help="gunicorn workers (0: gateway/gunicorn_conf.py)")
    parser.add_argument("--web-threads", type=int, default=0, help="threads per gunicorn worker (0: the same)")
    parser.add_argument("--warmup", type=int, default=500, help="reports sent (and drained) before measuring")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="seconds to wait for the backlog")
    record.option(parser)
    args = parser.parse_args(argv)
    recorder = record.Recorder("pipeline", TARGET, args.record, argv)
    print(f"Machine: {record.describe(recorder.start())}", flush=True)
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        recorder.start()
        outcome = run(kind, args)
        show(outcome)
        recorder.add(record.params(args, database=kind), figures(outcome), outcome.meets_target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
