"""Reads of ratings and rectifications, each deciding who may see what.

- A rater sees their own ratings and their rectification's outcome; anyone else's is a 404.
- Staff see the rectifications of the departments their rating roles cover (approver, department
  administrator, leader: ``Perm.RATINGS_VIEW``), scoped like every role: a department, a region
  and all below it, or everywhere. Leaders read; approvers and administrators also act
  (``Perm.RATINGS_RECTIFY``). Another department's rectification is a 404.
- Anyone reads the statistics: counts, share of good ratings, the score of indicator 8.

**Score (indicator 8, 政务服务“好差评”).** score = 10 × (non-bad ratings ÷ all counted ratings), where
non-bad means 基本满意 or better (levels 3–5) and counted means not excluded as malicious by a
reviewed decision; shown with one decimal (half up). No ratings: no score. The plan's target is 9.9.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dgov.accounts.models import Department, RoleAssignment, User
from dgov.accounts.permissions import RULES, Perm, has_perm, in_scope
from dgov.cases import selectors as case_selectors
from dgov.cases.models import Case
from dgov.core.workdays import CALENDAR_TZ
from dgov.ratings import rules
from dgov.ratings.models import (
    GOOD_LEVELS,
    Exclusion,
    Rating,
    RatingLink,
    Rectification,
    RectificationEvent,
)

# The plan's target for indicator 8 (江海区数字政府建设规划 2021–2025): 9.9 points in 2020, 2023 and 2025.
SCORE_TARGET = Decimal("9.9")
INDICATOR = 8


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def department_filter(user: Any, perm: Perm, prefix: str = "") -> Q | None:
    """Q over a model with a ``department`` for the departments where user holds perm; None when none."""
    if not _active(user):
        return None
    allowed: Q | None = None
    assignments = RoleAssignment.objects.filter(user=user, role__in=RULES[perm]).select_related("region")
    for a in assignments:
        cover = Q()
        if a.department_id is not None:
            cover &= Q(**{f"{prefix}department_id": a.department_id})
        if a.region is not None:
            path = a.region.path
            cover &= Q(**{f"{prefix}department__region__path": path}) | Q(
                **{f"{prefix}department__region__path__startswith": path + "/"}
            )
        allowed = cover if allowed is None else allowed | cover
    return allowed


# --- The rater -----------------------------------------------------------------------------------


def rating_list_for_rater(*, user: Any) -> QuerySet[Rating]:
    """The person's own ratings, newest first, with their rectification when there is one."""
    if not _active(user):
        return Rating.objects.none()
    return Rating.objects.filter(rater=user).select_related("department", "item", "rectification", "rated_type")


def rating_get_for_rater(*, user: Any, pk: int) -> Rating:
    rating = rating_list_for_rater(user=user).filter(pk=pk).first()
    if rating is None:
        raise Http404
    return rating


def case_of(rating: Rating) -> Case | None:
    """The case a rating rates (None for other rated things)."""
    if rating.rated_type_id != rules.case_type().pk:
        return None
    return Case.objects.select_related("item", "department").filter(pk=rating.rated_id).first()


def rated_reference(rating: Rating) -> tuple[str, str] | None:
    """(number, staff page path) of a rated thing that is not a case, when the rated model offers
    ``rating_reference()`` (a hotline ticket does); ratings depend on no such app."""
    rated = rating.rated
    reference = getattr(rated, "rating_reference", None)
    return reference() if callable(reference) else None


def rating_of_case(*, case: Case, rater: Any) -> Rating | None:
    if not isinstance(rater, User):
        return None
    return Rating.objects.filter(rated_type=rules.case_type(), rated_id=case.pk, rater=rater).first()


@dataclass(frozen=True)
class RatingPanel:
    """What the applicant's case page shows: their rating, or whether and why they may rate."""

    rating: Rating | None
    can_rate: bool
    reason: str
    closes_at: datetime | None
    rectification: Rectification | None = None


def rating_panel_for_case(*, case: Case, user: Any) -> RatingPanel:
    """For the applicant's own case page (the caller has already checked the case is theirs)."""
    if not case.is_ended:  # nothing to rate yet, and nothing rated: no queries
        return RatingPanel(rating=None, can_rate=False, reason="", closes_at=None)
    rating = rating_of_case(case=case, rater=user)
    if rating is not None:
        rect = Rectification.objects.filter(rating=rating).first()
        return RatingPanel(rating=rating, can_rate=False, reason="", closes_at=None, rectification=rect)
    refusal = rules.rating_refusal(case=case, rater=user)
    return RatingPanel(
        rating=None,
        can_rate=refusal is None,
        reason=refusal.message if refusal is not None else "",
        closes_at=rules.rating_closes_at(case),
    )


