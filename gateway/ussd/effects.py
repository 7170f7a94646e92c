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
    """Link the caller's phone to the household of ``nik`` when the registry knows it."""

    nik: str = field(repr=False)  # personal data: never in logs or tracebacks
    language: str = "id"


@dataclass(frozen=True)
class SetLanguage:
    """Remember ``language`` for this phone, for USSD and SMS."""

    language: str


Effect = SubmitReport | CheckAid | LinkPhone | SetLanguage


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


@dataclass(frozen=True)
class NotInRegistry:
    pass


@dataclass(frozen=True)
class LanguageSet:
    language: str


Outcome = ReportAccepted | Pickups | Linked | NotInRegistry | LanguageSet
