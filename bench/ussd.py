"""Load benchmark for ``POST /webhooks/ussd`` through gunicorn with Redis: concurrent sessions walk the report flow.

Each simulated caller dials, picks a hazard, a kecamatan, pages the desa list, picks a desa, types a household
count, chooses a need, finishes and sends, as Africa's Talking would post it (the whole input history in
``text`` every time), pausing ``--think`` seconds between key presses like a person. Latency is measured per
step. Afterwards the database must hold exactly one USSD report (and one confirmation SMS) per completed
session, and replaying a sample of final callbacks must answer the same screen and store nothing.

Server and database set-up come from ``bench/ingest.py``, pointed at a database and a Redis DB of this
benchmark's own (``--pg-database gateway_bench_ussd``, ``--redis-db 12``; never ``test``, loopback only), so it
cannot drop the schema or flush the queue of another benchmark running at the same time.

    .venv/bin/python bench/ussd.py                           # both databases, 200 sessions at a time
    .venv/bin/python bench/ussd.py --database postgresql --sessions 400 --think 0.5
    .venv/bin/python bench/ussd.py --record                  # also append each run to bench/results.jsonl

Exit status: 0 when every step was answered as expected and the data checks pass, 1 otherwise, 2 on a
setup error. Missing the latency target is reported, not an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest  # bench/ is not a package: import its neighbour by path
import record
from ingest import HOST, REPO, SetupError

STEPS = ("dial", "menu", "hazard", "kecamatan", "desa page 2", "desa", "households", "need", "needs done", "send")
TARGET_P99_MS = 100.0
TARGET = (f"p99 < {TARGET_P99_MS:.0f} ms on every step, no errors, one report and one confirmation SMS per session, "
          "replayed final callbacks answered the same and storing nothing")  # fmt: skip
SERVICE_CODE = "*123#"


@dataclass(frozen=True)
class Caller:
    """Session ``n`` of a run: always the same phone, id and keys."""

    run: str
    n: int

    @property
    def session_id(self) -> str:
        return f"ATUid_bench-{self.run}-{self.n:06d}"

    @property
    def phone(self) -> str:
        return f"0812{(self.n * 7919 + 23_456_789) % 100_000_000:08d}"

    def keys(self) -> list[str]:
        """Hazard, kecamatan, next desa page, desa, households, one need, done, send."""
        n = self.n
        return [str(1 + n % 13), str(1 + n % 20), "99", "1", str(1 + n % 150), str(1 + n % 12), "98", "1"]

    def body(self, step: int) -> bytes:
        text = "*".join(["1", *self.keys()][: step - 1]) if step > 1 else ""
        form = {"sessionId": self.session_id, "serviceCode": SERVICE_CODE, "phoneNumber": self.phone,
                "networkCode": "51010", "text": text}  # fmt: skip
        return urlencode(form).encode()


@dataclass
class Walk:
    """What the sessions saw, from the client's side."""

    latencies: dict[int, list[float]] = field(default_factory=lambda: {i: [] for i in range(len(STEPS))})
    completed: list[int] = field(default_factory=list)  # sessions that reached the END screen of a report
    finals: dict[int, bytes] = field(default_factory=dict)  # the END body of each completed session
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Read one HTTP/1.1 response: status, body, and whether the server closes the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status, length, close = int(head[9:12]), 0, head.startswith(b"HTTP/1.0")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"connection":
            close = value.strip().lower() == b"close"
    return status, await reader.readexactly(length) if length else b"", close


