"""The licences' indicators (plan 附件1): 19 电子证照用证率 and 20 政府部门电子印章覆盖率.

19 counts published licensing items in which an e-licence was presented in an application
(``LicenceUse`` of kind ``case``) during the period, over all published licensing items; items
are compared by code, so a case under an older version of the item counts for the item.
20 counts departments holding an e-seal that can sign at the period's end (active, inside its
validity), over all departments. See docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department
from dgov.catalog.measures import ITEM_COLUMNS, LICENSING, published_items
from dgov.catalog.models import ServiceItem
from dgov.core.measures import Column, Measure, Period, register, share_of
from dgov.licences.models import LicenceUse, Seal


def _item_link(item: ServiceItem) -> str:
    return reverse("catalog:detail", args=[item.code])


def licence_uses(period: Period) -> QuerySet[LicenceUse]:
    return LicenceUse.objects.filter(kind=LicenceUse.Kind.CASE, at__gte=period.since, at__lt=period.until)


@register(
    "e_licence_use_rate",
    columns=ITEM_COLUMNS,
    records_label=_("service items"),
    by_department=True,
    link=_item_link,
)
def e_licence_use_rate(period: Period, departments: Sequence[int] | None) -> Measure:
    universe = published_items(departments).filter(LICENSING)
    # The codes of the items used in the period, found once (a few dozen rows): an uncorrelated,
    # hashed subquery. A correlated EXISTS per item scanned every case once per licensing item.
    used = Q(code__in=licence_uses(period).values("case__item__code").distinct())
    return share_of(universe, used)


@register(
    "e_seal_coverage",
    columns=(Column(_("Code"), "code"), Column(_("Department"), "label"), Column(_("Kind"), "get_kind_display")),
    records_label=_("departments"),
)
def e_seal_coverage(period: Period, departments: Sequence[int] | None) -> Measure:
    universe = Department.objects.order_by("code")
    signing = Seal.objects.filter(
        department=OuterRef("pk"),
        status=Seal.Status.ACTIVE,
        valid_from__lte=period.last_moment,
        valid_until__gt=period.last_moment,
    )
    return share_of(universe, Q(Exists(signing)))
