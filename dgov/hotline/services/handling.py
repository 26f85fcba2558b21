"""A department's part: sign for (签收), return (退单) and its review (改派), extension (延期),
assisting replies (协办), and the reply (答复)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import add_working_days
from dgov.hotline.deadlines import MAX_EXTENSION_DAYS
from dgov.hotline.models import REPLY_MAX, Assignment, Category, Extension, Ticket, TicketEvent
from dgov.hotline.services.common import (
    deny,
    dispatchers,
    event,
    expect,
    handlers_of,
    lock,
    notify,
    notify_caller,
    text,
    ticket_path,
)
from dgov.hotline.services.intake import _dispatch

S = Ticket.Status
A = Assignment.State


def _may_act(actor: User, ticket: Ticket, *, role: str | None, action: str, request: HttpRequest | None) -> None:
    """Before the transaction (so the refusal's audit event is kept): the actor handles a
    department that holds an open assignment (of role) on the ticket."""
    qs = Assignment.objects.filter(ticket=ticket, state__in=Assignment.OPEN_STATES).select_related("department__region")
    if role is not None:
        qs = qs.filter(role=role)
    if not any(has_perm(actor, Perm.HOTLINE_HANDLE, department=a.department) for a in qs):
        deny(actor, action, ticket, request)


def _assignment_of(
    actor: User,
    ticket: Ticket,
    *,
    states: Sequence[str],
    role: str | None = None,
    department: Department | None = None,
) -> Assignment:
    """Under the ticket's lock: the actor's department's assignment in one of states."""
    qs = Assignment.objects.filter(ticket=ticket, state__in=states).select_related("department__region")
    if role is not None:
        qs = qs.filter(role=role)
    if department is not None:
        qs = qs.filter(department=department)
    mine = [a for a in qs if has_perm(actor, Perm.HOTLINE_HANDLE, department=a.department)]
    if not mine:
        raise ConflictError(
            _("This cannot be done now: the ticket is “%(status)s”.") % {"status": ticket.get_status_display()},
            code="wrong_status",
        )
    if len(mine) > 1:
        raise ApplicationError(_("Say for which of your departments."), code="department_required")
    return mine[0]


def ticket_sign(
    *, actor: User, ticket: Ticket, department: Department | None = None, request: HttpRequest | None = None
) -> Assignment:
    """Sign for a ticket given to the actor's department (lead or assisting); the lead's signature
    starts the handling."""
    _may_act(actor, ticket, role=None, action="hotline.ticket_sign", request=request)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.DISPATCHED, S.HANDLING)
        assignment = _assignment_of(actor, locked, states=[A.DISPATCHED], department=department)
        now = timezone.now()
        assignment.state = A.SIGNED
        assignment.signed_at = now
        assignment.signed_by = actor
        assignment.save(update_fields=["state", "signed_at", "signed_by"])
        if assignment.role == Assignment.Role.LEAD:
            locked.status = S.HANDLING
            locked.signed_at = now
            locked.updated_at = now
            locked.save(update_fields=["status", "signed_at", "updated_at"])
        late = locked.sign_due_at is not None and now > locked.sign_due_at
        event(
            locked,
            TicketEvent.Kind.SIGNED,
            actor=actor,
            department=assignment.department,
            note=_("late") if late else "",
            at=now,
        )
        record(
            actor=actor,
            action="hotline.ticket_sign",
            target=locked,
            detail={
                "number": locked.number,
                "department": assignment.department.code,
                "role": assignment.role,
                "late": late,
            },
            request=request,
        )
    return assignment


def ticket_return(*, actor: User, ticket: Ticket, reason: str, request: HttpRequest | None = None) -> Ticket:
    """The lead department returns a ticket that is not its business (退单), with the reason; the
    dispatcher reviews it."""
    reason = text(reason, "reason", limit=1000)
    _may_act(actor, ticket, role=Assignment.Role.LEAD, action="hotline.ticket_return", request=request)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.DISPATCHED, S.HANDLING)
        assignment = _assignment_of(actor, locked, states=[A.DISPATCHED, A.SIGNED], role=Assignment.Role.LEAD)
        now = timezone.now()
        assignment.state = A.RETURNED
        assignment.return_reason = reason
        assignment.save(update_fields=["state", "return_reason"])
        Assignment.objects.filter(ticket=locked, state__in=Assignment.OPEN_STATES).update(state=A.ENDED)
        locked.status = S.RETURNED
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        event(locked, TicketEvent.Kind.RETURNED, actor=actor, department=assignment.department, note=reason, at=now)
        record(
            actor=actor,
            action="hotline.ticket_return",
            target=locked,
            detail={"number": locked.number, "department": assignment.department.code},
            request=request,
        )
        notify(
            dispatchers(),
            _("Ticket %(number)s returned by %(department)s")
            % {"number": locked.number, "department": assignment.department.name},
            reason[:200],
            url=ticket_path(locked),
        )
    return locked


