"""Load benchmark for ``POST /webhooks/sms`` through gunicorn: messages/s, latency, and nothing lost or doubled.

For each database (SQLite in a temporary folder, PostgreSQL in the dedicated ``gateway_bench`` database) it
prepares a fresh schema (``gateway init``), starts gunicorn exactly as the Procfile does, warms up, then drives
the webhook from concurrent keep-alive HTTP/1.1 connections (one asyncio process, raw sockets) until the
message count or the time limit runs out. Afterwards it checks the database: every acknowledged provider id
stored exactly once, one outbox job per message, and a replayed sample storing nothing new.

Traffic stays on loopback. PostgreSQL: only ``gateway_bench`` (never ``test``); Redis: only DB 13.

    .venv/bin/python bench/ingest.py                          # both databases, with Redis, defaults
    .venv/bin/python bench/ingest.py --database sqlite --workers 2 --threads 4 --concurrency 16
    .venv/bin/python bench/ingest.py --rate 1000 --duration 20   # paced: latency at a fixed arrival rate
    .venv/bin/python bench/ingest.py --record                 # also append each run to bench/results.jsonl

Exit status: 0 when the data checks pass, 1 when a message was lost or duplicated, a request failed or the
replay stored something, 2 on a setup error. Missing the speed target is reported, not an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlencode

import record

if TYPE_CHECKING:
    from sqlalchemy import Connection

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "gateway_bench"
PG_URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"
REDIS_URL = "redis://127.0.0.1:6379/13"
DEFAULT_GUNICORN_CONFIG = "python:gateway.gunicorn_conf"
RQ_QUEUE_KEY = "rq:queue:gateway"
TARGET_RATE = 1000.0  # messages/s
TARGET_P99_MS = 50.0
TARGET = (f"≥ {TARGET_RATE:,.0f} messages/s sustained (or kept pace at ≥ that rate), p99 < {TARGET_P99_MS:.0f} ms, "
          "no errors, nothing lost, doubled or stored again on replay")  # fmt: skip
PACE_KEPT = 0.995  # a paced run's rate counts its last answer's latency in the elapsed time
CLK_TCK = os.sysconf("SC_CLK_TCK")

TEXTS = (
    "LAPOR BANJIR SUKODONO 25 KK",
    "lpr bnjir krajankulon 30kk",
    "LAPOR LONGSOR KALIBOYO 3 RUMAH BUTUH TERPAL",
    "LAPOR KEBAKARAN PATEBON 2 RUMAH 9 JIWA",
    "LAPOR BANJIR ROB KARANGSARI 120 KK BUTUH MAKANAN AIR BERSIH",
    "OK 1042",
    "SELESAI 1042",
    "AMBIL K7Q-22M",
)
BASE_DATE = datetime(2026, 11, 23, 10, 21, 36, tzinfo=UTC)


class SetupError(RuntimeError):
    """The benchmark could not prepare or start what it measures."""


# --------------------------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class MessageSet:
    """Unique, deterministic webhook bodies: message ``n`` always has the same id and fields."""

    run: str

    def provider_id(self, n: int) -> str:
        """The provider id of message ``n``."""
        return f"ATXid_bench-{self.run}-{n:07d}"

    def body(self, n: int) -> bytes:
        """The form-encoded body of message ``n``."""
        fields = {
            "from": f"0812{(n * 7919 + 12_345_678) % 100_000_000:08d}",
            "to": "98123",
            "text": TEXTS[n % len(TEXTS)],
            "date": (BASE_DATE + timedelta(seconds=n)).strftime("%Y-%m-%d %H:%M:%S"),
            "id": self.provider_id(n),
        }
        return urlencode(fields).encode()


# --------------------------------------------------------------------------------------------- client


@dataclass
class LoadResult:
    """What one load phase saw, from the client's side."""

    sent: int = 0
    ok: list[int] = field(default_factory=list)  # message numbers answered 200
    failed: dict[int, str] = field(default_factory=dict)  # message number -> status or exception
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered request
    done_at: list[float] = field(default_factory=list)  # perf_counter at each answer
    started: float = 0.0
    elapsed: float = 0.0
    cpu: float = 0.0  # client process CPU seconds (user + system)
    reconnects: int = 0


