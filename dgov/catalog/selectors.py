"""Reads of the catalogue, and the one place that decides who may manage which items."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from dgov.accounts.models import Department, Role, RoleAssignment, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.catalog import search
from dgov.catalog.models import ItemMaterial, LifeEvent, ServiceItem

# --- Who may manage items -----------------------------------------------------------------------


def _manager_assignments(user: Any) -> list[RoleAssignment]:
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.kind != User.Kind.STAFF:
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_catalog_manager_cache", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user, role=Role.DEPT_ADMIN).select_related("department", "region")
        )
        user._catalog_manager_cache = cached
    return cached


def can_manage_items(user: Any, department: Department) -> bool:
    """Whether user may edit, publish, withdraw and import the items of department."""
    return has_perm(user, Perm.CATALOG_MANAGE, department=department)


def managed_departments(user: Any) -> QuerySet[Department]:
    """The departments whose items user may manage (none for people without the role)."""
    departments = Department.objects.select_related("region").order_by("code")
    ids = [d.pk for d in departments if can_manage_items(user, d)] if _manager_assignments(user) else []
    return departments.filter(pk__in=ids)


def is_catalogue_manager(user: Any) -> bool:
    return managed_departments(user).exists()


# --- Public reads -------------------------------------------------------------------------------


def _with_guide(items: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    return items.select_related("department__region").prefetch_related(
        Prefetch("life_events", queryset=LifeEvent.objects.order_by("audience", "position", "code")),
        Prefetch("materials", queryset=ItemMaterial.objects.order_by("position")),
    )


def item_list_published(
    *,
    query: str = "",
    department: str = "",
    kind: str = "",
    life_event: str = "",
    subject: str = "",
) -> QuerySet[ServiceItem] | search.RankedItems:
    """Published items matching the search and filters, best match first (or in catalogue order)."""
    items = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
    if department:
        items = items.filter(department__code=department)
    if kind:
        items = items.filter(kind=kind)
    if life_event:
        items = items.filter(life_events__code=life_event)
    if subject in (ServiceItem.Subject.PERSON, ServiceItem.Subject.ENTERPRISE):
        items = items.filter(subject__in=[subject, ServiceItem.Subject.BOTH])
    elif subject == ServiceItem.Subject.BOTH:
        items = items.filter(subject=subject)
    items = items.select_related("department").prefetch_related(
        Prefetch("life_events", queryset=LifeEvent.objects.order_by("audience", "position", "code"))
    )
    ranked = search.rank(items, query)
    if ranked is items:
        return items.order_by("-high_frequency", "code")
    return ranked


class ItemWithdrawn(Exception):
    """The code names an item that was offered once and has been withdrawn."""

    def __init__(self, item: ServiceItem) -> None:
        super().__init__(item.code)
        self.item = item


def item_get_published(*, code: str) -> ServiceItem:
    """The published version of an item with its guide; Http404, or ItemWithdrawn if it was withdrawn."""
    item = _with_guide(ServiceItem.objects.filter(code=code, status=ServiceItem.Status.PUBLISHED)).first()
    if item is not None:
        return item
    last = ServiceItem.objects.filter(code=code).exclude(status=ServiceItem.Status.DRAFT).order_by("-version").first()
    if last is not None and last.status == ServiceItem.Status.WITHDRAWN:
        raise ItemWithdrawn(last)
    raise Http404


def life_events_in_use() -> QuerySet[LifeEvent]:
    """Life events with at least one published item, for the filters."""
    published = ServiceItem.life_events.through.objects.filter(
        lifeevent=OuterRef("pk"), serviceitem__status=ServiceItem.Status.PUBLISHED
    )
    return LifeEvent.objects.filter(Exists(published)).order_by("audience", "position", "code")


def departments_with_items() -> QuerySet[Department]:
    """Departments with at least one published item, for the filters."""
    published = ServiceItem.objects.filter(department=OuterRef("pk"), status=ServiceItem.Status.PUBLISHED)
    return Department.objects.filter(Exists(published)).order_by("code")


# --- Manager reads ------------------------------------------------------------------------------


def item_list_for_manager(*, user: User, status: str = "", department: str = "") -> QuerySet[ServiceItem]:
    """Every version of the items of the departments user manages, newest first within a code."""
    items = ServiceItem.objects.filter(department__in=managed_departments(user))
    if status in ServiceItem.Status.values:
        items = items.filter(status=status)
    if department:
        items = items.filter(department__code=department)
    return items.select_related("department").order_by("department__code", "code", "-version")


def item_get_for_manager(*, user: User, pk: int) -> ServiceItem:
    """One version with its guide, for a manager of its department; 404 otherwise."""
    item = _with_guide(ServiceItem.objects.filter(pk=pk)).first()
    if item is None or not can_manage_items(user, item.department):
        raise Http404
    return item


def item_versions(item: ServiceItem) -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(code=item.code).order_by("-version")


def items_for_export(*, department_ids: list[int] | None = None, include_drafts: bool = False) -> list[ServiceItem]:
    """The published catalogue (or, with include_drafts, each code's draft where it has one), in code order."""
    items = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
    if include_drafts:
        items = ServiceItem.objects.filter(
            Q(status=ServiceItem.Status.DRAFT)
            | Q(status=ServiceItem.Status.PUBLISHED)
            & ~Q(code__in=ServiceItem.objects.filter(status=ServiceItem.Status.DRAFT).values("code"))
        )
    if department_ids is not None:
        items = items.filter(department_id__in=department_ids)
    return list(_with_guide(items).order_by("department__code", "code"))


def require_manager(user: Any, department: Department) -> None:
    if not can_manage_items(user, department):
        raise PermissionDenied


# --- What the indicators count --------------------------------------------------------------------


def catalogue_flag_counts() -> dict[str, int]:
    """Numerators and denominators of the plan's catalogue indicators, over published items.

    1 全程网办率 full_online / on_application_total · 2 零跑动 zero_visit_licensing / licensing_total ·
    3 一窗综合受理率 window_on_application / on_application_total · 4 四免 four_exemptions_hf /
    high_frequency_total · 7 跨省通办 cross_province_hf / high_frequency_total · 21 单点登录率
    sso_online / online_total (depth ≥ 3, 可网办: the application itself can be made online).
    The sets are dgov.catalog.measures' (the indicators' providers); this counts them all in one query.
    Indicator 4 counts the items whose four stored exemptions all hold; the services compute them
    from each version's configuration (dgov.catalog.exemptions), so nobody can simply declare them.
    """
    from dgov.catalog import measures

    on_app, licensing, hf = measures.ON_APPLICATION, measures.LICENSING, measures.HIGH_FREQUENCY
    online, four = measures.ONLINE, measures.FOUR_EXEMPTIONS
    published = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
    return published.aggregate(
        on_application_total=Count("pk", filter=on_app),
        full_online=Count("pk", filter=on_app & Q(online_depth=ServiceItem.OnlineDepth.FULL)),
        licensing_total=Count("pk", filter=licensing),
        zero_visit_licensing=Count("pk", filter=licensing & Q(max_visits=0)),
        window_on_application=Count("pk", filter=on_app & Q(comprehensive_window=True)),
        high_frequency_total=Count("pk", filter=hf),
        four_exemptions_hf=Count("pk", filter=hf & four),
        cross_province_hf=Count("pk", filter=hf & Q(cross_province=True)),
        online_total=Count("pk", filter=online),
        sso_online=Count("pk", filter=online & Q(single_sign_on=True)),
    )
