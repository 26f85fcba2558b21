"""A ticket's timeline: every line with its note for the staff, the public steps for the caller,
the public follow-up (by number and code) and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.hotline.models import Extension, Ticket, TicketEvent

K = TicketEvent.Kind
# The timeline a caller sees: what happened and which department holds it; never the returns, the
# refused extensions, the escalations, the assisting departments' notes or who on the staff acted.
PUBLIC_KINDS = (
    K.REGISTERED,
    K.RESOLVED_FIRST_CONTACT,
    K.DISPATCHED,
    K.REDISPATCHED,
    K.SIGNED,
    K.REPLIED,
    K.CALLBACK,
    K.REOPENED,
    K.MERGED,
    K.CLOSED,
    K.PUBLISHED,
)
# The public steps that name a department: the one the ticket went to, or that holds it.
WITH_DEPARTMENT = (K.DISPATCHED, K.REDISPATCHED, K.SIGNED, K.REPLIED)
EXTENDED = "extended"


@dataclass(frozen=True)
class Step:
    at: datetime
    kind: str
    label: str
    department: str = ""
    text: str = ""


def _public_steps(ticket: Ticket) -> list[Step]:
    steps: list[Step] = []
    approved = iter(ticket.extensions.filter(state=Extension.State.APPROVED).order_by("decided_at", "id"))
    kinds = (*PUBLIC_KINDS, K.EXTENSION_APPROVED)
    for e in ticket.events.filter(kind__in=kinds).select_related("department").order_by("at", "id"):
        if e.kind == K.EXTENSION_APPROVED:
            extension = next(approved, None)
            if extension is not None and extension.due_after is not None:
                label = _("Reply deadline extended to %(date)s") % {
                    "date": timezone.localtime(extension.due_after).date()
                }
                steps.append(Step(at=e.at, kind=EXTENDED, label=label))
            continue
        department = e.department.label if e.department is not None and e.kind in WITH_DEPARTMENT else ""
        text = ""
        if e.kind == K.REGISTERED:
            text = ticket.get_channel_display()
        elif e.kind == K.REPLIED:
            text = e.note
        steps.append(Step(at=e.at, kind=e.kind, label=str(e.get_kind_display()), department=department, text=text))
    return steps


def ticket_timeline(ticket: Ticket, *, public: bool) -> list[Step]:
    """The ticket's steps, oldest first. public=False: every event with its department and note
    (for staff who may see the ticket). public=True: only what the caller may read (PUBLIC_KINDS;
    an approved extension as its new deadline in the place of its approval; a department only on
    WITH_DEPARTMENT steps; text only the channel and the reply) — never an internal note."""
    if public:
        return _public_steps(ticket)
    return [
        Step(
            at=e.at,
            kind=e.kind,
            label=str(e.get_kind_display()),
            department=e.department.label if e.department is not None else "",
            text=e.note,
        )
        for e in ticket.events.select_related("department").order_by("at", "id")
    ]
