"""Trying messages from a terminal: ``simulate sms`` through the real webhook, and ``parse``."""

from __future__ import annotations

import json
import sys
import time
import uuid

import click

from gateway.cli.common import check_url, local_app, post_webhook, replies_to, settings


@click.group()
def simulate() -> None:
    """Send a message through the real webhook, as the aggregator would, and print the replies."""


@simulate.command("sms")
@click.option("--from", "sender", required=True, help="Sender's phone, e.g. 081234567890.")
@click.option("--to", "shortcode", default="98123", show_default=True, help="Our short code or number.")
@click.option("--url", help="Post to a running gateway (e.g. http://127.0.0.1:8000) instead of in-process.")
@click.option("--timeout", default=15.0, show_default=True, help="Seconds to wait for the replies.")
@click.argument("text")
def simulate_sms(sender: str, shortcode: str, url: str | None, timeout: float, text: str) -> None:
    """Post TEXT from --from to /webhooks/sms and print each reply SMS (phones masked, as in any output to share)."""
    from gateway.phones import mask_phone

    check_url(url)
    config = settings()
    provider_id = f"sim-{uuid.uuid4().hex[:16]}"
    form = {"from": sender, "to": shortcode, "text": text, "id": provider_id,
            "date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}  # fmt: skip
    with local_app(config) as (app, rt, relay):
        if url:
            status, body = post_webhook(url, "sms", config.webhook_secret, form)
        else:
            result = app.test_client().post("/webhooks/sms", query_string={"secret": config.webhook_secret}, data=form)
            status, body = result.status_code, result.get_data(as_text=True)
        click.echo(f"webhook answered {status}{': ' + body.strip() if body.strip() else ''}")
        if status != 200:
            sys.exit(1)
        for reply in replies_to(rt, relay, provider_id, timeout, "reply"):
            click.echo(f"reply to {mask_phone(reply.phone)} [{reply.status}, {reply.segments} segment(s), "
                       f"{reply.encoding}]:")  # fmt: skip
            click.echo(f"  {reply.text}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message (the parse contract).")
@click.argument("text", required=False)
def parse(as_json: bool, text: str | None) -> None:
    """Parse TEXT, or each line of standard input, as an SMS to this gateway's region."""
    from gateway.parsers import load_region
    from gateway.parsers import parse as parse_text

    config = settings()
    try:
        region = load_region(config.gateway_region)
    except ValueError as error:
        raise click.ClickException(f"GATEWAY_REGION: {error}") from None
    lines = [text] if text is not None else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        result = parse_text(line, region)
        contract = result.to_contract()
        if as_json:
            click.echo(json.dumps(contract, ensure_ascii=False))
        else:
            fields = ", ".join(f"{k}={v}" for k, v in contract.items() if v not in (None, [], ()))
            click.echo(f"{line!r}: {fields}" + (f" (problem: {result.problem})" if result.problem else ""))
