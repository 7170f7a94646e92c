"""The fault suite: the gateway's real processes under real faults, counted from the provider's side.

Each fault gets a stack of its own, on its own loopback ports, as the Procfile runs it: a private PostgreSQL
cluster (copied from one template cluster that ``gateway init`` migrated and ``gateway import officers`` filled),
a private ``redis-server``, the fake Africa's Talking (``tests/fake_africastalking.py``, a process whose behaviour
is switched over HTTP), then gunicorn, ``gateway worker`` and ``gateway relay`` with SMS_BACKEND=africastalking.
A burst of inbound SMS goes through ``POST /webhooks/sms`` (a unique id and phone each; mostly ``INFO``, one in
five a report ``LAPOR BANJIR SUKODONO 25 KK``: either way exactly one reply to the sender, and officers' alerts
go to other phones). The fault starts a third of the way into the burst and ends at two thirds; then the suite
waits (bounded) until the pipeline has drained and counts:

- acked: answered 200 by the webhook;        stored: of those, in ``inbound_messages``;
- replied: senders the provider took at least one SMS for;
- lost: acknowledged, yet no SMS taken for the sender and none in doubt;
- doubled: senders the provider took more than one SMS for;
- in doubt: outbound rows ``in_doubt``, or ``sending`` past their lease (handed over, no answer recorded);
- alerts: SMS taken for officers.

Faults: ``redis`` (Redis stopped, then started again, empty), ``worker-kill`` (``kill -9`` of the worker while
the provider holds its request), ``read-timeout`` (the provider answers after SMS_TIMEOUT_SECONDS), ``charset``
(201 with ``Content-Type: application/json; charset=utf-8``), ``worker-and-database`` (the busy worker killed and
PostgreSQL stopped), ``database`` (PostgreSQL stopped: the webhook spools and answers 200), ``provider-errors``
(HTTP 500s, then refused connections). Only loopback traffic; every wait is bounded; every process, cluster and
temporary folder the suite starts or makes is stopped or removed at the end.

    .venv/bin/python bench/faults.py                    # every fault, one after the other
    .venv/bin/python bench/faults.py --short            # CI: fewer messages, shorter outages, all faults at once
    .venv/bin/python bench/faults.py --only database --messages 1000 --outage 10
    .venv/bin/python bench/faults.py --record           # also append each fault's row to bench/results.jsonl

Exit status: 0 when no fault lost or doubled anything, 1 otherwise, 2 when a stack could not be set up, 130 when
interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest
import pipeline
import record

REPO = ingest.REPO
HOST = ingest.HOST
FAKE = REPO / "tests" / "fake_africastalking.py"
AT_USERNAME = "faults-bench"
AT_API_KEY = "faults-" + secrets.token_hex(8)
REPORT = "LAPOR BANJIR SUKODONO 25 KK"
REPORT_EVERY = 5  # one message in five is a report (one reply, and officers alerted); the others are INFO
TARGET = "0 lost and 0 doubled under every fault (an SMS in doubt is counted and shown, never resent)"
CHARSET = "application/json; charset=utf-8"
QUIET = 15.0  # seconds with nothing waiting anywhere: what is still missing is not coming
SLOW_STOP = 5.0  # seconds: a process slower than this to stop at the end is named
WORKER_STOP = 3.0  # seconds an idle `gateway worker` gets to exit on SIGTERM at the end before it is killed


class SetupError(RuntimeError):
    """A stack could not be prepared or started."""


# --------------------------------------------------------------------------------------------- small parts


def wait_for(done: Callable[[], bool], what: str, timeout: float, every: float = 0.1) -> None:
    """Poll ``done`` until it is true; SetupError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SetupError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def quietly(check: Callable[[], bool]) -> Callable[[], bool]:
    """``check``, False instead of an exception (a server still starting)."""

    def run() -> bool:
        try:
            return check()
        except Exception:
            return False

    return run


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports on loopback that nobody listens on right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL to its process group (each was started in a session of its own): ours only.
    Return whether it had to be killed."""
    if process is None or process.poll() is not None:
        return False
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
        return False
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
        return True


def spawn(command: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in a session of its own, its output appended to ``log``, in the gateway's source folder."""
    with log.open("ab") as out:
        return subprocess.Popen(list(command), env=env, cwd=env.get("PYTHONPATH", "").split(os.pathsep)[0] or REPO,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def pg_binary(name: str) -> str:
    """A PostgreSQL server binary: the newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    path = found[-1] if found else shutil.which(name)
    if not path:
        raise SetupError(f"{name} not found (PostgreSQL's server binaries)")
    return path


class Cluster:
    """A private PostgreSQL cluster in ``folder`` on ``port`` that the suite can stop and start.

    As root, its files belong to ``postgres`` and its binaries run as that user (PostgreSQL refuses root).
    """

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.url = f"postgresql://postgres@{HOST}:{port}/gateway"
        self.started = False

    def _run(self, *command: str, timeout: float = 60.0) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise SetupError(f"{' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}\n{self.log_tail()}")

    def make_folder(self) -> None:
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    def initdb(self) -> None:
        self.make_folder()
        self._run(pg_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")  # fmt: skip

    def copy_from(self, template: Cluster) -> None:
        """This cluster's data: a copy of a stopped template's (files, owner and modes)."""
        self.make_folder()
        done = subprocess.run(["cp", "-a", str(template.data), str(self.data)], capture_output=True, text=True)
        if done.returncode:
            raise SetupError(f"copying the template cluster failed: {done.stderr}")

    def configure(self) -> None:
        """Its own port and socket folder, loopback only; later lines of postgresql.conf win."""
        lines = [f"port = {self.port}", f"unix_socket_directories = '{self.folder}'", f"listen_addresses = '{HOST}'",
                 "shared_buffers = 32MB", "max_connections = 120", "logging_collector = off"]  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# bench/faults.py\n" + "\n".join(lines) + "\n")

    def start(self) -> None:
        self._run(pg_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w",
                  "-t", "60", "start")  # fmt: skip
        self.started = True

    def stop(self, mode: str = "fast") -> None:
        """``fast``: a clean stop; ``immediate``: the server goes away at once, as in a crash."""
        self._run(pg_binary("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.started = False

    def close(self) -> None:
        """Stop it if it runs, by force if need be (the postmaster's pid from its own pid file)."""
        pid_file = self.data / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            self.stop("immediate")
        except (SetupError, subprocess.TimeoutExpired):
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

    def log_tail(self) -> str:
        return ingest.tail(self.folder / "postgres.log", 10)


class Redis:
    """A private redis-server on ``port`` that keeps nothing on disk: stopped and started again, it is empty."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"redis://{HOST}:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SetupError("redis-server is not installed")
        command = [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
                   "--dir", str(self.folder)]  # fmt: skip
        self.process = spawn(command, dict(os.environ), self.folder / "redis.log")
        wait_for(quietly(lambda: self.client().ping() is True), "redis-server to answer", 10)

    def client(self) -> Any:
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


class Provider:
    """The fake Africa's Talking as a process, switched over HTTP (see tests/fake_africastalking.py)."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.url = f"http://{HOST}:{port}/version1"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, str(FAKE), "--port", str(self.port), "--username", AT_USERNAME,
                   "--api-key", AT_API_KEY]  # fmt: skip
        self.process = spawn(command, dict(os.environ), self.folder / "fake.log")
        wait_for(quietly(lambda: "requests" in self.counts()), "the fake provider to answer", 10)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None)
            answer: dict[str, Any] = json.loads(conn.getresponse().read())
            return answer
        finally:
            conn.close()

    def counts(self) -> dict[str, Any]:
        return self._call("GET", "/_fake/counts")

    def set(self, **changes: Any) -> None:
        self._call("POST", "/_fake/set", changes)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.set(hold=False)  # let held requests go, so it stops at once
        stop_process(self.process)
        self.process = None


