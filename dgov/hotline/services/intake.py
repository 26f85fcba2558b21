"""Taking a ticket in (受理), answering it on the call (一次办结), dispatching it (派单), merging (并单)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import ApiToken, Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.accounts.services import phone_digest
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.hotline import classifier
from dgov.hotline.deadlines import due_times
from dgov.hotline.dispatch import department_for
from dgov.hotline.models import (
    REPLY_MAX,
    Article,
    Assignment,
    Category,
    Ticket,
    TicketEvent,
)
from dgov.hotline.numbering import lookup_code_new, ticket_number_next
from dgov.hotline.selectors import duplicates_for, topic_tokens
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
from dgov.hotline.services.ticket_input import TicketInput, ticket_input_clean

C = Ticket.Channel
# Channels a signed-in person files through themselves; the operator files phone calls; other
# systems file through the API with a token.
SELF_CHANNELS = (C.SITE, C.MOBILE, C.BOARD)
SYSTEM_CHANNELS = (C.PARTNER, C.OPEN311)
DEFAULT_AUTO_DISPATCH_THRESHOLD = 0.85


def auto_dispatch_threshold() -> float:
    """Confidence at or above which a suggested category is dispatched with no person (setting
    DGOV_HOTLINE_AUTO_DISPATCH_THRESHOLD, 0–1; above 1 switches automatic dispatch off)."""
    return float(getattr(settings, "DGOV_HOTLINE_AUTO_DISPATCH_THRESHOLD", DEFAULT_AUTO_DISPATCH_THRESHOLD))


def _authorise(actor: Any, channel: str, via_token: ApiToken | None, request: HttpRequest | None) -> User | None:
    """The caller account a ticket is filed for (None for phone calls and systems)."""
    if channel == C.PHONE:
        if not has_perm(actor, Perm.HOTLINE_TAKE):
            deny(actor, "hotline.ticket_register", None, request)
        return None
    if channel in SELF_CHANNELS:
        if not isinstance(actor, User) or not actor.is_authenticated:
            deny(actor, "hotline.ticket_register", None, request)
        return actor
    if channel in SYSTEM_CHANNELS:
        if via_token is None:
            deny(actor, "hotline.ticket_register", None, request)
        return None
    raise ApplicationError(_("Unknown channel."), code="invalid_channel")


def ticket_register(
    *,
    actor: Any,
    channel: str,
    data: TicketInput,
    via_token: ApiToken | None = None,
    dispatch_to: Department | None = None,
    assist: Sequence[Department] = (),
    answered_from: Article | None = None,
    answer: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Register a ticket from a channel; classify it; then, in the same transaction, either close it
    on the call from the knowledge base (``answered_from``), dispatch it where the operator chose
    (``dispatch_to``, with the category given), or dispatch it automatically when the classifier is
    confident enough and no open ticket looks like the same matter. Otherwise it waits for a
    dispatcher. Nothing is written when any field is wrong."""
    caller = _authorise(actor, channel, via_token, request)
    if caller is not None and data.anonymous:
        # 匿名: an anonymous ticket is tied to nobody; the caller follows it by number and code.
        caller = None
    clean = ticket_input_clean(data, caller=actor if channel in SELF_CHANNELS and isinstance(actor, User) else None)
    if answered_from is not None:
        if channel != C.PHONE or clean.type != Ticket.Type.CONSULT:
            raise ApplicationError(
                _("Only an enquiry taken on the phone is answered on the call from the knowledge base."),
                code="not_first_contact",
            )
        if answered_from.status != Article.Status.PUBLISHED:
            raise ApplicationError(_("That knowledge article is not published."), code="article_unpublished")
    if dispatch_to is not None and clean.category is None:
        raise ApplicationError(
            _("Choose the category before dispatching."),
            code="category_required",
            field_errors={"category": [_("This field is required.")]},
        )
    suggestion = classifier.suggest(f"{clean.title}\n{clean.description}")
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            channel=channel,
            type=clean.type,
            urgency=clean.urgency,
            title=clean.title,
            description=clean.description,
            anonymous=clean.anonymous,
            caller_name=clean.caller_name,
            caller_phone=clean.caller_phone,
            caller_phone_digest=phone_digest(clean.caller_phone),
            caller=caller,
            confidential=clean.confidential,
            publish_consent=clean.publish_consent,
            address=clean.address,
            latitude=clean.place.latitude,
            longitude=clean.place.longitude,
            region=clean.place.region,
            category=clean.category,
            created_by=actor if isinstance(actor, User) else None,
            via_token=via_token,
            external_id=clean.external_id,
            created_at=now,
            updated_at=now,
        )
        if suggestion is not None and suggestion.ranked:
            code, confidence = suggestion.ranked[0]
            suggested = Category.objects.filter(code=code, level=3, active=True).select_related("department").first()
            if suggested is not None:
                ticket.suggested_category = suggested
                ticket.suggested_department = department_for(suggested, ticket.region)
                ticket.suggestion_confidence = round(float(confidence), 4)
                ticket.classifier_version = suggestion.version
        ticket.topic_tokens = topic_tokens(ticket.title, ticket.description)
        ticket.number = ticket_number_next(at=now)
        ticket.lookup_code = lookup_code_new()
        if channel == C.OPEN311:
            ticket.open311_token = secrets.token_hex(16)
        ticket.save()
        event(ticket, TicketEvent.Kind.REGISTERED, actor=actor, note=ticket.get_channel_display(), at=now)
        if ticket.suggested_category is not None:
            event(
                ticket,
                TicketEvent.Kind.CLASSIFIED,
                note=f"{ticket.suggested_category.code} {ticket.suggested_category.name} "
                f"({ticket.suggestion_confidence:.0%})",
                at=now,
            )
        record(
            actor=actor if isinstance(actor, User) else (via_token.name if via_token else None),
            action="hotline.ticket_register",
            target=ticket,
            detail={
                "number": ticket.number,
                "channel": channel,
                "type": ticket.type,
                "urgency": ticket.urgency,
                "anonymous": ticket.anonymous,
                "confidential": ticket.confidential,
                "suggested": ticket.suggested_category.code if ticket.suggested_category else None,
                "confidence": ticket.suggestion_confidence,
            },
            request=request,
        )
        if answered_from is not None:
            _close_first_contact(actor, ticket, answered_from, answer, request)
        elif dispatch_to is not None:
            assert clean.category is not None
            _dispatch(actor, ticket, clean.category, dispatch_to, assist, note="", auto=False, request=request)
        elif _auto_dispatchable(ticket):
            assert ticket.suggested_category is not None and ticket.suggested_department is not None
            _dispatch(
                None,
                ticket,
                ticket.suggested_category,
                ticket.suggested_department,
                (),
                note=_("Dispatched automatically (confidence %(confidence)s).")
                % {"confidence": f"{ticket.suggestion_confidence:.0%}"},
                auto=True,
                request=request,
            )
        elif channel != C.PHONE:
            # The operator on the phone dispatches themselves; others wait for a dispatcher.
            notify(
                dispatchers(),
                _("New ticket %(number)s to dispatch") % {"number": ticket.number},
                ticket.title,
                url=ticket_path(ticket),
            )
    return ticket


