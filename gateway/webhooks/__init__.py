"""Inbound HTTP surfaces, one blueprint each. Africa's Talking signs nothing, so URLs carry a shared secret."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from flask import Response, current_app, request

from gateway.jobs.relay import Batcher
from gateway.runtime import Runtime

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadInput(ValueError):
    """A callback that can never succeed as sent: answered 400 with the reason (create_app), stored nowhere.

    An aggregator retries a 5xx for ever, so whatever the database would refuse is refused here first.
    """


def runtime() -> Runtime:
    """The runtime create_app bound to this app."""
    rt: Runtime = current_app.extensions["gateway"]
    return rt


def batcher() -> Batcher:
    """The per-process batcher that hands committed jobs over without holding up the answer."""
    b: Batcher = current_app.extensions["gateway_batcher"]
    return b


def require_secret() -> Response | None:
    """Refuse (403) a callback whose ``secret`` query parameter is missing or wrong; store nothing."""
    given = request.args.get("secret", "")
    if not hmac.compare_digest(given.encode(), runtime().settings.webhook_secret.encode()):
        return Response("forbidden: wrong or missing secret\n", status=403, mimetype="text/plain")
    return None


def require_form(required: tuple[str, ...]) -> Response | None:
    """Answer 400 with a reason when the body is not a form or lacks a required field."""
    if request.mimetype not in FORM_TYPES:
        return bad_request(f"expected a form-encoded body, got {request.mimetype or 'none'!r}")
    missing = [name for name in required if name not in request.form]
    if missing:
        return bad_request(f"missing field(s): {', '.join(missing)}")
    return None


def form_field(name: str, max_length: int, *, strip_nul: bool = False, fields: Mapping[str, str] | None = None) -> str:
    """A form field that the database can store: at most ``max_length`` characters and no NUL byte (PostgreSQL
    refuses them in text); ``strip_nul`` drops NUL bytes instead, for message text. Missing: empty. ``fields``:
    read from these instead of the form (a callback that comes as a query string, e.g. Kannel's)."""
    value = (request.form if fields is None else fields).get(name, "")
    if "\x00" in value:
        if not strip_nul:
            raise BadInput(f"'{name}' contains a NUL byte")
        value = value.replace("\x00", "")
    if len(value) > max_length:
        raise BadInput(f"'{name}' is longer than {max_length} characters")
    return value


def bad_request(reason: str) -> Response:
    return Response(f"bad request: {reason}\n", status=400, mimetype="text/plain")


def parse_provider_date(raw: str) -> datetime:
    """Read the aggregator's timestamp (``2026-11-23 10:21:36``, ISO 8601, ``Z`` or offset); naive means UTC."""
    text = raw.strip().replace("Z", "+00:00")
    value = datetime.fromisoformat(text)  # raises ValueError on anything else
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 9999-12-31 23:59:59-05:00 lies past the last datetime in UTC
        raise ValueError(f"{raw!r} is out of range") from None