class Feed:
    """Hands out message numbers until the count or the deadline runs out; with a rate, also when to send."""

    def __init__(self, numbers: Sequence[int], deadline: float, rate: float) -> None:
        self.numbers = numbers
        self.deadline = deadline
        self.rate = rate
        self.issued = 0
        self.start = time.perf_counter()

    def next(self) -> tuple[int, float | None] | None:
        """The next message number and its scheduled send time (None: send now), or None when done."""
        if self.issued >= len(self.numbers) or time.perf_counter() >= self.deadline:
            return None
        n = self.numbers[self.issued]
        due = self.start + self.issued / self.rate if self.rate > 0 else None
        self.issued += 1
        return n, due


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; return its status and whether the server will close the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, close = 0, head.startswith(b"HTTP/1.0")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    if length:
        await reader.readexactly(length)
    return status, close


class Client:
    """Concurrent keep-alive connections posting webhook bodies; lean enough to leave the cores to the server."""

    def __init__(self, port: int, secret: str, messages: MessageSet, timeout: float) -> None:
        self.port = port
        self.messages = messages
        self.timeout = timeout
        self.head = (
            f"POST /webhooks/sms?secret={secret} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
        ).encode()

    def run(self, numbers: Sequence[int], concurrency: int, duration: float, rate: float = 0.0) -> LoadResult:
        """Post ``numbers`` over ``concurrency`` connections for at most ``duration`` seconds."""
        result = LoadResult()
        cpu = time.process_time()
        asyncio.run(self._drive(numbers, concurrency, duration, rate, result))
        result.cpu = time.process_time() - cpu
        return result

    async def _drive(self, numbers: Sequence[int], concurrency: int, duration: float, rate: float,
                     result: LoadResult) -> None:  # fmt: skip
        result.started = time.perf_counter()
        feed = Feed(numbers, result.started + duration, rate)
        await asyncio.gather(*(self._connection(feed, result) for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - result.started

    async def _connection(self, feed: Feed, result: LoadResult) -> None:
        """One keep-alive connection: send, wait for the answer, repeat; reconnect when the server closes."""
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        try:
            while (item := feed.next()) is not None:
                n, due = item
                if due is not None and (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                body = self.messages.body(n)
                request = self.head + b"%d\r\n\r\n" % len(body) + body
                start = due if due is not None else time.perf_counter()  # paced: no coordinated omission
                result.sent += 1
                for attempt in (1, 2):
                    reused = writer is not None
                    try:
                        if writer is None:
                            reader, writer = await asyncio.open_connection(HOST, self.port)
                        assert reader is not None
                        async with asyncio.timeout(self.timeout):
                            writer.write(request)
                            status, close = await read_response(reader)
                    except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                        if writer is not None:
                            writer.close()
                        reader = writer = None
                        result.reconnects += 1
                        # A kept-alive connection the server closed meanwhile: safe to send again (idempotent).
                        if attempt == 1 and reused and not isinstance(error, TimeoutError):
                            continue
                        result.failed[n] = type(error).__name__
                        break
                    now = time.perf_counter()
                    result.latencies.append(now - start)
                    result.done_at.append(now)
                    if status == 200:
                        result.ok.append(n)
                    else:
                        result.failed[n] = f"HTTP {status}"
                    if close and writer is not None:
                        writer.close()
                        reader = writer = None
                    break
        finally:
            if writer is not None:
                writer.close()


# --------------------------------------------------------------------------------------------- measuring


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def _proc_stats() -> Iterator[tuple[int, int, str, float]]:
    """(pid, ppid, command name, CPU seconds) for every process we can read."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        yield int(entry.name), int(rest[1]), comm, (int(rest[11]) + int(rest[12])) / CLK_TCK


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds used so far by the server, PostgreSQL, Redis and the whole machine."""

    server: float
    postgres: float
    redis: float
    machine_busy: float

    @classmethod
    def take(cls, server_pid: int) -> CpuSample:
        """Read /proc now (the gunicorn master and its workers; every postgres and redis-server process)."""
        server = postgres = redis = 0.0
        for pid, ppid, comm, cpu in _proc_stats():
            if server_pid in (pid, ppid):
                server += cpu
            elif comm == "postgres":
                postgres += cpu
            elif comm.startswith("redis-server"):
                redis += cpu
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
        return cls(server, postgres, redis, busy / CLK_TCK)

    def __sub__(self, other: CpuSample) -> CpuSample:
        return CpuSample(self.server - other.server, self.postgres - other.postgres, self.redis - other.redis,
                         self.machine_busy - other.machine_busy)  # fmt: skip


# --------------------------------------------------------------------------------------------- databases


@contextlib.contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A connection to a benchmark's database (``postgresql://`` through psycopg), its engine disposed after."""
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def prepare_postgres() -> str:
    """Create ``gateway_bench`` if missing and give it an empty public schema; return its URL."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_BENCH_DB,)).fetchone() is None:
                admin.execute(f'CREATE DATABASE "{PG_BENCH_DB}"')
        dsn = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as bench:
            bench.execute("DROP SCHEMA IF EXISTS public CASCADE")
            bench.execute("CREATE SCHEMA public")
    except psycopg.Error as error:
        raise SetupError(f"PostgreSQL on 127.0.0.1:5432 not usable: {error}") from error
    return PG_URL


def flush_redis() -> None:
    """Empty Redis DB 13 (and only it)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        raise SetupError(f"Redis on 127.0.0.1:6379 not usable: {error}") from error


def redis_queue_length() -> int:
    """Jobs waiting in the gateway's RQ queue in DB 13."""
    import redis

    return int(redis.Redis.from_url(REDIS_URL).llen(RQ_QUEUE_KEY))


@dataclass
class Stored:
    """What the database holds after the run."""

    ids: Counter[str]
    outbox_jobs: int
    messages_without_one_job: int

    @classmethod
    def read(cls, url: str) -> Stored:
        """Read provider ids and outbox counts straight from the tables."""
        from sqlalchemy import text

        with connect(url) as conn:
            ids = Counter(row[0] for row in conn.execute(text("SELECT provider_id FROM inbound_messages")))
            jobs = conn.execute(text("SELECT count(*) FROM outbox_jobs")).scalar_one()
            orphans = conn.execute(
                text(
                    "SELECT count(*) FROM inbound_messages m LEFT JOIN"
                    " (SELECT ref_id, count(*) AS c FROM outbox_jobs WHERE kind = 'process_inbound'"
                    " GROUP BY ref_id) j ON j.ref_id = m.id WHERE coalesce(j.c, 0) <> 1"
                )
            ).scalar_one()
        return cls(ids, int(jobs), int(orphans))

    @property
    def messages(self) -> int:
        return sum(self.ids.values())


# --------------------------------------------------------------------------------------------- server


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, var_dir: Path, port: int, secret: str, args: argparse.Namespace) -> dict[str, str]:
    """The environment of ``gateway init`` and gunicorn: ours, minus anything that could point elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "WEB_CONCURRENCY", "WEB_THREADS")}
    env.update(DATABASE_URL=database_url, WEBHOOK_SECRET=secret, GATEWAY_VAR_DIR=str(var_dir), HOST=HOST,
               PORT=str(port), SMS_BACKEND="file", SMS_FILE_PATH=str(var_dir / "sent_sms.jsonl"))  # fmt: skip
    env.pop("ACCESS_LOG", None)
    if args.redis:
        env["REDIS_URL"] = REDIS_URL
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    if args.threads:
        env["WEB_THREADS"] = str(args.threads)
    return env


def gunicorn_settings(env: dict[str, str]) -> tuple[int, int]:
    """The workers and threads gateway.gunicorn_conf gives in this environment."""
    code = "import gateway.gunicorn_conf as c; print(c.workers, c.threads)"  # what the Procfile's config gives
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    workers, threads = out.stdout.split()
    return int(workers), int(threads)


def executable(name: str) -> str:
    """A console script of this virtualenv, else from PATH."""
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        raise SetupError(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def start_server(env: dict[str, str], log_path: Path, config: str) -> subprocess.Popen[bytes]:
    """Start gunicorn as the Procfile does, in its own session so Ctrl-C reaches only us."""
    command = [executable("gunicorn"), "--config", config, "gateway:create_app()"]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully, then by force; only the processes we started."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=25)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # its own session: the master and its workers
        server.wait(timeout=5)


def stop_processes(processes: Sequence[subprocess.Popen[bytes]], sig: int = signal.SIGTERM, grace: float = 20) -> None:
    """Ask every process we started to stop, then kill what is still running after ``grace`` seconds."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=5)


def wait_healthy(port: int, server: subprocess.Popen[bytes], log_path: Path, timeout: float = 60.0) -> None:
    """Poll /healthz until it answers 200."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupError(f"gunicorn exited with {server.returncode}:\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            last = f"{response.status} {response.read().decode(errors='replace').strip()}"
            conn.close()
            if response.status == 200:
                return
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise SetupError(f"/healthz not healthy after {timeout:.0f}s ({last}):\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------------------------- one run


@dataclass
class Report:
    """The figures of one database's run."""

    database: str
    redis: bool
    workers: int
    threads: int
    concurrency: int
    rate: float
    load: LoadResult
    cpu: CpuSample
    stored: Stored | None = None
    lost: int = 0
    duplicated: int = 0
    unexpected: int = 0
    failed_but_stored: int = 0
    replayed: int = 0
    replay_failed: int = 0
    replay_new_rows: int = 0
    rq_queued: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def rate_achieved(self) -> float:
        return len(self.load.latencies) / self.load.elapsed if self.load.elapsed else 0.0

    @property
    def worst_second(self) -> int:
        """The fewest answers in any whole second of the run (the last, partial second left out)."""
        whole = int(self.load.elapsed)
        if whole < 1:
            return len(self.load.done_at)
        buckets = Counter(int(t - self.load.started) for t in self.load.done_at)
        return min(buckets.get(s, 0) for s in range(whole))

    def latency_ms(self, q: float) -> float:
        return percentile(self.sorted_latencies, q) * 1000

    @cached_property
    def sorted_latencies(self) -> list[float]:
        return sorted(self.load.latencies)

    @property
    def other_cpu(self) -> float:
        """CPU seconds the machine spent on anything but the client, gunicorn, PostgreSQL and Redis."""
        cpu = self.cpu
        return max(0.0, cpu.machine_busy - self.load.cpu - cpu.server - cpu.postgres - cpu.redis)

    @property
    def errors(self) -> int:
        return len(self.load.failed)

    @property
    def kept_up(self) -> bool:
        """At least the target rate; a paced run (``--rate``) cannot beat its pace, so there: kept the pace."""
        if self.rate:
            return self.rate >= TARGET_RATE and self.rate_achieved >= PACE_KEPT * self.rate
        return self.rate_achieved >= TARGET_RATE

    @property
    def meets_target(self) -> bool:
        return self.kept_up and self.latency_ms(99) < TARGET_P99_MS and not self.errors and not self.problems


def run_database(kind: str, args: argparse.Namespace, messages: MessageSet) -> Report:
    """Fresh database, gunicorn, warm-up, load, checks; always stops gunicorn and removes the temp folder."""
    tmp = Path(tempfile.mkdtemp(prefix=f"gateway-bench-{kind}-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        url = f"sqlite:///{tmp / 'gateway.db'}" if kind == "sqlite" else prepare_postgres()
        if args.redis:
            flush_redis()
        port = args.port or free_port()
        secret = "bench-" + secrets.token_urlsafe(18)
        env = server_env(url, tmp / "var", port, secret, args)
        workers, threads = gunicorn_settings(env)
        init = subprocess.run([executable("gateway"), "init"], env=env, cwd=REPO, capture_output=True, text=True)
        if init.returncode:
            raise SetupError(f"gateway init failed:\n{init.stdout}{init.stderr}")
        log_path = tmp / "gunicorn.log"
        server = start_server(env, log_path, args.gunicorn_config)
        wait_healthy(port, server, log_path)
        print(f"[{kind}] gunicorn {workers} worker(s) x {threads} thread(s) on :{port}; warming up", flush=True)

        client = Client(port, secret, messages, args.timeout)
        total = args.warmup + args.messages
        warm = client.run(range(args.warmup), args.concurrency, duration=30.0)
        print(f"[{kind}] warm-up: {len(warm.ok)} ok, {len(warm.failed)} failed; "
              f"load: {args.messages} messages, {args.concurrency} connections, "
              f"{'as fast as answered' if not args.rate else f'{args.rate:.0f}/s'}", flush=True)  # fmt: skip
        before = CpuSample.take(server.pid)
        load = client.run(range(args.warmup, total), args.concurrency, args.duration, args.rate)
        cpu = CpuSample.take(server.pid) - before
        report = Report(kind, args.redis, workers, threads, args.concurrency, args.rate, load, cpu)

        acked = {messages.provider_id(n) for n in [*warm.ok, *load.ok]}
        failed = {messages.provider_id(n) for n in [*warm.failed, *load.failed]}
        if args.redis:
            report.rq_queued = redis_queue_length()
        stored = Stored.read(url)
        check(report, stored, acked, failed)

        sample = random.Random(7).sample([*warm.ok, *load.ok], min(args.replay, len(warm.ok) + len(load.ok)))
        replay = client.run(sample, min(args.concurrency, max(1, len(sample))), duration=60.0)
        after = Stored.read(url)
        report.replayed = len(sample)
        report.replay_failed = len(replay.failed)
        report.replay_new_rows = (after.messages - stored.messages) + (after.outbox_jobs - stored.outbox_jobs)
        if report.replay_failed:
            report.problems.append(f"{report.replay_failed} replayed requests not answered 200")
        if report.replay_new_rows or after.ids != stored.ids:
            report.problems.append(f"replay stored {report.replay_new_rows} new rows")
        if server.poll() is not None:
            report.problems.append(f"gunicorn died during the run:\n{tail(log_path)}")
        elif load.failed:
            print(f"[{kind}] gunicorn log tail:\n{tail(log_path, 15)}", flush=True)
        return report
    finally:
        if server is not None:
            stop_server(server)
        if args.redis:
            with contextlib.suppress(SetupError):
                flush_redis()
        shutil.rmtree(tmp, ignore_errors=True)


def check(report: Report, stored: Stored, acked: set[str], failed: set[str]) -> None:
    """Compare what the server acknowledged with what the tables hold."""
    report.stored = stored
    report.duplicated = sum(1 for count in stored.ids.values() if count > 1)
    report.lost = len(acked - stored.ids.keys())
    report.unexpected = len(stored.ids.keys() - acked - failed)
    report.failed_but_stored = len(failed & stored.ids.keys())
    if report.lost:
        report.problems.append(f"{report.lost} acknowledged messages missing from inbound_messages")
    if report.duplicated:
        report.problems.append(f"{report.duplicated} provider ids stored more than once")
    if report.unexpected:
        report.problems.append(f"{report.unexpected} stored messages the benchmark never sent")
    if stored.outbox_jobs != stored.messages:
        report.problems.append(f"{stored.outbox_jobs} outbox jobs for {stored.messages} messages")
    if stored.messages_without_one_job:
        report.problems.append(f"{stored.messages_without_one_job} messages without exactly one outbox job")


# --------------------------------------------------------------------------------------------- output


def print_report(report: Report) -> None:
    """The human-readable figures of one run."""
    load, cpu = report.load, report.cpu
    stored = report.stored
    print(f"\n== {report.database} (Redis {'on' if report.redis else 'off'}, gunicorn {report.workers}x"
          f"{report.threads}, {report.concurrency} connections) ==")  # fmt: skip
    print(f"  messages sent      {load.sent} in {load.elapsed:.1f}s, errors (non-200 or no answer) {report.errors},"
          f" reconnects {load.reconnects}")  # fmt: skip
    if load.failed:
        print(f"  error kinds        {dict(Counter(load.failed.values()).most_common(5))}")
    print(f"  throughput         {report.rate_achieved:.0f} messages/s (worst whole second {report.worst_second})")
    print(f"  latency ms         p50 {report.latency_ms(50):.1f}  p95 {report.latency_ms(95):.1f}  "
          f"p99 {report.latency_ms(99):.1f}  max {report.latency_ms(100):.1f}")  # fmt: skip
    print(f"  CPU seconds        client {load.cpu:.1f}, gunicorn {cpu.server:.1f}, postgres {cpu.postgres:.1f}, "
          f"redis {cpu.redis:.1f}, anything else {report.other_cpu:.1f}; machine busy {cpu.machine_busy:.1f} of "
          f"{load.elapsed * (os.cpu_count() or 1):.1f} available")  # fmt: skip
    if report.other_cpu > 0.1 * load.elapsed * (os.cpu_count() or 1):
        print("  WARNING            other processes used over 10% of the machine: figures are pessimistic")
    if stored is not None:
        print(f"  database           {stored.messages} messages, {stored.outbox_jobs} outbox jobs; lost {report.lost},"
              f" duplicated {report.duplicated}, errored-but-stored {report.failed_but_stored}")  # fmt: skip
    if report.rq_queued is not None:
        print(f"  Redis              {report.rq_queued} jobs in {RQ_QUEUE_KEY}")
    print(f"  replay             {report.replayed} ids again: {report.replay_failed} not 200, "
          f"{report.replay_new_rows} new rows")  # fmt: skip
    for problem in report.problems:
        print(f"  PROBLEM            {problem}")
    print(f"  target             {'met' if report.meets_target else 'NOT met'} "
          f"(>= {TARGET_RATE:.0f}/s, p99 < {TARGET_P99_MS:.0f} ms, nothing lost)")  # fmt: skip


def figures(r: Report) -> dict[str, Any]:
    """Return the figures print_report shows, as recorded."""
    load, cpu, stored = r.load, r.cpu, r.stored
    return {
        "database": r.database,
        "Redis": r.redis,
        "gunicorn": f"{r.workers}x{r.threads}",
        "connections": r.concurrency,
        "sent": load.sent,
        "load s": round(load.elapsed, 1),
        "errors": r.errors,
        "error kinds": dict(Counter(load.failed.values()).most_common(5)),
        "reconnects": load.reconnects,
        "msg/s": round(r.rate_achieved),
        "worst 1 s": r.worst_second,
        "p50 / p95 / p99 / max ms": [round(r.latency_ms(q), 1) for q in (50, 95, 99, 100)],
        "CPU s client / gunicorn / postgres / redis / other": [
            round(v, 1) for v in (load.cpu, cpu.server, cpu.postgres, cpu.redis, r.other_cpu)
        ],
        "machine busy / available CPU s": [round(cpu.machine_busy, 1), round(load.elapsed * (os.cpu_count() or 1), 1)],
        "stored messages / outbox jobs": None if stored is None else [stored.messages, stored.outbox_jobs],
        "lost / duplicated / errored but stored": [r.lost, r.duplicated, r.failed_but_stored],
        "RQ jobs queued": r.rq_queued,
        "replayed / not 200 / new rows": [r.replayed, r.replay_failed, r.replay_new_rows],
        "problems": [problem.splitlines()[0] for problem in r.problems],
    }


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)  # fmt: skip
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--redis", action=argparse.BooleanOptionalAction, default=True,
                        help=f"hand jobs to Redis ({REDIS_URL}, flushed before and after)")  # fmt: skip
    parser.add_argument("--messages", type=int, default=20_000, help="messages in the measured phase (at most)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds the measured phase may last (at most)")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="messages/s to pace the load at; 0: send each as soon as the last answered")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=1_000, help="messages sent before measuring")
    parser.add_argument("--replay", type=int, default=500, help="acknowledged ids to send again afterwards")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: gateway/gunicorn_conf.py)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (0: gateway/gunicorn_conf.py)")
    parser.add_argument("--gunicorn-config", default=DEFAULT_GUNICORN_CONFIG,
                        help="gunicorn --config value (the Procfile's; another for experiments)")  # fmt: skip
    parser.add_argument("--port", type=int, default=0, help="port for gunicorn on 127.0.0.1 (0: a free one)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one answer")
    record.option(parser)
    args = parser.parse_args(argv)
    if args.messages < 1 or args.concurrency < 1 or args.duration <= 0 or args.warmup < 0 or args.rate < 0:
        parser.error("--messages, --concurrency and --duration must be positive; --warmup and --rate not negative")
    return args


