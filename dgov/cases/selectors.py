"""Reads of cases, each deciding who may see what.

- An applicant sees their own cases (drafts included); anyone else's is a 404, guessed ids too.
- Staff see the submitted cases of the departments their case roles cover (window clerk, approver,
  department administrator, leader: ``Perm.CASE_VIEW``), scoped as every role is (a department,
  a region, or everywhere); another department's case is a 404.
- Anyone may look up a case's progress with its number and verification code; a wrong pair and an
  unknown number give the same answer, and failed attempts are limited per client address.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dgov.accounts.models import RoleAssignment, User
from dgov.accounts.permissions import RULES, Perm
from dgov.cases.models import Case, CaseEvent, CaseMaterial
from dgov.cases.numbering import case_number_valid
from dgov.core import crypto
from dgov.core.workdays import add_working_days
from dgov.workflow.models import Task
from dgov.workflow.selectors import task_list_for_user

LOOKUP_FAILURES_ALLOWED = 10
LOOKUP_WINDOW_SECONDS = 600


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def staff_case_filter(user: Any) -> Q | None:
    """Q over Case for the departments user's case roles cover; None when they cover none."""
    if not _active(user):
        return None
    roles = RULES[Perm.CASE_VIEW]
    allowed: Q | None = None
    for a in RoleAssignment.objects.filter(user=user, role__in=roles).select_related("region"):
        cover = Q()
        if a.department_id is not None:
            cover &= Q(department_id=a.department_id)
        if a.region is not None:
            path = a.region.path
            cover &= Q(department__region__path=path) | Q(department__region__path__startswith=path + "/")
        allowed = cover if allowed is None else allowed | cover
    return allowed


def case_list_for_applicant(*, user: Any) -> QuerySet[Case]:
    """The person's own cases, newest first."""
    if not _active(user):
        return Case.objects.none()
    return Case.objects.filter(applicant=user).select_related("item", "department").order_by("-created_at", "-pk")


def case_get_for_applicant(*, user: Any, pk: int) -> Case:
    try:
        return case_list_for_applicant(user=user).select_related("instance__definition").get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


def case_draft_for(*, user: Any, item_code: str) -> Case | None:
    if not _active(user):
        return None
    return Case.objects.filter(applicant=user, item__code=item_code, status=Case.Status.DRAFT).first()


def case_list_for_staff(
    *, user: Any, status: str = "", item: str = "", number: str = "", due: str = ""
) -> QuerySet[Case]:
    """Submitted cases of the departments user covers, filtered; soonest due first."""
    scope = staff_case_filter(user)
    if scope is None:
        return Case.objects.none()
    qs = Case.objects.filter(scope).exclude(status=Case.Status.DRAFT)
    if status:
        qs = qs.filter(status=status)
    if item:
        qs = qs.filter(item__code=item)
    if number:
        qs = qs.filter(number__startswith=number.strip())
    now = timezone.now()
    if due == "overdue":
        qs = qs.filter(status__in=Case.OPEN_STATUSES, paused_at__isnull=True, due_at__lt=now)
    elif due == "due_soon":
        qs = qs.filter(
            status__in=Case.OPEN_STATUSES, paused_at__isnull=True, due_at__gte=now, due_at__lte=add_working_days(now, 1)
        )
    return qs.select_related("item", "department", "applicant").order_by(F("due_at").asc(nulls_last=True), "pk")


def case_get_for_staff(*, user: Any, pk: int) -> Case:
    scope = staff_case_filter(user)
    if scope is None:
        raise Http404
    try:
        return (
            Case.objects.filter(scope)
            .exclude(status=Case.Status.DRAFT)
            .select_related("item", "department__region", "applicant", "submitted_by", "instance__definition")
            .get(pk=pk)
        )
    except Case.DoesNotExist:
        raise Http404 from None


def case_get_for_user(*, user: Any, pk: int) -> Case:
    """The case for its applicant or for staff who cover it; 404 for everyone else."""
    if _active(user) and Case.objects.filter(pk=pk, applicant=user).exists():
        return case_get_for_applicant(user=user, pk=pk)
    return case_get_for_staff(user=user, pk=pk)


def case_timeline(*, case: Case, staff: bool) -> QuerySet[CaseEvent]:
    events = case.events.select_related("actor")
    return events if staff else events.filter(public=True)


def case_materials(*, case: Case) -> QuerySet[CaseMaterial]:
    return case.materials.select_related("item_material")


def case_material_get_for_user(*, user: Any, pk: int) -> CaseMaterial:
    try:
        material = CaseMaterial.objects.select_related("case").get(pk=pk)
    except CaseMaterial.DoesNotExist:
        raise Http404 from None
    case_get_for_user(user=user, pk=material.case_id)  # 404 unless user may see the case
    return material


def open_tasks_of(*, case: Case) -> QuerySet[Task]:
    if case.instance_id is None:
        return Task.objects.none()
    return Task.objects.filter(instance_id=case.instance_id, state__in=Task.OPEN_STATES).select_related(
        "assignee", "department"
    )


def done_tasks_of(*, case: Case) -> QuerySet[Task]:
    if case.instance_id is None:
        return Task.objects.none()
    return Task.objects.filter(instance_id=case.instance_id, state=Task.State.COMPLETED).select_related("completed_by")


