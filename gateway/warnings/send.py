"""Send a warning: check its text, choose its recipients in SQL, queue their SMS chunk by chunk; status, cancel.

Each chunk is one transaction of three set-based statements (messages, their ids on the recipients, the send
jobs), so a crash or a re-run with the same key resumes at the first chunk not queued and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, case, func, insert, literal, select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import UTCDateTime, utcnow
from gateway.jobs.kinds import SEND_WARNING
from gateway.models import EarlyWarning, OutboundMessage, OutboundStatus, OutboxJob, OutboxStatus, WarningRecipient
from gateway.parsers import Region
from gateway.sms.templates import LANGUAGES, render
from gateway.sms.text import SmsText, encoding_of, to_gsm7
from gateway.warnings.areas import Areas
from gateway.warnings.recipients import allowed, recipients

LEVELS: dict[str, tuple[str, str]] = {
    "waspada": ("WASPADA", "WASPADA (advisory)"),
    "siaga": ("SIAGA", "SIAGA (warning)"),
    "awas": ("AWAS", "AWAS (danger)"),
}
MAX_SEGMENTS = 2
CHUNK = 5000  # recipients queued per transaction
TEMPLATE = "early_warning"


class WarningError(ValueError):
    """A warning that cannot go out as asked: its text is too long or not GSM-7, or its key was used otherwise."""


def render_warning(region: Region, level: str, text: str) -> dict[str, SmsText]:
    """The warning in each language, as its recipients will read it."""
    return {language: render(TEMPLATE, language, level=LEVELS[level][language == "en"], region=region.name,
                             text=" ".join(text.split())) for language in LANGUAGES}  # fmt: skip


def check_text(region: Region, level: str, text: str) -> dict[str, SmsText]:
    """The warning in each language; WarningError when it is empty, not GSM-7, or longer than MAX_SEGMENTS."""
    if not text.strip():
        raise WarningError("the warning text is empty")
    foreign = sorted({char for char in to_gsm7(text) if encoding_of(char) != "GSM-7"})
    if foreign:
        raise WarningError(f"the text has characters outside GSM-7 ({''.join(foreign)}): they would cut an SMS "
                           "to 70 characters; write them without")  # fmt: skip
    rendered = render_warning(region, level, text)
    worst = max(sms.segments for sms in rendered.values())
    if worst > MAX_SEGMENTS:
        cut = next(n for n in range(1, len(text) + 1) if _fits(render_warning(region, level, text[:-n])))
        raise WarningError(f"the warning needs {worst} SMS segments; at most {MAX_SEGMENTS} are sent: cut {cut} "
                           f"characters (the text may be {len(text) - cut} long)")  # fmt: skip
    return rendered


def _fits(rendered: Mapping[str, SmsText]) -> bool:
    return max(sms.segments for sms in rendered.values()) <= MAX_SEGMENTS


@dataclass(frozen=True)
class Plan:
    """What a warning will cost: recipients per language, segments per message, the estimated price."""

    by_language: Mapping[str, int]
    segments: Mapping[str, int]
    price_per_segment: int

    @property
    def recipients(self) -> int:
        return sum(self.by_language.values())

    @property
    def total_segments(self) -> int:
        return sum(count * self.segments[language] for language, count in self.by_language.items())

    @property
    def cost(self) -> int:
        return self.total_segments * self.price_per_segment


def plan(session: Session, settings: Settings, areas: Areas, texts: Mapping[str, SmsText]) -> Plan:
    """Count the recipients a warning to ``areas`` would have now, by language (the dry run)."""
    chosen = recipients(settings, areas).subquery()
    rows = session.execute(select(chosen.c.language, func.count()).group_by(chosen.c.language)).all()
    counts = {str(language): int(count) for language, count in rows}
    by_language = {language: counts.get(language, 0) for language in LANGUAGES}
    segments = {language: sms.segments for language, sms in texts.items()}
    return Plan(by_language, segments, settings.warning_price_per_segment)


def start_warning(
    session: Session, settings: Settings, areas: Areas, level: str, text: str, by: str, key: str | None
) -> EarlyWarning:
    """Record the warning (the audit log) and choose its recipients, or return the warning ``key`` already made."""
    named = " ".join(areas.named)
    if key is not None:
        found = session.scalar(select(EarlyWarning).where(EarlyWarning.key == key))
        if found is not None:
            if (found.areas, found.level, found.text) != (named, level, text):
                raise WarningError(f"key {key!r} was used for warning {found.id} with other areas, level or text")
            return found
    warning = EarlyWarning(key=key, areas=named, level=level, text=text, sent_by=by, created_at=utcnow())
    session.add(warning)
    session.flush()
    chosen = recipients(settings, areas).subquery()
    rows = select(literal(warning.id), chosen.c.phone, chosen.c.language)
    session.execute(insert(_RECIPIENTS).from_select(["warning_id", "phone", "language"], rows))
    warning.recipients = session.scalar(select(func.count()).where(_rec.warning_id == warning.id)) or 0
    return warning


def id_range(session: Session, warning_id: int) -> tuple[int, int]:
    """The first and last recipient row of a warning (0, -1 when it has none)."""
    low, high = session.execute(select(func.min(_rec.id), func.max(_rec.id)).where(_rec.warning_id == warning_id)).one()
    return (int(low), int(high)) if low is not None else (0, -1)


def queue_chunk(
    session: Session, settings: Settings, warning_id: int, texts: Mapping[str, SmsText], first: int, last: int
) -> list[int]:
    """Queue the SMS of recipients ``first``..``last`` not queued yet; return their send jobs (outbox ids)."""
    now = utcnow()
    prefix = f"warning:{warning_id}:"
    chosen = {name: case({lang: literal(getattr(sms, name)) for lang, sms in texts.items()}, value=_rec.language,
                         else_=literal(getattr(texts["id"], name)))
              for name in ("text", "encoding", "segments")}  # fmt: skip
    ok = allowed(_rec.phone, settings)
    stamp = literal(now, UTCDateTime())
    columns = {
        "idempotency_key": literal(prefix) + _rec.phone, "phone": _rec.phone, **chosen,
        "template": literal(TEMPLATE), "language": _rec.language,
        "status": case((ok, literal(OutboundStatus.QUEUED.value)), else_=literal(OutboundStatus.WITHHELD.value)),
        "last_error": case((ok, literal(None)), else_=literal("withheld: country")), "attempts": literal(0),
        "created_at": stamp, "next_attempt_at": stamp,
        "expires_at": literal(now + timedelta(seconds=settings.sms_ttl_seconds), UTCDateTime()),
    }  # fmt: skip
    pending = (_rec.warning_id == warning_id) & _rec.id.between(first, last) & _rec.outbound_id.is_(None)
    if session.scalar(select(_rec.id).where(pending).limit(1)) is None:
        return []  # queued by an earlier run: a chunk is one transaction, so it is queued whole or not at all
    session.execute(insert(_MESSAGES).from_select(list(columns), select(*columns.values()).where(pending)))
    message_id = select(_out.id).where(_out.idempotency_key == literal(prefix) + _rec.phone).scalar_subquery()
    session.execute(update(_RECIPIENTS).where(pending).values(outbound_id=message_id))
    jobs = {"kind": literal(SEND_WARNING), "ref_id": _out.id, "status": literal(OutboxStatus.PENDING.value),
            "attempts": literal(0), "created_at": stamp, "available_at": stamp}  # fmt: skip
    queued = (
        select(*jobs.values())
        .join_from(_RECIPIENTS, _MESSAGES, _out.id == _rec.outbound_id)
        .where(_rec.warning_id == warning_id, _rec.id.between(first, last), _out.status == OutboundStatus.QUEUED)
        .order_by(_rec.id)
    )
    return list(session.scalars(insert(_JOBS).from_select(list(jobs), queued).returning(_JOBS.c.id)))


def finish_queueing(session: Session, warning_id: int) -> None:
    """Note that every recipient's SMS is queued."""
    session.execute(update(EarlyWarning).where(EarlyWarning.id == warning_id).values(queued_at=utcnow()))