# --------------------------------------------------------------------------------------------- a stack


@dataclass(frozen=True)
class Messages(ingest.MessageSet):
    """Message ``n`` of one fault: its own provider id and its own phone (``prefix`` keeps faults apart)."""

    prefix: int = 0

    def phone(self, n: int) -> str:
        return f"0812{self.prefix:02d}{n:06d}"

    def text(self, n: int) -> str:
        return REPORT if n % REPORT_EVERY == 0 else "INFO"

    def body(self, n: int) -> bytes:
        fields = {"from": self.phone(n), "to": "98123", "text": self.text(n), "date": "2026-11-23 10:21:36",
                  "id": self.provider_id(n)}  # fmt: skip
        return urlencode(fields).encode()


SOURCE: list[Path] = []  # --source: the gateway's code comes from there (first on PYTHONPATH, the processes' cwd)


def base_env() -> dict[str, str]:
    """This process's environment without anything that could point the gateway elsewhere."""
    own = ("REDIS_URL", "DATABASE_URL", "SMS_", "AT_", "WEB_", "WEBHOOK_", "GATEWAY_", "ACCESS_LOG", "PORT", "HOST",
           "RELAY_", "ROUTING_", "AID_", "DEFAULT_LANGUAGE", "PYTHONPATH")  # fmt: skip
    env = {key: value for key, value in os.environ.items() if not key.startswith(own)}
    if SOURCE:
        env["PYTHONPATH"] = str(SOURCE[0])
    return env


