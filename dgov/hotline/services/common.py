"""What every hotline write shares: locking a ticket, checking its state, the timeline, notices."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.accounts.selectors import users_holding
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.hotline.models import Ticket, TicketEvent
from dgov.notices.models import Notice
from dgov.notices.services import notice_send


def deny(actor: Any, action: str, ticket: Ticket | None, request: HttpRequest | None = None) -> NoReturn:
    record(actor=actor, action="access.denied", target=ticket, detail={"action": action}, request=request)
    raise PermissionDenied


def require(
    actor: Any,
    perm: Perm,
    action: str,
    ticket: Ticket | None = None,
    *,
    department: Department | None = None,
    request: HttpRequest | None = None,
) -> None:
    if not has_perm(actor, perm, department=department):
        deny(actor, action, ticket, request)


def lock(ticket: Ticket) -> Ticket:
    """The ticket row, locked for this transaction (only the row: of=self)."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category", "department", "region", "caller")
        .get(pk=ticket.pk)
    )


def expect(ticket: Ticket, *statuses: str) -> None:
    if ticket.status not in statuses:
        raise ConflictError(
            _("This cannot be done now: the ticket is “%(status)s”.") % {"status": ticket.get_status_display()},
            code="wrong_status",
        )


# Control characters other than tab and line breaks: never part of what a person wrote (and NUL
# is refused by PostgreSQL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    """Trimmed text of at most limit characters, without control characters; a clear field
    error otherwise."""
    cleaned = str(value or "").strip()
    if _CONTROL.search(cleaned):
        message = _("The text contains control characters; please remove them.")
        raise ApplicationError(message, code="control_characters", field_errors={field: [message]})
    if required and not cleaned:
        raise ApplicationError(
            _("Please fill in %(field)s.") % {"field": field},
            code="required",
            field_errors={field: [_("This field is required.")]},
        )
    if len(cleaned) > limit:
        message = _("At most %(limit)d characters (this has %(count)d).") % {"limit": limit, "count": len(cleaned)}
        raise ApplicationError(message, code="too_long", field_errors={field: [message]})
    return cleaned


def event(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any = None,
    department: Department | None = None,
    note: str = "",
    at: Any = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor=actor if isinstance(actor, User) else None,
        department=department,
        note=note,
        at=at or timezone.now(),
    )


def touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def ticket_path(ticket: Ticket) -> str:
    return reverse("hotline:ticket", args=[ticket.pk])


def notify(
    recipients: Iterable[User], subject: str, body: str, *, url: str, kind: str = Notice.Kind.TASK_ASSIGNED
) -> int:
    sent = 0
    for user in recipients:
        notice_send(recipient=user, subject=subject, body=body, url=url, kind=kind, channels=("site", "sms"))
        sent += 1
    return sent


def handlers_of(department: Department) -> list[User]:
    """The department's ticket handlers (and administrators): who is told of its new tickets."""
    return users_holding(Perm.HOTLINE_HANDLE, department=department)


def dispatchers() -> list[User]:
    from dgov.hotline.selectors import sees_all_tickets

    return [u for u in users_holding(Perm.HOTLINE_SUPERVISE, department=None) if sees_all_tickets(u)]


def notify_caller(ticket: Ticket, subject: str, body: str) -> None:
    """Tell the caller's account (site and SMS) when the ticket came from a signed-in caller."""
    if ticket.caller_id is not None and ticket.caller is not None and ticket.caller.is_active:
        notice_send(
            recipient=ticket.caller,
            subject=subject,
            body=body,
            url=reverse("hotline:mine_detail", args=[ticket.pk]),
            kind=Notice.Kind.CASE_UPDATE,
            channels=("site", "sms"),
        )
