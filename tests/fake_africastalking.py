"""A local HTTP server that speaks Africa's Talking's SMS API, for the provider tests and benchmarks.

In a test: ``with serve_fake(FakeAfricasTalking(...)) as fake``. As a process of its own (bench/faults.py), its
behaviour switched over HTTP while it runs::

    python tests/fake_africastalking.py --port 9000 [--username U --api-key K]
    curl -X POST localhost:9000/_fake/set -d '{"delay": 3}'      # also content_type, http_errors, script,
                                                                 # hold (true/false), hold_after, refuse (seconds)
    curl localhost:9000/_fake/counts                             # requests, and SMS taken, per phone
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

STATUS_NAMES = {100: "Processed", 101: "Success", 102: "Queued", 401: "RiskHold", 402: "InvalidSenderId",
                403: "InvalidPhoneNumber", 405: "InsufficientBalance", 406: "UserInBlacklist",
                500: "InternalServerError", 501: "GatewayError", 502: "RejectedByGateway"}  # fmt: skip


@dataclass
class FakeAfricasTalking:
    """Answers POST /version1/messaging; ``script`` holds the next status codes (101 once it runs out).

    A code below 200 or in 4xx/5xx of the recipient table is a per-recipient statusCode inside a 201 answer;
    ``http_errors`` holds whole-request HTTP failures (e.g. 503) to answer before the script.
    """

    api_key: str = "test-api-key"
    username: str = "gateway-test"
    script: deque[int] = field(default_factory=deque)
    http_errors: deque[int] = field(default_factory=deque)
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    delay: float = 0.0  # seconds to wait before answering: a slow provider
    content_type: str = "application/json"  # of a JSON answer; providers add parameters (`; charset=utf-8`)
    hold: threading.Event | None = None  # when set up, answers after the first `hold_after` wait until it is set
    hold_after: int = 0
    accepted: Counter[str] = field(default_factory=Counter)  # SMS taken (a 1xx status in a 201), per recipient
    holding: int = 0  # requests held right now (see ``hold``)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def per_phone(self) -> Counter[str]:
        """Requests received per recipient: every attempt, whatever it was answered."""
        return Counter(request.get("to", "") for request in list(self.requests))

    def answer(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, object] | str]:
        self.requests.append(form)
        if headers.get("apikey") != self.api_key or form.get("username") != self.username:
            return 401, "The supplied authentication is invalid"
        if self.http_errors:
            return self.http_errors.popleft(), "Service Unavailable"
        code = self.script.popleft() if self.script else 101
        number = form.get("to", "")
        accepted = code < 200
        if accepted:
            with self._lock:
                self.accepted[number] += 1
        recipient: dict[str, object] = {
            "statusCode": code,
            "number": number,
            "status": STATUS_NAMES.get(code, "?"),
            "cost": "IDR 350.0000" if accepted else "0",
            "messageId": f"ATXid_{len(self.requests):06d}" if accepted else "None",
        }
        return 201, {"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: IDR 350", "Recipients": [recipient]}}


def handler(fake: FakeAfricasTalking, control: Standalone | None = None) -> type[BaseHTTPRequestHandler]:
    """The request handler of ``fake``; with ``control``, it also answers /_fake/ (see ``Standalone``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            if control is not None and self.path.startswith("/_fake/"):
                self._control(body)
                return
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            payload: dict[str, object] | str
            if self.path != "/version1/messaging":
                status, payload = 404, "Not Found"
            else:
                status, payload = fake.answer(headers, form)
            hold = fake.hold  # read once: a control request may release it meanwhile
            if hold is not None and len(fake.requests) > fake.hold_after:
                with fake._lock:
                    fake.holding += 1
                try:
                    hold.wait(timeout=60)
                finally:
                    with fake._lock:
                        fake.holding -= 1
            if fake.delay:
                time.sleep(fake.delay)  # the provider being slow is what is tested
            data = json.dumps(payload).encode() if isinstance(payload, dict) else payload.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", fake.content_type if isinstance(payload, dict) else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout under test): its answer goes nowhere

        def do_GET(self) -> None:
            if control is not None and self.path.startswith("/_fake/"):
                self._control("")
            else:
                self.send_error(404)

        def _control(self, body: str) -> None:
            assert control is not None
            try:
                status, answer = control.handle(self.command, self.path, json.loads(body) if body else {})
            except (ValueError, TypeError) as error:
                status, answer = 400, {"error": str(error)}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@contextmanager
def serve_fake(fake: FakeAfricasTalking) -> Iterator[FakeAfricasTalking]:
    """Run ``fake`` on 127.0.0.1 on a free port; ``fake.url`` is its /version1 base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(fake))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/version1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


class Standalone:
    """``fake`` served on a fixed port, its behaviour switched over HTTP while it runs:

    - ``GET /_fake/counts``: ``{"requests": n, "holding": n, "requests_by_phone": {...}, "accepted": {...}}``
      (``accepted``: SMS the provider took, per recipient, whether or not the client was still there to hear it);
    - ``POST /_fake/set`` with a JSON object of any of ``delay``, ``content_type``, ``http_errors`` (a list of
      statuses, e.g. ``[500, 500]``; ``[]`` ends them), ``script``, ``hold`` (true: answers after ``hold_after``
      requests wait; false: release them all), ``hold_after`` (a request count), ``refuse`` (seconds during
      which connections are refused: the listener is closed, then opened again on the same port).
    """

    def __init__(self, fake: FakeAfricasTalking, host: str, port: int) -> None:
        self.fake = fake
        self.address = (host, port)
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()
        fake.url = f"http://{host}:{port}/version1"

    def start(self) -> None:
        server = ThreadingHTTPServer(self.address, handler(self.fake, self))
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        with self._lock:
            self._server = server

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def refuse(self, seconds: float) -> None:
        """Close the listener for ``seconds`` (bounded to a minute): connections are refused meanwhile."""

        def outage() -> None:
            self.stop()
            time.sleep(min(max(seconds, 0.0), 60.0))
            self.start()

        threading.Thread(target=outage, name="refuse", daemon=True).start()

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fake = self.fake
        if method == "GET" and path == "/_fake/counts":
            with fake._lock:
                accepted, holding = dict(fake.accepted), fake.holding
            return 200, {"requests": len(fake.requests), "holding": holding,
                         "requests_by_phone": dict(fake.per_phone()), "accepted": accepted}  # fmt: skip
        if method != "POST" or path != "/_fake/set":
            return 404, {"error": f"no {method} {path}"}
        if "delay" in body:
            fake.delay = float(body["delay"])
        if "content_type" in body:
            fake.content_type = str(body["content_type"])
        if "http_errors" in body:
            fake.http_errors = deque(int(code) for code in body["http_errors"])
        if "script" in body:
            fake.script = deque(int(code) for code in body["script"])
        if "hold_after" in body:
            fake.hold_after = int(body["hold_after"])
        if body.get("hold") is True:
            fake.hold = threading.Event()
        elif body.get("hold") is False and fake.hold is not None:
            held, fake.hold = fake.hold, None
            held.set()
        if "refuse" in body:
            self.refuse(float(body["refuse"]))
        return 200, {"ok": True}


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a fake on ``--port`` until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description="A local server speaking Africa's Talking's SMS API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--username", default=FakeAfricasTalking.username)
    parser.add_argument("--api-key", default=FakeAfricasTalking.api_key)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--content-type", default=FakeAfricasTalking.content_type)
    args = parser.parse_args(argv)
    fake = FakeAfricasTalking(api_key=args.api_key, username=args.username, delay=args.delay,
                              content_type=args.content_type)  # fmt: skip
    served = Standalone(fake, args.host, args.port)
    served.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"fake Africa's Talking on {fake.url}", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if fake.hold is not None:
            fake.hold.set()
        served.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