def _auto_dispatchable(ticket: Ticket) -> bool:
    if ticket.suggested_department is None or ticket.suggestion_confidence is None:
        return False
    if ticket.category_id is not None and ticket.category_id != ticket.suggested_category_id:
        # The caller chose another category than the model: a person decides.
        return False
    if ticket.suggestion_confidence < auto_dispatch_threshold():
        return False
    return not duplicates_for(ticket)


def _close_first_contact(
    actor: Any, ticket: Ticket, article: Article, answer: str, request: HttpRequest | None
) -> None:
    reply = text(answer or article.answer, "answer", limit=REPLY_MAX)
    now = timezone.now()
    ticket.status = Ticket.Status.CLOSED
    ticket.resolution = Ticket.Resolution.FIRST_CONTACT
    ticket.answered_from = article
    ticket.reply = reply
    ticket.category = ticket.category or article.category
    ticket.department = article.department
    ticket.replied_at = ticket.closed_at = now
    ticket.save(
        update_fields=[
            "status",
            "resolution",
            "answered_from",
            "reply",
            "category",
            "department",
            "replied_at",
            "closed_at",
        ]
    )
    Article.objects.filter(pk=article.pk).update(uses=F("uses") + 1)
    event(ticket, TicketEvent.Kind.RESOLVED_FIRST_CONTACT, actor=actor, note=article.title, at=now)
    record(
        actor=actor,
        action="hotline.ticket_first_contact",
        target=ticket,
        detail={"number": ticket.number, "article": article.pk},
        request=request,
    )


