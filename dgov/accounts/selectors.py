"""Reads about people, roles and tokens; each checks who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from dgov.accounts.models import ApiToken, RoleAssignment, User
from dgov.accounts.permissions import Perm, has_perm


def user_list_for_security_admin(*, actor: Any, query: str = "") -> QuerySet[User]:
    """Staff accounts with their roles, for the security administrator's console."""
    if not has_perm(actor, Perm.ROLES):
        raise Http404
    qs = (
        User.objects.filter(kind=User.Kind.STAFF)
        .select_related("department")
        .prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("department", "region"))
        )
        .order_by("department__code", "username")
    )
    if query:
        qs = qs.filter(username__icontains=query) | qs.filter(real_name__icontains=query)
    return qs


def user_get_for_security_admin(*, actor: Any, pk: int) -> User:
    if not has_perm(actor, Perm.ROLES):
        raise Http404
    try:
        return User.objects.select_related("department").get(pk=pk, kind=User.Kind.STAFF)
    except User.DoesNotExist as exc:
        raise Http404 from exc


def api_token_list_for_user(*, actor: Any) -> QuerySet[ApiToken]:
    if not has_perm(actor, Perm.API_TOKENS):
        raise Http404
    return ApiToken.objects.select_related("department", "created_by").order_by("-created_at")


def api_token_get_for_user(*, actor: Any, pk: int) -> ApiToken:
    try:
        return api_token_list_for_user(actor=actor).get(pk=pk)
    except ApiToken.DoesNotExist as exc:
        raise Http404 from exc


def personal_data_reads_of(*, subject: User) -> QuerySet[Any]:
    """Who read this person's personal data in full, newest first (shown to the person)."""
    from dgov.audit.models import AuditEvent

    return AuditEvent.objects.filter(
        action="personal_data.read", target_type="accounts.user", target_id=str(subject.pk)
    ).order_by("-seq")


def users_holding(perm: Any, *, department: Any) -> list[User]:
    """Active users who hold perm for department (their role's scope covers it), by id."""
    from dgov.accounts.models import RoleAssignment
    from dgov.accounts.permissions import RULES, in_scope

    assignments = RoleAssignment.objects.filter(role__in=RULES[perm], user__is_active=True).select_related(
        "user", "department__region", "region"
    )
    users = {a.user_id: a.user for a in assignments if in_scope(a, department, None)}
    return sorted(users.values(), key=lambda u: u.pk)