class Stack:
    """One fault's processes: PostgreSQL, Redis, the fake provider, gunicorn, a worker and the relay."""

    def __init__(self, name: str, folder: Path, args: argparse.Namespace) -> None:
        self.name, self.folder, self.args = name, folder, args
        pg_port, redis_port, fake_port, self.port = free_ports(4)
        self.cluster = Cluster(folder / "pg", pg_port)
        self.redis = Redis(folder, redis_port)
        self.provider = Provider(folder, fake_port)
        self.secret = "faults-" + secrets.token_urlsafe(18)
        self.env = {**base_env(), "DATABASE_URL": self.cluster.url, "REDIS_URL": self.redis.url,
                    "WEBHOOK_SECRET": self.secret, "GATEWAY_VAR_DIR": str(folder / "var"), "HOST": HOST,
                    "PORT": str(self.port), "SMS_BACKEND": "africastalking", "AT_USERNAME": AT_USERNAME,
                    "AT_API_KEY": AT_API_KEY, "AT_API_URL": self.provider.url,
                    "SMS_TIMEOUT_SECONDS": str(args.sms_timeout)}  # fmt: skip
        if args.web_workers:
            self.env["WEB_CONCURRENCY"] = str(args.web_workers)
        # gunicorn's control socket defaults to one path per user: each stack's gunicorn gets its own
        self.env["GUNICORN_CMD_ARGS"] = f"--control-socket {folder / 'gunicorn.ctl'}"
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.relay: subprocess.Popen[bytes] | None = None
        self.workers_started = 0
        self.ignored_sigterm = False  # the worker had to be killed at the end: SIGTERM did not stop it
        self.slow_stops: list[str] = []  # processes that took over SLOW_STOP seconds to stop at the end
        self.notes: list[str] = []
        self.after: list[Callable[[], str]] = []  # notes to take once drained: what the fault did

    def start(self, template: Cluster) -> None:
        self.folder.mkdir(parents=True)
        self.folder.chmod(0o755)  # the postgres user reaches its cluster below
        self.cluster.copy_from(template)
        self.cluster.configure()
        self.cluster.start()
        self.redis.start()
        self.provider.start()
        command = [ingest.executable("gunicorn"), "--config", ingest.DEFAULT_GUNICORN_CONFIG, "gateway:create_app()"]
        self.web = spawn(command, self.env, self.folder / "web.log")  # as the Procfile runs it
        # The worker, then the relay: each command brings the schema up to date as it starts, and two doing it
        # at once race (the template was migrated with the code of the suite's start; it may have moved since).
        self.start_worker()
        self.start_relay()
        ingest.wait_healthy(self.port, self.web, self.folder / "web.log")

    def start_relay(self) -> None:
        log = self.folder / "relay.log"
        self.relay = relay = spawn([ingest.executable("gateway"), "relay"], self.env, log)

        def running() -> bool:
            if relay.poll() is not None:
                raise SetupError(f"gateway relay exited with {relay.returncode}:\n{ingest.tail(log)}")
            return "relay running" in log.read_text(errors="replace")

        wait_for(running, "gateway relay to start", 60)

    def start_worker(self) -> None:
        """Start ``gateway worker`` (again: as its supervisor would) and wait until it listens on the queue."""
        self.workers_started += 1
        log = self.folder / f"worker-{self.workers_started}.log"
        self.worker = worker = spawn([ingest.executable("gateway"), "worker"], self.env, log)

        def listening() -> bool:
            if worker.poll() is not None:
                raise SetupError(f"gateway worker exited with {worker.returncode}:\n{ingest.tail(log)}")
            from rq import Queue, Worker

            conn = self.redis.client()
            try:
                return any(w.pid == worker.pid for w in Worker.all(queue=Queue("gateway", connection=conn)))
            finally:
                conn.close()

        deadline = time.monotonic() + 60
        while True:  # bounded: a worker that does not come up in a minute is a setup failure
            with contextlib.suppress(Exception):
                if listening():
                    return
            if worker.poll() is not None:
                raise SetupError(f"gateway worker exited with {worker.returncode}:\n{ingest.tail(log)}")
            if time.monotonic() > deadline:
                raise SetupError(f"gateway worker not listening after 60s:\n{ingest.tail(log)}")
            time.sleep(0.1)

    def kill_worker(self) -> None:
        """``kill -9`` the worker: no clean-up of any kind."""
        assert self.worker is not None
        with contextlib.suppress(ProcessLookupError):
            self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=10)

    def close(self) -> None:
        """Stop everything this stack started, gateway processes first."""
        steps: list[tuple[str, Callable[[], object]]] = [
            ("gunicorn", lambda: stop_process(self.web, timeout=25)),  # its workers finish their requests
            ("worker", self._stop_worker),
            ("relay", lambda: stop_process(self.relay)),
            ("fake provider", self.provider.stop),
            ("redis", self.redis.stop),
            ("postgresql", self.cluster.close),
        ]
        for name, step in steps:
            began = time.monotonic()
            with contextlib.suppress(Exception):
                step()
            if time.monotonic() - began > SLOW_STOP:
                self.slow_stops.append(f"{name} {time.monotonic() - began:.0f}s")

    def _stop_worker(self) -> None:
        """SIGTERM, as a process manager stops it; an idle worker should be gone at once."""
        if stop_process(self.worker, timeout=WORKER_STOP):
            self.ignored_sigterm = True

    def died(self) -> list[str]:
        """Gateway processes that exited on their own (a killed worker is replaced, not counted)."""
        gone = []
        for name, process in (("gunicorn", self.web), ("worker", self.worker), ("relay", self.relay)):
            if process is not None and process.poll() is not None:
                gone.append(f"{name} exited with {process.returncode}")
        return gone

    # ----------------------------------------------------------------------------------------- looking

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.cluster.url, connect_timeout=3, autocommit=True) as conn:
            return list(conn.execute(sql, params or {}).fetchall())

    def retried(self) -> int:
        return int(self.query("SELECT count(*) FROM outbound_messages WHERE attempts > 1")[0][0])

    def spooled(self) -> int:
        folder = self.folder / "var" / "spool"
        return sum(
            sum(1 for line in path.read_bytes().splitlines() if line.strip())
            for path in folder.glob("*.jsonl")
            if path.is_file()
        )

    def backlog(self) -> dict[str, int]:
        """What still waits: spooled reports, unprocessed ones, unfinished jobs, SMS not handed over."""
        (row,) = self.query(
            "SELECT (SELECT count(*) FROM inbound_messages),"
            " (SELECT count(*) FROM inbound_messages WHERE processed_at IS NULL),"
            " (SELECT count(*) FROM outbox_jobs WHERE status IN ('pending', 'running')),"
            " (SELECT count(*) FROM outbound_messages WHERE status = 'queued'),"
            " (SELECT count(*) FROM outbound_messages WHERE status = 'sending'"
            "    AND lease_until >= now() AT TIME ZONE 'UTC')"
        )
        stored, unprocessed, jobs, queued, sending = (int(v) for v in row)
        return {"spooled": self.spooled(), "stored": stored, "unprocessed": unprocessed, "jobs": jobs,
                "queued SMS": queued, "SMS sending": sending}  # fmt: skip


