"""Which department handles a ticket: the dispatch catalogue (派单目录), then the category's own rule.

For a leaf category and the ticket's place (a community or subdistrict, or unknown):

1. a DispatchRule for the category and the place's community, then its subdistrict, then one for
   the category anywhere (region empty) — the most specific line of the catalogue wins;
2. else, when the category is handled by the subdistrict (``by_subdistrict``) and the place is
   known, the subdistrict office (a Department of kind subdistrict whose region is the place's
   subdistrict);
3. else the category's responsible department.
"""

from __future__ import annotations

from dgov.accounts.models import Department, Region
from dgov.hotline.models import Category, DispatchRule
from dgov.hotline.places import subdistrict_of


def _places(region: Region | None) -> list[Region]:
    """The region and its ancestors below the district, most specific first."""
    chain: list[Region] = []
    while region is not None and region.level != Region.Level.DISTRICT:
        chain.append(region)
        region = region.parent
    return chain


def department_for(category: Category, region: Region | None) -> Department | None:
    """The department the catalogue sends tickets of a leaf category about a place to."""
    chain = _places(region)
    rules = {
        rule.region_id: rule.department
        for rule in DispatchRule.objects.filter(category=category).select_related("department")
        if rule.region_id is None or rule.region_id in {r.pk for r in chain}
    }
    for place in chain:
        if place.pk in rules:
            return rules[place.pk]
    if None in rules:
        return rules[None]
    if category.by_subdistrict:
        subdistrict = subdistrict_of(region)
        if subdistrict is not None:
            office = Department.objects.filter(kind=Department.Kind.SUBDISTRICT, region=subdistrict).first()
            if office is not None:
                return office
    return category.department
