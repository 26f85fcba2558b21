"""The staff endpoints under /api/v1/licences: the department's licences, their status, issuing
the licence of an approved case (idempotent) and the seals a department administrator manages.
Staff call with the browser session; a system token is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client

from dgov.accounts.models import User
from dgov.accounts.services import api_token_create
from dgov.cases.models import Case
from dgov.core.crypto import sm4_decrypt_text
from dgov.licences.models import Licence, Seal, SealKey
from dgov.licences.tests.conftest import food_case_submit


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}, ensure_ascii=False), content_type="application/json")


# --- GET /staff --------------------------------------------------------------------------------


def test_the_approver_lists_their_departments_licences(approver: User, demo_food_licence: Licence, login: Any) -> None:
    client = login(approver)
    response = client.get("/api/v1/licences/staff")
    assert response.status_code == 200
    rows = response.json()
    assert demo_food_licence.identifier in [r["identifier"] for r in rows]
    assert {r["issuer"] for r in rows} == {"scjg"}
    row = next(r for r in rows if r["identifier"] == demo_food_licence.identifier)
    assert row["holder_id_shown"] == demo_food_licence.holder_id_shown and "holder_id" not in row
    assert row["effective_status"] == "valid" and row["face"]["premises"].startswith("江海区")
    assert client.get("/api/v1/licences/staff", {"q": "星辉"}).json()[0]["identifier"] == demo_food_licence.identifier
    assert client.get("/api/v1/licences/staff", {"status": "revoked"}).json() == []
    assert client.get("/api/v1/licences/staff", {"type": "resident_id_card"}).json() == []


def test_staff_without_the_right_and_tokens_are_refused(
    clerk: User, sysadmin: User, licences_demo: dict[str, int], login: Any
) -> None:
    refused = login(clerk).get("/api/v1/licences/staff")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    _token, raw = api_token_create(actor=sysadmin, name="某系统", scopes=["read"])
    by_token = Client().get("/api/v1/licences/staff", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_token.status_code == 403
    assert Client().get("/api/v1/licences/staff").status_code == 401


# --- POST /staff/{identifier}/status -----------------------------------------------------------


def test_status_changes_through_the_api(approver: User, outsider: User, demo_food_licence: Licence, login: Any) -> None:
    client = login(approver)
    url = f"/api/v1/licences/staff/{demo_food_licence.identifier}/status"
    no_reason = _post(client, url, {"status": "suspended", "reason": ""})
    assert no_reason.status_code == 400
    body = no_reason.json()
    assert body["code"] == "reason_required" and body["errors"][0]["field"] == "reason"
    assert _post(client, url, {"status": "sleeping", "reason": "x"}).status_code == 422
    assert _post(login(outsider), url, {"status": "revoked", "reason": "x"}).status_code == 404
    suspended = _post(client, url, {"status": "suspended", "reason": "责令停业整顿"})
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended" and suspended.json()["status_reason"] == "责令停业整顿"
    assert _post(client, url, {"status": "suspended", "reason": "again"}).status_code == 409
    assert _post(client, url, {"status": "cancelled", "reason": "申请注销"}).json()["status"] == "cancelled"
    final = _post(client, url, {"status": "valid", "reason": "恢复"})
    assert final.status_code == 409 and final.json()["code"] == "final"
    demo_food_licence.refresh_from_db()
    assert demo_food_licence.status == Licence.Status.CANCELLED


# --- POST /cases/{number}/issue ----------------------------------------------------------------


def test_issuing_for_an_approved_case_is_idempotent(
    enterprise: User, approver: User, approved_food_case: Callable[..., Case], login: Any
) -> None:
    case = approved_food_case(enterprise, issue=False)
    client = login(approver)
    first = _post(client, f"/api/v1/licences/cases/{case.number}/issue", {"face": {"safety_manager": "王芳"}})
    assert first.status_code == 201
    body = first.json()
    assert body["case_number"] == case.number and body["face"]["safety_manager"] == "王芳"
    assert body["version"] == 1 and body["effective_status"] == "valid"
    again = _post(client, f"/api/v1/licences/cases/{case.number}/issue")
    assert again.status_code == 200 and again.json()["identifier"] == body["identifier"]
    assert Licence.objects.filter(case=case).count() == 1


def test_issuing_refuses_cases_not_approved_and_callers_without_the_right(
    enterprise: User,
    clerk: User,
    approver: User,
    outsider: User,
    approved_food_case: Callable[..., Case],
    login: Any,
) -> None:
    open_case = food_case_submit(enterprise)
    refused = _post(login(approver), f"/api/v1/licences/cases/{open_case.number}/issue")
    assert refused.status_code == 400 and refused.json()["code"] == "case_not_approved"
    case = approved_food_case(enterprise, issue=False)
    assert _post(login(clerk), f"/api/v1/licences/cases/{case.number}/issue").status_code == 403
    assert _post(login(outsider), f"/api/v1/licences/cases/{case.number}/issue").status_code == 404
    assert _post(login(approver), "/api/v1/licences/cases/440704000000209901010001/issue").status_code == 404
    assert not Licence.objects.filter(case__in=[case, open_case]).exists()


# --- GET /seals --------------------------------------------------------------------------------


def test_the_dept_admin_reads_their_seals_without_private_keys(scjg_admin: User, approver: User, login: Any) -> None:
    response = login(scjg_admin).get("/api/v1/licences/seals")
    assert response.status_code == 200
    seals = response.json()
    assert [s["department"] for s in seals] == ["scjg"]
    seal = Seal.objects.get(department__code="scjg")
    key = SealKey.objects.get(seal=seal)
    assert seals[0]["code"] == seal.code and seals[0]["keys"][0]["public_key"] == key.public_key
    assert set(seals[0]["keys"][0]) == {"key_id", "algorithm", "public_key", "created_at", "retired_at", "current"}
    text = response.content.decode()
    private = sm4_decrypt_text(key.private_key_enc, context=f"licences.sealkey:{key.key_id}", purpose="seal-keys")
    assert key.private_key_enc not in text and private not in text and private.upper() not in text
    assert login(approver).get("/api/v1/licences/seals").status_code == 403


def test_the_openapi_document_lists_the_staff_endpoints(jianghai: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/licences/staff",
        "/api/v1/licences/staff/{identifier}/status",
        "/api/v1/licences/cases/{number}/issue",
        "/api/v1/licences/seals",
    } <= set(paths)
    assert paths["/api/v1/licences/seals"]["get"]["tags"] == ["licences"]
