"""API endpoints of 好差评 at /api/v1/ratings: the same flows as the pages.

- ``POST /ratings`` — the signed-in applicant (browser session) rates their ended case:
  ``{"case_number", "level" (1–5), "dimensions" {name: level}, "tags" [..], "comment", "channel"
  ("site" or "kiosk")}``. 201 with the rating; field errors as ``level``, ``dimensions.<name>``,
  ``tags``, ``comment``; a second rating of the case is 409 ``already_rated``; someone else's case,
  or an unknown number, is 404. A system token is refused (403): it stands for no applicant.
- ``GET /ratings/mine`` — the caller's ratings with their rectification's outcome.
- ``GET /ratings/stats`` — no authentication: counts, share of good ratings, score (indicator 8:
  10 × non-bad ÷ counted, one decimal) and mean level for the district, departments, items and
  windows; excluded (malicious) ratings are not counted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from dgov.accounts.requests import api_session_user
from dgov.cases import selectors as case_selectors
from dgov.cases.models import Case
from dgov.ratings import selectors, services
from dgov.ratings.models import Level, Rating, Rectification
from dgov.ratings.rules import RatingInput

router = Router(tags=["ratings"])


class RatingCreate(Schema):
    case_number: str
    level: int
    dimensions: dict[str, int] = {}
    tags: list[str] = []
    comment: str = ""
    channel: Literal["site", "kiosk"] = "site"


class OutcomeRead(Schema):
    state: str
    state_label: str
    review_round: int
    due_at: datetime
    outcome: str
    reported_at: datetime | None
    appealed_at: datetime | None
    can_appeal: bool


class RatingRead(Schema):
    id: int
    case_number: str | None
    item_code: str | None
    item_name: str | None
    department: str
    channel: str
    service_channel: str
    level: int
    level_label: str
    dimensions: dict[str, int]
    tags: list[str]
    comment: str
    real_name: bool
    created_at: datetime
    excluded: bool
    rectification: OutcomeRead | None


class StatsRow(Schema):
    label: str
    code: str = ""
    count: int
    good: int
    bad: int
    good_share: float | None
    score: float | None
    mean: float | None
    meets_target: bool


class StatsRead(Schema):
    indicator: int
    target: float
    year: int | None
    excluded: int
    district: StatsRow
    departments: list[StatsRow]
    items: list[StatsRow]
    windows: list[StatsRow]


def _outcome(rect: Rectification | None) -> dict[str, Any] | None:
    if rect is None:
        return None
    return {
        "state": rect.state,
        "state_label": str(rect.get_state_display()),
        "review_round": rect.review_round,
        "due_at": rect.due_at,
        "outcome": rect.outcome,
        "reported_at": rect.reported_at,
        "appealed_at": rect.appealed_at,
        "can_appeal": not rect.was_appealed
        and rect.state in (Rectification.State.REPORTED, Rectification.State.CLOSED),
    }


def _rating_read(rating: Rating) -> dict[str, Any]:
    case = selectors.case_of(rating)
    return {
        "id": rating.pk,
        "case_number": case.number if case is not None else None,
        "item_code": rating.item.code if rating.item else None,
        "item_name": rating.item.name if rating.item else None,
        "department": rating.department.code,
        "channel": rating.channel,
        "service_channel": rating.service_channel,
        "level": rating.level,
        "level_label": str(Level(rating.level).label),
        "dimensions": rating.dimensions,
        "tags": rating.tags,
        "comment": rating.comment,
        "real_name": rating.real_name,
        "created_at": rating.created_at,
        "excluded": rating.is_excluded,
        "rectification": _outcome(getattr(rating, "rectification", None)),
    }


@router.post(
    "",
    response={201: RatingRead},
    summary="Rate my ended case (一事一评)",
    description=(
        "The signed-in applicant rates a case that ended (concluded, not accepted or withdrawn) within "
        "30 days: level 1–5 (5 非常满意 … 1 非常不满意), optional dimension levels (online: efficiency, "
        "guide_accuracy, convenience, usability; window: efficiency, competence, attitude; overall is the "
        "level), tags from the level's list, a comment of at most 500 characters. A bad rating (1–2) needs a "
        "tag or a comment and opens a rectification. Errors: 400 with field errors, 404 not the caller's case, "
        "409 already_rated."
    ),
)
def rating_create(request: HttpRequest, payload: RatingCreate) -> Status:
    user = api_session_user(request)
    pk = Case.objects.filter(number=payload.case_number.strip()).values_list("pk", flat=True).first()
    if pk is None:
        raise Http404
    case = case_selectors.case_get_for_applicant(user=user, pk=pk)
    rating = services.rating_submit(
        actor=user,
        case=case,
        data=RatingInput(
            level=payload.level, dimensions=payload.dimensions, tags=payload.tags, comment=payload.comment
        ),
        channel=payload.channel,
        request=request,
    )
    return Status(201, _rating_read(rating))


@router.get(
    "/mine",
    response=list[RatingRead],
    summary="My ratings and the outcome of their rectification",
    description=(
        "Newest first; for a bad rating, the rectification's state, deadline, answer and whether it may be appealed."
    ),
)
def rating_list_mine(
    request: HttpRequest, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)
) -> list[dict[str, Any]]:
    user = api_session_user(request)
    return [_rating_read(r) for r in selectors.rating_list_for_rater(user=user)[offset : offset + limit]]


@router.get(
    "/stats",
    response=StatsRead,
    auth=None,
    summary="Public 好差评 statistics (indicator 8)",
    description=(
        "No authentication. For the district, each department, item and window: counted ratings, good "
        "ratings (levels 3–5), their share in percent, score = 10 × good ÷ counted (one decimal, half up; "
        "null without ratings), mean level, and whether the plan's target (9.9) is met. Ratings excluded as "
        "malicious by a reviewed decision are not counted. Optional Beijing calendar year."
    ),
)
def rating_stats(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)) -> dict[str, Any]:
    return selectors.rating_stats(year=year)
