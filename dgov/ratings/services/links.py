"""The one-time rating link sent by SMS: made for a case's applicant, sent, refused when spent,
expired or unknown. Only the token's keyed SM3 digest is stored (dgov.ratings.rules.link_digest)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.accounts.models import User
from dgov.accounts.permissions import Perm, has_perm
from dgov.audit import record
from dgov.cases.models import Case
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Notice
from dgov.ratings import rules
from dgov.ratings.models import RatingLink
from dgov.ratings.rules import link_digest
from dgov.ratings.services.checks import deny


def link_refusal(state: str) -> ApplicationError:
    """The refusal for a link that is "used" (409), "expired" or unknown."""
    if state == "used":
        return ConflictError(_("This rating link has already been used; a link rates once."), code="link_used")
    if state == "expired":
        return ApplicationError(
            _("This rating link has expired (links are valid for %(days)d days).") % {"days": rules.LINK_DAYS},
            code="link_expired",
        )
    return ApplicationError(_("This rating link is not valid."), code="link_unknown")


def rating_link_for_case(case: Case, *, actor: User | None = None) -> str:
    """A new one-time rating link for the case's applicant, as a path on this site
    (``/ratings/r/<token>/``) for a notice's link: the notice's SMS copy carries DGOV_BASE_URL +
    path. Valid for 30 days; spent by the rating it makes. Only the token's keyed digest is kept."""
    token = secrets.token_urlsafe(24)
    now = timezone.now()
    RatingLink.objects.create(
        rated_type=rules.case_type(),
        rated_id=case.pk,
        rater_id=case.applicant_id,
        digest=link_digest(token),
        created_at=now,
        expires_at=now + timedelta(days=rules.LINK_DAYS),
    )
    record(actor=actor, action="rating.link_create", target=case, detail={"number": case.number})
    return reverse("ratings:link", args=[token])


def rating_invite_send(*, actor: User | None, case: Case, request: HttpRequest | None = None) -> Notice:
    """Send the applicant a notice (with an SMS copy) carrying a one-time rating link for the case."""
    from dgov.notices.services import notice_send

    if actor is not None and not has_perm(actor, Perm.CASE_WINDOW, department=case.department):
        deny(actor, "rating.invite", case, request)
    refusal = rules.rating_refusal(case=case, rater=case.applicant)
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        path = rating_link_for_case(case, actor=actor)
        return notice_send(
            recipient=case.applicant,
            subject=_("Please rate the service for case %(number)s") % {"number": case.number},
            body=_("Tell us how it went: the link rates this case once, within %(days)d days.")
            % {"days": rules.LINK_DAYS},
            url=path,
            kind=Notice.Kind.CASE_UPDATE,
            channels=("site", "sms"),
        )
