"""What the district is willing to spend on replies: a budget of replies per phone per hour, and SMS only to the
allowed countries. Reports are never dropped by these rules; only replies are withheld, and counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import chunks, utcnow
from gateway.models import Officer, OutboundMessage, OutboundStatus
from gateway.phones import country_of

WINDOW = timedelta(hours=1)
REPLY_KEY = "reply:"  # the idempotency key of every reply to an inbound message starts so


def allowed_country(phone: str, settings: Settings) -> bool:
    """Whether we send SMS to ``phone`` at all: a toll-fraud ring texting from abroad gets nothing back."""
    return country_of(phone) in settings.allowed_countries


class ReplyBudget:
    """How many replies each phone of a batch may still get this hour; officers are not budgeted.

    Read once for the whole batch: the replies each phone got in the last hour, and which phones are officers.
    """

    def __init__(self, session: Session, settings: Settings, phones: Iterable[str]) -> None:
        self.limit = settings.reply_budget_per_hour
        wanted = sorted(set(phones))
        self.used: Counter[str] = Counter()
        self.officers: set[str] = set()
        since = utcnow() - WINDOW
        for chunk in chunks(wanted):
            self.used.update(dict(session.execute(
                select(OutboundMessage.phone, func.count())
                .where(OutboundMessage.phone.in_(chunk), OutboundMessage.created_at >= since,
                       OutboundMessage.idempotency_key.startswith(REPLY_KEY),
                       OutboundMessage.status != OutboundStatus.WITHHELD)
                .group_by(OutboundMessage.phone)
            ).all()))  # fmt: skip
            self.officers.update(session.scalars(select(Officer.phone).where(Officer.phone.in_(chunk))))
        self.exceeded: list[str] = []  # phones that went over their budget with this batch

    def take(self, phone: str) -> bool:
        """Spend one reply of ``phone``'s budget; False when none is left (the reply is withheld)."""
        if phone in self.officers:
            return True
        self.used[phone] += 1
        if self.used[phone] <= self.limit:
            return True
        if self.used[phone] == self.limit + 1:
            self.exceeded.append(phone)
        return False


def window_key(phone: str) -> str:
    """The idempotency key of the desk's notice about ``phone`` for this hour: it is told once an hour."""
    return f"over_budget:{phone}:{utcnow():%Y%m%d%H}"
