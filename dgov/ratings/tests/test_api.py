"""The ratings API: rating a case with the browser session, my ratings with their outcome, the
public statistics, and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from dgov.accounts.models import User
from dgov.accounts.services import api_token_create
from dgov.cases.models import Case
from dgov.ratings import services
from dgov.ratings.models import Rating, Rectification
from dgov.ratings.rules import RatingInput
from dgov.ratings.tests.conftest import call_back, report, resolve

BODY = {"level": 2, "dimensions": {"efficiency": 2}, "tags": ["long_wait"], "comment": "排队太久"}


def test_the_openapi_document_lists_the_ratings_endpoints(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/ratings", "/api/v1/ratings/mine", "/api/v1/ratings/stats"} <= set(paths)
    assert "post" in paths["/api/v1/ratings"]
    assert paths["/api/v1/ratings/stats"]["get"].get("security") in (None, [])


def test_the_applicant_rates_through_the_api(ended_case: Callable[..., Case], login: Any) -> None:
    case = ended_case()
    client = login(case.applicant)
    response = client.post("/api/v1/ratings", {"case_number": case.number, **BODY}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["case_number"], body["level"], body["channel"], body["service_channel"]) == (
        case.number,
        2,
        "site",
        "online",
    )
    assert body["dimensions"] == {"efficiency": 2, "overall": 2} and body["comment"] == "排队太久"
    assert body["rectification"]["state"] == "open" and body["rectification"]["can_appeal"] is False

    again = client.post("/api/v1/ratings", {"case_number": case.number, **BODY}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert Rating.objects.count() == 1


def test_someone_else_s_case_and_unknown_numbers_are_not_found(
    ended_case: Callable[..., Case], citizen: User, login: Any
) -> None:
    case = ended_case()
    client = login(citizen)
    for number in (case.number, "44070420260309000000999"):
        response = client.post("/api/v1/ratings", {"case_number": number, **BODY}, content_type="application/json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not Rating.objects.exists()


def test_a_case_that_has_not_ended_is_refused(enterprise: User, food_item: Any, login: Any) -> None:
    from dgov.cases.tests.conftest import submit

    case = submit(enterprise, food_item)
    response = login(enterprise).post(
        "/api/v1/ratings", {"case_number": case.number, **BODY}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "case_not_ended"


def test_sign_in_is_needed_and_a_system_token_is_refused(ended_case: Callable[..., Case], sysadmin: User) -> None:
    case = ended_case()
    body = {"case_number": case.number, **BODY}
    assert Client().post("/api/v1/ratings", body, content_type="application/json").status_code == 401
    _token, raw = api_token_create(actor=sysadmin, name="某系统", scopes=["read"])
    response = Client().post(
        "/api/v1/ratings", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 403
    assert Client().get("/api/v1/ratings/mine", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
    assert not Rating.objects.exists()


def test_my_ratings_carry_the_outcome(rect: Rectification, approver: User, enterprise: User, login: Any) -> None:
    report(resolve(call_back(rect, approver), approver), approver)
    response = login(enterprise).get("/api/v1/ratings/mine")
    assert response.status_code == 200
    (mine,) = response.json()
    outcome = mine["rectification"]
    assert outcome["state"] == "reported" and outcome["outcome"].startswith("已改进") and outcome["can_appeal"]
    assert login(User.objects.get(username="citizen")).get("/api/v1/ratings/mine").json() == []


def test_the_statistics_are_public(ended_case: Callable[..., Case]) -> None:
    for level in (5, 4, 2):
        case = ended_case()
        services.rating_submit(
            actor=case.applicant,
            case=case,
            data=RatingInput(level=level, tags=["long_wait"] if level == 2 else []),
        )
    response = Client().get("/api/v1/ratings/stats")
    assert response.status_code == 200
    body = response.json()
    assert (body["indicator"], body["target"], body["excluded"]) == (8, 9.9, 0)
    district = body["district"]
    assert (district["count"], district["good"], district["score"], district["meets_target"]) == (3, 2, 6.7, False)
    assert district["mean"] == 3.67 and district["good_share"] == 66.7
    assert [d["code"] for d in body["departments"]] == ["scjg"]
    assert Client().get("/api/v1/ratings/stats?year=1999").status_code == 422
