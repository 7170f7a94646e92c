"""The areas a warning names: kecamatan and desa, by code or by exact name, resolved against the region."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.incidents.labels import place_name
from gateway.parsers import Region
from gateway.parsers.region import compact


class AreaError(ValueError):
    """An area the region does not know, or a name that fits several places; the message says what to type."""


@dataclass(frozen=True)
class Areas:
    """What a warning covers: the codes as named, every desa they hold, and the kecamatan those lie in."""

    named: tuple[str, ...]
    villages: tuple[str, ...]
    districts: tuple[str, ...]


def resolve_areas(region: Region, spec: str) -> Areas:
    """Read ``--area`` (``33.24.15,Sukodono``): each item a kecamatan or desa code or name; AreaError if unclear."""
    named: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        if item:
            named.append(_one(region, item))
    if not named:
        raise AreaError("name at least one kecamatan or desa, e.g. --area 33.24.15 or --area Sukodono")
    villages: dict[str, None] = {}
    for code in named:
        is_district = code.count(".") == 2
        villages.update(dict.fromkeys(c for c, _ in region.villages(code)) if is_district else {code: None})
    districts = tuple(dict.fromkeys(region.district_of(code) for code in villages))
    return Areas(tuple(dict.fromkeys(named)), tuple(villages), districts)


def _one(region: Region, item: str) -> str:
    """One area's code, from its code or its exact name."""
    if item[:1].isdigit():
        for known in (region.district_name, region.village_name):
            try:
                known(item)
            except KeyError:
                continue
            return item
        raise AreaError(f"{item} is neither a kecamatan nor a desa of {region.name}")
    place = region.lookup(compact(item))
    if place is None:
        near = [place_name(region, code) for code in region.search_villages(item, limit=3)]
        raise AreaError(f"no kecamatan or desa named {item!r} in {region.name}"
                        + (f"; did you mean {'; '.join(near)}?" if near else ""))  # fmt: skip
    codes = [*place.districts, *place.villages]
    if len(codes) > 1:
        listed = [f"{code} (Kec. {region.district_name(code)})" for code in place.districts]
        listed += [f"{code} ({place_name(region, code)})" for code in place.villages]
        raise AreaError(f"{item!r} names several places; give one code: {', '.join(listed)}")
    return codes[0]
