"""The cases API: the OpenAPI document, idempotent submissions, the partner channel (政银通办)
with a system token and the person's OIDC access token, read scopes, the public look-up and
staff working their tasks with a browser session."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dgov.accounts.models import ApiToken, User
from dgov.accounts.services import api_token_create, api_token_revoke
from dgov.cases import services
from dgov.cases.models import Case, Channel
from dgov.cases.tests.conftest import PNG, food_data, open_task, pdf, signature_api, signature_for, submit, uploadable
from dgov.catalog.models import ServiceItem
from dgov.workflow.models import Task
from dgov.workflow.services import task_claim


def _multipart(item: ServiceItem, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A multipart submission body: the JSON payload and one fresh file per material to upload."""
    files = {
        f"material_{m.pk}": SimpleUploadedFile(f"m{m.position}.png", PNG)
        if "照片" in m.name
        else pdf(f"m{m.position}.pdf")
        for m in uploadable(item)
    }
    return {"payload": json.dumps({"item_code": item.code, "data": data, **extra}, ensure_ascii=False), **files}


def _access_token(user: User, *, scope: str = "openid profile", expires_in: int = 600) -> str:
    """The access token the person got from the platform's OIDC provider on the partner's terminal."""
    from oauth2_provider.models import get_access_token_model, set_token_value

    raw = secrets.token_urlsafe(30)
    token = get_access_token_model()(user=user, scope=scope, expires=timezone.now() + timedelta(seconds=expires_in))
    set_token_value(token, raw)  # stored as its SHA-256 checksum only (RFC 9700 token storage)
    token.save()
    return raw


@pytest.fixture
def bank(sysadmin: User) -> tuple[ApiToken, str]:
    """江海农商银行's terminal: submits for people and reads what it submitted."""
    return api_token_create(actor=sysadmin, name="江海农商银行", scopes=["partner", "read"])


def _bearer(raw: str, **headers: str) -> dict[str, str]:
    return {
        "HTTP_AUTHORIZATION": f"Bearer {raw}",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    }


# --- The document ---------------------------------------------------------------------------------


