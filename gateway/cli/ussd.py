"""``gateway ussd``: dial the USSD menu from a terminal, through the real webhook, to train officers and test menus."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable

import click
from flask import Flask

from gateway.cli.common import check_url, local_app, post_webhook, replies_to, settings
from gateway.jobs.relay import Relay
from gateway.phones import mask_phone, normalize_phone
from gateway.runtime import Runtime

Post = Callable[[dict[str, str]], tuple[int, str]]


@click.command("ussd")
@click.option("--phone", required=True, help="The caller's phone, e.g. 081234567890.")
@click.option("--service-code", default="*123#", show_default=True, help="The USSD code dialled.")
@click.option("--url", help="Post to a running gateway (e.g. http://127.0.0.1:8000) instead of in-process.")
@click.option("--timeout", default=15.0, show_default=True, help="Seconds to wait for a report's confirmation SMS.")
def ussd_command(phone: str, service_code: str, url: str | None, timeout: float) -> None:
    """Show each USSD screen and read a key press per line from standard input, until END or end of input."""
    check_url(url)
    config = settings()
    with local_app(config) as (app, rt, relay):
        session_id = f"sim-{uuid.uuid4().hex[:16]}"
        post = _http_post(url, config.webhook_secret) if url else _app_post(app, config.webhook_secret)
        click.echo(f"dialling {service_code} as {mask_phone(normalize_phone(phone) or phone)} (session {session_id}); "
                   "type a key and Enter, Ctrl-D hangs up")  # fmt: skip
        keys: list[str] = []
        while True:
            form = {"sessionId": session_id, "serviceCode": service_code, "phoneNumber": phone,
                    "networkCode": "51010", "text": "*".join(keys)}  # fmt: skip
            status, body = post(form)
            if status != 200:
                click.echo(f"webhook answered {status}: {body.strip()}", err=True)
                sys.exit(1)
            kind, _, text = body.partition(" ")
            click.echo(_framed(text, kind))
            if kind != "CON":
                break
            line = sys.stdin.readline()
            if not line:
                click.echo("(hung up)")
                return
            keys.append(line.strip())
            click.echo(f"> {keys[-1]}")
        _show_confirmation(rt, relay, session_id, timeout)


def _app_post(app: Flask, secret: str) -> Post:
    client = app.test_client()

    def post(form: dict[str, str]) -> tuple[int, str]:
        response = client.post("/webhooks/ussd", query_string={"secret": secret}, data=form)
        return response.status_code, response.get_data(as_text=True)

    return post


def _http_post(url: str, secret: str) -> Post:
    def post(form: dict[str, str]) -> tuple[int, str]:
        return post_webhook(url, "ussd", secret, form)

    return post


def _framed(text: str, kind: str) -> str:
    """The screen as a phone shows it, in a box, with how many of the 182 characters it uses."""
    lines = text.splitlines() or [""]
    width = max(24, *(len(line) for line in lines))
    note = f" {kind} {len(text) + 4}/182 "
    top = "+" + note + "-" * max(0, width + 2 - len(note)) + "+"
    return "\n".join([top, *(f"| {line.ljust(width)} |" for line in lines), "+" + "-" * (width + 2) + "+"])


def _show_confirmation(rt: Runtime, relay: Relay, session_id: str, timeout: float) -> None:
    """After a report, wait for its confirmation SMS (and say where it went), as ``simulate sms`` does."""
    for reply in replies_to(rt, relay, f"ussd:{session_id}", timeout, "confirmation SMS"):
        click.echo(f"SMS to {mask_phone(reply.phone)} [{reply.status}]: {reply.text}")
