"""Statistics and the score of indicator 8: 10 × non-bad ÷ counted, one decimal; excluded
(malicious) ratings are not counted; per department, item and window."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.ratings import selectors, services
from dgov.ratings.models import Rating
from dgov.ratings.rules import RatingInput


def test_the_score_formula() -> None:
    assert selectors.score_of(0, 0) is None
    assert selectors.score_of(3, 3) == Decimal("10.0")
    assert selectors.score_of(2, 3) == Decimal("6.7")
    assert selectors.score_of(1, 8) == Decimal("1.3")  # 1.25 rounds half up
    assert selectors.score_of(199, 200) == Decimal("10.0")  # 9.95 shown as 10.0 …
    assert selectors.score_of(197, 200) == Decimal("9.9")  # 9.85 → 9.9


@pytest.fixture
def rated(ended_case: Callable[..., Case], clerk: User) -> dict[str, Rating]:
    """Four ratings of scjg's 食品经营许可: 5 and 3 (good), 2 and 1 (bad); the 3 on the window's tablet."""
    made = {}
    for name, level, tags in (
        ("five", 5, []),
        ("three", 3, []),
        ("two", 2, ["long_wait"]),
        ("one", 1, ["poor_attitude"]),
    ):
        case = ended_case()
        data = RatingInput(level=level, tags=tags)
        if name == "three":
            made[name] = services.rating_submit_at_window(clerk=clerk, case=case, data=data)
        else:
            made[name] = services.rating_submit(actor=case.applicant, case=case, data=data)
    return made


def test_counts_and_score_with_an_excluded_rating(
    rated: dict[str, Rating], approver: User, scjg_admin: User, clerk: User
) -> None:
    score = selectors.rating_score()
    assert score == {"numerator": 2, "denominator": 4, "score": Decimal("5.0")}
    exclusion = services.exclusion_propose(actor=approver, rating=rated["one"], reason="恶意差评")
    assert selectors.rating_score()["denominator"] == 4  # a proposal alone changes nothing
    services.exclusion_decide(actor=scjg_admin, exclusion=exclusion, approve=True)

    assert selectors.rating_score() == {"numerator": 2, "denominator": 3, "score": Decimal("6.7")}
    assert selectors.rating_score(department=rated["one"].department)["denominator"] == 3
    stats = selectors.rating_stats()
    district = stats["district"]
    assert (district["count"], district["good"], district["bad"]) == (3, 2, 1)
    assert district["good_share"] == Decimal("66.7") and district["score"] == Decimal("6.7")
    assert district["mean"] == Decimal("3.33")  # (5 + 3 + 2) ÷ 3
    assert district["meets_target"] is False and stats["excluded"] == 1 and stats["target"] == Decimal("9.9")
    (department,) = stats["departments"]
    assert (department["code"], department["count"], department["score"]) == ("scjg", 3, Decimal("6.7"))
    (item,) = stats["items"]
    assert item["count"] == 3 and item["label"] == "食品经营许可"
    # The windows: the tablet's clerk's window, and the cases entered at no window.
    (window,) = stats["windows"]
    assert (window["code"], window["count"], window["score"]) == (clerk.department.code, 1, Decimal("10.0"))


def test_the_target_is_compared_exactly() -> None:
    row = selectors._row("", {"count": 200, "good": 198, "mean": 4.9})
    assert row["score"] == Decimal("9.9") and row["meets_target"] is True
    row = selectors._row("", {"count": 1000, "good": 989, "mean": 4.9})
    assert row["score"] == Decimal("9.9") and row["meets_target"] is False  # 9.89 rounds up but is below


def test_the_public_page_needs_no_sign_in(rated: dict[str, Rating]) -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get("/ratings/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-page="rating-stats"' in html and 'data-score="5.0"' in html
    assert 'data-table="departments"' in html and 'data-code="scjg"' in html
    assert "below the plan" in html  # with the words, not only a colour
    for rating in rated.values():
        assert rating.comment not in html or not rating.comment


def test_a_year_without_ratings(rated: dict[str, Rating]) -> None:
    stats = selectors.rating_stats(year=2001)
    assert stats["district"]["count"] == 0 and stats["district"]["score"] is None and stats["departments"] == []
    response = Client().get("/ratings/stats/?year=2001")
    assert response.status_code == 200  # not a year with ratings: the form ignores it, all years shown
    assert selectors.rating_years()
