"""Rating a case: signed in (site, kiosk), on the window's tablet, or through the SMS link.

One rating per case and person (一事一评): checked first for a clear answer, and settled by the
unique constraint when two requests race; the case row is locked while the rating is written. A bad
rating opens its rectification in the same transaction.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import Department, User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.cases.models import Case
from dgov.cases.models import Channel as CaseChannel
from dgov.core.errors import ApplicationError
from dgov.ratings import rules, selectors
from dgov.ratings.models import Channel, Rating, RatingLink, ServiceChannel
from dgov.ratings.rules import RatingInput
from dgov.ratings.services.checks import deny
from dgov.ratings.services.links import link_refusal
from dgov.ratings.services.rectification import rectification_open


def rating_submit(
    *,
    actor: User,
    case: Case,
    data: RatingInput,
    channel: str = Channel.SITE,
    request: HttpRequest | None = None,
) -> Rating:
    """The signed-in applicant rates their ended case on the site or at a self-service kiosk."""
    if channel not in (Channel.SITE, Channel.KIOSK):
        raise ApplicationError(_("A signed-in rating is given on the site or at a kiosk."), code="invalid_channel")
    if actor.pk != case.applicant_id:
        deny(actor, "rating.create", case, request)
    return _rating_create(actor=actor, rater=actor, case=case, data=data, channel=channel, request=request)


def rating_submit_at_window(
    *, clerk: User, case: Case, data: RatingInput, request: HttpRequest | None = None
) -> Rating:
    """The applicant rates on the window's tablet, which a clerk who covers the case opened for them."""
    if not has_perm(clerk, Perm.CASE_WINDOW, department=case.department):
        deny(clerk, "rating.create_at_window", case, request)
    return _rating_create(
        actor=clerk,
        rater=case.applicant,
        case=case,
        data=data,
        channel=Channel.WINDOW_PAD,
        clerk=clerk,
        request=request,
    )


def rating_submit_by_link(*, token: str, data: RatingInput, request: HttpRequest | None = None) -> Rating:
    """The applicant rates through the one-time link sent by SMS, without signing in; the link is spent."""
    link = selectors.rating_link_find(token=token)
    state = selectors.link_state(link)
    if link is None or state != "valid":
        raise link_refusal(state)
    case = selectors.case_of_link(link)
    return _rating_create(
        actor=link.rater, rater=link.rater, case=case, data=data, channel=Channel.SMS, link=link, request=request
    )


def _rating_create(
    *,
    actor: User,
    rater: User,
    case: Case,
    data: RatingInput,
    channel: str,
    clerk: User | None = None,
    link: RatingLink | None = None,
    request: HttpRequest | None = None,
) -> Rating:
    clean = rules.clean_rating_input(data, service_channel=rules.service_channel_of(case, channel))
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("item", "department", "submitted_by__department")
            .get(pk=case.pk)
        )
        if rater.pk != locked.applicant_id:
            raise PermissionDenied
        refusal = rules.rating_refusal(case=locked, rater=rater)
        if refusal is not None:
            raise refusal
        now = timezone.now()
        if link is not None:
            # Conditional: of two tabs sending the same link, one spends it and the other is refused.
            spent = RatingLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
            if not spent:
                raise link_refusal("used")
        window = None
        if clerk is not None:
            window = clerk.department
        elif locked.channel == CaseChannel.WINDOW and locked.submitted_by.is_staff_member:
            window = locked.submitted_by.department
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    rated_type=rules.case_type(),
                    rated_id=locked.pk,
                    rater=rater,
                    real_name=rules.is_real_name(rater),
                    department=locked.department,
                    item=locked.item,
                    channel=channel,
                    service_channel=rules.service_channel_of(locked, channel),
                    clerk=clerk,
                    window_department=window,
                    level=clean.level,
                    dimensions=clean.dimensions,
                    tags=clean.tags,
                    comment=clean.comment,
                    created_at=now,
                )
        except IntegrityError:
            # The race the check above cannot see: the constraint settles it.
            raise rules.already_rated() from None
        if rating.is_bad:
            rectification_open(rating, number=locked.number or "")
        record(
            actor=actor,
            action="rating.create",
            target=rating,
            detail={
                "case": locked.number,
                "level": rating.level,
                "channel": channel,
                "department": locked.department.code,
                "rater": rater.pk,
            },
            request=request,
        )
    return rating


def rating_record_on_callback(
    *,
    actor: User,
    rated: Model,
    rater: User,
    department: Department,
    data: RatingInput,
    number: str,
    request: HttpRequest | None = None,
) -> Rating:
    """A rating the served person gives on the phone to the operator calling back (回访), for a
    served thing that is not a case (a hotline ticket). The caller of this function has checked
    that actor may call back; one rating per thing and person, a bad one opens its rectification
    in ``department``, all in the caller's transaction."""
    clean = rules.clean_rating_input(data, service_channel=ServiceChannel.HOTLINE)
    with transaction.atomic():
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    rated_type=ContentType.objects.get_for_model(rated),
                    rated_id=rated.pk,
                    rater=rater,
                    real_name=rules.is_real_name(rater),
                    department=department,
                    item=None,
                    channel=Channel.PHONE,
                    service_channel=ServiceChannel.HOTLINE,
                    clerk=actor,
                    level=clean.level,
                    dimensions=clean.dimensions,
                    tags=clean.tags,
                    comment=clean.comment,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            raise rules.already_rated() from None
        if rating.is_bad:
            rectification_open(rating, number=number)
        record(
            actor=actor,
            action="rating.create",
            target=rating,
            detail={"number": number, "level": rating.level, "channel": Channel.PHONE, "department": department.code},
            request=request,
        )
    return rating
