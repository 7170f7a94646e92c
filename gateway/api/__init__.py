"""The JSON API for machines (``/api/v1``): bearer tokens with a role, read-only."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
