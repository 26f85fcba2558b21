"""Where a ticket is: the address text and/or coordinates, resolved to a subdistrict (街道) or
community (社区/村) when possible.

- Coordinates (WGS-84 decimal degrees) must lie inside the hotline's area, a bounding box
  (``DGOV_HOTLINE_BOUNDS``: south, west, north, east; default Jianghai District's, rounded out
  by about a kilometre). A point outside is refused with a clear error: 12345 of another district
  takes it. Grids (网格) and polygons arrive with the grid module; until then a point alone does
  not name a subdistrict.
- The address text is matched against the names of the area's regions: the longest community
  or village name it contains wins, else a subdistrict name (``外海街道`` or ``外海``). A name held
  by two regions is ambiguous and resolves to nothing rather than to a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from dgov.accounts.models import Region
from dgov.core.errors import ApplicationError
from dgov.hotline.numbering import hotline_region_code

DEFAULT_BOUNDS = (22.45, 113.04, 22.66, 113.26)
SUBDISTRICT_SUFFIXES = ("街道办事处", "街道", "镇")


@dataclass(frozen=True)
class Place:
    latitude: Decimal | None
    longitude: Decimal | None
    region: Region | None


def bounds() -> tuple[float, float, float, float]:
    value = getattr(settings, "DGOV_HOTLINE_BOUNDS", None) or DEFAULT_BOUNDS
    south, west, north, east = (float(v) for v in value)
    return south, west, north, east


def _coordinate(value: Any, field: str, low: float, high: float) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            _("Coordinates are decimal degrees."), code="invalid_location", field_errors={field: [_("Enter a number.")]}
        ) from None
    if not number.is_finite() or not low <= float(number) <= high:
        raise ApplicationError(
            _("Coordinates out of range."),
            code="invalid_location",
            field_errors={field: [_("Must lie between %(low)s and %(high)s.") % {"low": low, "high": high}]},
        )
    return number.quantize(Decimal("0.000001"))


def coordinates_clean(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither, each a number inside the hotline's area."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        raise ApplicationError(
            _("Give both latitude and longitude, or neither."),
            code="invalid_location",
            field_errors={"latitude" if latitude in (None, "") else "longitude": [_("This field is required.")]},
        )
    lat = _coordinate(latitude, "latitude", -90, 90)
    lon = _coordinate(longitude, "longitude", -180, 180)
    south, west, north, east = bounds()
    if not (south <= float(lat) <= north and west <= float(lon) <= east):
        raise ApplicationError(
            _("The place is outside the area this hotline serves."),
            code="outside_area",
            field_errors={"latitude": [_("The place is outside the area this hotline serves.")]},
        )
    return lat, lon


def _names(region: Region) -> list[str]:
    names = [region.name]
    if region.level == Region.Level.SUBDISTRICT:
        for suffix in SUBDISTRICT_SUFFIXES:
            if region.name.endswith(suffix) and len(region.name) > len(suffix) + 1:
                names.append(region.name[: -len(suffix)])
    return names


def region_from_address(address: str) -> Region | None:
    """The community (or failing that, subdistrict) of the hotline's area named in address."""
    text = "".join((address or "").split())
    if not text:
        return None
    root = hotline_region_code()
    areas = Region.objects.filter(path__startswith=root).select_related("parent").exclude(level=Region.Level.DISTRICT)
    for level in (Region.Level.COMMUNITY, Region.Level.SUBDISTRICT):
        found: dict[str, set[int]] = {}
        by_pk: dict[int, Region] = {}
        for region in areas:
            if region.level != level:
                continue
            by_pk[region.pk] = region
            for name in _names(region):
                if name in text:
                    found.setdefault(name, set()).add(region.pk)
        if found:
            longest = max(found, key=len)
            if len(found[longest]) == 1:
                return by_pk[next(iter(found[longest]))]
            return None
    return None


def place_resolve(*, address: str, latitude: Any, longitude: Any) -> Place:
    """The cleaned coordinates and the region the address names (either may be missing)."""
    lat, lon = coordinates_clean(latitude, longitude)
    return Place(latitude=lat, longitude=lon, region=region_from_address(address))


def subdistrict_of(region: Region | None) -> Region | None:
    """The subdistrict a region lies in (itself for a subdistrict; None for the district)."""
    while region is not None and region.level != Region.Level.SUBDISTRICT:
        if region.level == Region.Level.DISTRICT:
            return None
        region = region.parent
    return region
