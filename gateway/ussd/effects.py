"""What a USSD session asks of the gateway (``Effect``), and what comes back (``Outcome``): plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.aid.pickup_list import Pickup


@dataclass(frozen=True)
class SubmitReport:
    """Record the report (it joins the SMS pipeline) and answer with its incident reference."""

    hazard: str
    village_code: str
    district_code: str
    households: int
    needs: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class CheckAid:
    """Look up the caller's pending pickups."""

    language: str


@dataclass(frozen=True)
class LinkPhone:
    """Link the caller's phone to the household that ``nik`` and ``kk`` both name in the registry."""

    nik: str = field(repr=False)  # personal data: never in logs or tracebacks
    kk: str = field(repr=False)
    language: str = "id"


@dataclass(frozen=True)
class SetLanguage:
    """Remember ``language`` for this phone, for USSD and SMS."""

    language: str


@dataclass(frozen=True)
class Watch:
    """Send the caller early warnings for a desa (as SMS PANTAU does)."""

    village_code: str
    language: str


@dataclass(frozen=True)
class WatchList:
    """List the desa the caller gets early warnings for."""

    language: str


Effect = SubmitReport | CheckAid | LinkPhone | SetLanguage | Watch | WatchList


@dataclass(frozen=True)
class ReportAccepted:
    ref: str
    place: str


@dataclass(frozen=True)
class Pickups:
    items: tuple[Pickup, ...]
    linked: bool  # the phone belongs to a household at all


@dataclass(frozen=True)
class Linked:
    kk: str  # masked
    village: str
    vouched: bool  # may see pickup codes; else the household's phone is asked to vouch first


@dataclass(frozen=True)
class NotInRegistry:
    throttled: bool = False  # too many wrong guesses from this phone today


@dataclass(frozen=True)
class LanguageSet:
    language: str


@dataclass(frozen=True)
class Watched:
    places: tuple[str, ...]  # the desa the phone is warned about, with their kecamatan
    stopped: bool  # the phone sent STOP: it gets no warnings until MULAI


Outcome = ReportAccepted | Pickups | Linked | NotInRegistry | LanguageSet | Watched
