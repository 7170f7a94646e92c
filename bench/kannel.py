"""Kannel loop benchmark, side by side in one run: MO -> smsbox get-url -> reply -> MT, first with a constant-reply
app (Kannel's transport alone), then with the gateway behind it (reports parsed, incidents, confirmations through
sendsms with delivery reports), as the Procfile runs it (gunicorn, RQ workers, the relay).

The SMS center is bearerbox's fake SMSC port, driven here directly in its line protocol (``from to text msg``, one
per line, as Kannel's fakesmsc speaks it): every MO comes from its own phone, so each must come back exactly once.
A round trip ends when its MT reaches the SMS center. Prints both rates and their ratio; nothing lost or doubled.

    .venv/bin/python bench/kannel.py --messages 20000
    .venv/bin/python bench/kannel.py --record      # also append the run to bench/results.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ingest
import record

from tests.kannel.harness import PASSWORD, USERNAME, Kannel, wait_until

TARGET_RATIO = 0.5
TARGET = f"gateway loop ≥ {TARGET_RATIO} x Kannel's transport alone, nothing lost or doubled"
REPORT = "LAPOR BANJIR SUKODONO 25 KK"


def phone(n: int) -> str:
    return f"+62812{n:08d}"


class ConstantApp:
    """The smallest HTTP app: every get-url gets the same reply in its body (Kannel sends it as the MT)."""

    def __init__(self) -> None:
        self.port = ingest.free_port()
        self.loop = asyncio.new_event_loop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = b"Laporan diterima. Terima kasih."
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
                if length:
                    await reader.readexactly(length)
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def start(self) -> None:
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=1024))
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.server = server


class SmsCenter:
    """bearerbox's fake SMSC port, spoken to directly: send MO lines, count the MT lines per recipient."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.received: Counter[str] = Counter()
        self.last_at = 0.0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        while chunk := _recv(self.sock):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                parts = line.split(b" ", 2)
                if len(parts) == 3:
                    self.received[parts[1].decode()] += 1
            self.last_at = time.monotonic()

    def send(self, count: int, first: int) -> None:
        lines = b"".join(f"{phone(first + n)} 98123 text {REPORT}\n".encode() for n in range(count))
        self.sock.sendall(lines)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(1 << 16)
    except OSError:  # closed by us at the end
        return b""