def _dispatch(
    actor: Any,
    ticket: Ticket,
    category: Category,
    department: Department,
    assist: Sequence[Department],
    *,
    note: str,
    auto: bool,
    request: HttpRequest | None,
) -> None:
    """Give a locked (or new) ticket to a lead department and any assisting ones; start the clocks."""
    if not category.is_leaf or not category.active:
        raise ApplicationError(_("Dispatch under a category of the last level."), code="category_not_leaf")
    helpers = list(dict.fromkeys(d for d in assist if d.pk != department.pk))
    now = timezone.now()
    again = ticket.status == Ticket.Status.RETURNED or ticket.dispatched_at is not None
    Assignment.objects.filter(ticket=ticket, state__in=Assignment.OPEN_STATES).update(state=Assignment.State.ENDED)
    sign_due, reply_due = due_times(type=ticket.type, urgency=ticket.urgency, dispatched_at=now)
    ticket.category = category
    ticket.department = department
    ticket.status = Ticket.Status.DISPATCHED
    ticket.dispatched_at = now
    ticket.signed_at = None
    ticket.sign_due_at = sign_due
    ticket.due_at = reply_due
    ticket.sign_rung = ticket.reply_rung = 0
    ticket.auto_dispatched = auto
    ticket.updated_at = now
    ticket.save(
        update_fields=[
            "sign_rung",
            "reply_rung",
            "category",
            "department",
            "status",
            "dispatched_at",
            "signed_at",
            "sign_due_at",
            "due_at",
            "auto_dispatched",
            "updated_at",
        ]
    )
    by = actor if isinstance(actor, User) else None
    Assignment.objects.bulk_create(
        [
            Assignment(
                ticket=ticket, department=department, role=Assignment.Role.LEAD, dispatched_at=now, dispatched_by=by
            )
        ]
        + [
            Assignment(ticket=ticket, department=d, role=Assignment.Role.ASSIST, dispatched_at=now, dispatched_by=by)
            for d in helpers
        ]
    )
    kind = TicketEvent.Kind.REDISPATCHED if again else TicketEvent.Kind.DISPATCHED
    names = "、".join([department.name, *(d.name for d in helpers)])
    event(ticket, kind, actor=by, department=department, note=" ".join(p for p in (names, note) if p), at=now)
    record(
        actor=by,
        action="hotline.ticket_dispatch",
        target=ticket,
        detail={
            "number": ticket.number,
            "category": category.code,
            "department": department.code,
            "assist": [d.code for d in helpers],
            "auto": auto,
            "again": again,
            "suggested": ticket.suggested_category.code if ticket.suggested_category else None,
        },
        request=request,
    )
    for target in [department, *helpers]:
        notify(
            handlers_of(target),
            _("Ticket %(number)s to sign for by %(time)s")
            % {"number": ticket.number, "time": timezone.localtime(sign_due).strftime("%Y-%m-%d %H:%M")},
            ticket.title,
            url=ticket_path(ticket),
        )


def ticket_dispatch(
    *,
    actor: User,
    ticket: Ticket,
    category: Category,
    department: Department,
    assist: Sequence[Department] = (),
    note: str = "",
    request: HttpRequest | None = None,
) -> Ticket:
    """Dispatch a waiting ticket (or one whose return was accepted: 改派) to a lead department and
    any assisting ones (主办/协办), under a leaf category."""
    if not has_perm(actor, Perm.HOTLINE_DISPATCH):
        deny(actor, "hotline.ticket_dispatch", ticket, request)
    note = text(note, "note", limit=500, required=False)
    with transaction.atomic():
        locked = lock(ticket)
        expect(locked, Ticket.Status.REGISTERED, Ticket.Status.RETURNED)
        if locked.status == Ticket.Status.RETURNED and not has_perm(actor, Perm.HOTLINE_SUPERVISE):
            deny(actor, "hotline.ticket_redispatch", locked, request)
        _dispatch(actor, locked, category, department, assist, note=note, auto=False, request=request)
    return locked


def ticket_merge(*, actor: User, ticket: Ticket, into: Ticket, request: HttpRequest | None = None) -> Ticket:
    """Merge a ticket into an open one about the same matter (并单): it is answered and closed with it."""
    if not has_perm(actor, Perm.HOTLINE_DISPATCH):
        deny(actor, "hotline.ticket_merge", ticket, request)
    if ticket.pk == into.pk:
        raise ApplicationError(_("A ticket cannot be merged into itself."), code="merge_self")
    with transaction.atomic():
        # Primary-key order, so two merges of the same pair wait rather than deadlock.
        first, second = sorted([ticket, into], key=lambda t: t.pk)
        locked_first, locked_second = lock(first), lock(second)
        locked = locked_first if first.pk == ticket.pk else locked_second
        target = locked_second if first.pk == ticket.pk else locked_first
        expect(locked, *Ticket.OPEN_STATUSES)
        if not target.is_open:
            raise ConflictError(_("Merge only into an open ticket."), code="merge_target_closed")
        now = timezone.now()
        Assignment.objects.filter(ticket=locked, state__in=Assignment.OPEN_STATES).update(state=Assignment.State.ENDED)
        locked.status = Ticket.Status.MERGED
        locked.merged_into = target
        locked.updated_at = now
        locked.save(update_fields=["status", "merged_into", "updated_at"])
        event(
            locked,
            TicketEvent.Kind.MERGED,
            actor=actor,
            note=_("Merged into %(number)s") % {"number": target.number},
            at=now,
        )
        event(
            target,
            TicketEvent.Kind.MERGED,
            actor=actor,
            note=_("%(number)s merged into this ticket") % {"number": locked.number},
            at=now,
        )
        record(
            actor=actor,
            action="hotline.ticket_merge",
            target=locked,
            detail={"number": locked.number, "into": target.number},
            request=request,
        )
        notify_caller(
            locked,
            _("Your ticket %(number)s is handled together with %(into)s")
            % {"number": locked.number, "into": target.number},
            _("The same matter was reported before; both are answered together."),
        )
    return locked
