"""Who sees which tickets, and the ticket lists of the hotline's pages, Open311 and the API.

- Hotline staff (operators, dispatchers) and leaders whose role covers the hotline's region see
  every ticket; a department's ticket handlers and administrator see the tickets their
  department was ever given (lead or assisting), and nothing else; a signed-in caller sees the
  tickets they filed. Anything else is a 404, guessed ids included.
- The caller's identity: full on the caller's own page; masked (张*, 138****5678) for hotline staff
  and leaders; masked for a handling department, and hidden altogether when the ticket is
  confidential (保密) or anonymous.
- The public (anyone, signed in or not): the message board's published tickets, the tickets filed
  through Open311 and published ones, a ticket by number and follow-up code, and a ticket filed
  moments ago from the same browser session. Never a report (举报), a confidential or an anonymous
  ticket in a list.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dgov.accounts.models import Department, Region
from dgov.accounts.permissions import RULES, Perm, departments_for
from dgov.hotline.models import Assignment, Category, Extension, Ticket
from dgov.hotline.numbering import hotline_region_code, ticket_number_valid

# Closed for the public (Open311's status "closed"): a merged ticket is handled with the other one.
FINISHED = (Ticket.Status.CLOSED, Ticket.Status.MERGED)


def _hotline_region() -> Region | None:
    return Region.objects.filter(code=hotline_region_code()).first()


def sees_all_tickets(user: Any) -> bool:
    """Whether a hotline role of user, not tied to one department, covers the hotline's whole area
    (operators, dispatchers, leaders of the district)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached: bool | None = getattr(user, "_sees_all_tickets", None)
    if cached is None:
        region = _hotline_region()
        allowed = RULES[Perm.HOTLINE_VIEW]
        cached = any(
            a.role in allowed and a.department_id is None and (a.region is None or a.region.contains(region))
            for a in user.role_assignments.select_related("region")
        )
        # Per request (the user object lives as long as the request): roles change rarely and a
        # list page asks for every row.
        user._sees_all_tickets = cached
    return cached


def handling_departments(user: Any) -> list[int]:
    """Departments whose tickets user handles (Perm.HOTLINE_HANDLE, department-scoped)."""
    ids = departments_for(user, Perm.HOTLINE_HANDLE)
    return ids or []


def ticket_scope(user: Any) -> QuerySet[Ticket]:
    """The tickets user may see (see the module docstring)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    if sees_all_tickets(user):
        return Ticket.objects.all()
    departments = departments_for(user, Perm.HOTLINE_VIEW) or []
    given = Assignment.objects.filter(ticket=OuterRef("pk"), department_id__in=departments)
    return Ticket.objects.filter(Q(caller=user) | Q(Exists(given)))


def ticket_get_for_user(*, user: Any, pk: int) -> Ticket:
    """The ticket if user may see it, else Http404."""
    ticket = (
        ticket_scope(user)
        .select_related("category", "department", "region", "suggested_category", "suggested_department")
        .filter(pk=pk)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def ticket_list_for_user(
    *,
    user: Any,
    status: str | None = None,
    department: Department | None = None,
    category: Category | None = None,
    deadline: str | None = None,
    extension_pending: bool = False,
    now: datetime | None = None,
) -> QuerySet[Ticket]:
    """Tickets user may see, filtered, newest first; overdue = with a department past its reply
    deadline; extension_pending = with an extension request waiting for a decision."""
    qs = ticket_scope(user).select_related("category", "department", "region")
    if status:
        qs = qs.filter(status=status)
    if department is not None:
        qs = qs.filter(department=department)
    if category is not None:
        qs = qs.filter(category__code__startswith=category.code.rstrip("0") or category.code)
    now = now or timezone.now()
    if deadline == "overdue":
        qs = qs.filter(status__in=Ticket.WITH_DEPARTMENT, due_at__lt=now)
    elif deadline == "sign_overdue":
        qs = qs.filter(status=Ticket.Status.DISPATCHED, sign_due_at__lt=now)
    if extension_pending:
        qs = qs.filter(extensions__state=Extension.State.PENDING).distinct()
    return qs.order_by("-created_at", "-id")


def ticket_list_for_caller(*, user: Any) -> QuerySet[Ticket]:
    """The tickets user filed under their own name (never the anonymous ones), newest first."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Ticket.objects.none()
    return Ticket.objects.filter(caller=user).select_related("department", "category").order_by("-created_at", "-id")


