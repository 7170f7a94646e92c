"""Who is calling the API: the bearer token in ``Authorization``, its role, and the JSON answers that refuse."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, jsonify, request
from werkzeug.wrappers import Response

from gateway.accounts.roles import TOKEN_ROLES, Actor
from gateway.accounts.tokens import token_actor
from gateway.webhooks import runtime

P = ParamSpec("P")
R = TypeVar("R")


class ApiError(Exception):
    """An answer that refuses: its HTTP status and the reason the caller reads in ``{"error": ...}``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def error_answer(error: ApiError) -> Response:
    """``{"error": reason}`` with the status; a 401 says how to authenticate (RFC 6750)."""
    answer = jsonify(error=error.reason)
    answer.status_code = error.status
    if error.status == 401:
        answer.headers["WWW-Authenticate"] = 'Bearer realm="gateway", error="invalid_token"' if (
            "Authorization" in request.headers) else 'Bearer realm="gateway"'  # fmt: skip
    return answer


def bearer_actor() -> Actor:
    """The actor the request's bearer token stands for; ApiError 401 when it is missing, unknown or revoked."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "send a token: Authorization: Bearer <token> (see `gateway tokens create`)")
    with runtime().db.session() as session:  # committed: token_actor notes when the token was last used
        actor = token_actor(session, token)
    if actor is None:
        raise ApiError(401, "unknown or revoked token")
    return actor


def token_roles(*allowed: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An endpoint for tokens of the ``allowed`` roles: 401 without a valid token, 403 for another role."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = bearer_actor()
            if actor.role not in allowed:
                raise ApiError(403, f"a {actor.role} token may not read this; it is for {', '.join(allowed)} tokens")
            g.api_actor = actor
            return view(*args, **kwargs)

        return checked

    return decorate


def reader() -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An endpoint every machine role may read (viewer and agency tokens)."""
    return token_roles(*TOKEN_ROLES)


def current_token() -> Actor:
    actor: Actor = g.api_actor
    return actor
