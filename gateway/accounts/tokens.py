"""API bearer tokens: created once and shown once; only their SHA-256 is kept, so a database leak leaks none."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.accounts.roles import TOKEN_ROLES, Actor, RoleError, check_role
from gateway.db import utcnow
from gateway.models import ApiToken

LAST_USED_EVERY = 60.0  # seconds
PREFIX = "gw_"  # recognisable in a config file or a secret scanner


class TokenError(ValueError):
    """A token that cannot be created as asked; the message says why."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, role: str, agency: str | None, agencies: Iterable[str]) -> str:
    """Create a token and return it in the clear: the only time anyone sees it."""
    label = name.strip()
    if not 1 <= len(label) <= 64:
        raise TokenError("a token's name is 1 to 64 characters")
    try:
        code = check_role(role, agency, agencies, TOKEN_ROLES)
    except RoleError as error:
        raise TokenError(str(error)) from None
    if session.scalars(select(ApiToken).where(ApiToken.name == label)).first() is not None:
        raise TokenError(f"a token named {label!r} already exists")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=label, token_hash=token_hash(token), role=role, agency=code, created_at=utcnow()))
    return token


def revoke_token(session: Session, name: str) -> bool:
    found = session.scalars(select(ApiToken).where(ApiToken.name == name.strip())).first()
    if found is None:
        return False
    found.revoked_at = found.revoked_at or utcnow()
    return True


def token_actor(session: Session, token: str) -> Actor | None:
    """The actor a presented bearer token stands for, or None when it is unknown or revoked."""
    found = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(token.strip()))).first()
    if found is None or found.revoked_at is not None:
        return None
    now = utcnow()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > LAST_USED_EVERY:
        found.last_used_at = now  # not on every request: a busy reader would write a row per GET
    return Actor(name=f"token:{found.name}", role=found.role, agency=found.agency, channel="api")
