"""After the reply: the callback (回访) with its rating (好差评), reopening, closing, and the
automatic close of replied tickets nobody could rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError
from dgov.hotline.deadlines import due_times
from dgov.hotline.models import Assignment, Callback, Ticket, TicketEvent
from dgov.hotline.services.common import (
    deny,
    event,
    expect,
    handlers_of,
    lock,
    notify,
    notify_caller,
    text,
    ticket_path,
)
from dgov.ratings.models import Rating
from dgov.ratings.rules import RatingInput
from dgov.ratings.services import rating_record_on_callback

S = Ticket.Status
Outcome = Callback.Outcome
DEFAULT_AUTO_CLOSE_DAYS = 7
SHADOW_PREFIX = "caller-"


def auto_close_days() -> int:
    """Days after the reply when a ticket not closed by a callback closes itself
    (DGOV_HOTLINE_AUTO_CLOSE_DAYS, default 7)."""
    return int(getattr(settings, "DGOV_HOTLINE_AUTO_CLOSE_DAYS", DEFAULT_AUTO_CLOSE_DAYS))


def has_contact(ticket: Ticket) -> bool:
    return not ticket.anonymous and bool(ticket.caller_phone or ticket.caller_id)


def _rater_for(ticket: Ticket) -> User:
    """Who a callback rating is by: the caller's account, else an account for the phone number
    that cannot sign in (so 一事一评 and the rectification's call-back work as for any rater)."""
    if ticket.caller is not None:
        return ticket.caller
    digest = ticket.caller_phone_digest
    found = User.objects.filter(phone_digest=digest, username__startswith=SHADOW_PREFIX).first()
    if found is not None:
        return found
    return User.objects.create(
        username=f"{SHADOW_PREFIX}{digest[:24]}",
        kind=User.Kind.CITIZEN,
        real_name=ticket.caller_name,
        phone=ticket.caller_phone,
        phone_digest=digest,
        password=make_password(None),
        is_active=False,
    )


def _close(ticket: Ticket, resolution: str, *, actor: User | None, now: datetime, note: str = "") -> None:
    ticket.status = S.CLOSED
    ticket.resolution = resolution
    ticket.closed_at = now
    ticket.updated_at = now
    fields = ["status", "resolution", "closed_at", "updated_at"]
    if ticket.publish_consent and not ticket.confidential and ticket.type != Ticket.Type.REPORT and ticket.reply:
        # 留言板: published with the caller's consent, never a report (举报) or a confidential one.
        ticket.published_at = now
        fields.append("published_at")
    ticket.save(update_fields=fields)
    event(ticket, TicketEvent.Kind.CLOSED, actor=actor, note=note or ticket.get_resolution_display(), at=now)
    if ticket.published_at == now:
        event(ticket, TicketEvent.Kind.PUBLISHED, at=now)
    for child in Ticket.objects.filter(merged_into=ticket, status=S.MERGED):
        child.resolution = Ticket.Resolution.MERGED
        child.closed_at = now
        child.updated_at = now
        child.save(update_fields=["resolution", "closed_at", "updated_at"])
        event(
            child,
            TicketEvent.Kind.CLOSED,
            actor=actor,
            note=_("Closed with %(number)s") % {"number": ticket.number},
            at=now,
        )


@dataclass(frozen=True)
class CallbackResult:
    callback: Callback
    rating: Rating | None


def ticket_callback(
    *,
    actor: User,
    ticket: Ticket,
    outcome: str,
    note: str = "",
    rating: RatingInput | None = None,
    reopen: bool = False,
    request: HttpRequest | None = None,
) -> CallbackResult:
    """Record the call back to the caller. Reached: the caller may rate (好差评, one rating per
    ticket); solved or not, the ticket closes, unless the caller says it is not solved and the
    operator reopens it for the same department with a fresh time limit. Not reached: the ticket
    stays replied for another try, and closes itself after auto_close_days()."""
    if not has_perm(actor, Perm.HOTLINE_TAKE):
        deny(actor, "hotline.ticket_callback", ticket, request)
    if outcome not in Outcome.values:
        message = _("Choose one of: %(options)s.") % {"options": ", ".join(str(c.label) for c in Outcome)}
        raise ApplicationError(message, code="invalid_choice", field_errors={"outcome": [message]})
    note = text(note, "note", limit=1000, required=False)
    if reopen and outcome != Outcome.UNSOLVED:
        raise ApplicationError(_("Only a matter the caller says is not solved is reopened."), code="reopen_solved")
    if rating is not None and outcome not in (Outcome.SOLVED, Outcome.UNSOLVED):
        raise ApplicationError(_("A rating is taken only from a caller who was reached."), code="rating_unreached")
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.REPLIED)
        if not has_contact(locked):
            raise ApplicationError(
                _("This ticket has nobody to call back (anonymous or no number); close it instead."),
                code="no_contact",
            )
        now = timezone.now()
        given = None
        if rating is not None:
            if locked.department is None:  # pragma: no cover - a replied ticket has its department
                raise ApplicationError(_("The ticket has no handling department."), code="no_department")
            given = rating_record_on_callback(
                actor=actor,
                rated=locked,
                rater=_rater_for(locked),
                department=locked.department,
                data=rating,
                number=locked.number,
                request=request,
            )
        callback = Callback.objects.create(
            ticket=locked, operator=actor, outcome=outcome, note=note, rating=given, reopened=reopen, at=now
        )
        shown = callback.get_outcome_display() + (f" · {given.get_level_display()}" if given else "")
        event(locked, TicketEvent.Kind.CALLBACK, actor=actor, note=f"{shown} {note}".strip(), at=now)
        if reopen:
            _reopen(actor, locked, note=note, now=now)
        elif outcome != Outcome.UNREACHABLE:
            _close(locked, Ticket.Resolution.CALLBACK, actor=actor, now=now)
        record(
            actor=actor,
            action="hotline.ticket_callback",
            target=locked,
            detail={
                "number": locked.number,
                "outcome": outcome,
                "rating": given.level if given else None,
                "reopened": reopen,
            },
            request=request,
        )
    return CallbackResult(callback=callback, rating=given)


