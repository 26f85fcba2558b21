"""Which actions a person may take on a ticket now. The ticket page offers these; the services
decide again on the POST (state may have changed in between)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dgov.accounts.models import Department
from dgov.accounts.permissions import Perm, has_perm
from dgov.hotline.models import Assignment, Extension, Ticket
from dgov.hotline.selectors.matching import Duplicate, duplicates_for

S = Ticket.Status
A = Assignment.State


@dataclass(frozen=True)
class TicketActions:
    """allowed: action name -> whether user may take it now ("sign": the departments user may sign
    for); and the rows that decided it, which the ticket page shows."""

    allowed: dict[str, Any]
    assignments: list[Assignment]
    extensions: list[Extension]
    pending: Extension | None
    duplicates: list[Duplicate]

    @property
    def names(self) -> frozenset[str]:
        """The actions allowed now."""
        return frozenset(name for name, value in self.allowed.items() if value)


def _handles(user: Any, department: Department) -> bool:
    return has_perm(user, Perm.HOTLINE_HANDLE, department=department)


def _allowed(user: Any, ticket: Ticket, assignments: list[Assignment], pending: Extension | None) -> dict[str, Any]:
    # Imported here: the services import the selectors (duplicates, topic tokens).
    from dgov.hotline.services.closing import has_contact

    status = ticket.status
    lead = next((a for a in assignments if a.role == Assignment.Role.LEAD and a.state in Assignment.OPEN_STATES), None)
    my_lead = lead if lead is not None and _handles(user, lead.department) else None
    to_sign = [a.department for a in assignments if a.state == A.DISPATCHED and _handles(user, a.department)]
    now = timezone.now()
    contact = has_contact(ticket)
    return {
        "dispatch": status == S.REGISTERED and has_perm(user, Perm.HOTLINE_DISPATCH),
        "merge": ticket.is_open and has_perm(user, Perm.HOTLINE_DISPATCH),
        "sign": to_sign if status in Ticket.WITH_DEPARTMENT else [],
        "return": status in Ticket.WITH_DEPARTMENT and my_lead is not None,
        "review": status == S.RETURNED and has_perm(user, Perm.HOTLINE_SUPERVISE),
        "extension": status == S.HANDLING
        and my_lead is not None
        and my_lead.state == A.SIGNED
        and pending is None
        and ticket.due_at is not None
        and now <= ticket.due_at,
        "decide": pending is not None and has_perm(user, Perm.HOTLINE_SUPERVISE),
        "assist": status in Ticket.WITH_DEPARTMENT
        and any(
            a.role == Assignment.Role.ASSIST and a.state == A.SIGNED and _handles(user, a.department)
            for a in assignments
        ),
        "reply": status == S.HANDLING and my_lead is not None and my_lead.state == A.SIGNED,
        "callback": status == S.REPLIED and contact and has_perm(user, Perm.HOTLINE_TAKE),
        "close": status == S.REPLIED and not contact and has_perm(user, Perm.HOTLINE_TAKE),
    }


def ticket_actions_for_user(user: Any, ticket: Ticket) -> TicketActions:
    """What user may do on ticket now (a ticket user may see: ticket_get_for_user); merging only
    when there are open look-alikes to merge into."""
    assignments = list(
        ticket.assignments.select_related("department__region", "dispatched_by", "signed_by", "replied_by")
    )
    extensions = list(ticket.extensions.select_related("requested_by", "decided_by"))
    pending = next((e for e in extensions if e.state == Extension.State.PENDING), None)
    allowed = _allowed(user, ticket, assignments, pending)
    duplicates = duplicates_for(ticket) if allowed["merge"] else []
    allowed["merge"] = bool(duplicates)
    return TicketActions(
        allowed=allowed, assignments=assignments, extensions=extensions, pending=pending, duplicates=duplicates
    )