def ticket_return_review(
    *,
    actor: User,
    ticket: Ticket,
    accept: bool,
    note: str = "",
    category: Category | None = None,
    department: Department | None = None,
    assist: Sequence[Department] = (),
    request: HttpRequest | None = None,
) -> Ticket:
    """The dispatcher decides a return: accepted, the ticket goes to another department (改派);
    refused (with the reason), it goes back to the same department, its deadlines unchanged."""
    if not has_perm(actor, Perm.HOTLINE_SUPERVISE):
        deny(actor, "hotline.ticket_return_review", ticket, request)
    note = text(note, "note", limit=1000, required=not accept)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.RETURNED)
        returned = (
            Assignment.objects.filter(ticket=locked, role=Assignment.Role.LEAD, state=A.RETURNED)
            .select_related("department")
            .order_by("-dispatched_at", "-id")
            .first()
        )
        if returned is None:  # pragma: no cover - a returned ticket always has its returned lead
            raise ConflictError(_("The return was not found."), code="wrong_status")
        if accept:
            if department is None:
                raise ApplicationError(
                    _("Choose the department to dispatch to."),
                    code="department_required",
                    field_errors={"department": [_("This field is required.")]},
                )
            if department.pk == returned.department_id:
                raise ApplicationError(
                    _("An accepted return goes to another department; refuse the return to send it back."),
                    code="same_department",
                    field_errors={"department": [_("Choose another department.")]},
                )
            _dispatch(
                actor,
                locked,
                category or locked.category or _required_category(),
                department,
                assist,
                note=note,
                auto=False,
                request=request,
            )
            return locked
        now = timezone.now()
        Assignment.objects.create(
            ticket=locked,
            department=returned.department,
            role=Assignment.Role.LEAD,
            dispatched_at=now,
            dispatched_by=actor,
        )
        locked.status = S.DISPATCHED
        locked.signed_at = None
        locked.updated_at = now
        locked.save(update_fields=["status", "signed_at", "updated_at"])
        event(locked, TicketEvent.Kind.RETURN_REFUSED, actor=actor, department=returned.department, note=note, at=now)
        record(
            actor=actor,
            action="hotline.ticket_return_refuse",
            target=locked,
            detail={"number": locked.number, "department": returned.department.code},
            request=request,
        )
        notify(
            handlers_of(returned.department),
            _("Return of ticket %(number)s refused: please handle it") % {"number": locked.number},
            note[:200],
            url=ticket_path(locked),
        )
    return locked


def _required_category() -> Category:
    raise ApplicationError(
        _("Choose the category before dispatching."),
        code="category_required",
        field_errors={"category": [_("This field is required.")]},
    )


def extension_request(
    *, actor: User, ticket: Ticket, days: int, reason: str, request: HttpRequest | None = None
) -> Extension:
    """The lead department asks for more working days (延期), before the reply deadline passes."""
    reason = text(reason, "reason", limit=1000)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        message = _("Between 1 and %(max)d working days.") % {"max": MAX_EXTENSION_DAYS}
        raise ApplicationError(message, code="invalid_days", field_errors={"days": [message]})
    _may_act(actor, ticket, role=Assignment.Role.LEAD, action="hotline.extension_request", request=request)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.HANDLING)
        _assignment_of(actor, locked, states=[A.SIGNED], role=Assignment.Role.LEAD)
        now = timezone.now()
        if locked.due_at is None or now > locked.due_at:
            raise ConflictError(_("An extension is asked for before the deadline passes."), code="deadline_passed")
        if Extension.objects.filter(ticket=locked, state=Extension.State.PENDING).exists():
            raise ConflictError(_("An extension request is already waiting for approval."), code="extension_pending")
        extension = Extension.objects.create(
            ticket=locked, days=days, reason=reason, requested_by=actor, requested_at=now, due_before=locked.due_at
        )
        event(
            locked,
            TicketEvent.Kind.EXTENSION_REQUESTED,
            actor=actor,
            department=locked.department,
            note=_("%(days)d working days: %(reason)s") % {"days": days, "reason": reason},
            at=now,
        )
        record(
            actor=actor,
            action="hotline.extension_request",
            target=locked,
            detail={"number": locked.number, "days": days, "extension": extension.pk},
            request=request,
        )
        notify(
            dispatchers(),
            _("Extension of ticket %(number)s asked for") % {"number": locked.number},
            reason[:200],
            url=ticket_path(locked),
        )
    return extension