def loop(center: SmsCenter, count: int, first: int, timeout: float) -> tuple[float, Counter[str]]:
    """Send ``count`` MO at once and wait for their MT; the round trips per second and what came back."""
    center.received.clear()
    started = time.monotonic()
    center.send(count, first)
    deadline = started + timeout
    while sum(center.received.values()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = (center.last_at or time.monotonic()) - started
    time.sleep(1.0)  # anything doubled arrives now
    return count / elapsed if elapsed > 0 else 0.0, Counter(center.received)


class Cpu:
    """CPU seconds used so far by each part of a loop, read from /proc: the machine may be shared, so a part's
    own seconds per round trip say more than its rate. ``postgres`` counts the backends of the bench's database."""

    def __init__(self, parts: dict[str, list[int]]) -> None:
        self.parts = parts
        self.before = self.take()

    def take(self) -> dict[str, float]:
        used = dict.fromkeys([*self.parts, "postgres"], 0.0)
        for pid, ppid, comm, cpu in ingest._proc_stats():
            for part, pids in self.parts.items():
                if pid in pids or ppid in pids:
                    used[part] += cpu
            if comm == "postgres" and ingest.PG_BENCH_DB in _cmdline(pid):
                used["postgres"] += cpu
        return used

    def per_round_trip(self, count: int) -> dict[str, float]:
        """Milliseconds of CPU per round trip since this was made, by part."""
        now = self.take()
        return {part: round(1000 * (now[part] - self.before[part]) / count, 2) for part in now}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def measure(
    kannel: Kannel, args: argparse.Namespace, parts: dict[str, list[int]]
) -> tuple[float, list[str], dict[str, float]]:
    """A warm-up, then the measured loop, over one connection to the SMS center; with CPU ms per round trip."""
    center = SmsCenter(kannel.ports["modem"])
    parts = {"kannel": [p.pid for p in kannel.processes], **parts}
    try:
        wait_until(lambda: "online" in kannel.status().split("modem[modem]", 1)[-1][:60], what="the SMS center")
        loop(center, args.warmup, 90_000_000, args.timeout)
        cpu = Cpu(parts)
        rate, received = loop(center, args.messages, 0, args.timeout)
        return rate, verdict(received, args.messages, 0), cpu.per_round_trip(args.messages)
    finally:
        center.close()


def start_kannel(folder: Path, url: str, secret: str, replies: bool) -> Kannel:
    """A Kannel whose sms-service calls ``url``; with ``replies``, the HTTP answer is the MT (max-messages 1)."""
    kannel = Kannel(folder, url, secret, replies=1 if replies else 0)
    kannel.start()
    return kannel


def verdict(received: Counter[str], count: int, first: int) -> list[str]:
    """What was lost or doubled."""
    lost = [phone(first + n) for n in range(count) if received[phone(first + n)] == 0]
    doubled = [p for p, n in received.items() if n > 1]
    return [f"{len(lost)} lost"] * bool(lost) + [f"{len(doubled)} doubled"] * bool(doubled)


Measured = tuple[float, list[str], dict[str, float]]  # round trips/s, what was lost or doubled, CPU ms per trip


def transport_alone(args: argparse.Namespace, tmp: Path) -> Measured:
    app = ConstantApp()
    app.start()
    kannel = start_kannel(tmp / "alone", f"http://127.0.0.1:{app.port}", "constant-secret-0123", replies=True)
    try:
        return measure(kannel, args, {"app+center": [os.getpid()]})
    finally:
        kannel.close()


def with_gateway(args: argparse.Namespace, tmp: Path) -> Measured:
    url = f"sqlite:///{tmp / 'gateway.db'}" if args.database == "sqlite" else ingest.prepare_postgres()
    ingest.flush_redis()
    port, secret = ingest.free_port(), "bench-" + secrets.token_urlsafe(18)
    (tmp / "gw").mkdir()
    kannel = start_kannel(tmp / "gw", f"http://127.0.0.1:{port}", secret, replies=False)
    env = ingest.server_env(url, tmp / "var", port, secret, argparse.Namespace(redis=True, workers=0, threads=0))
    env.update(SMS_BACKEND="kannel", KANNEL_SENDSMS_URL=kannel.sendsms_url, KANNEL_USERNAME=USERNAME,
               KANNEL_PASSWORD=PASSWORD, GATEWAY_PUBLIC_URL=f"http://127.0.0.1:{port}",
               REPLY_BUDGET_PER_HOUR="1000000")  # fmt: skip
    gateway = ingest.executable("gateway")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([gateway, "init"], env=env, cwd=ingest.REPO, check=True, capture_output=True)
        web = ingest.start_server(env, tmp / "web.log", ingest.DEFAULT_GUNICORN_CONFIG)
        processes.append(web)
        for name in [f"worker{n}" for n in range(args.workers)] + ["relay"]:
            command = [gateway, "relay"] if name == "relay" else [gateway, "worker"]
            with (tmp / f"{name}.log").open("wb") as log:
                processes.append(subprocess.Popen(command, env=env, cwd=ingest.REPO, stdout=log,
                                                  stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
        ingest.wait_healthy(port, web, tmp / "web.log")
        return measure(kannel, args, {"web": [web.pid], "workers+relay": [p.pid for p in processes[1:]]})
    finally:
        ingest.stop_processes(processes)
        kannel.close()
        with contextlib.suppress(ingest.SetupError):
            ingest.flush_redis()


def cpu_line(cpu: dict[str, float]) -> str:
    return ", ".join(f"{part} {ms:.2f}" for part, ms in cpu.items() if ms) + f"; total {sum(cpu.values()):.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000, help="round trips measured in each loop")
    parser.add_argument("--warmup", type=int, default=500, help="round trips before measuring, in each loop")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--workers", type=int, default=2, help="`gateway worker` processes")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a loop may take")
    record.option(parser)
    args = parser.parse_args(argv)
    recorder = record.Recorder("kannel", TARGET, args.record, argv)
    print(f"Machine: {record.describe(recorder.start())}", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="gateway-kannel-"))
    (tmp / "alone").mkdir()
    try:
        alone, alone_problems, alone_cpu = transport_alone(args, tmp)
        print(f"Kannel alone (constant reply):  {alone:8.0f} round trips/s  {', '.join(alone_problems) or 'all once'}")
        print(f"  CPU ms per round trip: {cpu_line(alone_cpu)}")
        gateway, gateway_problems, gateway_cpu = with_gateway(args, tmp)
        print(f"Kannel + gateway ({args.database}):  {gateway:8.0f} round trips/s  "
              f"{', '.join(gateway_problems) or 'all once'}")  # fmt: skip
        print(f"  CPU ms per round trip: {cpu_line(gateway_cpu)}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ratio = gateway / alone if alone else 0.0
    met = ratio >= TARGET_RATIO and not alone_problems and not gateway_problems
    print(f"ratio: {ratio:.2f}  (target ≥ {TARGET_RATIO})  {'met' if met else 'NOT met'}")
    figures: dict[str, Any] = {"kannel_alone_per_s": round(alone), "with_gateway_per_s": round(gateway),
                               "ratio": round(ratio, 3), "problems": alone_problems + gateway_problems,
                               "cpu_ms_alone": alone_cpu, "cpu_ms_gateway": gateway_cpu}  # fmt: skip
    recorder.add(record.params(args), figures, met)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
