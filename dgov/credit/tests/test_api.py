"""GET /api/v1/credit/check: staff with the view permission (session) or a system token with
scope read; the check is recorded with purpose "api"; everyone else is refused."""

from __future__ import annotations

from typing import Any

from django.test import Client

from dgov.accounts.models import User
from dgov.accounts.services import api_token_create
from dgov.credit.models import CreditCheck, CreditEntry
from dgov.credit.tests.conftest import ENTERPRISE_CODE, OTHER_CODE, wrong_check_digit

URL = "/api/v1/credit/check"


def test_the_openapi_document_lists_the_check(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths[URL]


def test_staff_check_a_subject(black_entry: CreditEntry, approver: User, login: Any) -> None:
    client = login(approver)
    response = client.get(URL, {"kind": "enterprise", "key": ENTERPRISE_CODE, "item_code": "I1", "case_number": "N1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["result"], body["measures"], body["requires_manual_review"]) == (
        "black",
        ["manual_review", "restrict_licensing"],
        True,
    )
    (entry,) = body["entries"]
    assert (entry["id"], entry["list_kind"], entry["department"], entry["document_number"]) == (
        black_entry.pk,
        "black",
        "fgj",
        "（2025）粤0704执1号",
    )
    assert entry["valid_from"] == black_entry.valid_from.isoformat()
    check = CreditCheck.objects.get(pk=body["check_id"])
    assert (check.purpose, check.actor, check.item_code, check.case_number) == ("api", approver, "I1", "N1")

    clear = client.get(URL, {"kind": "enterprise", "key": OTHER_CODE}).json()
    assert (clear["result"], clear["entries"], clear["measures"]) == ("clear", [], [])
    assert CreditCheck.objects.count() == 2


def test_a_malformed_key_is_400_and_records_nothing(approver: User, login: Any) -> None:
    client = login(approver)
    response = client.get(URL, {"kind": "enterprise", "key": wrong_check_digit(OTHER_CODE)})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_check" and response.json()["errors"][0]["field"] == "key"
    assert client.get(URL, {"kind": "robot", "key": OTHER_CODE}).json()["errors"][0]["field"] == "kind"
    assert client.get(URL, {"kind": "enterprise"}).status_code == 422
    assert not CreditCheck.objects.exists()


def test_who_may_call(black_entry: CreditEntry, citizen: User, sysadmin: User, login: Any) -> None:
    params = {"kind": "enterprise", "key": ENTERPRISE_CODE}
    assert Client().get(URL, params).status_code == 401
    assert login(citizen).get(URL, params).status_code == 403
    _token, submit_only = api_token_create(actor=sysadmin, name="某审批系统", scopes=["submit"])
    assert Client().get(URL, params, HTTP_AUTHORIZATION=f"Bearer {submit_only}").status_code == 403
    assert not CreditCheck.objects.exists()

    token, raw = api_token_create(actor=sysadmin, name="公共资源交易系统", scopes=["read"])
    response = Client().get(URL, params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["result"] == "black"
    check = CreditCheck.objects.get()
    assert (check.actor, check.actor_label, check.purpose) == (None, f"token:{token.prefix}", "api")