def extension_decide(
    *, actor: User, extension: Extension, approve: bool, note: str = "", request: HttpRequest | None = None
) -> Extension:
    """The hotline centre approves (the reply deadline moves on by the days asked, counted from the
    old deadline) or refuses (with the reason) an extension request."""
    if not has_perm(actor, Perm.HOTLINE_SUPERVISE):
        deny(actor, "hotline.extension_decide", extension.ticket, request)
    note = text(note, "note", limit=1000, required=not approve)
    with transaction.atomic():
        locked = lock(extension.ticket)
        row = Extension.objects.select_for_update().get(pk=extension.pk)
        if row.state != Extension.State.PENDING:
            raise ConflictError(_("This extension request was already decided."), code="already_decided")
        now = timezone.now()
        row.state = Extension.State.APPROVED if approve else Extension.State.REFUSED
        row.decided_by = actor
        row.decided_at = now
        row.decision_note = note
        if approve and locked.is_open and locked.due_at is not None:
            row.due_after = add_working_days(row.due_before, row.days)
            locked.due_at = row.due_after
            locked.reply_rung = 0
            locked.updated_at = now
            locked.save(update_fields=["due_at", "reply_rung", "updated_at"])
        row.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "due_after"])
        kind = TicketEvent.Kind.EXTENSION_APPROVED if approve else TicketEvent.Kind.EXTENSION_REFUSED
        shown = note
        if row.due_after is not None:
            shown = _("new deadline %(date)s") % {"date": timezone.localtime(row.due_after).date()} + (
                f" {note}" if note else ""
            )
        event(locked, kind, actor=actor, department=locked.department, note=shown, at=now)
        record(
            actor=actor,
            action="hotline.extension_approve" if approve else "hotline.extension_refuse",
            target=locked,
            detail={"number": locked.number, "extension": row.pk, "days": row.days},
            request=request,
        )
        if locked.department is not None:
            notify(
                handlers_of(locked.department),
                (
                    _("Extension of ticket %(number)s approved")
                    if approve
                    else _("Extension of ticket %(number)s refused")
                )
                % {"number": locked.number},
                shown[:200],
                url=ticket_path(locked),
            )
    return row


def ticket_assist_reply(*, actor: User, ticket: Ticket, reply: str, request: HttpRequest | None = None) -> Assignment:
    """An assisting department (协办) hands its part to the lead department."""
    reply = text(reply, "reply", limit=REPLY_MAX)
    _may_act(actor, ticket, role=Assignment.Role.ASSIST, action="hotline.ticket_assist_reply", request=request)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.DISPATCHED, S.HANDLING)
        assignment = _assignment_of(actor, locked, states=[A.SIGNED], role=Assignment.Role.ASSIST)
        now = timezone.now()
        assignment.state = A.REPLIED
        assignment.reply = reply
        assignment.replied_at = now
        assignment.replied_by = actor
        assignment.save(update_fields=["state", "reply", "replied_at", "replied_by"])
        event(
            locked, TicketEvent.Kind.ASSIST_REPLIED, actor=actor, department=assignment.department, note=reply, at=now
        )
        record(
            actor=actor,
            action="hotline.ticket_assist_reply",
            target=locked,
            detail={"number": locked.number, "department": assignment.department.code},
            request=request,
        )
        if locked.department is not None:
            notify(
                handlers_of(locked.department),
                _("%(department)s replied its part of ticket %(number)s")
                % {"department": assignment.department.name, "number": locked.number},
                reply[:200],
                url=ticket_path(locked),
            )
    return assignment


def ticket_reply(*, actor: User, ticket: Ticket, reply: str, request: HttpRequest | None = None) -> Ticket:
    """The lead department answers the caller (答复); the hotline then calls back. Tickets merged
    into this one get the same answer."""
    reply = text(reply, "reply", limit=REPLY_MAX)
    _may_act(actor, ticket, role=Assignment.Role.LEAD, action="hotline.ticket_reply", request=request)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.HANDLING)
        assignment = _assignment_of(actor, locked, states=[A.SIGNED], role=Assignment.Role.LEAD)
        now = timezone.now()
        assignment.state = A.REPLIED
        assignment.reply = reply
        assignment.replied_at = now
        assignment.replied_by = actor
        assignment.save(update_fields=["state", "reply", "replied_at", "replied_by"])
        Assignment.objects.filter(ticket=locked, state__in=Assignment.OPEN_STATES).update(state=A.ENDED)
        late = locked.due_at is not None and now > locked.due_at
        locked.status = S.REPLIED
        locked.reply = reply
        locked.replied_at = now
        locked.updated_at = now
        locked.save(update_fields=["status", "reply", "replied_at", "updated_at"])
        event(locked, TicketEvent.Kind.REPLIED, actor=actor, department=assignment.department, note=reply, at=now)
        merged = list(Ticket.objects.select_related("caller").filter(merged_into=locked, status=S.MERGED))
        for child in merged:
            child.reply = reply
            child.replied_at = now
            child.updated_at = now
            child.save(update_fields=["reply", "replied_at", "updated_at"])
            event(child, TicketEvent.Kind.REPLIED, actor=actor, department=assignment.department, note=reply, at=now)
            notify_caller(child, _("Your ticket %(number)s was answered") % {"number": child.number}, reply[:200])
        record(
            actor=actor,
            action="hotline.ticket_reply",
            target=locked,
            detail={
                "number": locked.number,
                "department": assignment.department.code,
                "late": late,
                "merged": [c.number for c in merged],
            },
            request=request,
        )
        notify_caller(locked, _("Your ticket %(number)s was answered") % {"number": locked.number}, reply[:200])
    return locked
