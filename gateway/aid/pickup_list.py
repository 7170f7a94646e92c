"""How pending pickups are listed to a resident, by SMS (CEK) and on a USSD screen, in one wording (pure).

Codes are shown as the pickup SMS prints them (``FM3-A9FR``), days in WIB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.sms.text import fit_list

LOCAL_TIME = ZoneInfo("Asia/Jakarta")  # WIB: what people at the pickup point read on their phones
MAX_PLACE = 24  # characters of the pickup point in a list line
HIDDEN = "***"  # a pickup code shown to a phone nobody vouched for yet (see gateway.aid.links)

Text = tuple[str, str]  # (Bahasa Indonesia, English)
LINE: Text = ("{n}) {item} di {place} s.d. {day}, kode {code}", "{n}) {item} at {place} by {day}, code {code}")
MORE: Text = ("+{more} lagi", "+{more} more")


def local_day(moment: datetime) -> str:
    """``24/11`` in WIB."""
    return moment.astimezone(LOCAL_TIME).strftime("%d/%m")


def local_time(moment: datetime) -> str:
    """``24/11 08:00 WIB``."""
    return moment.astimezone(LOCAL_TIME).strftime("%d/%m %H:%M WIB")


@dataclass(frozen=True)
class Pickup:
    """One pending pickup as a resident reads it: what, where, until which day, and the code as printed."""

    item: str
    place: str
    day: str
    code: str


def list_pickups(pickups: Sequence[Pickup], language: str, room: int, separator: str, more: Text = MORE) -> str:
    """As many pickups as fit ``room`` characters, soonest first (the first always), then how many more."""
    en = language == "en"
    lines = [LINE[en].format(n=n, item=p.item, place=p.place[:MAX_PLACE], day=p.day, code=p.code)
             for n, p in enumerate(pickups, start=1)]  # fmt: skip
    return fit_list(lines, room, separator, lambda left: more[en].format(more=left))
