"""The message log on the desk: inbound or outbound SMS, newest first, a page at a time, filtered by status and phone.

Paging is by the primary key (keyset): a page is ``id < before ORDER BY id DESC LIMIT n + 1``, so the page after a
million messages costs what the first does, and nothing counts or offsets through the whole table. The filters ride
existing indexes: the phone filter ``ix_inbound_messages_phone`` and ``ix_outbound_messages_phone_created`` (its
leading column), the status filter ``ix_outbound_messages_status_next`` (its leading column).

Who sees what: a coordinator and a viewer see every message; only a coordinator may see a number in full, one row at
a time and audited. An **agency** user sees its own officers' traffic: outbound SMS to, and inbound SMS from, the
phones on its agency's roster (alerts, digests, and the officers' OK / SELESAI answers). Reporters' and households'
messages are not an agency's to read here: it meets reporters through the incidents it was dispatched to, masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.roles import Actor
from gateway.db import utcnow
from gateway.models import InboundMessage, Officer, OutboundMessage, OutboundStatus
from gateway.phones import normalize_phone
from gateway.sms.text import count_segments, encoding_of

KINDS = ("inbound", "outbound")
STATUSES = tuple(status.value for status in OutboundStatus)
PAGE = 50
MAX_ID = 2**63 - 1  # a BIGINT's ceiling: larger ``before`` values are refused, not sent to the database


class FilterError(ValueError):
    """A filter value the log cannot use: ``field`` names it, ``value`` is what came."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"bad {field}: {value!r}")
        self.field, self.value = field, value


@dataclass(frozen=True)
class LogFilter:
    """Which messages: inbound or outbound, a status (outbound only), one phone (E.164), older than ``before``."""

    kind: str = "inbound"
    status: str | None = None
    phone: str | None = None
    before: int | None = None
    limit: int = PAGE


@dataclass(frozen=True)
class LogRow:
    """One message as the log shows it; ``phone`` in full (the page masks it unless the reader may unmask)."""

    id: int
    at: datetime
    phone: str
    text: str
    status: str
    segments: int
    encoding: str
    attempts: int | None  # outbound only
    in_doubt: bool
    detail: str  # inbound: the intent or problem; outbound: the template and the last error


@dataclass(frozen=True)
class LogPage:
    filter: LogFilter
    rows: list[LogRow]
    next_before: int | None  # the ``before`` of the next (older) page, None on the last page


def log_filter(args: Mapping[str, str]) -> LogFilter:
    """The filter from a query string (``kind``, ``status``, ``phone``, ``before``); FilterError for a bad value."""
    kind = args.get("kind") or "inbound"
    if kind not in KINDS:
        raise FilterError("kind", kind)
    status = args.get("status") or None
    if status is not None and (kind != "outbound" or status not in STATUSES):
        raise FilterError("status", status)
    raw_phone = (args.get("phone") or "").strip()
    phone = normalize_phone(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        raise FilterError("phone", raw_phone)
    raw_before = (args.get("before") or "").strip()
    if raw_before and not (raw_before.isdigit() and 0 < int(raw_before) <= MAX_ID):
        raise FilterError("before", raw_before)
    return LogFilter(kind=kind, status=status, phone=phone, before=int(raw_before) if raw_before else None)


def agency_phones(session: Session, agency: str | None) -> list[str]:
    """The phones on an agency's roster (on duty or not: their past messages stay theirs)."""
    return list(session.scalars(select(Officer.phone).where(Officer.agency == agency).distinct()))


def message_log(session: Session, actor: Actor, wanted: LogFilter) -> LogPage:
    """One page of the log as ``actor`` may see it, newest first."""
    scope = agency_phones(session, actor.agency) if actor.role == "agency" else None
    if scope is not None and (not scope or (wanted.phone is not None and wanted.phone not in scope)):
        return LogPage(wanted, [], None)
    rows = _outbound(session, wanted, scope) if wanted.kind == "outbound" else _inbound(session, wanted, scope)
    more = len(rows) > wanted.limit
    rows = rows[: wanted.limit]
    return LogPage(wanted, rows, rows[-1].id if more else None)


def message_row(session: Session, actor: Actor, kind: str, message_id: int) -> LogRow | None:
    """One message, if it exists and ``actor`` may see it."""
    found = message_log(session, actor, LogFilter(kind=kind, before=message_id + 1, limit=1)).rows
    return found[0] if found and found[0].id == message_id else None


def page_with(page: LogPage, row: LogRow) -> LogPage:
    """``page`` with ``row`` on it: the row a reader acted on stays in view even if newer messages pushed it off."""
    if any(r.id == row.id for r in page.rows):
        return page
    return replace(page, rows=sorted([*page.rows, row], key=lambda r: r.id, reverse=True))


def _inbound(session: Session, wanted: LogFilter, scope: list[str] | None) -> list[LogRow]:
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(wanted.limit + 1)
    if wanted.before is not None:
        query = query.where(InboundMessage.id < wanted.before)
    if wanted.phone is not None:
        query = query.where(InboundMessage.phone == wanted.phone)
    elif scope is not None:
        query = query.where(InboundMessage.phone.in_(scope))
    return [_inbound_row(m) for m in session.scalars(query)]


def _outbound(session: Session, wanted: LogFilter, scope: list[str] | None) -> list[LogRow]:
    query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(wanted.limit + 1)
    if wanted.before is not None:
        query = query.where(OutboundMessage.id < wanted.before)
    if wanted.status is not None:
        query = query.where(OutboundMessage.status == wanted.status)
    if wanted.phone is not None:
        query = query.where(OutboundMessage.phone == wanted.phone)
    elif scope is not None:
        query = query.where(OutboundMessage.phone.in_(scope))
    now = utcnow()
    return [_outbound_row(m, now) for m in session.scalars(query)]


def _inbound_row(m: InboundMessage) -> LogRow:
    return LogRow(
        id=m.id, at=m.received_at, phone=m.phone, text=m.text,
        status=m.problem or ("processed" if m.processed_at else "pending"),
        segments=count_segments(m.text), encoding=encoding_of(m.text), attempts=None, in_doubt=False,
        detail=m.intent or "",
    )  # fmt: skip


def _outbound_row(m: OutboundMessage, now: datetime) -> LogRow:
    return LogRow(
        id=m.id, at=m.created_at, phone=m.phone, text=m.text, status=m.status, segments=m.segments,
        encoding=m.encoding, attempts=m.attempts, in_doubt=_in_doubt(m, now),
        detail=" · ".join(part for part in (m.template, m.last_error or "") if part),
    )  # fmt: skip


def _in_doubt(message: OutboundMessage, now: datetime) -> bool:
    """In doubt as /healthz counts it (gateway.sms.queue.in_doubt): marked so, or sending with its lease lapsed."""
    if message.status == OutboundStatus.IN_DOUBT:
        return True
    lease = message.lease_until
    return message.status == OutboundStatus.SENDING and lease is not None and lease < now