def _terminate(signum: int, _frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt, so the clean-up runs."""
    raise KeyboardInterrupt(f"signal {signum}")


class Outcome(Protocol):
    """What run_benchmark needs of each database's report."""

    problems: list[str]

    @property
    def errors(self) -> int: ...

    @property
    def meets_target(self) -> bool: ...


OutcomeT = TypeVar("OutcomeT", bound=Outcome)


def run_benchmark(
    recorder: record.Recorder,
    args: argparse.Namespace,
    run_one: Callable[[str], OutcomeT],
    show: Callable[[OutcomeT], None],
    figures: Callable[[OutcomeT], dict[str, Any]],
) -> int:
    """Run ``run_one`` for each chosen database (``args.database``), show and record each; return the exit status.

    0: every check passed; 1: something was lost, doubled or failed; 2: setup failed; 130: interrupted (SIGTERM
    too), after each run's own clean-up.
    """
    signal.signal(signal.SIGTERM, _terminate)
    print(f"Machine: {record.describe(recorder.start())}", flush=True)
    reports: list[OutcomeT] = []
    try:
        for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
            recorder.start()
            report = run_one(kind)
            show(report)
            recorder.add(record.params(args, database=kind), figures(report), report.meets_target)
            reports.append(report)
    except SetupError as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted; gunicorn stopped and temporary files removed", file=sys.stderr)
        return 130
    return 1 if any(r.problems or r.errors for r in reports) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for the chosen databases; return the exit status."""
    args = parse_args(argv)
    messages = MessageSet(run=secrets.token_hex(4))
    recorder = record.Recorder("ingest", TARGET, args.record, argv)
    return run_benchmark(recorder, args, lambda kind: run_database(kind, args, messages), print_report, figures)


if __name__ == "__main__":
    sys.exit(main())
