"""Signing through the application page and the API; seeing a signature; the enterprise's seal page."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.cases.tests.conftest import pdf, uploadable
from dgov.catalog.models import ServiceItem
from dgov.esign.models import ApplicationSignature, EnterpriseSeal
from dgov.esign.tests.conftest import food_data
from dgov.esign.tests.test_signing import _sent_code, png

pytestmark = pytest.mark.django_db


def _files(item: ServiceItem) -> dict[str, Any]:
    return {f"material_{m.pk}": pdf(f"m{m.position}.pdf") for m in uploadable(item)}


def _page_post(item: ServiceItem, applicant: User, **extra: Any) -> dict[str, Any]:
    values = {k: v for k, v in food_data(applicant).items() if v not in (None, "")}
    return {**values, **_files(item), "action": "submit", "idempotency_key": "k-" + item.code, **extra}


def test_the_apply_page_asks_a_person_to_sign_and_keeps_the_drawing(
    citizen: User, food_item: ServiceItem, login: Any
) -> None:
    client = login(citizen)
    page = client.get(f"/cases/apply/{food_item.code}/")
    body = page.content.decode()
    assert 'data-signing="person"' in body and "data-signature-pad" in body and 'value="sms_code"' in body
    unsigned = client.post(f"/cases/apply/{food_item.code}/", _page_post(food_item, citizen))
    assert unsigned.status_code == 400 and 'data-error="signature"' in unsigned.content.decode()
    assert not Case.objects.filter(applicant=citizen, item=food_item).exclude(status="draft").exists()
    drawing = "data:image/png;base64," + base64.b64encode(png()).decode()
    signed = client.post(
        f"/cases/apply/{food_item.code}/",
        _page_post(food_item, citizen, signature_method="drawn", signature_drawing=drawing),
    )
    assert signed.status_code == 302, signed.content.decode()[:2000]
    case = Case.objects.filter(applicant=citizen, item=food_item).exclude(status="draft").get()
    signature = case.signatures.get()
    detail = client.get(f"/cases/mine/{case.pk}/").content.decode()
    assert 'data-signature="drawn"' in detail and "badge-ok" in detail
    picture = client.get(f"/esign/signatures/{signature.pk}/drawing.png")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert "no-store" in picture["Cache-Control"]


def test_a_drawn_signature_is_shown_to_the_applicant_and_the_department_only(
    citizen: User, food_item: ServiceItem, login: Any, outsider: User
) -> None:
    from dgov.cases import services as cases
    from dgov.esign.demo import drawn_signature

    case = cases.case_submit(
        actor=citizen,
        item=food_item,
        data=food_data(citizen),
        uploads={int(k.split("_")[1]): [v] for k, v in _files(food_item).items()},
        signature=drawn_signature("陈小明"),
    )
    signature = case.signatures.get()
    url = f"/esign/signatures/{signature.pk}/drawing.png"
    assert login(User.objects.get(username="approver")).get(url).status_code == 200  # 市场监管 covers the case
    staff_page = login(User.objects.get(username="approver")).get(f"/cases/work/cases/{case.pk}/").content.decode()
    assert 'data-signature="drawn"' in staff_page
    assert login(User.objects.get(username="enterprise")).get(url).status_code == 404
    assert login(outsider).get(url).status_code == 404


def test_an_enterprise_sees_its_seal_on_the_form_and_can_revoke_and_remake_it(
    enterprise: User, food_item: ServiceItem, login: Any
) -> None:
    client = login(enterprise)
    form = client.get(f"/cases/apply/{food_item.code}/").content.decode()
    seal = EnterpriseSeal.objects.get(credit_code=enterprise.enterprise_credit_code)
    assert f'data-seal="{seal.code}"' in form and 'data-signing="enterprise"' in form
    assert client.get(f"/esign/seal/{seal.pk}/picture.png")["Content-Type"] == "image/png"
    page = client.get("/esign/seal/").content.decode()
    assert seal.code in page
    client.post(f"/esign/seal/{seal.pk}/revoke/", {"reason": "账号交接（测试）"})
    assert EnterpriseSeal.objects.get(pk=seal.pk).status == "revoked"
    form = client.get(f"/cases/apply/{food_item.code}/").content.decode()
    assert "/esign/seal/" in form and "data-seal=" not in form
    client.post("/esign/seal/")
    assert EnterpriseSeal.objects.filter(credit_code=enterprise.enterprise_credit_code, status="active").count() == 1
    # Another enterprise's or a person's view of the seal page shows nothing of this one.
    assert login(User.objects.get(username="citizen")).get("/esign/seal/").status_code == 403
    assert login(User.objects.get(username="citizen")).get(f"/esign/seal/{seal.pk}/picture.png").status_code == 404


def test_the_code_is_sent_from_the_page_without_leaving_it(
    citizen: User, food_item: ServiceItem, login: Any, sms: list[Any]
) -> None:
    client = login(citizen)
    sent = client.post("/esign/code/", {"subject": food_item.code}, HTTP_ACCEPT="application/json")
    assert sent.status_code == 200 and "*" in sent.json()["sent_to"]
    again = client.post("/esign/code/", {"subject": food_item.code}, HTTP_ACCEPT="application/json")
    assert again.status_code == 409 and again.json()["error"] == "code_too_soon"
    assert client.post("/esign/code/", {"subject": "no-such-item"}).status_code == 404
    # Without JavaScript the button posts the small form and comes back to the page.
    back = client.post("/esign/code/", {"subject": food_item.code, "next": "https://evil.example/"})
    assert back.status_code == 302 and back["Location"] == "/"


def test_the_api_takes_a_signature_and_shows_it(
    citizen: User, food_item: ServiceItem, login: Any, sms: list[Any]
) -> None:
    client = login(citizen)
    data = food_data(citizen)
    unsigned = client.post(
        "/api/v1/cases", {"payload": json.dumps({"item_code": food_item.code, "data": data}), **_files(food_item)}
    )
    assert unsigned.status_code == 400 and "signature" in {e["field"] for e in unsigned.json()["errors"]}
    asked = client.post("/api/v1/cases/signing-codes", {"item_code": food_item.code}, content_type="application/json")
    assert asked.status_code == 201, asked.content
    code = _sent_code(sms)
    payload = {"item_code": food_item.code, "data": data, "signature": {"kind": "sms_code", "code": code}}
    signed = client.post("/api/v1/cases", {"payload": json.dumps(payload), **_files(food_item)})
    assert signed.status_code == 201, signed.content
    (row,) = signed.json()["signatures"]
    assert row["kind"] == "sms_code" and row["valid"] is True and len(row["sm3"]) == 64
    bad = {"item_code": food_item.code, "data": data, "signature": {"kind": "drawn", "image": "not base64!"}}
    refused = client.post("/api/v1/cases", {"payload": json.dumps(bad), **_files(food_item)})
    assert refused.status_code == 400 and "signature" in {e["field"] for e in refused.json()["errors"]}
    assert ApplicationSignature.objects.filter(case__applicant=citizen).count() == 1


def test_at_the_window_the_applicant_may_sign_on_the_tablet(citizen: User, food_item: ServiceItem, login: Any) -> None:
    clerk = User.objects.get(username="clerk")
    client = login(clerk)
    page = client.get(f"/cases/window/{food_item.code}/").content.decode()
    assert "data-signature-pad" in page and 'value="sms_code"' not in page
    values = {k: v for k, v in food_data(citizen).items() if v not in (None, "")}
    drawing = "data:image/png;base64," + base64.b64encode(png()).decode()
    response = client.post(
        f"/cases/window/{food_item.code}/",
        {
            **values,
            "kind": "citizen",
            "id_number": citizen.id_number,
            "real_name": citizen.real_name,
            "phone": citizen.phone,
            "signature_method": "drawn",
            "signature_drawing": drawing,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.filter(applicant=citizen, channel="window").latest("pk")
    signature = case.signatures.get()
    assert signature.kind == "drawn" and signature.signer == citizen


@pytest.mark.parametrize(
    ("lang", "seal_words", "sign_words"),
    [("zh-hans", "企业电子印章", "签名确认"), ("en", "Enterprise e-seal", "Sign the application")],
)
def test_the_signing_pages_speak_the_reader_s_language(
    enterprise: User, citizen: User, food_item: ServiceItem, login: Any, lang: str, seal_words: str, sign_words: str
) -> None:
    seal_client = login(enterprise)
    seal_client.cookies["django_language"] = lang
    assert seal_words in seal_client.get("/esign/seal/").content.decode()
    person_client = login(citizen)
    person_client.cookies["django_language"] = lang
    assert sign_words in person_client.get(f"/cases/apply/{food_item.code}/").content.decode()
    # Elder mode keeps the section (larger type and a wider pad border come from the stylesheet).
    person_client.post("/elder-mode/", {"enabled": "1"})
    page = person_client.get(f"/cases/apply/{food_item.code}/").content.decode()
    assert sign_words in page and "data-signature-pad" in page and 'class="elder"' in page
