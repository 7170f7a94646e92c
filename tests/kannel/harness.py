"""A real Kannel for the tests: bearerbox and smsbox on free ports, fakesmsc (kannel-extras) as the SMS center,
and the gateway served over real HTTP so that smsbox's get-url and the delivery reports reach it.

Each process is started here and stopped by its PID. Kannel missing is a failure that says so, never a skip.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import requests
from werkzeug.serving import BaseWSGIServer, make_server

from tests.faults import processes

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
INSTALL = "apt-get install kannel kannel-extras (.ci/run does)"
USERNAME, PASSWORD = "gateway", "sendsms-pass-0123"
GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


def require_kannel() -> None:
    """Fail, saying what to install, when Kannel or fakesmsc is not on this machine."""
    missing = [str(path) for path in (BEARERBOX, SMSBOX, FAKESMSC) if not path.exists()]
    if missing:
        raise RuntimeError(f"Kannel is not installed ({', '.join(missing)} missing): {INSTALL}")


def wait_until(check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    """Poll ``check`` until it returns something true; fail naming ``what`` after ``timeout`` seconds."""
    return processes.wait_until(check, what, timeout)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop one process we started, by its PID: TERM, then KILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class SwappableApp:
    """A WSGI app whose target each test sets: one HTTP server (and one Kannel) for a module of tests."""

    def __init__(self) -> None:
        self.target: Any = None
        self.requests: list[str] = []  # every path and query Kannel called, to replay them

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.requests.append(f"{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}")
        if self.target is None:  # a late callback for a test that is over: taken, so Kannel stops
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        return self.target(environ, start_response)

    def wait_quiet(self, quiet: float = 0.4, timeout: float = 5.0) -> None:
        """Wait until Kannel has stopped calling (its last delivery reports), so none reaches the next test."""
        deadline = time.monotonic() + timeout
        seen = -1
        while len(self.requests) != seen and time.monotonic() < deadline:
            seen = len(self.requests)
            time.sleep(quiet)


@dataclass
class GatewayServer:
    """The gateway's web app on a real port, in a thread."""

    app: SwappableApp = field(default_factory=SwappableApp)
    port: int = field(default_factory=processes.free_port)
    server: BaseWSGIServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class Kannel:
    """bearerbox + smsbox with fake SMS centers, one per smsc-id, each routing only its own smsc-id."""

    folder: Path
    gateway_url: str
    secret: str
    smscs: tuple[str, ...] = ("modem",)
    backup: bool = False  # the later SMS centers also take the first's smsc-id while it is offline
    replies: int = 0  # get-url answers sent back as SMS (0: none, the gateway replies through sendsms)
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['sendsms']}/cgi-bin/sendsms"

    def config(self) -> str:
        p, f = self.ports, self.folder
        get_url = (f"{self.gateway_url}/webhooks/kannel?secret={self.secret}&from=%p&to=%P&text=%b&coding=%c"
                   "&charset=%C&id=%I&ts=%T&smsc=%i")  # fmt: skip
        groups = [
            f'group = core\nadmin-port = {p["admin"]}\nadmin-password = admin-pass\nsmsbox-port = {p["smsbox"]}\n'
            f'box-allow-ip = "127.0.0.1"\nlog-file = "{f}/bearerbox.log"\nlog-level = 1\nstore-type = file\n'
            f'store-location = "{f}/kannel.store"\ndlr-storage = internal\n',
            *(f'group = smsc\nsmsc = fake\nsmsc-id = {smsc}\nallowed-smsc-id = "{self._allowed(smsc)}"\n'
              f'preferred-smsc-id = {smsc}\nport = {p[smsc]}\nconnect-allow-ip = "127.0.0.1"\nreconnect-delay = 1\n'
              for smsc in self.smscs),
            f'group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = {p["smsbox"]}\nsendsms-port = '
            f'{p["sendsms"]}\nlog-file = "{f}/smsbox.log"\nlog-level = 1\nhttp-request-retry = 100\n'
            "http-queue-delay = 1\n",
            f"group = sendsms-user\nusername = {USERNAME}\npassword = {PASSWORD}\ndefault-sender = 98123\n"
            f"concatenation = true\nmax-messages = 10\ndefault-smsc = {self.smscs[0]}\n",
            f'group = sms-service\nkeyword = default\ncatch-all = true\nget-url = "{get_url}"\n'
            f"max-messages = {self.replies}\nomit-empty = true\n",
        ]  # fmt: skip
        return "\n".join(groups)

    def _allowed(self, smsc: str) -> str:
        first = self.smscs[0]
        return f"{first};{smsc}" if self.backup and smsc != first else smsc

    def start(self) -> None:
        require_kannel()
        self.ports = {name: processes.free_port() for name in ("admin", "smsbox", "sendsms", *self.smscs)}
        (self.folder / "kannel.conf").write_text(self.config())
        self._boot()

    def _boot(self) -> None:
        conf = self.folder / "kannel.conf"
        self._spawn([str(BEARERBOX), str(conf)], "bearerbox")
        wait_until(lambda: _listening(self.ports["smsbox"]), what="bearerbox's smsbox port")
        self._spawn([str(SMSBOX), str(conf)], "smsbox")
        wait_until(lambda: _listening(self.ports["sendsms"]), what="smsbox's sendsms port")

    def restart(self) -> None:
        """Stop bearerbox and smsbox and start them again on the same ports and store file (an operator's restart)."""
        self.close()
        self._boot()

    def smsc_state(self, smsc: str) -> str:
        """The status line of one SMS center (``online``, ``connecting``, ``re-connecting``...), '' if not listed."""
        line = next((line for line in self.status().splitlines() if f"{smsc}[{smsc}]" in line), "")
        return line.split("(", 1)[-1].split(" ", 1)[0] if line else ""

    def stored(self) -> int:
        """How many SMS bearerbox's store holds (``store size`` in its status)."""
        found = re.search(r"store size (\d+)", self.status())
        return int(found.group(1)) if found else 0

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.out").open("ab") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def status(self) -> str:
        url = f"http://127.0.0.1:{self.ports['admin']}/status.txt"
        return requests.get(url, params={"password": "admin-pass"}, timeout=5).text

    def close(self) -> None:
        for process in reversed(self.processes):
            stop(process)
        self.processes.clear()


