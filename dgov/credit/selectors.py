"""Reads of the credit lists, each deciding who may see what.

- **Reading is district-wide.** Joint rewards and punishments (联合奖惩) mean every department
  applies every department's listings, so whoever holds ``Perm.CREDIT_VIEW`` (window clerks,
  approvers, department administrators, leaders) reads all entries and their checks; anyone else
  gets 403 on the pages (``requires``) and 404 from these selectors.
- **Keeping is scoped to the listing department.** ``Perm.CREDIT_MANAGE`` (department
  administrators) covers the entries of the departments the role covers: a department-scoped
  administrator lists and withdraws their own department's entries only, a region-scoped one those
  of the departments in the region, an unscoped one all. Another department's entry can be read
  but not withdrawn.
- **Keys are masked** everywhere except for a manager of the entry's department on its detail
  page (a person's ID number shown there is a recorded read, see the views).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dgov.accounts.models import Department, RoleAssignment
from dgov.accounts.permissions import RULES, Perm, has_perm
from dgov.core.validation import normalise_credit_code, normalise_id_number
from dgov.credit.models import CreditCheck, CreditEntry, SubjectKind, subject_key_digest

# The states a list can be filtered by (CreditEntry.state_on).
STATES = ("in_force", "pending", "expired", "withdrawn")
NAME_SEARCH_MAX = 100


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def normalised_key(subject_kind: str, key: str) -> str | None:
    """The key in canonical form (upper case, checked), or None when it is not a valid one."""
    try:
        if subject_kind == SubjectKind.PERSON:
            return normalise_id_number(key)
        if subject_kind == SubjectKind.ENTERPRISE:
            return normalise_credit_code(key)
    except ValueError:
        return None
    return None


def _in_force(qs: QuerySet[CreditEntry], day: dt.date) -> QuerySet[CreditEntry]:
    return qs.filter(status=CreditEntry.Status.ACTIVE, valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def entries_in_force(subject_kind: str, key: str, on: dt.date | None = None) -> QuerySet[CreditEntry]:
    """The subject's active entries valid on the day (Beijing today by default), black first.

    A malformed key matches nothing. The caller decides who may know the answer."""
    canonical = normalised_key(subject_kind, key)
    if canonical is None:
        return CreditEntry.objects.none()
    day = on or timezone.localdate()
    qs = CreditEntry.objects.filter(subject_kind=subject_kind, key_digest=subject_key_digest(subject_kind, canonical))
    # "black" sorts before "red".
    return _in_force(qs, day).select_related("department").order_by("list_kind", "valid_from", "pk")


def manage_filter(user: Any) -> Q | None:
    """Q over CreditEntry for the departments where user holds CREDIT_MANAGE; None when none."""
    if not _active(user):
        return None
    allowed: Q | None = None
    assignments = RoleAssignment.objects.filter(user=user, role__in=RULES[Perm.CREDIT_MANAGE]).select_related("region")
    for a in assignments:
        cover = Q()
        if a.department_id is not None:
            cover &= Q(department_id=a.department_id)
        if a.region is not None:
            path = a.region.path
            cover &= Q(department__region__path=path) | Q(department__region__path__startswith=path + "/")
        allowed = cover if allowed is None else allowed | cover
    return allowed


def entries_for_manager(actor: Any) -> QuerySet[CreditEntry]:
    """The entries actor may withdraw: those of the departments their CREDIT_MANAGE role covers."""
    cover = manage_filter(actor)
    if cover is None:
        return CreditEntry.objects.none()
    return CreditEntry.objects.filter(cover).select_related("department", "created_by", "withdrawn_by")


def departments_for_manager(actor: Any) -> QuerySet[Department]:
    """The departments actor may list subjects for."""
    if not _active(actor):
        return Department.objects.none()
    ids = [
        d.pk for d in Department.objects.select_related("region") if has_perm(actor, Perm.CREDIT_MANAGE, department=d)
    ]
    return Department.objects.filter(pk__in=ids).order_by("code")


def can_manage(user: Any, entry: CreditEntry) -> bool:
    return has_perm(user, Perm.CREDIT_MANAGE, department=entry.department)


def entry_list_for_user(
    *, user: Any, list_kind: str = "", subject_kind: str = "", state: str = "", q: str = ""
) -> QuerySet[CreditEntry]:
    """Entries for a reader (``Perm.CREDIT_VIEW``), newest first, filtered.

    ``q`` is an exact subject key when it is a valid ID number or credit code, otherwise a part of
    the subject's name (keys are encrypted or masked and cannot be searched by part)."""
    if not has_perm(user, Perm.CREDIT_VIEW):
        return CreditEntry.objects.none()
    qs = CreditEntry.objects.select_related("department")
    if list_kind:
        qs = qs.filter(list_kind=list_kind)
    if subject_kind:
        qs = qs.filter(subject_kind=subject_kind)
    day = timezone.localdate()
    active = CreditEntry.Status.ACTIVE
    if state == "in_force":
        qs = _in_force(qs, day)
    elif state == "pending":
        qs = qs.filter(status=active, valid_from__gt=day)
    elif state == "expired":
        qs = qs.filter(status=active, valid_until__lt=day)
    elif state == "withdrawn":
        qs = qs.filter(status=CreditEntry.Status.WITHDRAWN)
    text = q.strip()[:NAME_SEARCH_MAX]
    if text:
        digests = [
            subject_key_digest(kind, key)
            for kind in (SubjectKind.PERSON, SubjectKind.ENTERPRISE)
            if (key := normalised_key(kind, text)) is not None
        ]
        qs = qs.filter(key_digest__in=digests) if digests else qs.filter(subject_name__icontains=text)
    return qs


def entry_get_for_user(*, user: Any, pk: int) -> CreditEntry:
    """One entry for a reader; 404 for anyone without ``Perm.CREDIT_VIEW`` and for unknown ids."""
    if not has_perm(user, Perm.CREDIT_VIEW):
        raise Http404
    entry = CreditEntry.objects.select_related("department", "created_by", "withdrawn_by").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def checks_of_entry(*, entry: CreditEntry) -> QuerySet[CreditCheck]:
    """The checks that found the entry, newest first (the caller has shown the entry)."""
    return entry.checks.select_related("actor").order_by("-checked_at", "-pk")


def checks_of_case(case_number: str) -> QuerySet[CreditCheck]:
    """The checks made for a case, oldest first. The caller has checked that the reader may see
    the case (this app knows case numbers only as strings)."""
    number = case_number.strip()
    if not number:
        return CreditCheck.objects.none()
    return CreditCheck.objects.filter(case_number=number).select_related("actor").order_by("checked_at", "pk")
