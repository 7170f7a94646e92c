"""Aid on the desk: the one-door ledger per incident, allocating a program, affected households, CSV export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("aid", __name__)