@dataclass(frozen=True)
class Mt:
    """One SMS that reached the fake SMS center: sender, recipient, and its text (UCS-2 and parts decoded)."""

    sender: str
    to: str
    kind: str
    text: str


class FakeSmsc:
    """Kannel's fakesmsc on one smsc's port: sends ``mo`` lines (``from to text|ucs2 data``), records what
    comes back. Stopped by its PID."""

    def __init__(self, kannel: Kannel, smsc: str, mo: Iterable[str] = ()) -> None:
        self.kannel, self.smsc = kannel, smsc
        self.log = kannel.folder / f"fakesmsc-{smsc}-{time.monotonic_ns()}.out"
        lines = list(mo)
        args = [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(kannel.ports[smsc]), "-i", "0.05", "-m", str(len(lines))]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([*args, *lines] if lines else [*args, "0 0 text idle"], stdout=out,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
        wait_until(lambda: f"{smsc}[{smsc}]" in kannel.status() and "online" in self._line(), what=f"{smsc} online")

    def _line(self) -> str:
        return next((line for line in self.kannel.status().splitlines() if f"{self.smsc}[{self.smsc}]" in line), "")

    def received(self) -> list[Mt]:
        """Every SMS that reached this SMS center, long ones joined from their parts."""
        found: list[Mt] = []
        for line in self.log.read_text(errors="replace").splitlines():
            match = GOT.search(line)
            if match is None:
                continue
            sender, to, kind, data = match.groups()
            if kind == "ucs-2":
                found.append(Mt(sender, to, kind, unquote_to_bytes(data).decode("utf-16-be")))
            elif kind == "udh":  # one part of a long SMS: "<udh> data <text>"
                udh, _, text = data.partition(" data ")
                part = unquote_to_bytes(udh)
                if part[-1] > 1 and found and found[-1].to == to:
                    found[-1] = Mt(sender, to, kind, found[-1].text + text)
                else:
                    found.append(Mt(sender, to, kind, text))
            else:
                found.append(Mt(sender, to, kind, data))
        return found

    def to(self, phone: str) -> list[str]:
        return [mt.text for mt in self.received() if mt.to == phone]

    def close(self) -> None:
        stop(self.process)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