def rectification_public_events(*, rectification: Rectification) -> QuerySet[RectificationEvent]:
    """The steps the rater reads: opening, each outcome reported, closing, their appeal."""
    return rectification.events.filter(public=True)


# --- The SMS link --------------------------------------------------------------------------------


def rating_link_find(*, token: str) -> RatingLink | None:
    """The link with this token (spent or not, expired or not), or None."""
    if not token or len(token) > 64:
        return None
    return RatingLink.objects.select_related("rater", "rated_type").filter(digest=rules.link_digest(token)).first()


def link_state(link: RatingLink | None, *, now: datetime | None = None) -> str:
    """ "unknown", "used", "expired" or "valid"."""
    if link is None:
        return "unknown"
    if link.used_at is not None:
        return "used"
    if (now or timezone.now()) >= link.expires_at:
        return "expired"
    return "valid"


def case_of_link(link: RatingLink) -> Case:
    if link.rated_type_id != rules.case_type().pk:
        raise Http404
    case = Case.objects.select_related("item", "department", "applicant").filter(pk=link.rated_id).first()
    if case is None:
        raise Http404
    return case


# --- The window's tablet ---------------------------------------------------------------------------


def case_get_for_window_pad(*, user: Any, pk: int) -> Case:
    """A case the clerk covers at the comprehensive window (Perm.CASE_WINDOW for its department)."""
    case = case_selectors.case_get_for_staff(user=user, pk=pk)
    if not has_perm(user, Perm.CASE_WINDOW, department=case.department):
        raise Http404
    return case


def case_find_for_window_pad(*, user: Any, number: str) -> Case | None:
    number = (number or "").strip()
    pk = Case.objects.filter(number=number).values_list("pk", flat=True).first() if number else None
    if pk is None:
        return None
    try:
        return case_get_for_window_pad(user=user, pk=pk)
    except Http404:
        return None


# --- Staff -----------------------------------------------------------------------------------------


def rectification_list_for_user(*, user: Any, state: str = "", overdue: bool = False) -> QuerySet[Rectification]:
    """Rectifications of the departments user's rating roles cover; soonest due first."""
    scope = department_filter(user, Perm.RATINGS_VIEW)
    if scope is None:
        return Rectification.objects.none()
    qs = Rectification.objects.filter(scope)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(state__in=Rectification.WORKING_STATES, due_at__lt=timezone.now())
    return qs.select_related("department", "rating__item", "rating__rater").order_by("due_at", "pk")


def rectification_get_for_user(*, user: Any, pk: int) -> Rectification:
    """The rectification for staff who cover its department; 404 for everyone else."""
    rect = (
        rectification_list_for_user(user=user)
        .select_related("rating__department", "rating__clerk", "rating__window_department", "called_back_by")
        .filter(pk=pk)
        .first()
    )
    if rect is None:
        raise Http404
    return rect


def rectification_events(*, rectification: Rectification) -> QuerySet[RectificationEvent]:
    return rectification.events.select_related("actor")


def exclusion_list_for_reviewer(*, user: Any) -> QuerySet[Exclusion]:
    """Proposals awaiting review in the departments where user approves exclusions."""
    scope = department_filter(user, Perm.RATINGS_EXCLUDE, prefix="rating__")
    if scope is None:
        return Exclusion.objects.none()
    return (
        Exclusion.objects.filter(scope, state=Exclusion.State.PROPOSED)
        .select_related("rating__department", "rating__item", "rating__rectification", "proposed_by")
        .order_by("proposed_at", "pk")
    )


def exclusion_get_for_reviewer(*, user: Any, pk: int) -> Exclusion:
    scope = department_filter(user, Perm.RATINGS_EXCLUDE, prefix="rating__")
    exclusion = (
        Exclusion.objects.filter(scope).select_related("rating__department", "proposed_by").filter(pk=pk).first()
        if scope is not None
        else None
    )
    if exclusion is None:
        raise Http404
    return exclusion


def rectification_workers(*, department: Department) -> list[User]:
    """Active staff who work the department's rectifications (Perm.RATINGS_RECTIFY in its scope)."""
    return _holders(Perm.RATINGS_RECTIFY, department)


