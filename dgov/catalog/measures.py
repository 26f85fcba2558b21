"""The catalogue's indicators (plan 附件1): shares of published items with a flag, and kiosks.

Every share counts *published* items (the catalogue as citizens see it now); the flags are the
item's own, kept by its department and, for the four exemptions, computed from its configuration
(dgov.catalog.exemptions). The denominator's records are the items of the base set, the
numerator's those of them that carry the flag. See docs/indicators.md for each interpretation.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Region
from dgov.catalog.models import ON_APPLICATION_KINDS, Kiosk, ServiceItem
from dgov.core.measures import Column, Measure, Period, register, share_of

ITEM_COLUMNS = (
    Column(_("Item code"), "code"),
    Column(_("Name"), "label"),
    Column(_("Department"), "department.label"),
    Column(_("Kind"), "get_kind_display"),
    Column(_("Online depth"), "online_depth"),
)


def _item_link(item: ServiceItem) -> str:
    return reverse("catalog:detail", args=[item.code])


def published_items(departments: Sequence[int] | None) -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related("department")
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    return qs.order_by("code")


ON_APPLICATION = Q(kind__in=ON_APPLICATION_KINDS)
LICENSING = Q(kind=ServiceItem.Kind.LICENSING)
HIGH_FREQUENCY = Q(high_frequency=True)
# 可网办: the application itself can be made online (depth 3 or 4); the base of indicator 21.
ONLINE = Q(online_depth__gte=ServiceItem.OnlineDepth.APPLY)
FOUR_EXEMPTIONS = Q(material_exempt=True, prefill=True, e_seal=True, e_signature=True)


def share(departments: Sequence[int] | None, base: Q, flag: Q) -> Measure:
    return share_of(published_items(departments).filter(base), flag)


def _item_provider(key: str, base: Q, flag: Q) -> None:
    def measure(period: Period, departments: Sequence[int] | None) -> Measure:
        return share(departments, base, flag)

    measure.__name__ = measure.__qualname__ = key
    register(key, columns=ITEM_COLUMNS, records_label=_("service items"), by_department=True, link=_item_link)(measure)


# 1 全程网办率: on-application items with online depth 4 ÷ on-application items.
_item_provider("online_full_process_rate", ON_APPLICATION, Q(online_depth=ServiceItem.OnlineDepth.FULL))
# 2 “零跑动”事项覆盖率: licensing items needing no visit ÷ licensing items.
_item_provider("zero_visit_rate", LICENSING, Q(max_visits=0))
# 3 一窗综合受理率: on-application items accepted at the comprehensive window ÷ on-application items.
_item_provider("one_window_rate", ON_APPLICATION, Q(comprehensive_window=True))
# 4 高频服务事项“四免”比例: high-frequency items with all four exemptions ÷ high-frequency items.
_item_provider("four_exemptions_rate", HIGH_FREQUENCY, FOUR_EXEMPTIONS)
# 7 高频服务事项“跨省通办”比例: high-frequency items handled across provinces ÷ high-frequency items.
_item_provider("cross_province_rate", HIGH_FREQUENCY, Q(cross_province=True))
# 21 单点登录率: online items reachable by single sign-on ÷ online items.
_item_provider("sso_rate", ONLINE, Q(single_sign_on=True))


# 6 政务服务一体机镇街覆盖率: 街道 with a kiosk in service ÷ all 街道 of the district.
@register(
    "kiosk_subdistrict_coverage",
    columns=(Column(_("Code"), "code"), Column(_("Subdistrict"), "name")),
    records_label=_("subdistricts"),
)
def kiosk_subdistrict_coverage(period: Period, departments: Sequence[int] | None) -> Measure:
    universe = Region.objects.filter(level=Region.Level.SUBDISTRICT).order_by("code")
    in_service = Kiosk.objects.in_service(at=period.last_moment).values("region")
    # A kiosk stands in the subdistrict itself or in one of its communities.
    covered = Q(pk__in=in_service) | Q(pk__in=Region.objects.filter(pk__in=in_service).values("parent"))
    return share_of(universe, covered)
