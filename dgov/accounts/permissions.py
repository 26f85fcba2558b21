"""The one place that decides who may do what. Views and endpoints ask here; they never test roles.

A permission is granted to roles; a role assignment may be scoped to a department or a region
(and everything below it). ``has_perm(user, perm, department=…, region=…)`` answers for a scope.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from functools import reduce, wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from dgov.accounts.models import Department, Region, Role, RoleAssignment, User


class Perm(enum.StrEnum):
    PERSONAL_CENTRE = "personal_centre.view"
    WORKBENCH = "workbench.view"
    ADMIN_SITE = "admin_site.use"
    API_TOKENS = "api_tokens.manage"
    ROLES = "roles.manage"
    SECURITY = "security.manage"
    AUDIT_VIEW = "audit.view"
    WORKFLOW_DEFINITIONS = "workflow.definitions.manage"
    CATALOG_MANAGE = "catalog.manage"
    CASE_VIEW = "cases.view"
    CASE_WINDOW = "cases.window"
    SEALS_MANAGE = "licences.seals.manage"
    LICENCE_ISSUE = "licences.issue"
    RATINGS_VIEW = "ratings.view"
    RATINGS_RECTIFY = "ratings.rectify"
    RATINGS_EXCLUDE = "ratings.exclusion.approve"
    CREDIT_VIEW = "credit.view"
    CREDIT_MANAGE = "credit.manage"
    CROSSREGION_HANDOVER = "crossregion.handover"
    HOTLINE_VIEW = "hotline.view"
    HOTLINE_TAKE = "hotline.take"
    HOTLINE_DISPATCH = "hotline.dispatch"
    HOTLINE_SUPERVISE = "hotline.supervise"
    HOTLINE_HANDLE = "hotline.handle"
    HOTLINE_KNOWLEDGE = "hotline.knowledge.manage"
    INDICATORS_VIEW = "indicators.view"
    INDICATORS_REPORT = "indicators.report"


STAFF_WORK_ROLES = frozenset(
    {
        Role.WINDOW_CLERK,
        Role.APPROVER,
        Role.DEPT_ADMIN,
        Role.HOTLINE_OPERATOR,
        Role.DISPATCHER,
        Role.TICKET_HANDLER,
        Role.GRID_WORKER,
        Role.LEADER,
        Role.DATA_OFFICER,
    }
)

# Perm -> roles that hold it. 三员分立: the system administrator runs the system (accounts,
# departments, API tokens), the security administrator assigns roles and handles lockouts and
# second factors, the audit administrator reads the trail; none can do the others' work.
RULES: dict[Perm, frozenset[Role]] = {
    Perm.WORKBENCH: STAFF_WORK_ROLES,
    Perm.ADMIN_SITE: frozenset({Role.SYSTEM_ADMIN}),
    Perm.API_TOKENS: frozenset({Role.SYSTEM_ADMIN}),
    Perm.WORKFLOW_DEFINITIONS: frozenset({Role.SYSTEM_ADMIN}),
    # Department administrators keep their department's service items; an unscoped one is the
    # district's catalogue administrator.
    Perm.CATALOG_MANAGE: frozenset({Role.DEPT_ADMIN}),
    # Staff who see a department's cases: those who work them and those who answer for them.
    Perm.CASE_VIEW: frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPT_ADMIN, Role.LEADER}),
    # 一窗综合受理: a window clerk enters cases for the departments their role covers.
    Perm.CASE_WINDOW: frozenset({Role.WINDOW_CLERK}),
    # A department's administrator makes its e-seals, rotates their keys, suspends or revokes them.
    Perm.SEALS_MANAGE: frozenset({Role.DEPT_ADMIN}),
    # Issuing by hand, changing, renewing and revoking a department's licences.
    Perm.LICENCE_ISSUE: frozenset({Role.APPROVER, Role.DEPT_ADMIN}),
    # 好差评: a department's bad ratings are read by those who work or answer for them (leaders,
    # read-only), worked by its approvers and administrators (call-back, rectification, report
    # back, proposing to exclude a malicious rating), and an exclusion is approved by its
    # department administrator (a different person from the proposer; see dgov.ratings.services).
    Perm.RATINGS_VIEW: frozenset({Role.APPROVER, Role.DEPT_ADMIN, Role.LEADER}),
    Perm.RATINGS_RECTIFY: frozenset({Role.APPROVER, Role.DEPT_ADMIN}),
    Perm.RATINGS_EXCLUDE: frozenset({Role.DEPT_ADMIN}),
    # 社会信用联合奖惩: the red and black lists are read (and subjects checked) by those who accept
    # and decide cases and by leaders; a department administrator keeps the entries their
    # department listed (an unscoped one keeps all). See dgov.credit.
    Perm.CREDIT_VIEW: frozenset({Role.WINDOW_CLERK, Role.APPROVER, Role.DEPT_ADMIN, Role.LEADER}),
    Perm.CREDIT_MANAGE: frozenset({Role.DEPT_ADMIN}),
    # 跨域通办 (异地代收): a window clerk takes in applications for another region's items and hands
    # them over to that region's platform; they see the handovers of the departments their role covers.
    Perm.CROSSREGION_HANDOVER: frozenset({Role.WINDOW_CLERK}),
    # 12345 hotline (dgov.hotline): operators take calls and call back; operators and dispatchers
    # dispatch; dispatchers review returns, approve extensions and keep the dispatch catalogue;
    # a department's ticket handlers (and its administrator) sign for, handle and reply to its
    # tickets; leaders read. A department-scoped role sees its department's tickets only.
    Perm.HOTLINE_VIEW: frozenset(
        {Role.HOTLINE_OPERATOR, Role.DISPATCHER, Role.TICKET_HANDLER, Role.DEPT_ADMIN, Role.LEADER}
    ),
    Perm.HOTLINE_TAKE: frozenset({Role.HOTLINE_OPERATOR}),
    Perm.HOTLINE_DISPATCH: frozenset({Role.HOTLINE_OPERATOR, Role.DISPATCHER}),
    Perm.HOTLINE_SUPERVISE: frozenset({Role.DISPATCHER}),
    Perm.HOTLINE_HANDLE: frozenset({Role.TICKET_HANDLER, Role.DEPT_ADMIN}),
    Perm.HOTLINE_KNOWLEDGE: frozenset({Role.DISPATCHER, Role.DEPT_ADMIN}),
    # The plan's indicators (dgov.indicators): leaders and data officers read the district's,
    # a department administrator their department's slice; the data officer enters reported
    # values, changes targets and takes snapshots.
    Perm.INDICATORS_VIEW: frozenset({Role.LEADER, Role.DATA_OFFICER, Role.DEPT_ADMIN}),
    Perm.INDICATORS_REPORT: frozenset({Role.DATA_OFFICER}),
    Perm.ROLES: frozenset({Role.SECURITY_ADMIN}),
    Perm.SECURITY: frozenset({Role.SECURITY_ADMIN}),
    Perm.AUDIT_VIEW: frozenset({Role.AUDIT_ADMIN}),
}

# Permissions any signed-in person has, whatever their roles.
EVERYONE: frozenset[Perm] = frozenset({Perm.PERSONAL_CENTRE})


def _assignments(user: User) -> list[RoleAssignment]:
    cached: list[RoleAssignment] | None = getattr(user, "_role_cache", None)
    if cached is None:
        cached = list(user.role_assignments.select_related("department__region", "region"))
        user._role_cache = cached  # type: ignore[attr-defined]
    return cached


def roles_of(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return {a.role for a in _assignments(user)}


def in_scope(assignment: RoleAssignment, department: Department | None, region: Region | None) -> bool:
    """A department-scoped role covers that department (and, for place-only questions, its area);
    a region-scoped role covers everything in that region; an unscoped role covers all."""
    if assignment.department is not None:
        if department is not None and assignment.department.pk != department.pk:
            return False
        if department is None and region is not None and not assignment.department.region.contains(region):
            return False
    if assignment.region is not None:
        if region is not None and not assignment.region.contains(region):
            return False
        if department is not None and not assignment.region.contains(department.region):
            return False
    return True


def has_perm(user: Any, perm: Perm, *, department: Department | None = None, region: Region | None = None) -> bool:
    """Whether user holds perm, for the given department/region when one is named."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if perm in EVERYONE:
        return True
    allowed = RULES.get(perm, frozenset())
    return any(a.role in allowed and in_scope(a, department, region) for a in _assignments(user))


