"""The incident list a machine asks for: the board's filters from the query string, checked (400 with a reason),
and each incident as the JSON item the OpenAPI document describes."""

from __future__ import annotations

from collections.abc import Mapping

from gateway.api.bearer import ApiError
from gateway.incidents.board import MAX_PAGE, SORTS, STATUS_FILTERS, BoardFilter, BoardRow
from gateway.incidents.labels import HAZARD_LABELS, LocalZone, place_name
from gateway.parsers import Region

PARAMETERS = ("status", "hazard", "district_code", "village_code", "sort", "limit", "offset")
DEFAULT_LIMIT = 50


def list_filter(args: Mapping[str, str], region: Region) -> BoardFilter:
    """The filters from the query string; an unknown parameter or a bad value raises ApiError 400 naming it."""
    unknown = sorted(set(args) - set(PARAMETERS))
    if unknown:
        raise ApiError(400, f"unknown parameter {unknown[0]!r}; the parameters are {', '.join(PARAMETERS)}")
    status = args.get("status", "open")
    if status not in STATUS_FILTERS:
        raise ApiError(400, f"status must be one of {', '.join(STATUS_FILTERS)}, not {status!r}")
    sort = args.get("sort", "newest")
    if sort not in SORTS:
        raise ApiError(400, f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    hazard = args.get("hazard") or None
    if hazard is not None and hazard not in HAZARD_LABELS:
        raise ApiError(400, f"hazard must be one of {', '.join(HAZARD_LABELS)}, not {hazard!r}")
    district = args.get("district_code") or None
    if district is not None and district not in dict(region.districts()):
        raise ApiError(400, f"no kecamatan {district!r} in {region.name}")
    village = args.get("village_code") or None
    if village is not None:
        try:
            region.village_name(village)
        except KeyError:
            raise ApiError(400, f"no desa {village!r} in {region.name}") from None
    limit = _number(args, "limit", DEFAULT_LIMIT, 1, MAX_PAGE)
    offset = _number(args, "offset", 0, 0, None)
    return BoardFilter(district_code=district, hazard=hazard, status=status, sort=sort, limit=limit, offset=offset,
                       village_code=village)  # fmt: skip


def _number(args: Mapping[str, str], name: str, default: int, least: int, most: int | None) -> int:
    text = args.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < least or (most is not None and int(text) > most):
        bounds = f"from {least} to {most}" if most is not None else f"{least} or more"
        raise ApiError(400, f"{name} must be a whole number {bounds}, not {text!r}")
    return int(text)


def incident_item(row: BoardRow, region: Region, zone: LocalZone) -> dict[str, object]:
    """One incident of the list as JSON: its facts, report count, times on the region's clock, dispatch states."""
    incident = row.incident
    return {
        "ref": incident.ref, "hazard": incident.hazard, "village_code": incident.village_code,
        "district_code": incident.district_code, "place": place_name(region, incident.village_code),
        "status": incident.status, "households": incident.households, "people": incident.people,
        "houses": incident.houses, "needs": incident.needs.split(), "reports": row.reports,
        "opened_at": zone.iso(incident.created_at), "last_report_at": zone.iso(incident.last_report_at),
        "dispatches": [{"agency": d.agency, "state": d.state} for d in row.dispatches],
    }  # fmt: skip