def ticket_get_for_caller(*, user: Any, pk: int) -> Ticket:
    """A ticket user filed under their own name, else Http404 (staff included: this is the caller's page)."""
    ticket = ticket_get_for_user(user=user, pk=pk)
    if ticket.caller_id is None or ticket.caller_id != user.pk:
        raise Http404
    return ticket


def department_queue(
    *,
    user: Any,
    department: Department,
    state: str | None = None,
    overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[Assignment]:
    """The department's open assignments (to sign for, or signed and not replied), soonest due
    first, else Http404 for a department user neither handles for nor oversees. state: one of
    Assignment.OPEN_STATES; overdue: the ticket is with a department past its reply deadline."""
    if department.pk not in handling_departments(user) and not sees_all_tickets(user):
        raise Http404
    qs = Assignment.objects.filter(department=department, state__in=Assignment.OPEN_STATES)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(ticket__status__in=Ticket.WITH_DEPARTMENT, ticket__due_at__lt=now or timezone.now())
    return qs.select_related("ticket", "ticket__category", "ticket__region").order_by("ticket__due_at", "id")


def caller_view(user: Any, ticket: Ticket) -> dict[str, str]:
    """The caller's name and phone as user may see them ("" when hidden)."""
    if ticket.anonymous:
        return {"name": "", "phone": "", "hidden": "anonymous"}
    if ticket.caller_id is not None and user.pk == ticket.caller_id:
        return {"name": ticket.caller_name, "phone": ticket.caller_phone, "hidden": ""}
    if sees_all_tickets(user):
        return {"name": ticket.caller_name_masked, "phone": ticket.caller_phone_masked, "hidden": ""}
    if ticket.confidential:
        return {"name": "", "phone": "", "hidden": "confidential"}
    return {"name": ticket.caller_name_masked, "phone": ticket.caller_phone_masked, "hidden": ""}


def ticket_lookup(*, number: str, code: str) -> Ticket | None:
    """Public follow-up: the ticket whose number and follow-up code both match, else None."""
    from dgov.core.crypto import constant_time_equal

    number = (number or "").strip().upper()
    code = (code or "").strip()
    if not ticket_number_valid(number) or not code.isdigit():
        return None
    ticket = Ticket.objects.select_related("department", "category").filter(number=number).first()
    if ticket is None or not constant_time_equal(ticket.lookup_code, code):
        return None
    return ticket


def ticket_get_for_receipt(*, pk: int, receipts: Collection[int]) -> Ticket:
    """A ticket filed from this browser session moments ago (receipts: the session's ticket ids;
    anonymous tickets included), else Http404."""
    if pk not in receipts:
        raise Http404
    ticket = Ticket.objects.select_related("department").filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def ticket_list_board(*, query: str = "") -> QuerySet[Ticket]:
    """The message board: published tickets, newest first; each of query's first five words
    matches the title, the message or the reply. Reports and confidential tickets are never
    published (dgov.hotline.services.closing); this read refuses them (and anonymous ones) again
    rather than trust a stray published_at."""
    qs = (
        Ticket.objects.filter(published_at__isnull=False, confidential=False, anonymous=False)
        .exclude(type=Ticket.Type.REPORT)
        .select_related("department", "category")
        .order_by("-published_at", "-id")
    )
    for word in query.split()[:5]:
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(reply__icontains=word))
    return qs


def ticket_list_public(
    *,
    numbers: Sequence[str] | None = None,
    category_codes: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    finished: bool | None = None,
) -> QuerySet[Ticket]:
    """Tickets anyone may read through Open311 (filed through Open311, or published on the message
    board), newest first; never a report, a confidential or an anonymous ticket. Filters: numbers,
    leaf category codes, registered between start and end, finished (closed or merged) or not."""
    qs = (
        Ticket.objects.filter(Q(channel=Ticket.Channel.OPEN311) | Q(published_at__isnull=False))
        .exclude(type=Ticket.Type.REPORT)
        .exclude(confidential=True)
        .exclude(anonymous=True)
    )
    if numbers is not None:
        qs = qs.filter(number__in=numbers)
    if category_codes:
        qs = qs.filter(category__code__in=category_codes)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    if finished is True:
        qs = qs.filter(status__in=FINISHED)
    elif finished is False:
        qs = qs.exclude(status__in=FINISHED)
    return qs.select_related("category", "department", "region", "merged_into").order_by("-created_at", "-id")
