"""Reads of bundles, each deciding who may see what.

- Published bundles and their guides are public.
- An applicant sees their own bundle applications; anyone else's is a 404, guessed ids too.
- Staff see a bundle application (its receipt) when their case roles cover every child's
  department, as a window clerk who entered it does; otherwise 404.
- Bundles are defined by the district's catalogue administrator: an unscoped holder of
  ``Perm.CATALOG_MANAGE`` (a department administrator manages only their own items).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, departments_for, has_perm
from dgov.bundles.merging import MergedForm, merge
from dgov.bundles.models import Bundle, BundleCase, BundleChild, BundleItem
from dgov.cases.models import Case
from dgov.cases.selectors import staff_case_filter
from dgov.catalog.models import ItemMaterial, LifeEvent, ServiceItem
from dgov.core.errors import ApplicationError


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


# --- Bundles ------------------------------------------------------------------------------------


def _with_entries(bundles: QuerySet[Bundle]) -> QuerySet[Bundle]:
    return bundles.select_related("life_event").prefetch_related(
        Prefetch("entries", queryset=BundleItem.objects.order_by("position"))
    )


def bundle_list_published(*, life_event: str = "") -> QuerySet[Bundle]:
    """Published bundles, grouped by life event (in the catalogue's order)."""
    bundles = Bundle.objects.filter(status=Bundle.Status.PUBLISHED)
    if life_event:
        bundles = bundles.filter(life_event__code=life_event)
    return _with_entries(bundles).order_by("life_event__audience", "life_event__position", "code")


def bundle_get_published(*, code: str) -> Bundle:
    """A published bundle by code; Http404 otherwise."""
    bundle = _with_entries(Bundle.objects.filter(code=code, status=Bundle.Status.PUBLISHED)).first()
    if bundle is None:
        raise Http404
    return bundle


def published_items(codes: list[str]) -> tuple[list[ServiceItem], list[str]]:
    """(the published versions of codes in the given order, with their guides; the codes that
    have none)."""
    found = {
        i.code: i
        for i in ServiceItem.objects.filter(code__in=codes, status=ServiceItem.Status.PUBLISHED)
        .select_related("department__region")
        .prefetch_related(Prefetch("materials", queryset=ItemMaterial.objects.order_by("position")))
    }
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


def bundle_form(bundle: Bundle) -> MergedForm:
    """The merged form of the published versions of bundle's items; ApplicationError
    ``bundle_unavailable`` when an item is no longer published or the items no longer merge."""
    items, missing = published_items(bundle.item_codes)
    merged, conflicts = merge(items)
    problems = [_("The item %(code)s is not offered any more.") % {"code": c} for c in missing] + conflicts
    if problems:
        raise ApplicationError(
            _("This bundle cannot be applied for at the moment; please apply for its items one by one."),
            code="bundle_unavailable",
            field_errors={"__all__": problems},
        )
    return merged


def departments_not_covered(user: Any, items: list[ServiceItem], perm: Perm = Perm.CASE_WINDOW) -> list[Department]:
    """The departments of items for which user does not hold perm (each once, in item order)."""
    missing: dict[int, Department] = {}
    for item in items:
        if not has_perm(user, perm, department=item.department):
            missing.setdefault(item.department.pk, item.department)
    return list(missing.values())


# --- Bundle applications ----------------------------------------------------------------------


def bundle_case_list_for_applicant(*, user: Any) -> QuerySet[BundleCase]:
    """The person's own bundle applications, newest first."""
    if not _active(user):
        return BundleCase.objects.none()
    return (
        BundleCase.objects.filter(applicant=user)
        .select_related("bundle")
        .annotate(
            children_count=Count("children"),
            done_count=Count("children", filter=~Q(children__outcome=BundleChild.Outcome.OPEN)),
        )
        .order_by("-submitted_at", "-pk")
    )


def bundle_case_get_for_applicant(*, user: Any, pk: int) -> BundleCase:
    try:
        return bundle_case_list_for_applicant(user=user).select_related("bundle__life_event").get(pk=pk)
    except BundleCase.DoesNotExist:
        raise Http404 from None


def bundle_case_get_for_user(*, user: Any, pk: int) -> BundleCase:
    """The bundle application for its applicant, or for staff whose case roles cover every child's
    department; 404 for everyone else."""
    if _active(user) and BundleCase.objects.filter(pk=pk, applicant=user).exists():
        return bundle_case_get_for_applicant(user=user, pk=pk)
    scope = staff_case_filter(user)
    parent = BundleCase.objects.select_related("bundle").filter(pk=pk).first()
    if scope is None or parent is None:
        raise Http404
    ids = list(parent.children.values_list("case_id", flat=True))
    if not ids or Case.objects.filter(scope, pk__in=ids).count() != len(ids):
        raise Http404
    return parent


@dataclass
class ChildRow:
    child: BundleChild
    case: Case
    licence: Any  # the child's e-licence, when one was issued to the applicant
    granted: bool
    not_granted: bool


def bundle_case_children(*, parent: BundleCase) -> list[ChildRow]:
    """The child cases with their items, departments and e-licences (the caller has checked access)."""
    from dgov.licences.selectors import licence_list_for_holder

    children = list(parent.children.select_related("case__item", "case__department").order_by("position"))
    licences = {
        lic.case_id: lic
        for lic in licence_list_for_holder(user=parent.applicant).filter(case_id__in=[c.case_id for c in children])
    }
    rows = []
    for child in children:
        outcome = child_outcome(child.case)
        rows.append(
            ChildRow(
                child=child,
                case=child.case,
                licence=licences.get(child.case_id),
                granted=outcome == BundleChild.Outcome.GRANTED,
                not_granted=outcome == BundleChild.Outcome.NOT_GRANTED,
            )
        )
    return rows


def child_outcome(case: Case) -> str:
    """How a child case ended: granted (concluded and not rejected), not granted (refused,
    rejected or withdrawn), or "" while it is open."""
    if case.status == Case.Status.CONCLUDED:
        if case.result == Case.Result.REJECTED:
            return BundleChild.Outcome.NOT_GRANTED
        return BundleChild.Outcome.GRANTED
    if case.status in (Case.Status.REFUSED, Case.Status.WITHDRAWN):
        return BundleChild.Outcome.NOT_GRANTED
    return BundleChild.Outcome.OPEN


# --- Management -----------------------------------------------------------------------------------


def is_bundle_manager(user: Any) -> bool:
    """The district's catalogue administrator: an unscoped department administrator."""
    return (
        _active(user)
        and getattr(user, "kind", "") == User.Kind.STAFF
        and departments_for(user, Perm.CATALOG_MANAGE) is None
    )


def bundle_list_for_manager(*, user: Any) -> QuerySet[Bundle]:
    if not is_bundle_manager(user):
        return Bundle.objects.none()
    return _with_entries(Bundle.objects.all()).order_by("status", "code")


def bundle_get_for_manager(*, user: Any, pk: int) -> Bundle:
    bundle = bundle_list_for_manager(user=user).filter(pk=pk).first()
    if bundle is None:
        raise Http404
    return bundle


def life_events() -> QuerySet[LifeEvent]:
    return LifeEvent.objects.order_by("audience", "position", "code")