class Burst(threading.Thread):
    """Posts ``count`` messages at ``rate``/s through the webhook in a thread, so a fault can happen meanwhile."""

    def __init__(self, stack: Stack, messages: Messages, count: int, rate: float) -> None:
        super().__init__(name=f"burst-{stack.name}", daemon=True)
        self.client = ingest.Client(stack.port, stack.secret, messages, timeout=10.0)
        self.count, self.rate = count, rate
        self.result = ingest.LoadResult()
        self.begun = threading.Event()
        self.t0 = 0.0

    def run(self) -> None:
        import asyncio

        self.t0 = time.monotonic()
        self.begun.set()
        duration = self.count / self.rate + 30  # a bound: every message is sent well before it
        # bench/ingest.py's paced client, driven here with our own result, which the fault watches as it fills
        asyncio.run(self.client._drive(range(self.count), 4, duration, self.rate, self.result))

    def at(self, seconds: float) -> None:
        """Sleep until ``seconds`` after the burst began."""
        self.begun.wait(timeout=30)
        time.sleep(max(0.0, self.t0 + seconds - time.monotonic()))


# --------------------------------------------------------------------------------------------- the faults

Cause = Callable[[Stack, Burst, float], None]


def redis_outage(stack: Stack, burst: Burst, outage: float) -> None:
    burst.at(outage)
    stack.redis.stop()
    burst.at(2 * outage)
    stack.redis.start()