class Client:
    """Sessions over keep-alive connections, each pausing between key presses as a person would."""

    def __init__(self, port: int, secret: str, run: str, timeout: float, think: float) -> None:
        self.port, self.run, self.timeout, self.think = port, run, timeout, think
        self.head = (
            f"POST /webhooks/ussd?secret={secret} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        ).encode()

    def walk(self, numbers: Sequence[int], concurrency: int, duration: float) -> Walk:
        result = Walk()
        cpu = time.process_time()
        asyncio.run(self._drive(list(numbers), concurrency, duration, result))
        result.cpu = time.process_time() - cpu
        return result

    def final(self, numbers: Sequence[int]) -> dict[int, bytes | None]:
        """Post each session's final callback again, one after another; return the answers."""

        async def again() -> dict[int, bytes | None]:
            answers: dict[int, bytes | None] = {}
            connection, scratch = None, Walk()
            for n in numbers:
                answers[n], connection = await self._post(connection, Caller(self.run, n).body(len(STEPS)), scratch,
                                                          len(STEPS) - 1)  # fmt: skip
            if connection is not None:
                connection[1].close()
            return answers

        return asyncio.run(again())

    async def _drive(self, numbers: list[int], concurrency: int, duration: float, result: Walk) -> None:
        start = time.perf_counter()
        deadline = start + duration
        queue = iter(numbers)  # shared: each caller takes the next session when it hangs up
        await asyncio.gather(*(self._caller(queue, deadline, result, k) for k in range(concurrency)))
        result.elapsed = time.perf_counter() - start

    async def _caller(self, queue: Iterator[int], deadline: float, result: Walk, k: int) -> None:
        rng = random.Random(k)
        # Callers dial at random moments over one session's length, as in a steady state, not all in one burst.
        await asyncio.sleep(rng.uniform(0, self.think * len(STEPS)))
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            for n in queue:
                if time.perf_counter() >= deadline:
                    break
                caller = Caller(self.run, n)
                for step in range(len(STEPS)):
                    if step:
                        await asyncio.sleep(rng.uniform(0.5, 1.5) * self.think)
                    answer, connection = await self._post(connection, caller.body(step + 1), result, step)
                    if answer is None:
                        break
                    expected = b"END " if step == len(STEPS) - 1 else b"CON "
                    if not answer.startswith(expected) or b"Pilihan salah" in answer:
                        result.errors[f"{STEPS[step]}: unexpected screen"] += 1
                        break
                else:
                    result.completed.append(n)
                    result.finals[n] = answer
        finally:
            if connection is not None:
                connection[1].close()

    async def _post(self, connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None, body: bytes,
                    result: Walk, step: int) -> tuple[bytes | None, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:  # fmt: skip  # noqa: E501
        request = self.head + b"%d\r\n\r\n" % len(body) + body
        result.requests += 1
        for attempt in (1, 2):
            reused = connection is not None
            start = time.perf_counter()
            try:
                if connection is None:
                    connection = await asyncio.open_connection(HOST, self.port)
                reader, writer = connection
                async with asyncio.timeout(self.timeout):
                    writer.write(request)
                    status, answer, close = await read_answer(reader)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                if connection is not None:
                    connection[1].close()
                connection = None
                if attempt == 1 and reused and not isinstance(error, TimeoutError):
                    continue  # the server closed an idle keep-alive connection: a retry is safe (idempotent)
                result.errors[f"{STEPS[step]}: {type(error).__name__}"] += 1
                return None, None
            result.latencies[step].append(time.perf_counter() - start)
            if close:
                connection[1].close()
                connection = None
            if status != 200:
                result.errors[f"{STEPS[step]}: HTTP {status}"] += 1
                return None, connection
            return answer, connection
        return None, connection


@dataclass
class Stored:
    reports: int
    sessions: int
    replies: int

    @classmethod
    def read(cls, url: str) -> Stored:
        from sqlalchemy import text

        with ingest.connect(url) as conn:
            reports, sessions = conn.execute(text(
                "SELECT count(*), count(DISTINCT provider_id) FROM inbound_messages WHERE channel = 'ussd'"
            )).one()  # fmt: skip
            replies = conn.execute(text("SELECT count(*) FROM outbound_messages WHERE idempotency_key LIKE 'reply:%'"))
            return cls(int(reports), int(sessions), int(replies.scalar_one()))


@dataclass
class Report:
    database: str
    workers: int
    threads: int
    concurrency: int
    think: float
    walk: Walk
    cpu: ingest.CpuSample
    stored: Stored | None = None
    replay_mismatch: int = 0
    problems: list[str] = field(default_factory=list)

    def ms(self, step: int, q: float) -> float:
        return ingest.percentile(sorted(self.walk.latencies[step]), q) * 1000

    def all_ms(self, q: float) -> float:
        return ingest.percentile(sorted(x for v in self.walk.latencies.values() for x in v), q) * 1000

    @property
    def errors(self) -> int:
        return sum(self.walk.errors.values())

    @property
    def meets_target(self) -> bool:
        worst = max(self.ms(step, 99) for step in range(len(STEPS)))
        return worst < TARGET_P99_MS and not self.errors and not self.problems


def run_database(kind: str, args: argparse.Namespace, run: str) -> Report:
    """Fresh database, gunicorn, warm-up, sessions, checks; always stops gunicorn and removes the temp folder."""
    tmp = Path(tempfile.mkdtemp(prefix=f"gateway-bench-ussd-{kind}-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        url = f"sqlite:///{tmp / 'gateway.db'}" if kind == "sqlite" else ingest.prepare_postgres()
        ingest.flush_redis()
        port = ingest.free_port()
        secret = "bench-" + secrets.token_urlsafe(18)
        env = ingest.server_env(url, tmp / "var", port, secret, args)
        workers, threads = ingest.gunicorn_settings(env)
        init = subprocess.run([ingest.executable("gateway"), "init"], env=env, cwd=REPO, capture_output=True,
                              text=True)  # fmt: skip
        if init.returncode:
            raise SetupError(f"gateway init failed:\n{init.stdout}{init.stderr}")
        log_path = tmp / "gunicorn.log"
        server = ingest.start_server(env, log_path, args.gunicorn_config)
        ingest.wait_healthy(port, server, log_path)
        print(f"[{kind}] gunicorn {workers}x{threads} on :{port}; warming up", flush=True)
        client = Client(port, secret, run, args.timeout, args.think)
        warm = client.walk(range(args.warmup), min(args.concurrency, 20), duration=30.0)
        print(f"[{kind}] warm-up: {len(warm.completed)} sessions; load: {args.sessions} sessions, "
              f"{args.concurrency} at a time, think {args.think:.2f}s", flush=True)  # fmt: skip
        before = ingest.CpuSample.take(server.pid)
        walk = client.walk(range(args.warmup, args.warmup + args.sessions), args.concurrency, args.duration)
        cpu = ingest.CpuSample.take(server.pid) - before
        report = Report(kind, workers, threads, args.concurrency, args.think, walk, cpu)

        stored = Stored.read(url)
        report.stored = stored
        done = len(warm.completed) + len(walk.completed)
        if stored.reports != done or stored.sessions != done:
            report.problems.append(f"{stored.reports} USSD reports stored for {done} completed sessions")
        if stored.replies != done:
            report.problems.append(f"{stored.replies} confirmation SMS queued for {done} reports")
        sample = random.Random(7).sample(walk.completed, min(args.replay, len(walk.completed)))
        replayed = Client(port, secret, run, args.timeout, think=0.0).final(sample)  # same END, nothing new
        report.replay_mismatch = sum(1 for n in sample if replayed[n] != walk.finals[n])
        after = Stored.read(url)
        if report.replay_mismatch:
            report.problems.append(f"{report.replay_mismatch} replayed final callbacks answered differently")
        if (after.reports, after.replies) != (stored.reports, stored.replies):
            report.problems.append("replayed final callbacks stored new rows")
        if server.poll() is not None:
            report.problems.append(f"gunicorn died during the run:\n{ingest.tail(log_path)}")
        elif walk.errors:
            print(f"[{kind}] gunicorn log tail:\n{ingest.tail(log_path, 15)}", flush=True)
        return report
    finally:
        if server is not None:
            ingest.stop_server(server)
        with contextlib.suppress(SetupError):
            ingest.flush_redis()
        shutil.rmtree(tmp, ignore_errors=True)


def print_report(report: Report) -> None:
    walk, cpu = report.walk, report.cpu
    cores = os.cpu_count() or 1
    print(f"\n== {report.database} (Redis on, gunicorn {report.workers}x{report.threads}, {report.concurrency} "
          f"sessions at a time, think {report.think:.2f}s) ==")  # fmt: skip
    print(f"  sessions completed {len(walk.completed)} in {walk.elapsed:.1f}s, {walk.requests} requests "
          f"({walk.requests / walk.elapsed:.0f}/s), errors {report.errors}")  # fmt: skip
    for kind, count in walk.errors.most_common(5):
        print(f"  error              {count} x {kind}")
    print("  step               p50 ms   p99 ms   max ms")
    for step, name in enumerate(STEPS):
        print(f"  {name:<18} {report.ms(step, 50):>6.1f}   {report.ms(step, 99):>6.1f}   {report.ms(step, 100):>6.1f}")
    print(f"  {'all steps':<18} {report.all_ms(50):>6.1f}   {report.all_ms(99):>6.1f}   {report.all_ms(100):>6.1f}")
    print(f"  CPU seconds        client {walk.cpu:.1f}, gunicorn {cpu.server:.1f}, postgres {cpu.postgres:.1f}, "
          f"redis {cpu.redis:.1f}; machine busy {cpu.machine_busy:.1f} of {walk.elapsed * cores:.1f}")  # fmt: skip
    if report.stored:
        print(f"  database           {report.stored.reports} USSD reports, {report.stored.replies} confirmation SMS")
    for problem in report.problems:
        print(f"  PROBLEM            {problem}")
    print(f"  target             {'met' if report.meets_target else 'NOT met'} (p99 < {TARGET_P99_MS:.0f} ms per "
          f"step, no errors)")  # fmt: skip


def figures(r: Report) -> dict[str, Any]:
    """Return the figures print_report shows, as recorded."""
    walk, cpu = r.walk, r.cpu
    steps = {
        f"{name} p50 / p99 / max ms": [round(r.ms(step, q), 1) for q in (50, 99, 100)]
        for step, name in enumerate(STEPS)
    }
    return {
        "database": r.database,
        "gunicorn": f"{r.workers}x{r.threads}",
        "sessions at a time": r.concurrency,
        "think s": r.think,
        "sessions completed": len(walk.completed),
        "load s": round(walk.elapsed, 1),
        "requests": walk.requests,
        "requests/s": round(walk.requests / walk.elapsed) if walk.elapsed else None,
        "errors": r.errors,
        "error kinds": dict(walk.errors.most_common(5)),
        **steps,
        "all steps p50 / p99 / max ms": [round(r.all_ms(q), 1) for q in (50, 99, 100)],
        "CPU s client / gunicorn / postgres / redis": [
            round(v, 1) for v in (walk.cpu, cpu.server, cpu.postgres, cpu.redis)
        ],
        "machine busy / available CPU s": [round(cpu.machine_busy, 1), round(walk.elapsed * (os.cpu_count() or 1), 1)],
        "USSD reports / confirmation SMS": None if r.stored is None else [r.stored.reports, r.stored.replies],
        "replay mismatches": r.replay_mismatch,
        "problems": [problem.splitlines()[0] for problem in r.problems],
    }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)  # fmt: skip
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sessions", type=int, default=600, help="sessions in the measured phase (at most)")
    parser.add_argument("--concurrency", type=int, default=200, help="sessions open at the same time")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a caller takes per key press")
    parser.add_argument("--duration", type=float, default=45.0, help="seconds to start new sessions for (at most)")
    parser.add_argument("--warmup", type=int, default=40, help="sessions walked before measuring")
    parser.add_argument("--replay", type=int, default=100, help="final callbacks to send again afterwards")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: gateway/gunicorn_conf.py)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (0: gateway/gunicorn_conf.py)")
    parser.add_argument("--gunicorn-config", default=ingest.DEFAULT_GUNICORN_CONFIG)
    parser.add_argument("--pg-database", default="gateway_bench_ussd", help="PostgreSQL database (emptied!)")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis database on 127.0.0.1:6379 (flushed!)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one answer")
    record.option(parser)
    args = parser.parse_args(argv)
    args.redis = True  # USSD sessions live in Redis; ingest.server_env reads this
    if args.sessions < 1 or args.concurrency < 1 or args.think < 0:
        parser.error("--sessions and --concurrency must be positive, --think not negative")
    if args.pg_database in ("test", "postgres") or args.redis_db in (13, 15):
        parser.error("--pg-database and --redis-db must not be the test suite's or another benchmark's")
    return args


def use_own_stores(args: argparse.Namespace) -> None:
    """Point ingest's set-up helpers (which read these module settings) at this benchmark's database and Redis."""
    ingest.PG_BENCH_DB = args.pg_database
    ingest.PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.pg_database}"
    ingest.REDIS_URL = f"redis://127.0.0.1:6379/{args.redis_db}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for the chosen databases; return the exit status."""
    args = parse_args(argv)
    use_own_stores(args)
    run = secrets.token_hex(4)
    recorder = record.Recorder("ussd", TARGET, args.record, argv)
    return ingest.run_benchmark(recorder, args, lambda kind: run_database(kind, args, run), print_report, figures)


if __name__ == "__main__":
    sys.exit(main())
