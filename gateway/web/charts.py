"""Pictures on the desk: server-rendered SVG charts (no chart library, no CDN)."""

from __future__ import annotations

from flask import Blueprint

from gateway.web.auth import roles
from gateway.web.board import DESK_ROLES

bp = Blueprint("charts", __name__)


@bp.get("/charts")
@roles(*DESK_ROLES)
def index() -> str:
    return ""
