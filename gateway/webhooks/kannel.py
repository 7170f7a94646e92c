"""Kannel's callbacks: ``/webhooks/kannel``, an SMS from a phone (smsbox's get-url, GET or POST), and
``/webhooks/kannel/dlr``, the delivery report of an SMS we sent through sendsms (its dlr-url).

The SMS text comes as Kannel's ``%b``: the message's bytes, url-encoded, with ``coding`` (0 GSM-7 or 8-bit
text, 2 UCS-2) and ``charset`` (``UTF-8``, ``UTF-16BE``) saying how to read them, so an emoji or a name in
Arabic script arrives intact. ``id`` is Kannel's UUID for the message: a replay stores nothing twice.
"""

from __future__ import annotations

import codecs
import logging
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request
from sqlalchemy import select

from gateway.db import utcnow
from gateway.models import OutboundMessage, OutboundStatus
from gateway.phones import normalize_phone
from gateway.webhooks import FORM_TYPES, bad_request, form_field, require_secret, runtime
from gateway.webhooks.delivery import FINAL
from gateway.webhooks.sms import MAX_ID, MAX_TEXT, keep

log = logging.getLogger(__name__)

bp = Blueprint("kannel", __name__)
bp.before_request(require_secret)

UCS2 = "2"
# Kannel's delivery report types (%d), what each is called, and what it makes of our row (None: on its way).
DLR_TYPES: dict[int, tuple[str, OutboundStatus | None]] = {
    1: ("delivered", OutboundStatus.DELIVERED),
    2: ("failed", OutboundStatus.FAILED),
    4: ("buffered", None),
    8: ("accepted by the SMSC", None),
    16: ("rejected by the SMSC", OutboundStatus.FAILED),
}


def raw_params() -> dict[str, bytes]:
    """The query string and a form body, as bytes: Kannel's ``%b`` is binary (UTF-16BE for UCS-2)."""
    raw = request.query_string
    if request.method == "POST" and request.mimetype in FORM_TYPES[:1]:
        raw += b"&" + request.get_data()
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    return {name: value.encode("latin-1") for name, value in pairs}


def read_text(data: bytes, coding: str, charset: str) -> str:
    """The SMS text from Kannel's bytes: UCS-2 as UTF-16BE, anything else by its charset (UTF-8 if unknown)."""
    encoding = "utf-16-be" if coding == UCS2 else charset or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")


@bp.route("/webhooks/kannel", methods=["GET", "POST"])
def inbound_kannel() -> Response:
    """Store the message and its job like every inbound SMS; answer an empty body (replies go out by sendsms)."""
    raw = raw_params()
    missing = [name for name in ("from", "text", "id") if name not in raw]
    if missing:
        return bad_request(f"missing field(s): {', '.join(missing)}")
    fields = {name: value.decode("utf-8", errors="replace") for name, value in raw.items() if name != "text"}
    phone = normalize_phone(form_field("from", MAX_ID, fields=fields))
    if phone is None:
        return bad_request("'from' is not a valid phone number")
    provider_id = form_field("id", MAX_TEXT, fields=fields).strip()
    if not provider_id or len(provider_id) > MAX_ID:
        return bad_request(f"'id' must be 1 to {MAX_ID} characters")
    coding, charset = form_field("coding", MAX_ID, fields=fields), form_field("charset", MAX_ID, fields=fields)
    text = form_field("text", MAX_TEXT, strip_nul=True, fields={"text": read_text(raw["text"], coding, charset)})
    stamp = form_field("ts", MAX_ID, fields=fields).strip()
    try:
        sent_at = datetime.fromtimestamp(int(stamp), UTC) if stamp else None
    except (ValueError, OverflowError, OSError):
        return bad_request("'ts' is not a Unix time")
    return keep({
        "provider_id": provider_id,
        "phone": phone,
        "to": form_field("to", MAX_ID, fields=fields)[:30],
        "text": text,
        "link_id": None,
        "sent_at": sent_at,
        "received_at": utcnow(),
    })  # fmt: skip


@bp.route("/webhooks/kannel/dlr", methods=["GET", "POST"])
def kannel_dlr() -> Response:
    """Move our message along its lifecycle; unknown ids, types and links get 200 so Kannel stops retrying.

    The report carries our own outbound id, so it settles a message in doubt too (Kannel took it after all), and
    the link that sent it, so a report from another link changes nothing.
    """
    fields = {name: value.decode("utf-8", errors="replace") for name, value in raw_params().items()}
    ref, kind = form_field("id", MAX_ID, fields=fields).strip(), form_field("status", MAX_ID, fields=fields).strip()
    link = form_field("link", MAX_ID, fields=fields).strip()
    answer = form_field("answer", MAX_TEXT, strip_nul=True, fields=fields).strip()[:200]
    if not ref.isdigit() or not kind.isdigit() or int(kind) not in DLR_TYPES:
        log.warning("Kannel delivery report with id %r and status %r; ignored", ref[:40], kind[:40])
        return Response("", status=200)
    name, new_status = DLR_TYPES[int(kind)]
    now = utcnow()
    with runtime().db.session() as session:
        message = session.scalar(select(OutboundMessage).where(OutboundMessage.id == int(ref)).with_for_update())
        if message is None or message.status in FINAL:  # unknown, or a late report never undoes a final state
            return Response("", status=200)
        unsettled = message.status in (OutboundStatus.SENDING, OutboundStatus.QUEUED)
        if unsettled and new_status == OutboundStatus.FAILED:
            # Being offered, or waiting for a retry: a link that refused it reports a failure too (Kannel's NACK),
            # and the refusal itself is recorded by the sender. Only a report that a link has it counts now.
            log.info("Kannel failure report for outbound %s from %s while it is not sent; ignored", ref, link)
            return Response("", status=200)
        if link and not unsettled and message.provider not in (None, link):
            log.warning("Kannel delivery report for outbound %s from %s, which did not send it; ignored", ref, link)
            return Response("", status=200)
        message.delivery_status = name
        if link:
            message.provider = link
        if message.status in (OutboundStatus.IN_DOUBT, OutboundStatus.QUEUED):
            # Kannel had it after all (an answer lost, an alert queued once more after its doubt): sent, once
            message.status, message.last_error, message.lease_until = OutboundStatus.SENT, None, None
        message.sent_at = message.sent_at or now
        if new_status is not None:
            message.status = new_status
            if new_status == OutboundStatus.DELIVERED:
                message.delivered_at = now
            else:
                message.last_error = f"{name}: {answer}" if answer else name
    return Response("", status=200)
