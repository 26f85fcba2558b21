"""Excluding a malicious rating (恶意差评) from the statistics: proposed with a reason by a member of
the department's staff, approved or refused by a department administrator who is not the proposer.
The rating stays visible; an approval sets ``Rating.excluded_at``."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Notice
from dgov.ratings import selectors
from dgov.ratings.models import TEXT_MAX, Exclusion, Rating, Rectification, RectificationEvent
from dgov.ratings.services.checks import checked_text, deny, raise_field_errors
from dgov.ratings.services.rectification import add_event


def exclusion_propose(*, actor: User, rating: Rating, reason: str, request: HttpRequest | None = None) -> Exclusion:
    """Propose to leave a malicious bad rating (恶意差评) out of the statistics, with the reason."""
    if not has_perm(actor, Perm.RATINGS_RECTIFY, department=rating.department):
        deny(actor, "rating.exclusion_propose", rating, request)
    errors: dict[str, list[str]] = {}
    reason = checked_text(reason, "reason", errors, required=_("Give the reason the rating is malicious."))
    raise_field_errors(errors, "invalid_exclusion")
    if not rating.is_bad:
        raise ApplicationError(_("Only a bad rating can be excluded as malicious."), code="not_bad")
    with transaction.atomic():
        locked = Rating.objects.select_for_update(of=("self",)).select_related("department").get(pk=rating.pk)
        if locked.excluded_at is not None:
            raise ConflictError(_("This rating is already excluded from the statistics."), code="already_excluded")
        if Exclusion.objects.filter(rating=locked, state=Exclusion.State.PROPOSED).exists():
            raise ConflictError(_("An exclusion of this rating is already awaiting review."), code="exclusion_pending")
        try:
            with transaction.atomic():
                exclusion = Exclusion.objects.create(rating=locked, reason=reason, proposed_by=actor)
        except IntegrityError:
            raise ConflictError(
                _("An exclusion of this rating is already awaiting review."), code="exclusion_pending"
            ) from None
        rect = Rectification.objects.filter(rating=locked).first()
        if rect is not None:
            add_event(rect, RectificationEvent.Kind.EXCLUSION_PROPOSED, actor=actor, note=reason)
        from dgov.notices.services import notice_send

        for reviewer in selectors.exclusion_reviewers(department=locked.department):
            if reviewer.pk != actor.pk:
                notice_send(
                    recipient=reviewer,
                    subject=_("A rating is proposed for exclusion from the statistics"),
                    body=reason,
                    url=reverse("ratings:exclusions"),
                    kind=Notice.Kind.TASK_ASSIGNED,
                )
        record(
            actor=actor,
            action="rating.exclusion_propose",
            target=locked,
            detail={"exclusion": exclusion.pk, "department": locked.department.code},
            request=request,
        )
    return exclusion


def exclusion_decide(
    *, actor: User, exclusion: Exclusion, approve: bool, note: str = "", request: HttpRequest | None = None
) -> Exclusion:
    """A department administrator other than the proposer approves (the rating stops counting)
    or refuses (with a note) a proposed exclusion."""
    rating = exclusion.rating
    if not has_perm(actor, Perm.RATINGS_EXCLUDE, department=rating.department):
        deny(actor, "rating.exclusion_decide", rating, request)
    if actor.pk == exclusion.proposed_by_id:
        raise ApplicationError(
            _("An exclusion is reviewed by someone other than the person who proposed it."),
            code="reviewer_is_proposer",
        )
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        errors["note"] = [_("At most %(max)d characters (this one has %(n)d).") % {"max": TEXT_MAX, "n": len(note)}]
    elif not approve and not note:
        errors["note"] = [_("Say why the exclusion is refused.")]
    raise_field_errors(errors, "invalid_decision")
    with transaction.atomic():
        locked = Exclusion.objects.select_for_update(of=("self",)).get(pk=exclusion.pk)
        if locked.state != Exclusion.State.PROPOSED:
            raise ConflictError(_("This proposal has already been decided."), code="already_decided")
        now = timezone.now()
        locked.state = Exclusion.State.APPROVED if approve else Exclusion.State.REJECTED
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        if approve:
            Rating.objects.filter(pk=locked.rating_id, excluded_at__isnull=True).update(excluded_at=now)
        rect = Rectification.objects.filter(rating_id=locked.rating_id).first()
        if rect is not None:
            kind = RectificationEvent.Kind.EXCLUSION_APPROVED if approve else RectificationEvent.Kind.EXCLUSION_REJECTED
            add_event(rect, kind, actor=actor, note=note)
        record(
            actor=actor,
            action="rating.exclusion_approve" if approve else "rating.exclusion_reject",
            target=rating,
            detail={"exclusion": locked.pk, "proposed_by": locked.proposed_by_id},
            request=request,
        )
    return locked
