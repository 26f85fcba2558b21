"""The rectification loop of a bad rating (差评整改).

open → called_back (回访核实) → resolved (立行立改 / 限期整改 with a ledger entry / 说明解释) →
reported back (the answer is a notice to the rater) → closed. A real-name rating is not resolved
before a call-back is recorded. The rater may appeal the answer once; the rectification opens again
for a second review with a new deadline. Each step locks the rectification row and checks its state
under the lock, so of two people acting at once one succeeds and the other gets a clear refusal.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.core.workdays import local_date
from dgov.notices.models import Notice
from dgov.ratings import rules, selectors
from dgov.ratings.models import (
    COMMENT_MAX,
    LedgerEntry,
    Level,
    Rating,
    Rectification,
    RectificationEvent,
    Tag,
)
from dgov.ratings.services.checks import checked_text, deny, raise_field_errors, require_in_department

State = Rectification.State
Resolution = Rectification.Resolution


def add_event(
    rect: Rectification, kind: str, *, actor: User | None, note: str = "", public: bool = False
) -> RectificationEvent:
    """A line of the rectification's history; public lines are shown to the rater."""
    return RectificationEvent.objects.create(
        rectification=rect, kind=kind, actor=actor, note=note, public=public, at=timezone.now()
    )


def _lock(rect: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("rating__rater", "rating__item", "department")
        .get(pk=rect.pk)
    )