def worker_killed_mid_send(stack: Stack, burst: Burst, outage: float) -> None:
    burst.at(outage)
    stack.provider.set(hold=True, hold_after=stack.provider.counts()["requests"])  # every request from now waits
    try:
        wait_for(lambda: stack.provider.counts()["holding"] > 0, "the worker to be inside a send", 15)
    except SetupError:
        stack.notes.append("no send was held: the worker was killed between sends")
    stack.kill_worker()
    time.sleep(0.5)
    stack.provider.set(hold=False)
    time.sleep(0.5)  # its supervisor restarts it
    stack.start_worker()


def read_timeout(stack: Stack, burst: Burst, outage: float) -> None:
    burst.at(outage)
    stack.provider.set(delay=stack.args.sms_timeout + 1)
    burst.at(2 * outage)
    stack.provider.set(delay=0)


def charset(stack: Stack, burst: Burst, outage: float) -> None:
    stack.provider.set(content_type=CHARSET)  # every answer of the burst
    burst.at(3 * outage)
    burst.join(timeout=60)
    stack.provider.set(content_type="application/json")


def worker_and_database(stack: Stack, burst: Burst, outage: float) -> None:
    burst.at(outage)
    stack.provider.set(delay=0.5)  # a slow provider keeps the worker busy, mostly inside a send
    burst.at(outage + 1.0)
    stack.kill_worker()
    stack.cluster.stop("immediate")
    burst.at(2 * outage + 1.0)
    stack.notes.append(f"{stack.spooled()} reports spooled by the webhook while PostgreSQL was down")
    stack.cluster.start()
    stack.provider.set(delay=0)
    stack.start_worker()


def database_outage(stack: Stack, burst: Burst, outage: float) -> None:
    burst.at(outage)
    stack.cluster.stop("immediate")
    burst.at(2 * outage)
    stack.notes.append(f"{stack.spooled()} reports spooled by the webhook while PostgreSQL was down")
    stack.cluster.start()


def provider_errors(stack: Stack, burst: Burst, outage: float) -> None:
    burst.at(outage)
    stack.provider.set(http_errors=[500] * 10_000)
    burst.at(2 * outage)
    stack.provider.set(http_errors=[], refuse=outage)  # then connections refused until the burst ends
    stack.after.append(lambda: f"{stack.retried()} SMS sent on a later attempt")


@dataclass(frozen=True)
class Fault:
    name: str
    title: str  # {o}: the outage in seconds
    cause: Cause


FAULTS = (
    Fault("redis", "Redis stopped {o:g}s mid-burst, restarted empty", redis_outage),
    Fault("worker-kill", "kill -9 of the worker inside a held send", worker_killed_mid_send),
    Fault("read-timeout", "provider answers after the read timeout for {o:g}s", read_timeout),
    Fault("charset", "201 with Content-Type: application/json; charset=utf-8", charset),
    Fault("worker-and-database", "busy worker killed + PostgreSQL stopped {o:g}s", worker_and_database),
    Fault("database", "PostgreSQL stopped {o:g}s mid-burst", database_outage),
    Fault("provider-errors", "provider 500s {o:g}s, then refuses connections {o:g}s", provider_errors),
)


# --------------------------------------------------------------------------------------------- one fault


@dataclass
class Row:
    number: int
    fault: str
    title: str
    messages: int = 0
    acked: int = 0
    stored: int = 0
    replied: int = 0
    lost: int = 0
    doubled: int = 0
    in_doubt: int = 0
    alerts: int = 0
    setup_s: float = 0.0
    drain_s: float = 0.0
    wall_s: float = 0.0
    teardown_s: float = 0.0
    drained: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.doubled == 0 and self.messages > 0


def normalized(phone: str) -> str:
    """The E.164 form the gateway stores and sends to of the suite's own national numbers (0812…)."""
    return "+62" + phone[1:]


