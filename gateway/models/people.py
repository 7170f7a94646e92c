"""People we talk to by phone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class Contact(Base):
    """A phone number and what it asked of us: its language, whether it opted out."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    language: Mapped[str | None] = mapped_column(String(5))
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