def departments_for(user: Any, perm: Perm) -> list[int] | None:
    """Department ids where user holds perm; None means every department (unscoped role). A
    region-scoped role covers the departments of its region and the regions within it (as
    ``in_scope`` does)."""
    allowed = RULES.get(perm, frozenset())
    ids: set[int] = set()
    areas: list[Q] = []
    for a in _assignments(user) if getattr(user, "is_authenticated", False) and user.is_active else []:
        if a.role not in allowed:
            continue
        if a.department_id is None and a.region_id is None:
            return None
        if a.department_id is not None:
            ids.add(a.department_id)
        elif a.region is not None:
            areas.append(Q(region__path=a.region.path) | Q(region__path__startswith=a.region.path + "/"))
    if areas:
        ids.update(Department.objects.filter(reduce(operator.or_, areas)).values_list("pk", flat=True))
    return sorted(ids)


_Response = TypeVar("_Response", bound=HttpResponseBase)


def require(request: HttpRequest, perm: Perm, **scope: Any) -> None:
    """Raise PermissionDenied (recorded in the audit trail) unless request.user holds perm."""
    if not has_perm(request.user, perm, **scope):
        from dgov.audit import record

        actor = request.user if request.user.is_authenticated else "anonymous"
        record(actor=actor, action="access.denied", detail={"perm": str(perm), "path": request.path}, request=request)
        raise PermissionDenied


def requires(perm: Perm) -> Callable[[Callable[..., _Response]], Callable[..., _Response | HttpResponse]]:
    """View decorator: sign-in required, then ``require(perm)``."""

    def decorator(view: Callable[..., _Response]) -> Callable[..., _Response | HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> _Response | HttpResponse:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            require(request, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
