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


class Provider(Protocol):
    name: str

    def send(self, phone: str, sms: SmsText) -> Accepted:
        """Hand one SMS to ``phone`` (E.164) over; raise ProviderError when it is not accepted."""
        ...
