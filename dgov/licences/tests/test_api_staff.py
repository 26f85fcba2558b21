"""The staff endpoints under /api/v1/licences: the department's licences, their status, issuing
the licence of an approved case (idempotent) and the seals a department administrator manages.
Staff call with the browser session; a system token is refused."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from dgov.accounts.models import Department, User
from dgov.accounts.services import api_token_create, role_grant, user_create
from dgov.cases import services as case_services
from dgov.cases.models import Case
from dgov.cases.tests.conftest import open_task, submit
from dgov.catalog.models import ServiceItem
from dgov.core.crypto import sm4_decrypt_text
from dgov.licences.demo import load_demo_licences
from dgov.licences.models import Licence, Seal, SealKey


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def demo_licences(jianghai: None) -> None:
    load_demo_licences()


@pytest.fixture
def login(jianghai: None) -> Any:
    def _login(user: User) -> Client:
        if user.kind == User.Kind.STAFF and not user.is_demo:
            User.objects.filter(pk=user.pk).update(is_demo=True)
            user.is_demo = True
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def scjg_admin(demo_licences: None) -> User:
    scjg = Department.objects.get(code="scjg")
    user = user_create(
        actor=None,
        username="scjg_admin",
        password="Dept-admin-pass-2025!",
        kind="staff",
        real_name="部门管理员",
        department=scjg,
    )
    role_grant(actor=None, user=user, role="dept_admin", department=scjg)
    return user


@pytest.fixture
def enterprise(jianghai: None) -> User:
    return User.objects.get(username="enterprise")


@pytest.fixture
def food_item(jianghai: None) -> ServiceItem:
    return ServiceItem.objects.get(name="食品经营许可", status=ServiceItem.Status.PUBLISHED)


@pytest.fixture
def food_licence(demo_licences: None) -> Licence:
    return Licence.objects.get(type__code="food_business_licence", holder_user__username="enterprise")


def approved_case(applicant: User, item: ServiceItem, clerk: User, approver: User) -> Case:
    case = submit(applicant, item, idempotency_key=uuid.uuid4().hex)
    case_services.case_task_complete(actor=clerk, task=open_task(case), decision="accept", opinion="材料齐全")
    case_services.case_task_complete(actor=approver, task=open_task(case), opinion="符合条件")
    return case_services.case_task_complete(
        actor=approver, task=open_task(case), decision="approve", opinion="准予许可"
    )


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}, ensure_ascii=False), content_type="application/json")


# --- GET /staff --------------------------------------------------------------------------------


def test_the_approver_lists_their_departments_licences(approver: User, food_licence: Licence, login: Any) -> None:
    client = login(approver)
    response = client.get("/api/v1/licences/staff")
    assert response.status_code == 200
    rows = response.json()
    assert food_licence.identifier in [r["identifier"] for r in rows]
    assert {r["issuer"] for r in rows} == {"scjg"}
    row = next(r for r in rows if r["identifier"] == food_licence.identifier)
    assert row["holder_id_shown"] == food_licence.holder_id_shown and "holder_id" not in row
    assert row["effective_status"] == "valid" and row["face"]["premises"].startswith("江海区")
    assert client.get("/api/v1/licences/staff", {"q": "星辉"}).json()[0]["identifier"] == food_licence.identifier
    assert client.get("/api/v1/licences/staff", {"status": "revoked"}).json() == []
    assert client.get("/api/v1/licences/staff", {"type": "resident_id_card"}).json() == []


def test_staff_without_the_right_and_tokens_are_refused(
    clerk: User, sysadmin: User, demo_licences: None, login: Any
) -> None:
    refused = login(clerk).get("/api/v1/licences/staff")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    _token, raw = api_token_create(actor=sysadmin, name="某系统", scopes=["read"])
    by_token = Client().get("/api/v1/licences/staff", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert by_token.status_code == 403
    assert Client().get("/api/v1/licences/staff").status_code == 401


# --- POST /staff/{identifier}/status -----------------------------------------------------------


def test_status_changes_through_the_api(approver: User, outsider: User, food_licence: Licence, login: Any) -> None:
    client = login(approver)
    url = f"/api/v1/licences/staff/{food_licence.identifier}/status"
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
    food_licence.refresh_from_db()
    assert food_licence.status == Licence.Status.CANCELLED


# --- POST /cases/{number}/issue ----------------------------------------------------------------


def test_issuing_for_an_approved_case_is_idempotent(
    enterprise: User, clerk: User, approver: User, food_item: ServiceItem, demo_licences: None, login: Any
) -> None:
    case = approved_case(enterprise, food_item, clerk, approver)
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
    food_item: ServiceItem,
    demo_licences: None,
    login: Any,
) -> None:
    open_case = submit(enterprise, food_item, idempotency_key=uuid.uuid4().hex)
    refused = _post(login(approver), f"/api/v1/licences/cases/{open_case.number}/issue")
    assert refused.status_code == 400 and refused.json()["code"] == "case_not_approved"
    case = approved_case(enterprise, food_item, clerk, approver)
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