def exclusion_reviewers(*, department: Department) -> list[User]:
    return _holders(Perm.RATINGS_EXCLUDE, department)


def _holders(perm: Perm, department: Department) -> list[User]:
    assignments = RoleAssignment.objects.filter(role__in=RULES[perm], user__is_active=True).select_related(
        "user", "department__region", "region"
    )
    users = {a.user_id: a.user for a in assignments if in_scope(a, department, None)}
    return sorted(users.values(), key=lambda u: u.pk)


# --- Statistics ------------------------------------------------------------------------------------


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_of(good: int, counted: int) -> Decimal | None:
    """10 × good ÷ counted, one decimal, half up; None without ratings."""
    if not counted:
        return None
    return _one_decimal(Decimal(10 * good) / Decimal(counted))


def _counted(year: int | None = None) -> QuerySet[Rating]:
    qs = Rating.objects.filter(excluded_at__isnull=True)
    if year is not None:
        start, end = _year_range(year)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    return qs


def rating_score(
    *, department: Department | None = None, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    """Indicator 8: ``{"numerator": non-bad counted ratings, "denominator": counted ratings,
    "score": Decimal with one decimal or None}``, for a department or the district, in [since, until)."""
    qs = _counted()
    if department is not None:
        qs = qs.filter(department=department)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    totals = qs.aggregate(denominator=Count("pk"), numerator=Count("pk", filter=Q(level__in=GOOD_LEVELS)))
    numerator, denominator = int(totals["numerator"]), int(totals["denominator"])
    return {"numerator": numerator, "denominator": denominator, "score": score_of(numerator, denominator)}


_AGGREGATES = {
    "count": Count("pk"),
    "good": Count("pk", filter=Q(level__in=GOOD_LEVELS)),
    "mean": Avg("level"),
}


def _row(label: str, values: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    count, good = int(values["count"]), int(values["good"])
    mean = values["mean"]
    return {
        "label": label,
        "count": count,
        "good": good,
        "bad": count - good,
        "good_share": _one_decimal(Decimal(100 * good) / Decimal(count)) if count else None,
        "score": score_of(good, count),
        "mean": Decimal(str(mean)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if mean is not None else None,
        # Compared exactly, not after rounding: 10 × good ÷ count ≥ 9.9.
        "meets_target": bool(count) and 100 * good >= 99 * count,
        **extra,
    }


def _year_range(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=CALENDAR_TZ), datetime(year + 1, 1, 1, tzinfo=CALENDAR_TZ)


def rating_stats(*, year: int | None = None) -> dict[str, Any]:
    """The public statistics (Beijing calendar year, or all time): the district, each department,
    each item and each window, counting only ratings not excluded as malicious."""
    qs = _counted(year)
    by_department = list(qs.values("department").annotate(**_AGGREGATES).order_by("department"))
    by_window = list(
        qs.filter(window_department__isnull=False)
        .values("window_department")
        .annotate(**_AGGREGATES)
        .order_by("window_department")
    )
    names = Department.objects.in_bulk(
        {v["department"] for v in by_department} | {v["window_department"] for v in by_window}
    )
    departments = [_row(names[v["department"]].label, v, code=names[v["department"]].code) for v in by_department]
    windows = [_row(names[v["window_department"]].label, v, code=names[v["window_department"]].code) for v in by_window]
    items = [
        _row(v["name"], v, code=v["item__code"])
        for v in qs.filter(item__isnull=False)
        .values("item__code")
        .annotate(name=Max("item__name"), **_AGGREGATES)
        .order_by("item__code")
    ]
    excluded = Rating.objects.filter(excluded_at__isnull=False)
    if year is not None:
        start, end = _year_range(year)
        excluded = excluded.filter(created_at__gte=start, created_at__lt=end)
    return {
        "district": _row("", qs.aggregate(**_AGGREGATES)),
        "departments": sorted(departments, key=lambda r: (-r["count"], r["code"])),
        "items": sorted(items, key=lambda r: (-r["count"], r["code"])),
        "windows": sorted(windows, key=lambda r: (-r["count"], r["code"])),
        "excluded": excluded.count(),
        "target": SCORE_TARGET,
        "indicator": INDICATOR,
        "year": year,
    }


def rating_years() -> list[int]:
    """Years that have ratings, newest first (for the statistics page's choice)."""
    return [d.year for d in Rating.objects.datetimes("created_at", "year", order="DESC", tzinfo=CALENDAR_TZ)]
