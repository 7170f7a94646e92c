"""Who may use the web desk and the API: users with a role, API tokens, and an audit of what they looked at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base, UTCDateTime, utcnow


class User(Base):
    """A person at the desk: a coordinator (everything), an agency's user (its own dispatches) or a viewer.

    Only a hash of the password is kept (scrypt, through werkzeug). A disabled user cannot log in, and a
    session opened before the user was disabled is refused on its next request.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))  # coordinator | agency | viewer
    agency: Mapped[str | None] = mapped_column(String(20))  # the agency code of an agency user
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # bumped: old logins end
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A machine's bearer token for ``/api/v1``: shown once when created, kept only as its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(12))  # viewer | agency
    agency: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessEvent(Base):
    """The desk's own audit: logins, failed logins, personal data shown unmasked, exports, roster changes."""

    __tablename__ = "access_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))  # as typed, for failed logins too
    action: Mapped[str] = mapped_column(String(30))  # login | login_failed | logout | unmask | export | ...
    detail: Mapped[str] = mapped_column(Text, default="")  # never an unmasked phone, NIK or KK
    remote: Mapped[str | None] = mapped_column(String(45))  # the client's address
