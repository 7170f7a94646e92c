"""The incident board at ``/``: open incidents, newest or most urgent first, filtered, refreshing itself."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from gateway.db import utcnow
from gateway.incidents.board import SORTS, STATUS_FILTERS, BoardFilter, board
from gateway.incidents.labels import HAZARD_LABELS, place_name, region_zone
from gateway.web.auth import current_actor, db_session, roles, runtime
from gateway.web.language import t

bp = Blueprint("board", __name__)

PAGE = 50
MAX_PAGES = 100_000  # far past any district's history; a larger number is a typo, not a page
FILTERS = ("kecamatan", "hazard", "status", "sort")  # the query parameters links carry on
DESK_ROLES = ("coordinator", "agency", "viewer")


def board_filter() -> BoardFilter:
    """The filters from the query string; anything unknown falls back to the default rather than failing."""
    args = request.args
    status = args.get("status", "open")
    sort = args.get("sort", "newest")
    page = args.get("page", "1")
    return BoardFilter(
        district_code=args.get("kecamatan") or None,
        hazard=args.get("hazard") if args.get("hazard") in HAZARD_LABELS else None,
        status=status if status in STATUS_FILTERS else "open",
        sort=sort if sort in SORTS else "newest",
        limit=PAGE,
        offset=(int(page) - 1) * PAGE if page.isdigit() and 0 < int(page) <= MAX_PAGES else 0,
    )


def age(moment: datetime) -> str:
    """``5 min``, ``3 j``/``3 h``, ``2 hr``/``2 d``: how long ago, short enough for a phone's column."""
    minutes = max(0, int((utcnow() - moment).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} {t('j', 'h')}"
    return f"{minutes // 1440} {t('hr', 'd')}"


def _context() -> dict[str, object]:
    rt = runtime()
    wanted = board_filter()
    with db_session() as session:
        found = board(session, current_actor(), wanted)
    page = wanted.offset // PAGE + 1
    return {
        "board": found, "page": page, "pages": max(1, -(-found.total // PAGE)), "region": rt.region,
        "zone": region_zone(rt.settings.gateway_region), "place": lambda code: place_name(rt.region, code),
        "filters": {key: request.args[key] for key in FILTERS if request.args.get(key)}, "age": age, "refresh": rt.settings.desk_refresh_seconds, "hazards": HAZARD_LABELS, "districts": rt.region.districts(), "statuses": STATUS_FILTERS,
    }  # fmt: skip


@bp.get("/")
@roles(*DESK_ROLES)
def index() -> str:
    return render_template("board.html", **_context())


@bp.get("/board/rows")
@roles(*DESK_ROLES)
def rows() -> Response | str:
    """The board's rows alone, for the page to refresh itself."""
    return render_template("_board_rows.html", **_context())