def task_queue_for_user(
    *, user: Any, mine: bool = False, item: str = "", due: str = "", status: str = ""
) -> list[tuple[Task, Case | None]]:
    """The staff member's work: open case tasks they may take (or, with mine, that they claimed),
    filtered by item, case status and deadline, soonest due first, each with its case."""
    tasks = task_list_for_user(user=user).exclude(role="applicant")
    if mine:
        tasks = tasks.filter(assignee=user)
    now = timezone.now()
    if due == "overdue":
        tasks = tasks.filter(due_at__lt=now)
    elif due == "due_soon":
        tasks = tasks.filter(due_at__gte=now, due_at__lte=add_working_days(now, 1))
    case_q = Case.objects.filter(instance_id__in=tasks.values("instance_id"))
    if item:
        case_q = case_q.filter(item__code=item)
    if status:
        case_q = case_q.filter(status=status)
    cases = {c.instance_id: c for c in case_q.select_related("item", "department")}
    if item or status:
        tasks = tasks.filter(instance_id__in=list(cases))
    return [(t, cases.get(t.instance_id)) for t in tasks[:500]]


def deadline_state(due_at: datetime | None, *, paused: bool = False) -> str:
    """ "overdue", "due_soon" (by the end of the next working day), "on_time", "paused" or "none"."""
    if paused:
        return "paused"
    if due_at is None:
        return "none"
    now = timezone.now()
    if due_at < now:
        return "overdue"
    if due_at <= add_working_days(now, 1):
        return "due_soon"
    return "on_time"


def _lookup_key(client: str) -> str:
    return f"cases:lookup-failures:{crypto.sm3_hex(client.encode())[:32]}"


def case_lookup_public(*, number: str, code: str, client: str) -> Case | None:
    """The case with this number and verification code, or None. Raises PermissionError when the
    client has failed too often recently (the code has a million values; guessing must be slow)."""
    key = _lookup_key(client)
    failures = int(cache.get(key, 0))
    if failures >= LOOKUP_FAILURES_ALLOWED:
        raise PermissionError
    number = (number or "").strip()
    code = (code or "").strip()
    case = None
    if case_number_valid(number) and code.isdigit():
        case = Case.objects.filter(number=number).select_related("item", "department").first()
    if case is None or not crypto.constant_time_equal(case.lookup_code, code):
        cache.set(key, failures + 1, LOOKUP_WINDOW_SECONDS)
        return None
    return case


def applicant_find(*, id_number: str = "", credit_code: str = "") -> User | None:
    """The citizen with this ID number or the enterprise with this credit code, for the window."""
    from dgov.accounts.services import id_number_digest

    if id_number:
        return User.objects.filter(
            kind=User.Kind.CITIZEN, id_number_digest=id_number_digest(id_number), is_active=True
        ).first()
    if credit_code:
        return User.objects.filter(
            kind=User.Kind.ENTERPRISE, enterprise_credit_code=credit_code, is_active=True
        ).first()
    return None


def rules_panel(*, case: Case, staff: bool) -> list[dict[str, Any]]:
    """What the published rules decided for a case (秒批), as its pages show it: the table and
    version, the outcome, the grounds (the matched rules in words) and the values they were
    applied to. The caller has already checked that the reader may see the case."""
    from dgov.cases import instant

    if case.instance is None:
        return []
    decisions = list(case.instance.decisions.select_related("definition").order_by("decided_at", "id"))
    if not decisions:
        return []
    credit_checks: list[Any] = []
    if case.item.credit_check and case.number:
        from dgov.credit.selectors import checks_of_case

        credit_checks = list(checks_of_case(case.number))
    kinds = set(
        case.events.filter(kind__in=[CaseEvent.Kind.RULES_APPROVED, CaseEvent.Kind.TOLERATED]).values_list(
            "kind", flat=True
        )
    )
    by_rules = CaseEvent.Kind.RULES_APPROVED in kinds
    black = any(c.result in ("black", "both") for c in credit_checks)
    credit_rows = [_credit_row(c) for c in credit_checks] if staff else []
    return [
        {
            "record": decision,
            "table": decision.definition,
            "approved": by_rules,
            "grounds": instant.rule_descriptions(decision),
            "inputs": instant.input_labels(decision),
            "referral": ""
            if by_rules
            else instant.referral_reason(decision, black=black, owed=CaseEvent.Kind.TOLERATED in kinds),
            "credit_checks": credit_rows,
        }
        for decision in decisions
    ]


def _credit_row(check: Any) -> dict[str, Any]:
    """A credit check as the staff case page lists it: when, the result, and what it saw (the
    snapshot taken at the time, so a later withdrawal does not change it)."""
    from dgov.credit.models import CreditList, Measure

    lists = dict(CreditList.choices)
    measures = dict(Measure.choices)
    return {
        "at": check.checked_at,
        "result": check.get_result_display(),
        "entries": [
            {
                "list": lists.get(row.get("list"), row.get("list")),
                "measures": [measures.get(m, m) for m in row.get("measures", [])],
                "authority": row.get("authority") or row.get("department") or "",
                "document": row.get("document_number", ""),
            }
            for row in check.snapshot or []
        ],
    }
