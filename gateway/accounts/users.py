"""Desk users: add, list, disable, reset a password, check a login; and the desk's own access audit."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from gateway.accounts.roles import ROLES, Actor, RoleError, check_role
from gateway.db import utcnow
from gateway.models import AccessEvent, User

MIN_PASSWORD = 10
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
KDF = "scrypt"  # werkzeug's scrypt: memory-hard, the current recommendation for passwords
# A hash to check against when the username is unknown, so a wrong name takes as long as a wrong password.
_NOBODY = generate_password_hash(secrets.token_hex(16), method=KDF)


class UserError(ValueError):
    """A user that cannot be added or changed as asked; the message says why."""


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not 2 <= len(name) <= 64 or not set(name) <= USERNAME_CHARS:
        raise UserError("a username is 2 to 64 letters, digits, dots, dashes or underscores")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password has at least {MIN_PASSWORD} characters")
    return password


def add_user(
    session: Session, username: str, password: str, role: str, agency: str | None, agencies: Iterable[str]
) -> User:
    """Add a user with a hashed password; raise UserError (or RoleError) when something does not fit."""
    name = check_username(username)
    try:
        code = check_role(role, agency, agencies, ROLES)
    except RoleError as error:
        raise UserError(str(error)) from None
    if session.scalars(select(User).where(User.username == name)).first() is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(username=name, password_hash=generate_password_hash(check_password(password), method=KDF),
                role=role, agency=code, created_at=utcnow())  # fmt: skip
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username.strip().lower())).first()


def set_password(user: User, password: str) -> None:
    """Replace the password and end every session opened with the old one."""
    user.password_hash = generate_password_hash(check_password(password), method=KDF)
    user.session_version += 1


def disable_user(user: User) -> None:
    """The user can no longer log in; open sessions end on their next request."""
    user.disabled_at = user.disabled_at or utcnow()
    user.session_version += 1


def check_login(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (in the same time either way)."""
    user = find_user(session, username)
    if user is None:
        check_password_hash(_NOBODY, password)
        return None
    if not check_password_hash(user.password_hash, password) or user.disabled_at is not None:
        return None
    user.last_login_at = utcnow()
    return user


def actor_of(user: User, channel: str = "web") -> Actor:
    return Actor(name=user.username, role=user.role, agency=user.agency, channel=channel)


@dataclass(frozen=True)
class Access:
    """Who, from where: what every access event records."""

    username: str
    user_id: int | None = None
    remote: str | None = None


def log_access(session: Session, who: Access, action: str, detail: str = "") -> None:
    """Add one line to the desk's access audit (logins, unmasked views, exports, roster changes)."""
    session.add(AccessEvent(at=utcnow(), user_id=who.user_id, username=who.username[:64], action=action,
                            detail=detail, remote=who.remote))  # fmt: skip
