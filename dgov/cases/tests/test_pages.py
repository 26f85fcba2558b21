"""The pages: applying online (prefilled form, drafts, errors per field), the comprehensive window,
the receipt, the public look-up, the staff queue and case page, and the applicant's correction."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case, CaseMaterial, Channel
from dgov.cases.tests.conftest import EXE, FOOD_FORM, open_task, pdf, submit, uploadable
from dgov.catalog.models import ServiceItem
from dgov.core.validation import id_number_check_char
from dgov.workflow.models import Task


def _id_number(first17: str = "44070419900307123") -> str:
    return first17 + id_number_check_char(first17)


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _enterprise_form(enterprise: User, **changes: Any) -> dict[str, Any]:
    return {
        **FOOD_FORM,
        "org_name": enterprise.enterprise_name,
        "credit_code": enterprise.enterprise_credit_code,
        "contact_name": enterprise.real_name,
        "contact_phone": enterprise.phone,
        **changes,
    }


def _field(response: Any, name: str) -> dict[str, Any]:
    return next(f for f in response.context["fields"] if f["name"] == name)


# --- Applying online --------------------------------------------------------------------------------


def test_the_apply_page_renders_the_form_prefilled(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    response = login(enterprise).get(f"/cases/apply/{food_item.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert {"org_name", "credit_code", "contact_name", "contact_phone"} <= set(response.context["prefilled"])
    # The legal representative comes from 法人库, the rest from the account.
    assert response.context["prefilled"]["legal_representative"] == "registry"
    assert response.context["prefilled"]["credit_code"] == "account"
    assert _field(response, "credit_code")["value"] == enterprise.enterprise_credit_code
    assert f'value="{enterprise.enterprise_credit_code}"' in html
    assert 'class="help prefilled"' in html
    assert '<select id="f_business_form" name="business_form" required' in html
    for m in uploadable(food_item):
        assert f'name="material_{m.pk}"' in html
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)
    assert response.context["draft"] is None


def test_who_cannot_apply_is_told_why(citizen: User, clerk: User, food_item: ServiceItem, login: Any) -> None:
    enterprise_only = (
        ServiceItem.objects.filter(subject=ServiceItem.Subject.ENTERPRISE, status="published")
        .exclude(form_schema={})
        .first()
    )
    assert enterprise_only is not None
    response = login(citizen).get(f"/cases/apply/{enterprise_only.code}/")
    assert response.status_code == 403
    assert response.context["reason"]
    assert login(clerk).get(f"/cases/apply/{food_item.code}/").status_code == 403
    assert login(citizen).get("/cases/apply/NO-SUCH-ITEM/").status_code == 404


def test_save_a_draft_then_resume_and_submit_it(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    client = login(enterprise)
    first, *rest = uploadable(food_item)
    saved = client.post(
        f"/cases/apply/{food_item.code}/",
        {
            "action": "draft",
            "premises": "江海区五邑路1号",
            "business_form": "单位食堂",
            f"material_{first.pk}": pdf("平面图.pdf"),
        },
    )
    assert saved.status_code == 302 and saved["Location"] == f"/cases/apply/{food_item.code}/"
    draft = Case.objects.get(applicant=enterprise)
    assert draft.status == Case.Status.DRAFT and draft.number is None
    assert draft.form_data == {"premises": "江海区五邑路1号", "business_form": "单位食堂"}
    assert list(draft.materials.values_list("original_name", flat=True)) == ["平面图.pdf"]

    resumed = client.get(f"/cases/apply/{food_item.code}/")
    assert resumed.status_code == 200
    assert resumed.context["draft"].pk == draft.pk
    assert _field(resumed, "premises")["value"] == "江海区五邑路1号"
    row = next(r for r in resumed.context["materials"] if r["material"].pk == first.pk)
    assert [f.original_name for f in row["files"]] == ["平面图.pdf"]
    assert '<option value="单位食堂" selected>' in resumed.content.decode()
    # A draft is invisible to staff.
    assert Case.objects.filter(pk=draft.pk, instance__isnull=True).exists()

    body = {**_enterprise_form(enterprise), "action": "submit", "idempotency_key": "resume-1"}
    body.update({f"material_{m.pk}": pdf(f"m{m.position}.pdf") for m in rest})
    submitted = client.post(f"/cases/apply/{food_item.code}/", body)
    assert submitted.status_code == 302 and submitted["Location"] == f"/cases/mine/{draft.pk}/"
    case = Case.objects.get(pk=draft.pk)
    assert case.status == Case.Status.SUBMITTED and case.number
    assert case.materials.count() == len(uploadable(food_item))
    assert client.get(submitted["Location"]).status_code == 200


def test_a_draft_file_can_be_removed_and_the_draft_deleted(
    enterprise: User, food_item: ServiceItem, login: Any
) -> None:
    client = login(enterprise)
    material = uploadable(food_item)[0]
    client.post(f"/cases/apply/{food_item.code}/", {"action": "draft", f"material_{material.pk}": pdf()})
    draft = Case.objects.get(applicant=enterprise)
    file = draft.materials.get()
    assert len(_files()) == 1
    assert client.post(f"/cases/materials/{file.pk}/remove/").status_code == 302
    assert not draft.materials.exists() and _files() == []
    assert client.post(f"/cases/drafts/{draft.pk}/delete/").status_code == 302
    assert not Case.objects.filter(pk=draft.pk).exists()


def test_submitting_with_mistakes_shows_them_per_field(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    client = login(enterprise)
    bad_material = uploadable(food_item)[0]
    body = {
        **_enterprise_form(enterprise, business_form="网吧", credit_code="914407040UH1R2MPKB", premises=""),
        "action": "submit",
        "idempotency_key": "with-mistakes",
        f"material_{bad_material.pk}": SimpleUploadedFile("营业执照.pdf", EXE),
    }
    response = client.post(f"/cases/apply/{food_item.code}/", body, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    html = response.content.decode()
    for name in ("business_form", "credit_code", "premises"):
        assert _field(response, name)["errors"], name
        assert f'id="f_{name}_error"' in html
    assert _field(response, "business_form")["errors"] == [
        "请从以下选项中选择一项：食品销售经营者、餐饮服务经营者、单位食堂。"
    ]
    assert _field(response, "credit_code")["errors"] == ["统一社会信用代码校验位错误，请核对。"]
    assert _field(response, "safety_manager")["errors"] == []
    row = next(r for r in response.context["materials"] if r["material"].pk == bad_material.pk)
    assert row["errors"] and "营业执照.pdf" in row["errors"][0]
    # What was typed is kept; the key too, so a corrected resubmission is still one case.
    assert _field(response, "safety_manager")["value"] == FOOD_FORM["safety_manager"]
    assert 'value="with-mistakes"' in html
    assert not Case.objects.filter(applicant=enterprise).exists()
    assert CaseMaterial.objects.count() == 0 and _files() == []


# --- The applicant's case pages ------------------------------------------------------------------------


def test_my_cases_and_the_receipt(enterprise: User, clerk: User, food_item: ServiceItem, login: Any) -> None:
    case = submit(enterprise, food_item)
    client = login(enterprise)
    mine = client.get("/cases/mine/")
    assert mine.status_code == 200 and case.number.encode() in mine.content
    receipt = client.get(f"/cases/{case.pk}/receipt/")
    assert receipt.status_code == 200
    html = receipt.content.decode()
    assert case.number in html and case.lookup_code in html
    assert timezone.localtime(case.due_at).strftime("%Y-%m-%d") in html
    assert "/cases/lookup/" in html
    # Staff who cover the case print it too.
    assert login(clerk).get(f"/cases/{case.pk}/receipt/").status_code == 200


def test_the_applicant_hands_in_corrections_on_the_case_page(
    enterprise: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    case = submit(enterprise, food_item)
    asked = uploadable(food_item)[0]
    services.case_task_complete(
        actor=clerk, task=open_task(case), decision="request_correction", opinion="平面图不清晰", materials=[asked.pk]
    )
    client = login(enterprise)
    page = client.get(f"/cases/mine/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "平面图不清晰" in html and f'name="material_{asked.pk}"' in html
    assert page.context["deadline"] == "paused"

    wrong = client.post(
        f"/cases/mine/{case.pk}/", {"action": "correct", f"material_{asked.pk}": SimpleUploadedFile("平面图.pdf", EXE)}
    )
    assert wrong.status_code == 200
    assert wrong.context["material_errors"] and "平面图.pdf" in wrong.context["material_errors"][0]
    assert Case.objects.get(pk=case.pk).status == Case.Status.CORRECTION

    done = client.post(
        f"/cases/mine/{case.pk}/",
        {"action": "correct", "note": "已重新扫描", f"material_{asked.pk}": pdf("平面图-清晰.pdf")},
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED and case.paused_at is None
    assert case.materials.get(item_material=asked, replaced_at__isnull=True).original_name == "平面图-清晰.pdf"


def test_the_applicant_withdraws_on_the_case_page(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    case = submit(enterprise, food_item)
    client = login(enterprise)
    assert client.post(f"/cases/mine/{case.pk}/withdraw/", {"reason": ""}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    assert client.post(f"/cases/mine/{case.pk}/withdraw/", {"reason": "信息有误"}).status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.WITHDRAWN


# --- The public look-up ---------------------------------------------------------------------------------


def test_the_lookup_page(enterprise: User, food_item: ServiceItem) -> None:
    cache.clear()
    case = submit(enterprise, food_item)
    client = Client(REMOTE_ADDR="127.0.0.21")  # loopback: the demo settings serve this machine only
    assert client.get("/cases/lookup/").status_code == 200
    found = client.post("/cases/lookup/", {"number": case.number, "code": case.lookup_code})
    assert found.status_code == 200
    assert found.context["case"].pk == case.pk
    assert case.number.encode() in found.content
    assert enterprise.enterprise_credit_code.encode() not in found.content
    wrong = "000000" if case.lookup_code != "000000" else "111111"
    missing = client.post("/cases/lookup/", {"number": case.number, "code": wrong})
    assert missing.status_code == 404 and missing.context["case"] is None
    for _ in range(9):
        client.post("/cases/lookup/", {"number": case.number, "code": wrong})
    assert client.post("/cases/lookup/", {"number": case.number, "code": case.lookup_code}).status_code == 429
    cache.clear()


# --- The staff workbench -------------------------------------------------------------------------------


def test_the_queue_lists_the_task_with_its_deadline_class(
    enterprise: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    on_time = submit(enterprise, food_item)
    late = submit(enterprise, food_item)
    late_task = open_task(late)
    Task.objects.filter(pk=late_task.pk).update(due_at=timezone.now() - timezone.timedelta(days=1))
    response = login(clerk).get("/cases/work/")
    assert response.status_code == 200
    rows = {row["task"].pk: row for row in response.context["tasks"]}
    assert rows[late_task.pk]["deadline"] == "overdue"
    assert rows[open_task(on_time).pk]["deadline"] in ("on_time", "due_soon")
    html = response.content.decode()
    assert 'class="deadline-row-overdue"' in html and 'class="deadline deadline-overdue"' in html
    assert on_time.number in html and late.number in html
    # Overdue first: soonest due first.
    assert html.index(late.number) < html.index(on_time.number)
    overdue_only = login(clerk).get("/cases/work/", {"due": "overdue"})
    assert [row["task"].pk for row in overdue_only.context["tasks"]] == [late_task.pk]


def test_the_staff_case_page_shows_the_step_and_takes_the_decision(
    enterprise: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    case = submit(enterprise, food_item)
    task = open_task(case)
    client = login(clerk)
    page = client.get(f"/cases/work/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert [a["task"].pk for a in page.context["actions"]] == [task.pk]
    assert f'action="/cases/work/tasks/{task.pk}/"' in html
    assert f'name="t{task.pk}-decision" value="accept"' in html
    assert f'name="t{task.pk}-materials"' in html
    assert page.context["deadline"] in ("on_time", "due_soon")

    refused = client.post(f"/cases/work/tasks/{task.pk}/", {"action": "complete", f"t{task.pk}-decision": "refuse"})
    assert refused.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.SUBMITTED
    bad = client.post(f"/cases/work/tasks/{task.pk}/", {"action": "complete", f"t{task.pk}-decision": "approve"})
    assert bad.status_code == 400 and bad.context["actions"][0]["form"].errors

    claimed = client.post(f"/cases/work/tasks/{task.pk}/", {"action": "claim"})
    assert claimed.status_code == 302 and Task.objects.get(pk=task.pk).assignee_id == clerk.pk
    asked = uploadable(food_item)[1]
    done = client.post(
        f"/cases/work/tasks/{task.pk}/",
        {
            "action": "complete",
            f"t{task.pk}-decision": "request_correction",
            f"t{task.pk}-opinion": "制度目录缺页",
            f"t{task.pk}-materials": [asked.pk],
        },
    )
    assert done.status_code == 302 and done["Location"] == f"/cases/work/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.status == Case.Status.CORRECTION and case.correction_request["materials"] == [asked.pk]
    again = client.get(f"/cases/work/cases/{case.pk}/")
    assert again.context["actions"] == [] and again.context["deadline"] == "paused"
    assert client.get(f"/cases/work/cases/{case.pk}/process.xml").status_code == 200


def test_the_staff_case_list(enterprise: User, clerk: User, approver: User, food_item: ServiceItem, login: Any) -> None:
    case = submit(enterprise, food_item)
    services.case_draft_save(actor=enterprise, item=food_item, data={})
    for user in (clerk, approver):
        response = login(user).get("/cases/work/cases/")
        assert response.status_code == 200
        assert [c.pk for c in response.context["page"]] == [case.pk]  # drafts are nobody else's business
    filtered = login(clerk).get("/cases/work/cases/", {"status": "accepted"})
    assert list(filtered.context["page"]) == []


# --- The comprehensive window ------------------------------------------------------------------------------


def _window_body(**changes: Any) -> dict[str, Any]:
    return {
        **FOOD_FORM,
        "org_name": "陈记小吃店",
        "credit_code": "914407040UH1R2MPKA",
        "contact_phone": "13800000001",
        "kind": "citizen",
        **changes,
    }


def test_the_window_finds_the_item(clerk: User, approver: User, food_item: ServiceItem, login: Any) -> None:
    response = login(clerk).get("/cases/window/", {"q": "食品经营"})
    assert response.status_code == 200
    assert food_item.code in [i.code for i in response.context["items"]]
    form = login(clerk).get(f"/cases/window/{food_item.code}/")
    assert form.status_code == 200 and 'name="id_number"' in form.content.decode()
    assert login(approver).get("/cases/window/").status_code == 403


def test_the_window_enters_a_case_for_a_citizen_with_an_account(
    citizen: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    client = login(clerk)
    response = client.post(
        f"/cases/window/{food_item.code}/", _window_body(id_number=citizen.id_number.lower(), idempotency_key="w-1")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant=citizen)
    assert response["Location"] == f"/cases/{case.pk}/receipt/"
    assert (case.channel, case.submitted_by_id, case.status) == (Channel.WINDOW, clerk.pk, Case.Status.SUBMITTED)
    assert case.materials.count() == 0  # the originals were seen at the counter
    receipt = client.get(response["Location"])
    assert case.number.encode() in receipt.content and case.lookup_code.encode() in receipt.content
    # The same form sent again (a double click) is the same case.
    again = client.post(
        f"/cases/window/{food_item.code}/", _window_body(id_number=citizen.id_number, idempotency_key="w-1")
    )
    assert again.status_code == 302 and Case.objects.filter(applicant=citizen).count() == 1


def test_the_window_registers_a_new_person(clerk: User, food_item: ServiceItem, login: Any) -> None:
    client = login(clerk)
    id_number = _id_number()
    body = _window_body(id_number=id_number, real_name="黄新来", phone="13912345678", idempotency_key="w-new")
    response = client.post(f"/cases/window/{food_item.code}/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(real_name="黄新来")
    assert person.kind == User.Kind.CITIZEN and person.id_number == id_number and person.phone == "13912345678"
    assert not person.has_usable_password()
    case = Case.objects.get(applicant=person)
    assert case.channel == Channel.WINDOW and case.applicant_name == "黄新来"


def _wrong_check_digit(id_number: str) -> str:
    return id_number[:17] + ("0" if id_number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": _wrong_check_digit(_id_number()), "real_name": "黄新来", "phone": "13912345678"}, "id_number"),
        ({"real_name": "黄新来", "phone": ""}, "phone"),
        ({"real_name": "黄新来", "phone": "12345"}, "phone"),
        ({"real_name": "", "phone": "13912345678"}, "real_name"),
    ],
)
def test_the_window_refuses_incomplete_applicant_details(
    clerk: User, food_item: ServiceItem, login: Any, changes: dict[str, Any], field: str
) -> None:
    body = {**_window_body(id_number=_id_number("44070419900307124"), idempotency_key="w-bad"), **changes}
    users = User.objects.count()
    response = login(clerk).post(f"/cases/window/{food_item.code}/", body)
    assert response.status_code == 400
    assert field in response.context["applicant_form"].errors
    assert User.objects.count() == users
    assert not Case.objects.filter(channel=Channel.WINDOW).exists()


def test_the_window_clerk_hands_in_corrections_for_a_window_case(
    citizen: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    client = login(clerk)
    client.post(f"/cases/window/{food_item.code}/", _window_body(id_number=citizen.id_number, idempotency_key="w-2"))
    case = Case.objects.get(applicant=citizen)
    asked = uploadable(food_item)[0]
    services.case_task_complete(
        actor=clerk, task=open_task(case), decision="request_correction", opinion="请补交平面图", materials=[asked.pk]
    )
    page = client.get(f"/cases/work/cases/{case.pk}/")
    assert page.context["can_correct_for_applicant"] and f'name="material_{asked.pk}"' in page.content.decode()
    response = client.post(f"/cases/work/cases/{case.pk}/correct/", {f"material_{asked.pk}": pdf("平面图.pdf")})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SUBMITTED
    assert case.materials.get().uploaded_by_id == clerk.pk


def test_a_refused_window_application_registers_nobody(clerk: User, food_item: ServiceItem, login: Any) -> None:
    users = User.objects.count()
    body = _window_body(
        id_number=_id_number(), real_name="黄新来", phone="13912345678", business_form="网吧", idempotency_key="w-3"
    )
    response = login(clerk).post(f"/cases/window/{food_item.code}/", body)
    assert response.status_code == 400
    assert (
        response.context["fields"]
        and next(f for f in response.context["fields"] if f["name"] == "business_form")["errors"]
    )
    assert User.objects.count() == users
    assert not Case.objects.filter(channel=Channel.WINDOW).exists()


def test_staff_downloads_of_applicant_files_are_recorded(
    enterprise: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    from dgov.audit.models import AuditEvent

    case = submit(enterprise, food_item)
    material = case.materials.first()
    assert material is not None
    response = login(clerk).get(f"/cases/materials/{material.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == material.file.open("rb").read()
    assert AuditEvent.objects.filter(action="case.material_read", actor=clerk, target_id=str(case.pk)).exists()
    assert login(enterprise).get(f"/cases/materials/{material.pk}/").status_code == 200
    assert not AuditEvent.objects.filter(action="case.material_read", actor=enterprise).exists()


def test_a_department_window_clerk_enters_only_their_departments_items(
    colleague: User, citizen: User, card_item: ServiceItem, food_item: ServiceItem, login: Any
) -> None:
    from dgov.audit.models import AuditEvent

    client = login(colleague)  # window clerk of 市场监管 only
    assert client.get(f"/cases/window/{food_item.code}/").status_code == 200
    assert client.get(f"/cases/window/{card_item.code}/").status_code == 403
    response = client.post(f"/cases/window/{card_item.code}/", {"kind": "citizen", "id_number": citizen.id_number})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=colleague).count() == 2
    assert not Case.objects.filter(applicant=citizen).exists()


def test_the_window_finds_an_enterprise_by_its_credit_code(
    enterprise: User, clerk: User, food_item: ServiceItem, login: Any
) -> None:
    body = {
        **_window_body(kind="enterprise", credit_code=enterprise.enterprise_credit_code, idempotency_key="w-ent"),
        "org_name": enterprise.enterprise_name,
    }
    response = login(clerk).post(f"/cases/window/{food_item.code}/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant=enterprise)
    assert case.channel == Channel.WINDOW and case.applicant_name == enterprise.enterprise_name


def test_a_draft_has_no_receipt_and_its_page_is_the_form(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    draft = services.case_draft_save(actor=enterprise, item=food_item, data={})
    client = login(enterprise)
    assert client.get(f"/cases/{draft.pk}/receipt/").status_code == 404
    response = client.get(f"/cases/mine/{draft.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/apply/{food_item.code}/"
