"""People and messages on the desk: the officers' roster and the message log, phones masked by role."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.auth import roles
from gateway.web.board import DESK_ROLES

bp = Blueprint("people", __name__)


@bp.get("/officers")
@roles(*DESK_ROLES)
def officers() -> str:
    return ""


@bp.get("/messages")
@roles(*DESK_ROLES)
def messages() -> str:
    return ""
