"""The one small interface every SMS provider speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.sms.text import SmsText


@dataclass(frozen=True)
class Accepted:
    """The provider took the message: its id for delivery reports, and its word for the state."""

    message_id: str
    status: str
    link: str = ""  # the link that took it, when SMS_BACKEND lists several (providers.Failover)


class Provider(Protocol):
    name: str

    def send(self, phone: str, sms: SmsText, ref: str = "") -> Accepted:
        """Hand one SMS to ``phone`` (E.164) over; raise ProviderError when it is not accepted. ``ref`` is our
        outbound id, for a provider whose delivery reports can carry it back."""
        ...
