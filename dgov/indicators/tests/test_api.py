"""/api/v1/indicators: the board, one indicator, its records; for signed-in staff scoped like the
pages and for other government systems with a read token."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dgov.accounts.models import Department
from dgov.accounts.services import api_token_create
from dgov.indicators import services
from dgov.indicators.tests.conftest import BY_DEPARTMENT, TODAY, at, item, rating, report

pytestmark = pytest.mark.usefixtures("jianghai", "frozen")

API = "/api/v1/indicators"


@pytest.fixture
def board(data_officer):
    """Snapshots of 14 and 15 June. 全程网办率 on the 15th: 市场监管 A (depth 4), B (depth 1); 民政 C
    (depth 4) → district {A, C} of {A, B, C}; on the 14th only A and B existed. Ratings of 2025:
    市场监管 5 and 4, 民政 1. A reported 45 open datasets as of the 14th."""
    item("A", "scjg", online_depth=4)
    item("B", "scjg", online_depth=1)
    services.snapshots_take(day=date(2025, 6, 14))
    item("C", "mzj", online_depth=4)
    rating(5, "scjg", at("2025-02-01 10:00"))
    rating(4, "scjg", at("2025-03-01 10:00"))
    rating(1, "mzj", at("2025-04-01 10:00"))
    report("open_datasets", data_officer, as_of=date(2025, 6, 14), value="45")
    services.snapshots_take(day=TODAY)


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def token(sysadmin):
    """A read token of a district system (no department)."""
    return api_token_create(actor=sysadmin, name="市数据资源平台", scopes=["read"])[1]


@pytest.fixture
def scjg_token(sysadmin):
    return api_token_create(
        actor=sysadmin, name="市场监管业务系统", scopes=["read"], department=Department.objects.get(code="scjg")
    )[1]


@pytest.fixture
def submit_token(sysadmin):
    return api_token_create(actor=sysadmin, name="申报系统", scopes=["submit"])[1]


def by_key(body: dict) -> dict[str, dict]:
    return {i["key"]: i for i in body["indicators"]}


# --- The board --------------------------------------------------------------------------------


def test_the_leader_reads_the_district_board(login, leader, board):
    response = login(leader).get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["scope"]["key"] == "" and body["day"] == "2025-06-15"
    assert [i["number"] for i in body["indicators"]] == list(range(1, 22))
    rows = by_key(body)
    first = rows["online_full_process_rate"]
    # {A, C} of {A, B, C} = 66.67
    assert (Decimal(first["numerator"]), Decimal(first["denominator"]), Decimal(first["value"])) == (
        2,
        3,
        Decimal("66.67"),
    )
    assert first["source"] == "computed" and first["method"] == "computed"
    reported = rows["open_datasets"]
    assert (reported["source"], reported["method"], Decimal(reported["value"])) == ("reported", "reported", 45)
    assert rows["video_terminals"]["source"] == "missing" and rows["video_terminals"]["value"] is None
    # 2025's ratings: 2 good of 3 → 10 × 2 ÷ 3 = 6.7
    assert Decimal(rows["rating_score"]["value"]) == Decimal("6.7")
    assert not any(i["source"] == "computed" for i in body["indicators"] if i["method"] == "reported")


def test_the_data_officer_reads_any_scope(login, data_officer, board):
    client = login(data_officer)
    body = client.get(API, {"scope": "dept:mzj"}).json()
    assert body["scope"]["key"] == "dept:mzj"
    assert set(by_key(body)) == BY_DEPARTMENT
    # 民政: {C} of {C} = 100; its rating: 1 of 1 bad → 0.0
    assert Decimal(by_key(body)["online_full_process_rate"]["value"]) == 100
    assert Decimal(by_key(body)["rating_score"]["value"]) == 0
    assert client.get(API, {"scope": "sub:440704001000"}).status_code == 200
    assert client.get(API, {"scope": "dept:nope"}).status_code == 404


def test_a_department_administrator_reads_the_department_only(login, dept_admin, board):
    client = login(dept_admin)
    body = client.get(API).json()
    assert body["scope"]["key"] == "dept:scjg" and set(by_key(body)) == BY_DEPARTMENT
    # 市场监管: {A} of {A, B} = 50; ratings 2 of 2 good = 10.0
    assert Decimal(by_key(body)["online_full_process_rate"]["value"]) == 50
    assert Decimal(by_key(body)["rating_score"]["value"]) == 10
    for scope in ("", "dept:mzj", "sub:440704001000"):
        assert client.get(API, {"scope": scope}).status_code == 404
    assert client.get(f"{API}/life_event_bundles").status_code == 404
    assert client.get(f"{API}/online_full_process_rate/records", {"scope": "dept:mzj"}).status_code == 404


def test_outsiders_and_anonymous_callers_are_refused(client, login, outsider, citizen, board):
    assert client.get(API).status_code == 401
    for user in (outsider, citizen):
        response = login(user).get(API)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        assert login(user).get(f"{API}/online_full_process_rate/records").status_code == 403


# --- Tokens -----------------------------------------------------------------------------------


def test_a_district_read_token_reads_the_district(client, token, board):
    body = client.get(API, **bearer(token)).json()
    assert body["scope"]["key"] == "" and len(body["indicators"]) == 21
    assert client.get(API, {"scope": "dept:mzj"}, **bearer(token)).status_code == 200
    detail = client.get(f"{API}/online_full_process_rate", **bearer(token))
    assert detail.status_code == 200


def test_a_department_token_reads_its_department_only(client, scjg_token, board):
    body = client.get(API, **bearer(scjg_token)).json()
    assert body["scope"]["key"] == "dept:scjg" and set(by_key(body)) == BY_DEPARTMENT
    assert client.get(API, {"scope": ""}, **bearer(scjg_token)).status_code == 404
    assert client.get(API, {"scope": "dept:mzj"}, **bearer(scjg_token)).status_code == 404
    records = client.get(f"{API}/online_full_process_rate/records", **bearer(scjg_token)).json()
    assert records["scope"]["key"] == "dept:scjg" and [r["code"] for r in records["items"]] == ["A"]


def test_a_token_without_the_read_scope_is_refused(client, submit_token, board):
    response = client.get(API, **bearer(submit_token))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert client.get(f"{API}/online_full_process_rate", **bearer(submit_token)).status_code == 403


# --- One indicator and its records ------------------------------------------------------------


def test_one_indicator_with_its_history(login, leader, board):
    body = login(leader).get(f"{API}/online_full_process_rate").json()
    assert body["indicator"]["key"] == "online_full_process_rate" and body["indicator"]["day"] == "2025-06-15"
    # 14 June: {A} of {A, B} = 50; 15 June: {A, C} of {A, B, C} = 66.67
    assert [(p["day"], Decimal(p["value"])) for p in body["history"]] == [
        ("2025-06-14", 50),
        ("2025-06-15", Decimal("66.67")),
    ]
    assert [p["day"] for p in body["monthly"]] == ["2025-06-15"] == [p["day"] for p in body["yearly"]]
    # 66.67 against the line at 15 June 2025: 85 + 10 × 532/731 = 92.28…: at risk
    assert body["indicator"]["status"] == "at_risk"
    assert abs(Decimal(body["expected_now"]) - Decimal("92.278")) < Decimal("0.001")
    reported = login(leader).get(f"{API}/open_datasets").json()
    assert [p["source"] for p in reported["history"]] == ["missing", "reported"]
    assert login(leader).get(f"{API}/nope").status_code == 404


def test_the_records_are_as_many_as_the_figure_counts(login, leader, board):
    client = login(leader)
    counted = client.get(f"{API}/online_full_process_rate/records").json()
    assert counted["count"] == Decimal(counted["numerator"]) == 2
    assert {r["code"] for r in counted["items"]} == {"A", "C"}
    assert counted["columns"][0] == "code" and counted["period_end"] == "2025-06-15"
    everything = client.get(f"{API}/online_full_process_rate/records", {"set": "all"}).json()
    assert everything["count"] == Decimal(everything["denominator"]) == 3
    # A year figure as of a day: ratings of 2025 to 15 June, good ones: the 5 and the 4.
    ratings = client.get(f"{API}/rating_score/records", {"day": "2025-06-15"}).json()
    assert ratings["period_start"] == "2025-01-01" and ratings["period_end"] == "2025-06-15"
    assert ratings["count"] == Decimal(ratings["numerator"]) == 2
    assert client.get(f"{API}/rating_score/records", {"day": "2025-06-15", "set": "all"}).json()["count"] == 3
    assert client.get(f"{API}/open_datasets/records").status_code == 404  # reported: no records
    assert client.get(f"{API}/online_full_process_rate/records", {"page": 2}).status_code == 404