def run_fault(number: int, fault: Fault, args: argparse.Namespace, template: Cluster, root: Path,
              stacks: list[Stack]) -> Row:  # fmt: skip
    """Start a stack, burst, fault, drain, count; always stop the stack."""
    began = time.monotonic()
    outage = args.outage
    row = Row(number, fault.name, fault.title.format(o=outage))
    stack = Stack(fault.name, root / fault.name, args)
    stacks.append(stack)
    try:
        stack.start(template)
        row.setup_s = time.monotonic() - began
        messages = Messages(run=secrets.token_hex(3), prefix=number)
        burst = Burst(stack, messages, args.messages, args.messages / (3 * outage))
        burst.start()
        fault.cause(stack, burst, outage)
        burst.join(timeout=3 * outage + 60)
        load_done = time.monotonic()
        row.drained, waiting = drain(stack, burst, args.drain_timeout)
        row.drain_s = time.monotonic() - load_done
        count(row, stack, messages, burst.result)
        if not row.drained:
            row.notes.append(f"not drained after {row.drain_s:.0f}s: {waiting}")
        row.notes += stack.notes + [note() for note in stack.after] + stack.died()
        if not row.ok:
            row.notes += explain(stack, messages, burst.result)
        return row
    finally:
        row.wall_s = time.monotonic() - began
        stack.close()
        row.teardown_s = time.monotonic() - began - row.wall_s
        if not args.keep:
            shutil.rmtree(stack.folder, ignore_errors=True)


def drain(stack: Stack, burst: Burst, timeout: float) -> tuple[bool, dict[str, int] | str]:
    """Wait (bounded) until every acknowledged message is stored and nothing waits; (drained, what waits).

    Nothing waiting anywhere for QUIET seconds while acknowledged messages are still missing: they will not come.
    """
    acked = len(burst.result.ok)
    deadline = time.monotonic() + timeout
    waiting: dict[str, int] | str = "nothing read yet"
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        try:
            waiting = stack.backlog()
        except Exception as error:  # the database still starting: look again
            waiting, quiet_since = f"database: {type(error).__name__}", None
        else:
            if not any(v for k, v in waiting.items() if k != "stored"):
                if waiting["stored"] >= acked:
                    return True, waiting
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > QUIET:
                    return False, {**waiting, "acknowledged": acked}
            else:
                quiet_since = None
        time.sleep(0.5)
    return False, waiting


def count(row: Row, stack: Stack, messages: Messages, load: ingest.LoadResult) -> None:
    """The row's figures, from the provider's counts and the database."""
    sent = range(load.sent)
    phones = {n: normalized(messages.phone(n)) for n in sent}
    acked = sorted(load.ok)
    residents = set(phones.values())
    taken: Counter[str] = Counter(stack.provider.counts()["accepted"])
    stored_ids = {r[0] for r in stack.query("SELECT provider_id FROM inbound_messages")}
    doubt = stack.query(
        "SELECT phone FROM outbound_messages WHERE status = 'in_doubt'"
        " OR (status = 'sending' AND lease_until < now() AT TIME ZONE 'UTC')"
    )
    doubt_phones = {r[0] for r in doubt}
    row.messages = load.sent
    row.acked = len(acked)
    row.stored = sum(1 for n in acked if messages.provider_id(n) in stored_ids)
    row.replied = sum(1 for n in acked if taken[phones[n]] >= 1)
    row.lost = sum(1 for n in acked if taken[phones[n]] == 0 and phones[n] not in doubt_phones)
    row.doubled = sum(1 for phone in residents if taken[phone] > 1)
    row.in_doubt = len(doubt)
    row.alerts = sum(n for phone, n in taken.items() if phone not in residents)
    if load.failed:
        kinds = Counter(load.failed.values()).most_common(3)
        row.notes.append(f"{len(load.failed)} webhook requests not answered 200: {dict(kinds)}")


def explain(stack: Stack, messages: Messages, load: ingest.LoadResult) -> list[str]:
    """For a row that lost or doubled: what the database says of a few of those senders, and the logs' last
    errors, to find the cause."""
    taken: Counter[str] = Counter(stack.provider.counts()["accepted"])
    asked: Counter[str] = Counter(stack.provider.counts()["requests_by_phone"])
    odd = [n for n in sorted(load.ok) if taken[normalized(messages.phone(n))] != 1][:5]
    lines = []
    for n in odd:
        phone = normalized(messages.phone(n))
        rows = stack.query(
            "SELECT i.provider_id, i.processed_at IS NOT NULL, o.id, o.status, o.attempts, o.last_error"
            " FROM inbound_messages i LEFT JOIN outbound_messages o ON o.inbound_id = i.id WHERE i.phone = %(p)s",
            {"p": phone},
        )
        lines.append(f"{phone}: provider took {taken[phone]} of {asked[phone]} requests; database {rows or 'none'}")
    for log in ("relay.log", *(f"worker-{i}.log" for i in range(1, stack.workers_started + 1))):
        errors = [line for line in ingest.tail(stack.folder / log, 400).splitlines() if "rror" in line][-3:]
        lines += [f"{log}: {line[:200]}" for line in errors]
    return lines