def _expect(locked: Rectification, *states: str) -> None:
    if locked.state not in states:
        raise ConflictError(
            _("This step cannot be taken now: the rectification is at “%(state)s”.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )


def _case_number(rating: Rating) -> str:
    case = selectors.case_of(rating)
    return (case.number or "") if case is not None else ""


def _notify_workers(rect: Rectification, subject: str, body: str) -> None:
    from dgov.notices.services import notice_send

    for worker in selectors.rectification_workers(department=rect.department):
        notice_send(
            recipient=worker,
            subject=subject,
            body=body,
            url=reverse("ratings:work_detail", args=[rect.pk]),
            kind=Notice.Kind.TASK_ASSIGNED,
        )


def rectification_open(rating: Rating, *, number: str) -> Rectification:
    """Open the rectification of a new bad rating (in the rating's transaction) and tell the
    department's rectification workers."""
    now = rating.created_at
    rect = Rectification.objects.create(
        rating=rating,
        department=rating.department,
        due_at=rules.rectification_due_at(now),
        created_at=now,
        updated_at=now,
    )
    add_event(rect, RectificationEvent.Kind.OPENED, actor=None, public=True)
    labels = dict(Tag.choices)
    _notify_workers(
        rect,
        _("Bad rating for %(number)s: rectify by %(date)s") % {"number": number, "date": local_date(rect.due_at)},
        _("%(level)s. %(tags)s Call the rater back, resolve and report back by %(date)s.")
        % {
            "level": Level(rating.level).label,
            "tags": "、".join(str(labels[t]) for t in rating.tags),
            "date": local_date(rect.due_at),
        },
    )
    return rect


def rectification_call_back(
    *,
    actor: User,
    rectification: Rectification,
    result: str,
    verified: bool | None,
    request: HttpRequest | None = None,
) -> Rectification:
    """回访核实: record what the call-back to the rater found and whether the complaint is verified."""
    require_in_department(actor, Perm.RATINGS_RECTIFY, rectification, "rectification.call_back", request)
    errors: dict[str, list[str]] = {}
    result = checked_text(result, "result", errors, required=_("Write what the call-back found."))
    if verified is None:
        errors["verified"] = [_("Say whether the complaint was verified.")]
    raise_field_errors(errors, "invalid_callback")
    with transaction.atomic():
        locked = _lock(rectification)
        _expect(locked, State.OPEN)
        now = timezone.now()
        locked.state = State.CALLED_BACK
        locked.callback_result = result
        locked.callback_verified = verified
        locked.called_back_by = actor
        locked.called_back_at = now
        locked.updated_at = now
        locked.save(
            update_fields=[
                "state",
                "callback_result",
                "callback_verified",
                "called_back_by",
                "called_back_at",
                "updated_at",
            ]
        )
        add_event(locked, RectificationEvent.Kind.CALLED_BACK, actor=actor, note=result)
        record(
            actor=actor,
            action="rectification.call_back",
            target=locked,
            detail={"verified": verified, "round": locked.review_round},
            request=request,
        )
    return locked


def rectification_resolve(
    *,
    actor: User,
    rectification: Rectification,
    resolution: str,
    note: str,
    explanation: str = "",
    ledger_what: str = "",
    ledger_responsible: str = "",
    ledger_due: date | None = None,
    request: HttpRequest | None = None,
) -> Rectification:
    """Resolve: fixed at once (立行立改), to be fixed by a deadline (限期整改, with a ledger entry:
    what, who, by when) or explained (说明解释: no legal basis, or an unreasonable request). A
    real-name rating must have been called back first."""
    require_in_department(actor, Perm.RATINGS_RECTIFY, rectification, "rectification.resolve", request)
    errors: dict[str, list[str]] = {}
    if resolution not in Resolution.values:
        errors["resolution"] = [_("Choose how the complaint was resolved.")]
    note = checked_text(note, "note", errors, required=_("Say what was done, or what the rater was told."))
    if resolution == Resolution.EXPLAINED and explanation not in Rectification.Explanation.values:
        errors["explanation"] = [_("Choose the grounds of the explanation.")]
    if resolution != Resolution.EXPLAINED:
        explanation = ""
    if resolution == Resolution.FIXED_BY_DEADLINE:
        ledger_what = checked_text(ledger_what, "ledger_what", errors, required=_("Say what is to be fixed."))
        ledger_responsible = checked_text(
            ledger_responsible, "ledger_responsible", errors, required=_("Name who answers for it."), limit=100
        )
        if ledger_due is None:
            errors["ledger_due"] = [_("Give the date by which it is to be done.")]
        elif ledger_due < local_date(timezone.now()):
            errors["ledger_due"] = [_("The date cannot be in the past.")]
    raise_field_errors(errors, "invalid_resolution")
    with transaction.atomic():
        locked = _lock(rectification)
        _expect(locked, State.OPEN, State.CALLED_BACK)
        if locked.state == State.OPEN and locked.rating.real_name:
            raise ApplicationError(
                _("A real-name rating must be called back before it is resolved: record the call-back first."),
                code="callback_required",
            )
        now = timezone.now()
        locked.state = State.RESOLVED
        locked.resolution = resolution
        locked.explanation = explanation
        locked.resolution_note = note
        locked.resolved_by = actor
        locked.resolved_at = now
        locked.updated_at = now
        locked.save(
            update_fields=[
                "state",
                "resolution",
                "explanation",
                "resolution_note",
                "resolved_by",
                "resolved_at",
                "updated_at",
            ]
        )
        if resolution == Resolution.FIXED_BY_DEADLINE:
            assert ledger_due is not None
            LedgerEntry.objects.create(
                rectification=locked,
                review_round=locked.review_round,
                what=ledger_what,
                responsible=ledger_responsible,
                due_date=ledger_due,
                created_by=actor,
                created_at=now,
            )
        add_event(
            locked,
            RectificationEvent.Kind.RESOLVED,
            actor=actor,
            note=f"{Resolution(resolution).label}：{note}",
        )
        record(
            actor=actor,
            action="rectification.resolve",
            target=locked,
            detail={"resolution": resolution, "explanation": explanation, "round": locked.review_round},
            request=request,
        )
    return locked


def ledger_entry_done(
    *, actor: User, entry: LedgerEntry, note: str = "", request: HttpRequest | None = None
) -> LedgerEntry:
    """Mark a 限期整改 ledger entry done."""
    require_in_department(actor, Perm.RATINGS_RECTIFY, entry.rectification, "rectification.ledger_done", request)
    errors: dict[str, list[str]] = {}
    note = checked_text(note, "done_note", errors, required=_("Say how it was done."))
    raise_field_errors(errors, "invalid_ledger")
    with transaction.atomic():
        locked = _lock(entry.rectification)
        row = LedgerEntry.objects.select_for_update(of=("self",)).get(pk=entry.pk)
        if row.done_at is not None:
            raise ConflictError(_("This ledger entry is already marked done."), code="ledger_done_already")
        now = timezone.now()
        row.done_at, row.done_by, row.done_note = now, actor, note
        row.save(update_fields=["done_at", "done_by", "done_note"])
        add_event(locked, RectificationEvent.Kind.LEDGER_DONE, actor=actor, note=f"{row.what}：{note}")
        record(
            actor=actor, action="rectification.ledger_done", target=locked, detail={"entry": row.pk}, request=request
        )
    return row


def rectification_report_back(
    *, actor: User, rectification: Rectification, outcome: str, request: HttpRequest | None = None
) -> Rectification:
    """Tell the rater the outcome: a notice (with an SMS copy) and the text on their rating page."""
    from dgov.notices.services import notice_send

    require_in_department(actor, Perm.RATINGS_RECTIFY, rectification, "rectification.report_back", request)
    errors: dict[str, list[str]] = {}
    outcome = checked_text(outcome, "outcome", errors, required=_("Write the answer the rater will read."))
    raise_field_errors(errors, "invalid_report")
    with transaction.atomic():
        locked = _lock(rectification)
        _expect(locked, State.RESOLVED)
        now = timezone.now()
        locked.state = State.REPORTED
        locked.outcome = outcome
        locked.reported_by = actor
        locked.reported_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", "outcome", "reported_by", "reported_at", "updated_at"])
        add_event(locked, RectificationEvent.Kind.REPORTED, actor=actor, note=outcome, public=True)
        number = _case_number(locked.rating)
        notice_send(
            recipient=locked.rating.rater,
            subject=_("Answer to your rating of case %(number)s") % {"number": number},
            body=outcome,
            url=reverse("ratings:mine_detail", args=[locked.rating_id]),
            kind=Notice.Kind.CASE_UPDATE,
            channels=("site", "sms"),
        )
        record(
            actor=actor,
            action="rectification.report_back",
            target=locked,
            detail={"round": locked.review_round, "case": number},
            request=request,
        )
    return locked


def rectification_close(
    *, actor: User, rectification: Rectification, request: HttpRequest | None = None
) -> Rectification:
    """Close after reporting back; a 限期整改 closes only when its ledger entries are done."""
    require_in_department(actor, Perm.RATINGS_RECTIFY, rectification, "rectification.close", request)
    with transaction.atomic():
        locked = _lock(rectification)
        _expect(locked, State.REPORTED)
        if (
            locked.resolution == Resolution.FIXED_BY_DEADLINE
            and locked.ledger.filter(review_round=locked.review_round, done_at__isnull=True).exists()
        ):
            raise ApplicationError(
                _("The ledger entries of this rectification are not all done yet."), code="ledger_open"
            )
        now = timezone.now()
        locked.state = State.CLOSED
        locked.closed_by = actor
        locked.closed_at = now
        locked.updated_at = now
        locked.save(update_fields=["state", "closed_by", "closed_at", "updated_at"])
        add_event(locked, RectificationEvent.Kind.CLOSED, actor=actor, public=True)
        record(
            actor=actor,
            action="rectification.close",
            target=locked,
            detail={"round": locked.review_round},
            request=request,
        )
    return locked


def rectification_appeal(
    *, actor: User, rectification: Rectification, reason: str, request: HttpRequest | None = None
) -> Rectification:
    """申诉: the rater disputes the outcome, once; the rectification opens again for a second
    review with a new deadline."""
    if actor.pk != rectification.rating.rater_id:
        deny(actor, "rectification.appeal", rectification, request)
    errors: dict[str, list[str]] = {}
    reason = checked_text(reason, "reason", errors, required=_("Say why you disagree."), limit=COMMENT_MAX)
    raise_field_errors(errors, "invalid_appeal")
    with transaction.atomic():
        locked = _lock(rectification)
        if locked.appealed_at is not None:
            raise ConflictError(
                _("You have already appealed this outcome (on %(date)s); an outcome is appealed once.")
                % {"date": local_date(locked.appealed_at).isoformat()},
                code="already_appealed",
            )
        if locked.state not in (State.REPORTED, State.CLOSED):
            raise ApplicationError(
                _("You can appeal once the department has told you the outcome."), code="not_appealable"
            )
        now = timezone.now()
        if locked.reported_at is not None and now > rules.appeal_closes_at(locked.reported_at):
            raise ApplicationError(
                _("An outcome is appealed within %(days)d working days of being told it; that time ended on %(date)s.")
                % {
                    "days": rules.appeal_working_days(),
                    "date": local_date(rules.appeal_closes_at(locked.reported_at)).isoformat(),
                },
                code="appeal_closed",
            )
        locked.state = State.OPEN
        locked.review_round = 2
        locked.appeal_reason = reason
        locked.appealed_at = now
        locked.due_at = rules.rectification_due_at(now)
        # The first review's call-back, resolution and answer stay in the history (events, audit).
        locked.callback_result, locked.callback_verified = "", None
        locked.called_back_by = locked.called_back_at = None
        locked.resolution = locked.explanation = locked.resolution_note = ""
        locked.resolved_by = locked.resolved_at = None
        locked.outcome = ""
        locked.reported_by = locked.reported_at = None
        locked.closed_by = locked.closed_at = None
        locked.updated_at = now
        locked.save()
        add_event(locked, RectificationEvent.Kind.APPEALED, actor=actor, public=True)
        number = _case_number(locked.rating)
        _notify_workers(
            locked,
            _("Appeal against the answer to a rating of case %(number)s: review again by %(date)s")
            % {"number": number, "date": local_date(locked.due_at)},
            _("The rater disputes the outcome. Call them back, resolve and report back again."),
        )
        record(actor=actor, action="rectification.appeal", target=locked, detail={"case": number}, request=request)
    return locked


def rectification_rater_contact(
    *, actor: User, rectification: Rectification, request: HttpRequest | None = None
) -> dict[str, str]:
    """The rater's full name and phone number for the call-back: a recorded read of personal data."""
    require_in_department(actor, Perm.RATINGS_RECTIFY, rectification, "rectification.contact_read", request)
    rater = rectification.rating.rater
    record(
        actor=actor,
        action="rectification.contact_read",
        target=rectification,
        detail={"rater": rater.pk},
        request=request,
    )
    return {"name": rater.real_name or rater.username, "phone": rater.phone}
