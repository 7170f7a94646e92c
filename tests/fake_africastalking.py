"""A local HTTP server that speaks Africa's Talking's SMS API, for the provider tests and benchmarks."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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

    def answer(self, headers: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, object] | str]:
        self.requests.append(form)
        if headers.get("apikey") != self.api_key or form.get("username") != self.username:
            return 401, "The supplied authentication is invalid"
        if self.http_errors:
            return self.http_errors.popleft(), "Service Unavailable"
        code = self.script.popleft() if self.script else 101
        number = form.get("to", "")
        accepted = code < 200
        recipient: dict[str, object] = {
            "statusCode": code,
            "number": number,
            "status": STATUS_NAMES.get(code, "?"),
            "cost": "IDR 350.0000" if accepted else "0",
            "messageId": f"ATXid_{len(self.requests):06d}" if accepted else "None",
        }
        return 201, {"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: IDR 350", "Recipients": [recipient]}}


@contextmanager
def serve_fake(fake: FakeAfricasTalking) -> Iterator[FakeAfricasTalking]:
    """Run ``fake`` on 127.0.0.1 on a free port; ``fake.url`` is its /version1 base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            if self.path != "/version1/messaging":
                status, payload = 404, "Not Found"
            else:
                status, payload = fake.answer(headers, form)
            if fake.hold is not None and len(fake.requests) > fake.hold_after:
                fake.hold.wait(timeout=60)
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

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/version1"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