def test_the_openapi_document_lists_cases_and_tasks(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/lookup",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/withdraw",
        "/api/v1/cases/{number}/corrections",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/claim",
        "/api/v1/tasks/{task_id}/complete",
    ):
        assert path in paths, path
    submit_body = paths["/api/v1/cases"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(submit_body)


# --- Submitting with a browser session --------------------------------------------------------------


def test_the_same_idempotency_key_returns_the_same_case(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    client = login(enterprise)
    data = food_data(enterprise)
    first = client.post("/api/v1/cases", _multipart(food_item, data), HTTP_IDEMPOTENCY_KEY="order-7")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "submitted" and body["channel"] == "online" and len(body["number"]) == 26
    assert len(body["materials"]) == len(uploadable(food_item))
    again = client.post("/api/v1/cases", _multipart(food_item, data), HTTP_IDEMPOTENCY_KEY="order-7")
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["number"]) == (body["id"], body["number"])
    assert Case.objects.filter(applicant=enterprise).count() == 1

    other = client.post(
        "/api/v1/cases", _multipart(food_item, {**data, "premises": "江海区另一个地址"}), HTTP_IDEMPOTENCY_KEY="order-7"
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert body["number"] in other.json()["message"]
    assert Case.objects.filter(applicant=enterprise).count() == 1

    fresh = client.post("/api/v1/cases", _multipart(food_item, data), HTTP_IDEMPOTENCY_KEY="order-8")
    assert fresh.status_code == 201 and fresh.json()["id"] != body["id"]


def test_a_json_submission_without_the_required_files_names_them(
    enterprise: User, food_item: ServiceItem, login: Any
) -> None:
    response = login(enterprise).post(
        "/api/v1/cases", {"item_code": food_item.code, "data": food_data(enterprise)}, content_type="application/json"
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {f"material_{m.pk}" for m in uploadable(food_item)}
    assert not Case.objects.filter(applicant=enterprise).exists()


def test_an_unknown_item_is_not_found(enterprise: User, login: Any) -> None:
    response = login(enterprise).post(
        "/api/v1/cases", {"item_code": "NOPE", "data": {}}, content_type="application/json"
    )
    assert response.status_code == 404


def test_submitting_from_a_draft(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    files = {m.pk: [pdf()] for m in uploadable(food_item)}
    draft = services.case_draft_save(actor=enterprise, item=food_item, data={"premises": "草稿地址"}, uploads=files)
    response = login(enterprise).post(
        "/api/v1/cases",
        {"item_code": food_item.code, "data": food_data(enterprise), "draft_id": draft.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["id"] == draft.pk
    assert Case.objects.get(pk=draft.pk).status == Case.Status.SUBMITTED


def test_someone_elses_draft_is_not_found(
    enterprise: User, citizen: User, food_item: ServiceItem, citizen_food_data: dict[str, Any], login: Any
) -> None:
    draft = services.case_draft_save(actor=enterprise, item=food_item, data={})
    response = login(citizen).post(
        "/api/v1/cases",
        _multipart(food_item, citizen_food_data, draft_id=draft.pk, **signature_api(citizen, food_item)),
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=draft.pk).status == Case.Status.DRAFT


# --- The partner channel -------------------------------------------------------------------------------


def test_a_partner_submits_for_the_person_signed_in_on_its_terminal(
    citizen: User, card_item: ServiceItem, card_data: dict[str, Any], bank: tuple[ApiToken, str]
) -> None:
    token, raw = bank
    person = _access_token(citizen)
    response = Client().post(
        "/api/v1/cases",
        _multipart(card_item, card_data),
        **_bearer(raw, **{"X-On-Behalf-Of": person, "Idempotency-Key": "bank-1"}),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["channel"], body["partner"]) == ("partner", "江海农商银行")
    case = Case.objects.get(pk=body["id"])
    assert case.channel == Channel.PARTNER and case.partner_name == token.name and case.via_token_id == token.pk
    assert case.applicant_id == citizen.pk and case.submitted_by_id == citizen.pk
    assert case.department.code == "rsj"
    # A retry of the same request from the terminal is the same case.
    again = Client().post(
        "/api/v1/cases",
        _multipart(card_item, card_data),
        **_bearer(raw, **{"X-On-Behalf-Of": person, "Idempotency-Key": "bank-1"}),
    )
    assert (again.status_code, again.json()["id"]) == (200, case.pk)


def test_a_token_without_the_partner_scope_may_not_submit(
    citizen: User, sysadmin: User, card_item: ServiceItem, card_data: dict[str, Any]
) -> None:
    from dgov.audit.models import AuditEvent

    token, raw = api_token_create(actor=sysadmin, name="只读系统", scopes=["read", "submit"])
    response = Client().post(
        "/api/v1/cases", _multipart(card_item, card_data), **_bearer(raw, **{"X-On-Behalf-Of": _access_token(citizen)})
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Case.objects.filter(applicant=citizen).exists()
    assert AuditEvent.objects.filter(action="access.denied", target_id=str(token.pk)).exists()


@pytest.mark.parametrize(
    "case", ["missing", "blank", "unknown", "too_long", "expired", "no_openid", "inactive", "revoked"]
)
def test_the_person_must_be_named_by_a_valid_access_token(
    citizen: User, card_item: ServiceItem, card_data: dict[str, Any], bank: tuple[ApiToken, str], case: str
) -> None:
    _token, raw = bank
    headers: dict[str, str] = {}
    expected = "on_behalf_of_invalid"
    if case == "missing":
        expected = "on_behalf_of_required"
    elif case == "blank":
        headers["X-On-Behalf-Of"] = "   "
        expected = "on_behalf_of_required"
    elif case == "unknown":
        headers["X-On-Behalf-Of"] = secrets.token_urlsafe(30)
    elif case == "too_long":
        headers["X-On-Behalf-Of"] = "a" * 501
        expected = "on_behalf_of_required"
    elif case == "expired":
        headers["X-On-Behalf-Of"] = _access_token(citizen, expires_in=-1)
    elif case == "no_openid":
        headers["X-On-Behalf-Of"] = _access_token(citizen, scope="profile")
    elif case == "inactive":
        headers["X-On-Behalf-Of"] = _access_token(citizen)
        User.objects.filter(pk=citizen.pk).update(is_active=False)
    elif case == "revoked":
        from oauth2_provider.models import get_access_token_model

        headers["X-On-Behalf-Of"] = _access_token(citizen)
        get_access_token_model().objects.filter(user=citizen).delete()  # what DOT's revocation does
    response = Client().post("/api/v1/cases", _multipart(card_item, card_data), **_bearer(raw, **headers))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == expected
    assert not Case.objects.filter(applicant=citizen).exists()


def test_an_expired_or_revoked_system_token_is_refused(
    citizen: User, sysadmin: User, card_item: ServiceItem, card_data: dict[str, Any], time_machine: Any
) -> None:
    _token, raw = api_token_create(
        actor=sysadmin, name="江海农商银行", scopes=["partner"], expires_at=timezone.now() + timedelta(days=1)
    )
    person = _access_token(citizen, expires_in=10 * 86400)
    time_machine.move_to(timezone.now() + timedelta(days=2))
    response = Client().post(
        "/api/v1/cases", _multipart(card_item, card_data), **_bearer(raw, **{"X-On-Behalf-Of": person})
    )
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    token2, raw2 = api_token_create(actor=sysadmin, name="江海邮政", scopes=["partner"])
    api_token_revoke(actor=sysadmin, token=token2)
    response = Client().post(
        "/api/v1/cases", _multipart(card_item, card_data), **_bearer(raw2, **{"X-On-Behalf-Of": person})
    )
    assert response.status_code == 401
    assert not Case.objects.filter(applicant=citizen).exists()


def test_a_read_token_reads_only_the_cases_it_submitted(
    citizen: User,
    sysadmin: User,
    card_item: ServiceItem,
    card_data: dict[str, Any],
    food_item: ServiceItem,
    citizen_food_data: dict[str, Any],
    bank: tuple[ApiToken, str],
) -> None:
    _token, raw = bank
    via_bank = (
        Client()
        .post(
            "/api/v1/cases",
            _multipart(card_item, card_data),
            **_bearer(raw, **{"X-On-Behalf-Of": _access_token(citizen)}),
        )
        .json()
    )
    online = services.case_submit(
        actor=citizen,
        item=food_item,
        data=citizen_food_data,
        uploads={m.pk: [pdf()] for m in uploadable(food_item)},
        signature=signature_for(citizen, food_item),
    )
    mine = Client().get(f"/api/v1/cases/{via_bank['number']}", **_bearer(raw))
    assert mine.status_code == 200 and mine.json()["data"]["id_number"] == card_data["id_number"]
    assert Client().get(f"/api/v1/cases/{online.number}", **_bearer(raw)).status_code == 404
    assert [c["number"] for c in Client().get("/api/v1/cases", **_bearer(raw)).json()] == [via_bank["number"]]

    _other, other_raw = api_token_create(actor=sysadmin, name="江海邮政", scopes=["read"])
    assert Client().get(f"/api/v1/cases/{via_bank['number']}", **_bearer(other_raw)).status_code == 404
    assert Client().get("/api/v1/cases", **_bearer(other_raw)).json() == []

    _writer, writer_raw = api_token_create(actor=sysadmin, name="只提交", scopes=["partner"])
    assert Client().get(f"/api/v1/cases/{via_bank['number']}", **_bearer(writer_raw)).status_code == 403
    assert Client().get("/api/v1/cases", **_bearer(writer_raw)).status_code == 403
    # A system token is nobody's session: no withdrawals, corrections or staff work through it.
    assert (
        Client()
        .post(
            f"/api/v1/cases/{via_bank['number']}/withdraw",
            {"reason": "x"},
            content_type="application/json",
            **_bearer(raw),
        )
        .status_code
        == 403
    )
    assert Client().get("/api/v1/tasks", **_bearer(raw)).status_code == 403
    task = open_task(Case.objects.get(pk=via_bank["id"]))
    assert (
        Client()
        .post(
            f"/api/v1/tasks/{task.pk}/complete", {"decision": "accept"}, content_type="application/json", **_bearer(raw)
        )
        .status_code
        == 403
    )


# --- The public look-up ---------------------------------------------------------------------------------


def test_the_public_lookup(enterprise: User, clerk: User, food_item: ServiceItem) -> None:
    cache.clear()
    case = submit(enterprise, food_item)
    services.case_task_complete(actor=clerk, task=open_task(case), decision="accept", opinion="内部备注不外露")
    client = Client(REMOTE_ADDR="127.0.0.7")
    right = client.get("/api/v1/cases/lookup", {"number": case.number, "code": case.lookup_code})
    assert right.status_code == 200
    body = right.json()
    assert (body["number"], body["status"]) == (case.number, "accepted")
    assert [e["kind"] for e in body["timeline"]] == ["submitted", "accepted"]
    assert "id_number" not in json.dumps(body) and "data" not in body and "applicant" not in body
    wrong = "000000" if case.lookup_code != "000000" else "111111"
    assert client.get("/api/v1/cases/lookup", {"number": case.number, "code": wrong}).status_code == 404
    assert (
        client.get("/api/v1/cases/lookup", {"number": case.number[:-1] + "9", "code": case.lookup_code}).status_code
        == 404
    )
    assert client.get("/api/v1/cases/lookup", {"number": "junk", "code": "abc"}).status_code == 404


def test_the_public_lookup_slows_down_guessing(enterprise: User, food_item: ServiceItem) -> None:
    cache.clear()
    case = submit(enterprise, food_item)
    wrong = "000000" if case.lookup_code != "000000" else "111111"
    guesser = Client(REMOTE_ADDR="127.0.0.9")  # loopback: the demo settings serve this machine only
    for _ in range(10):
        assert guesser.get("/api/v1/cases/lookup", {"number": case.number, "code": wrong}).status_code == 404
    # Even the right code is refused to this address for a while; others are not affected.
    blocked = guesser.get("/api/v1/cases/lookup", {"number": case.number, "code": case.lookup_code})
    assert blocked.status_code == 429
    other = Client(REMOTE_ADDR="127.0.0.10")
    assert other.get("/api/v1/cases/lookup", {"number": case.number, "code": case.lookup_code}).status_code == 200
    cache.clear()


# --- Staff, with a browser session ----------------------------------------------------------------------


def test_staff_work_a_case_through_the_api(
    enterprise: User, clerk: User, approver: User, food_item: ServiceItem, login: Any
) -> None:
    case = submit(enterprise, food_item)
    task = open_task(case)
    clerk_client = login(clerk)
    queue = clerk_client.get("/api/v1/tasks").json()
    row = next(t for t in queue if t["id"] == task.pk)
    assert (row["case_number"], row["step"], row["role"]) == (case.number, "accept_step", "window_clerk")
    assert row["deadline"] in ("on_time", "due_soon")
    assert [f["id"] for f in row["form"]] == ["decision", "opinion"]

    refused = clerk_client.post(
        f"/api/v1/tasks/{task.pk}/complete", {"decision": "refuse"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid_decision"
    assert [e["field"] for e in refused.json()["errors"]] == ["opinion"]

    claimed = clerk_client.post(f"/api/v1/tasks/{task.pk}/claim")
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "clerk"
    assert [t["id"] for t in clerk_client.get("/api/v1/tasks", {"mine": "true"}).json()] == [task.pk]
    done = clerk_client.post(
        f"/api/v1/tasks/{task.pk}/complete",
        {"decision": "accept", "opinion": "材料齐全"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "accepted"
    assert Case.objects.get(pk=case.pk).status == Case.Status.ACCEPTED
    again = clerk_client.post(
        f"/api/v1/tasks/{task.pk}/complete", {"decision": "accept"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "task_closed"

    approver_client = login(approver)
    review = open_task(case)
    reviewed = approver_client.post(
        f"/api/v1/tasks/{review.pk}/complete", {"opinion": "内部审查意见"}, content_type="application/json"
    )
    assert reviewed.status_code == 200
    # The review opinion is for staff; the applicant sees that the step happened, not what was said.
    staff_view = approver_client.get(f"/api/v1/cases/{case.number}").json()
    assert "内部审查意见" in [e["note"] for e in staff_view["timeline"]]
    applicant_view = login(enterprise).get(f"/api/v1/cases/{case.number}").json()
    assert len(applicant_view["timeline"]) == len(staff_view["timeline"]) - 1
    assert "内部审查意见" not in json.dumps(applicant_view, ensure_ascii=False)


def test_a_task_claimed_by_someone_else_is_a_conflict_in_the_api(
    enterprise: User, clerk: User, colleague: User, food_item: ServiceItem, login: Any
) -> None:
    case = submit(enterprise, food_item)
    task = task_claim(actor=clerk, task=open_task(case))
    client = login(colleague)
    response = client.post(f"/api/v1/tasks/{task.pk}/complete", {"decision": "accept"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "claimed"
    assert client.post(f"/api/v1/tasks/{task.pk}/release").status_code == 403
    assert Task.objects.get(pk=task.pk).assignee_id == clerk.pk


def test_the_applicant_withdraws_and_corrects_through_the_api(
    enterprise: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    client = login(enterprise)
    first = submit(enterprise, food_item)
    missing = client.post(f"/api/v1/cases/{first.number}/withdraw", {"reason": ""}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["code"] == "reason_required"
    withdrawn = client.post(
        f"/api/v1/cases/{first.number}/withdraw", {"reason": "重复申请"}, content_type="application/json"
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    twice = client.post(
        f"/api/v1/cases/{first.number}/withdraw", {"reason": "重复申请"}, content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "not_withdrawable"

    second = submit(enterprise, food_item)
    asked = uploadable(food_item)[0]
    services.case_task_complete(
        actor=clerk, task=open_task(second), decision="request_correction", opinion="不清晰", materials=[asked.pk]
    )
    view = client.get(f"/api/v1/cases/{second.number}").json()
    assert view["status"] == "correction" and view["clock_paused"] is True
    assert view["correction_request"] == {"materials": [asked.pk], "reason": "不清晰"}
    wrong = client.post(
        f"/api/v1/cases/{second.number}/corrections",
        {f"material_{asked.pk}": SimpleUploadedFile("x.pdf", b"MZ\x90\x00")},
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == f"material_{asked.pk}"
    corrected = client.post(
        f"/api/v1/cases/{second.number}/corrections", {f"material_{asked.pk}": pdf("清晰.pdf"), "note": "已重拍"}
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["status"] == "submitted" and corrected.json()["clock_paused"] is False
    assert [m["file_name"] for m in corrected.json()["materials"] if m["material_id"] == asked.pk and m["current"]] == [
        "清晰.pdf"
    ]


def test_anonymous_callers_get_401(db: None) -> None:
    client = Client()
    for method, url in (("get", "/api/v1/cases"), ("get", "/api/v1/tasks"), ("post", "/api/v1/cases")):
        response = getattr(client, method)(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "unauthenticated"