def _reopen(actor: User, ticket: Ticket, *, note: str, now: datetime) -> None:
    """Back to the lead department, to sign for again, with the full time limits from now."""
    assert ticket.department is not None
    sign_due, reply_due = due_times(type=ticket.type, urgency=ticket.urgency, dispatched_at=now)
    Assignment.objects.create(
        ticket=ticket, department=ticket.department, role=Assignment.Role.LEAD, dispatched_at=now, dispatched_by=actor
    )
    ticket.status = S.DISPATCHED
    ticket.reopened += 1
    ticket.dispatched_at = now
    ticket.signed_at = None
    ticket.replied_at = None
    ticket.sign_due_at = sign_due
    ticket.due_at = reply_due
    ticket.sign_rung = ticket.reply_rung = 0
    ticket.updated_at = now
    ticket.save(
        update_fields=[
            "sign_rung",
            "reply_rung",
            "status",
            "reopened",
            "dispatched_at",
            "signed_at",
            "replied_at",
            "sign_due_at",
            "due_at",
            "updated_at",
        ]
    )
    event(ticket, TicketEvent.Kind.REOPENED, actor=actor, department=ticket.department, note=note, at=now)
    notify(
        handlers_of(ticket.department),
        _("Ticket %(number)s reopened: the caller says it is not solved") % {"number": ticket.number},
        note[:200] or ticket.title,
        url=ticket_path(ticket),
    )


def ticket_close(*, actor: User, ticket: Ticket, note: str, request: HttpRequest | None = None) -> Ticket:
    """Close a replied ticket that has nobody to call back (anonymous, no number), with a note."""
    if not has_perm(actor, Perm.HOTLINE_TAKE):
        deny(actor, "hotline.ticket_close", ticket, request)
    note = text(note, "note", limit=1000)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, S.REPLIED)
        if has_contact(locked):
            raise ApplicationError(_("Call the caller back before closing."), code="callback_first")
        now = timezone.now()
        _close(locked, Ticket.Resolution.NO_CALLBACK, actor=actor, now=now, note=note)
        record(
            actor=actor, action="hotline.ticket_close", target=locked, detail={"number": locked.number}, request=request
        )
    return locked


def tickets_close_unrated(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Close replied tickets whose reply is older than auto_close_days() (nobody reached or rated
    them); safe to run again or concurrently. Returns how many were closed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=auto_close_days())
    closed = 0
    for pk in (
        Ticket.objects.filter(status=S.REPLIED, replied_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        with transaction.atomic():
            locked = Ticket.objects.select_for_update(of=("self",)).filter(pk=pk, status=S.REPLIED).first()
            if locked is None:
                continue
            _close(locked, Ticket.Resolution.AUTO, actor=None, now=now)
            record(actor=None, action="hotline.ticket_auto_close", target=locked, detail={"number": locked.number})
            notify_caller(
                locked,
                _("Your ticket %(number)s is closed") % {"number": locked.number},
                _("It was answered on %(date)s; you can still read the answer with its number and code.")
                % {"date": timezone.localtime(locked.replied_at).date() if locked.replied_at else ""},
            )
            closed += 1
    return closed
