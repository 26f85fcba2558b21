"""Bad ratings input: a clear error on the field concerned, and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from dgov.audit.models import AuditEvent
from dgov.cases.models import Case
from dgov.core.errors import ApplicationError
from dgov.notices.models import Notice
from dgov.ratings import services
from dgov.ratings.models import Rating, Rectification
from dgov.ratings.rules import RatingInput


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _nothing_written() -> tuple[int, int, int, int]:
    return (
        Rating.objects.count(),
        Rectification.objects.count(),
        AuditEvent.objects.filter(action="rating.create").count(),
        Notice.objects.count(),
    )


CASES = [
    pytest.param(RatingInput(level=7), {"level"}, "Choose one of the five levels", id="unknown level"),
    pytest.param(RatingInput(level="很好"), {"level"}, "Choose one of the five levels", id="level not a number"),
    pytest.param(RatingInput(level=""), {"level"}, "Choose one of the five levels", id="no level"),
    pytest.param(RatingInput(level=True), {"level"}, "Choose one of the five levels", id="level a boolean"),
    pytest.param(
        RatingInput(level=4, dimensions={"attitude": 4}),
        {"dimensions.attitude"},
        "is not asked about this service",
        id="window dimension for an online service",
    ),
    pytest.param(
        RatingInput(level=4, dimensions={"speed": 4}), {"dimensions.speed"}, "is not asked", id="unknown dimension"
    ),
    pytest.param(
        RatingInput(level=4, dimensions={"efficiency": 9}),
        {"dimensions.efficiency"},
        "Choose one of the five levels",
        id="dimension level out of range",
    ),
    pytest.param(
        RatingInput(level=4, dimensions={"overall": 2}),
        {"dimensions.overall"},
        "The overall rating is the level",
        id="overall differs from the level",
    ),
    pytest.param(RatingInput(level=4, comment="长" * 10240), {"comment"}, "At most 500 characters", id="10 KB comment"),
    pytest.param(RatingInput(level=4, comment=123), {"comment"}, "must be text", id="comment not text"),
    pytest.param(RatingInput(level=4, tags=["cheap"]), {"tags"}, "Unknown tags: cheap", id="unknown tag"),
    pytest.param(
        RatingInput(level=5, tags=["long_wait"]), {"tags"}, "do not go with the level", id="complaint with praise"
    ),
    pytest.param(RatingInput(level=4, tags="fast"), {"tags"}, "as a list", id="tags not a list"),
    pytest.param(RatingInput(level=1), {"tags"}, "Tell us what went wrong", id="bad rating without a reason"),
    pytest.param(
        RatingInput(level=9, dimensions={"attitude": 2}, tags=["nope"], comment="x" * 501),
        {"level", "dimensions.attitude", "tags", "comment"},
        "",
        id="everything wrong at once",
    ),
]


@pytest.mark.parametrize(("data", "fields", "message"), CASES)
def test_bad_input_is_refused_field_by_field(
    ended_case: Callable[..., Case], data: RatingInput, fields: set[str], message: str
) -> None:
    case = ended_case()
    before = _nothing_written()
    with pytest.raises(ApplicationError) as err:
        services.rating_submit(actor=case.applicant, case=case, data=data)
    assert err.value.code == "invalid_rating"
    assert set(err.value.field_errors) == fields
    assert message in " ".join(m for msgs in err.value.field_errors.values() for m in msgs)
    assert _nothing_written() == before


def test_fairly_satisfied_takes_praise_and_complaints(ended_case: Callable[..., Case]) -> None:
    case = ended_case()
    rating = services.rating_submit(
        actor=case.applicant, case=case, data=RatingInput(level=3, tags=["fast", "long_wait", "fast"])
    )
    assert rating.tags == ["fast", "long_wait"]
    assert not Rectification.objects.exists()  # 基本满意 is not a bad rating


def test_the_page_shows_errors_beside_the_fields_and_writes_nothing(
    ended_case: Callable[..., Case], login: Any
) -> None:
    case = ended_case()
    client = login(case.applicant)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/ratings/cases/{case.pk}/",
        {"level": "2", "dimension_attitude": "3", "tags": ["cheap"], "comment": "长" * 10240},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-error="comment"' in html and 'data-error="tags"' in html
    assert "is not asked about this service" in html  # the window question an online service does not ask
    assert 'value="2" checked' in html  # what was chosen is kept
    assert not Rating.objects.exists()


def test_the_api_returns_field_errors(ended_case: Callable[..., Case], login: Any) -> None:
    case = ended_case()
    response = login(case.applicant).post(
        "/api/v1/ratings",
        {"case_number": case.number, "level": 6, "dimensions": {"attitude": 3}, "tags": ["x"], "comment": "长" * 10240},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rating"
    assert {e["field"] for e in body["errors"]} == {"level", "dimensions.attitude", "tags", "comment"}
    assert not Rating.objects.exists()
    wrong_type = login(case.applicant).post(
        "/api/v1/ratings", {"case_number": case.number, "level": "good"}, content_type="application/json"
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"] == "level"