# --------------------------------------------------------------------------------------------- the suite


def prepare_template(root: Path) -> Cluster:
    """A cluster with the database migrated and the officers imported, stopped: each stack starts from a copy."""
    template = Cluster(root / "template" / "pg", free_ports(1)[0])
    template.initdb()
    template.configure()
    template.start()
    try:
        import psycopg

        with psycopg.connect(template.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute("CREATE DATABASE gateway")
        env = {**base_env(), "DATABASE_URL": template.url, "GATEWAY_VAR_DIR": str(root / "template" / "var"),
               "WEBHOOK_SECRET": "faults-template-secret-0123"}  # fmt: skip
        roster = root / "template" / "officers.csv"
        pipeline.write_roster(roster)
        gateway = ingest.executable("gateway")
        for command in (["init"], ["import", "officers", str(roster)]):
            done = subprocess.run([gateway, *command], env=env, cwd=SOURCE[0] if SOURCE else REPO,
                                  capture_output=True, text=True, timeout=120)  # fmt: skip
            if done.returncode:
                raise SetupError(f"gateway {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    finally:
        template.stop()
    return template


def print_table(rows: Sequence[Row]) -> None:
    head = ("#", "fault", "msgs", "acked", "stored", "replied", "lost", "doubled", "in doubt", "alerts",
            "drain s", "wall s")  # fmt: skip
    width = max([len("fault"), *(len(r.title) for r in rows)])
    print(f"{head[0]:>1} {head[1]:<{width}} " + " ".join(f"{h:>8}" for h in head[2:]))
    for r in rows:
        figures = (r.messages, r.acked, r.stored, r.replied, r.lost, r.doubled, r.in_doubt, r.alerts)
        print(f"{r.number} {r.title:<{width}} " + " ".join(f"{v:>8}" for v in figures)
              + f" {r.drain_s:>8.1f} {r.wall_s:>8.1f}" + ("" if r.ok else "   <- LOST OR DOUBLED"))  # fmt: skip
        for note in r.notes:
            print(f"  {'':<{width}} {note}")


def figures(r: Row) -> dict[str, Any]:
    return {"fault": f"{r.number} {r.title}", "messages": r.messages, "acked": r.acked, "stored": r.stored,
            "replied": r.replied, "lost": r.lost, "doubled": r.doubled, "in doubt": r.in_doubt, "alerts": r.alerts,
            "drain s": round(r.drain_s, 1), "wall s": round(r.wall_s, 1),
            "notes": [note.splitlines()[0] for note in r.notes]}  # fmt: skip


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n", 1)[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)  # fmt: skip
    names = [f.name for f in FAULTS]
    parser.add_argument("--short", action="store_true",
                        help="CI: 60 messages per fault, 2 s outages, every fault at once")  # fmt: skip
    parser.add_argument("--messages", type=int, help="inbound SMS per fault (default 400; --short 60)")
    parser.add_argument("--outage", type=float,
                        help="seconds each fault lasts; the burst lasts 3x (default 5; --short 2)")  # fmt: skip
    parser.add_argument("--only", action="append", choices=[*names, *map(str, range(1, len(FAULTS) + 1))],
                        metavar="FAULT",
                        help=f"run only this fault (repeatable): {', '.join(names)} or 1-7")  # fmt: skip
    parser.add_argument("--jobs", type=int, help="faults run at once, each on its own stack (default 1; --short all)")
    parser.add_argument("--sms-timeout", type=float, default=2.0, help="SMS_TIMEOUT_SECONDS of the gateway")
    parser.add_argument("--web-workers", type=int,
                        help="gunicorn workers per stack (default the Procfile's; --short 1)")  # fmt: skip
    parser.add_argument("--drain-timeout", type=float,
                        help="seconds to wait for a fault's backlog (default 150; --short 75)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the stacks' folders (logs) for a look afterwards")
    parser.add_argument("--source", type=Path,
                        help="run the gateway's code from this folder (e.g. `git archive HEAD | tar -x -C DIR`) "
                             "instead of this working tree")  # fmt: skip
    record.option(parser)
    args = parser.parse_args(argv)
    short = args.short
    args.messages = args.messages or (60 if short else 400)
    args.outage = args.outage or (2.0 if short else 5.0)
    args.jobs = args.jobs or (len(FAULTS) if short else 1)
    args.web_workers = args.web_workers if args.web_workers is not None else (1 if short else 0)
    args.drain_timeout = args.drain_timeout or (75.0 if short else 150.0)
    if not 0 < args.messages < 1_000_000 or args.outage <= 0 or args.jobs < 1 or args.sms_timeout <= 0:
        parser.error("--messages (below a million: one phone each), --outage, --jobs, --sms-timeout: positive")
    return args


def chosen(args: argparse.Namespace) -> list[tuple[int, Fault]]:
    wanted = set(args.only or [])
    return [(n, f) for n, f in enumerate(FAULTS, 1) if not wanted or f.name in wanted or str(n) in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.source:
        SOURCE[:] = [args.source.resolve()]
    signal.signal(signal.SIGTERM, ingest._terminate)
    recorder = record.Recorder("faults", TARGET, args.record, argv)
    print(f"Machine: {record.describe(recorder.start())}", flush=True)
    faults = chosen(args)
    print(f"{len(faults)} fault(s), {args.messages} SMS each, outages {args.outage:g}s, {args.jobs} at once, "
          f"SMS_TIMEOUT_SECONDS={args.sms_timeout:g}", flush=True)  # fmt: skip
    began = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="gateway-faults-"))
    root.chmod(0o755)
    stacks: list[Stack] = []
    template: Cluster | None = None
    rows: dict[int, Row] = {}
    errors: list[str] = []
    try:
        template = prepare_template(root)
        pending = list(faults)
        running: dict[int, threading.Thread] = {}

        def one(number: int, fault: Fault) -> None:
            try:
                rows[number] = run_fault(number, fault, args, template, root, stacks)
                r = rows[number]
                print(f"  done: {number} {fault.name}: lost {r.lost}, doubled {r.doubled}, in doubt {r.in_doubt} "
                      f"({r.setup_s:.0f}s setup, {r.wall_s:.0f}s until counted, {r.teardown_s:.0f}s teardown)",
                      flush=True)  # fmt: skip
            except Exception as error:  # a stack that would not start: reported, the others go on
                errors.append(f"{fault.name}: {type(error).__name__}: {error}")

        limit = time.monotonic() + len(faults) * (args.drain_timeout + 9 * args.outage + 240)
        while (pending or running) and time.monotonic() < limit:  # bounded: each fault's own waits are bounded
            while pending and len(running) < args.jobs:
                number, fault = pending.pop(0)
                running[number] = threading.Thread(target=one, args=(number, fault), daemon=True)
                running[number].start()
            for number in [n for n, t in running.items() if not t.is_alive()]:
                del running[number]
            time.sleep(0.2)
        if running:
            errors.append(f"faults {sorted(running)} did not finish in time")
    except KeyboardInterrupt:
        print("\ninterrupted; stopping every process the suite started", file=sys.stderr)
        return 130
    except SetupError as error:
        print(f"setup failed: {error}", file=sys.stderr)
        return 2
    finally:
        for stack in stacks:
            stack.close()
        if template is not None:
            template.close()
        if args.keep:
            print(f"stacks' folders kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    ordered = [rows[n] for n, _ in faults if n in rows]
    print()
    print_table(ordered)
    print(f"\nwhole run {time.monotonic() - began:.0f}s; lost {sum(r.lost for r in ordered)}, doubled "
          f"{sum(r.doubled for r in ordered)}, in doubt {sum(r.in_doubt for r in ordered)}")  # fmt: skip
    deaf = [stack.name for stack in stacks if stack.ignored_sigterm]
    if deaf:
        print(f"note: `gateway worker` did not exit on SIGTERM within {WORKER_STOP:g}s (killed) in: {', '.join(deaf)}")
    slow = [f"{stack.name}: {', '.join(stack.slow_stops)}" for stack in stacks if stack.slow_stops]
    if slow:
        print(f"note: slow to stop on SIGTERM at the end: {'; '.join(slow)}")
    for r in ordered:
        recorder.add(record.params(args, fault=r.fault, source=str(args.source or "")), figures(r), r.ok)
    for problem in errors:
        print(f"PROBLEM {problem}", file=sys.stderr)
    if errors:
        return 2
    return 0 if all(r.ok for r in ordered) else 1


if __name__ == "__main__":
    sys.exit(main())
