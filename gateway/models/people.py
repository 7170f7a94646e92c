"""People we talk to by phone."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class Contact(Base):
    """A phone number and what it asked of us: its language, whether it opted out."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    language: Mapped[str | None] = mapped_column(String(5))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))  # linked by DAFTAR <NIK> <KK>
    link_vouched: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # may see codes
    link_code: Mapped[str | None] = mapped_column(String(8))  # the household's phone answers YA/BATAL <code>
    link_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # wrong DAFTAR guesses
    link_failures_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Officer(Base):
    """An agency's officer or supervisor who gets alerts by SMS and answers them (OK / SELESAI / TOLAK)."""

    __tablename__ = "officers"
    __table_args__ = (UniqueConstraint("phone", "agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    agency: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(12))  # officer | supervisor
    districts: Mapped[str] = mapped_column(Text, default="")  # kecamatan codes, space-separated; "" = whole kabupaten
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def covers(self, district_code: str | None) -> bool:
        """True when this officer's area includes the kecamatan (an empty area is the whole kabupaten)."""
        return not self.districts or (district_code is not None and district_code in self.districts.split())


class Household(Base):
    """A family card (KK) from the welfare registry, or one an officer added by override."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    kk: Mapped[str] = mapped_column(String(16), unique=True)
    village_code: Mapped[str | None] = mapped_column(String(13), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164, where pickup notices go
    in_registry: Mapped[bool] = mapped_column(Boolean, default=True)
    eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    ineligible_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Person(Base):
    """One person of a household, as the registry lists them."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(12))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(12))  # alive | deceased | moved | ineligible
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