def progress(session: Session, warning_id: int) -> dict[str, int]:
    """How many of a warning's SMS are in each state (``not queued`` for recipients still waiting their chunk)."""
    rows = session.execute(
        select(func.coalesce(_out.status, literal("not queued")), func.count())
        .select_from(_RECIPIENTS.outerjoin(_MESSAGES, _out.id == _rec.outbound_id))
        .where(_rec.warning_id == warning_id)
        .group_by(_out.status)
    ).all()
    return {str(status): int(count) for status, count in rows}


def cancel(session: Session, warning: EarlyWarning, by: str) -> int:
    """Stop what of ``warning`` is not sent yet (withheld: cancelled); return how many SMS that stopped."""
    warning.cancelled_at, warning.cancelled_by = warning.cancelled_at or utcnow(), warning.cancelled_by or by
    mine = select(_rec.outbound_id).where(_rec.warning_id == warning.id, _rec.outbound_id.is_not(None))
    done = session.execute(
        update(_MESSAGES).where(_out.status == OutboundStatus.QUEUED, _out.id.in_(mine))
        .values(status=OutboundStatus.WITHHELD, last_error="withheld: cancelled")
    )  # fmt: skip
    return int(done.rowcount)  # type: ignore[attr-defined]


def chunk_ranges(first: int, last: int, size: int = CHUNK) -> list[tuple[int, int]]:
    """Recipient id ranges of ``size`` rows, ``first`` to ``last``."""
    return [(start, min(start + size - 1, last)) for start in range(first, last + 1, size)] if last >= first else []


_RECIPIENTS = cast(Table, WarningRecipient.__table__)
_MESSAGES = cast(Table, OutboundMessage.__table__)
_JOBS = cast(Table, OutboxJob.__table__)
_rec = _RECIPIENTS.c
_out = _MESSAGES.c
