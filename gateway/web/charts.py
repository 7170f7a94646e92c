"""Pictures on the desk: server-rendered SVG charts (no chart library, no CDN), each with its numbers as text.

``/charts`` shows reports per hour over the last days (``?days=1..14``, default 3, hours on the region's local
clock), open incidents by hazard and by kecamatan, and aid collected against allocated per program
(``?aid=all`` over every visible incident, ``?aid=open`` over the open ones).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup

from gateway.bar_charts import Column, Row, Series, column_chart, row_chart
from gateway.db import utcnow
from gateway.incidents.labels import hazard_label, region_zone
from gateway.web.auth import current_actor, db_session, roles, runtime
from gateway.web.board import DESK_ROLES
from gateway.web.figures import (
    DEFAULT_DAYS,
    MAX_DAYS,
    aid_by_program,
    open_incidents_by_district,
    open_incidents_by_hazard,
    reports_per_hour,
)
from gateway.web.language import current_language, t

bp = Blueprint("charts", __name__)

AID_SCOPES = ("all", "open")
COLLECTED, EXPIRED, WAITING = "#1e7b34", "#b3261e", "#9ec5ee"


def wanted_days() -> int:
    """``?days=`` as a whole number of days from 1 to 14; anything else is a 400 that says so."""
    raw = request.args.get("days", str(DEFAULT_DAYS)).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        abort(400, description=t(f"days harus bilangan bulat 1 sampai {MAX_DAYS}, bukan {raw[:20]!r}",
                                 f"days must be a whole number from 1 to {MAX_DAYS}, not {raw[:20]!r}"))  # fmt: skip
    return int(raw)


def wanted_aid_scope() -> str:
    scope = request.args.get("aid", "all")
    if scope not in AID_SCOPES:
        abort(400, description=t("aid harus 'all' atau 'open'", "aid must be 'all' or 'open'"))
    return scope


def district_label(code: str) -> str:
    """The kecamatan's name, or its bare code when the region does not know it (or "-" for none)."""
    if not code:
        return "-"
    try:
        return runtime().region.district_name(code)
    except KeyError:  # an incident recorded under another GATEWAY_REGION
        return code


def hour_tick(hour: datetime, days: int) -> str:
    """Label an hour on the axis: its day at midnight (every other day past a week, for a phone), 06/12/18 too."""
    if hour.hour == 0 and (days <= 7 or hour.toordinal() % 2 == 0):
        return f"{hour:%d/%m}"
    return f"{hour:%H}" if days <= 3 and hour.hour % 6 == 0 else ""


@bp.get("/charts")
@roles(*DESK_ROLES)
def index() -> str:
    """The four charts for the current user, each with its numbers as text beside it."""
    days, scope = wanted_days(), wanted_aid_scope()
    actor, language, now = current_actor(), current_language(), utcnow()
    zone = region_zone(runtime().settings.gateway_region)
    with db_session() as session:
        hours = reports_per_hour(session, actor, zone, now, days)
        hazards = open_incidents_by_hazard(session, actor)
        districts = open_incidents_by_district(session, actor)
        aid = aid_by_program(session, actor, open_only=scope == "open")
    no_data = t("Belum ada data", "No data yet")
    total = sum(h.reports for h in hours)
    hourly = column_chart(
        [Column(f"{h.hour:%Y-%m-%d %H:00} {zone.name}", h.reports, hour_tick(h.hour, days)) for h in hours],
        t(f"Laporan per jam, {days} hari terakhir ({zone.name})", f"Reports per hour, last {days} days ({zone.name})"),
        t(f"{total} laporan dalam {days} hari terakhir", f"{total} reports in the last {days} days"),
        no_data,
    )  # fmt: skip
    single = [Series(t("kejadian terbuka", "open incidents"), "#0b5cad")]
    by_hazard = row_chart(
        [Row(hazard_label(hazard, language), (n,)) for hazard, n in hazards], single,
        t("Kejadian terbuka per jenis bencana", "Open incidents by hazard"),
        t(f"{sum(n for _, n in hazards)} kejadian terbuka", f"{sum(n for _, n in hazards)} open incidents"), no_data,
    )  # fmt: skip
    by_district = row_chart(
        [Row(district_label(code), (n,)) for code, n in districts], single,
        t("Kejadian terbuka per kecamatan", "Open incidents by kecamatan"),
        t(f"{sum(n for _, n in districts)} kejadian terbuka", f"{sum(n for _, n in districts)} open incidents"),
        no_data,
    )  # fmt: skip
    aid_series = [Series(t("diambil", "collected"), COLLECTED), Series(t("kedaluwarsa", "expired"), EXPIRED),
                  Series(t("menunggu", "waiting"), WAITING)]  # fmt: skip
    by_program = row_chart(
        [Row(f"{p.program} ({p.agency})", (p.collected, p.expired, p.waiting), f"{p.collected}/{p.allocated}")
         for p in aid],
        aid_series,
        t("Bantuan diambil dibanding dialokasikan, per program", "Aid collected against allocated, per program"),
        t(f"{sum(p.collected for p in aid)} dari {sum(p.allocated for p in aid)} alokasi sudah diambil",
          f"{sum(p.collected for p in aid)} of {sum(p.allocated for p in aid)} allocations collected"),
        no_data,
    )  # fmt: skip
    return render_template(
        "charts.html", days=days, max_days=MAX_DAYS, scope=scope, zone=zone, hours=hours, total=total,
        hazards=hazards, districts=districts, aid=aid, district_label=district_label,
        hourly=Markup(hourly), by_hazard=Markup(by_hazard), by_district=Markup(by_district),
        by_program=Markup(by_program),
    )  # fmt: skip
