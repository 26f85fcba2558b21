"""Bad input is refused field by field and leaves nothing behind: no case, no material row, no
file on disk, no audit record."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases import services
from dgov.cases.models import Case, CaseMaterial
from dgov.cases.tests.conftest import EXE, PDF, PNG, food_data, pdf, signature_for, uploadable, uploads_for
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ApplicationError

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _counts() -> tuple[int, int, int, int]:
    return Case.objects.count(), CaseMaterial.objects.count(), len(_files()), AuditEvent.objects.count()


@pytest.fixture
def nothing_written(jianghai: None) -> Any:
    """Assert, at the end of the test, that nothing was written since it started."""
    before = _counts()
    yield
    assert _counts() == before


def _refused(
    applicant: User, item: ServiceItem, data: dict[str, Any], uploads: dict[int, list[Any]] | None = None
) -> dict[str, list[str]]:
    with pytest.raises(ApplicationError) as err:
        services.case_submit(
            actor=applicant,
            item=item,
            data=data,
            uploads=uploads_for(item) if uploads is None else uploads,
            signature=signature_for(applicant, item),
        )
    assert err.value.code == "invalid_application"
    return err.value.field_errors


# --- Form data ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"online_sales": "maybe"}, "online_sales", "Choose yes or no."),
        ({"premises": ["a", "list"]}, "premises", "Enter text."),
        ({"premises": 42}, "premises", "Enter text."),
        ({"premises": "路" * 201}, "premises", "At most 200 characters (you entered 201)."),
        ({"business_form": "网吧"}, "business_form", "Choose one of: 食品销售经营者、餐饮服务经营者、单位食堂."),
        (
            {"credit_code": "914407040UH1R2MPKB"},
            "credit_code",
            "The credit code's check character is wrong; please check it.",
        ),
        (
            {"credit_code": "91440704"},
            "credit_code",
            "A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z).",
        ),
        (
            {"contact_phone": "12345"},
            "contact_phone",
            "Enter a mobile number (11 digits) or a landline with its area code.",
        ),
        ({"premises": ""}, "premises", "Please fill in 经营场所."),
        ({"safety_manager": None}, "safety_manager", "Please fill in 食品安全管理人员."),
    ],
)
def test_invalid_form_data_is_refused_per_field(
    enterprise: User, food_item: ServiceItem, changes: dict[str, Any], field: str, message: str
) -> None:
    with translation.override("en"):
        errors = _refused(enterprise, food_item, food_data(enterprise, **changes))
    assert errors == {field: [message]}


@pytest.mark.usefixtures("nothing_written")
def test_an_unknown_field_is_refused(enterprise: User, food_item: ServiceItem) -> None:
    with translation.override("en"):
        errors = _refused(enterprise, food_item, food_data(enterprise, registered_capital="100万", __proto__="x"))
    assert errors == {"__all__": ["The form has no field named __proto__, registered_capital."]}


@pytest.mark.usefixtures("nothing_written")
def test_a_bad_id_number_is_refused(citizen: User, card_item: ServiceItem, card_data: dict[str, Any]) -> None:
    good = card_data["id_number"]
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    with translation.override("en"):
        assert _refused(citizen, card_item, {**card_data, "id_number": bad_check}) == {
            "id_number": ["The ID number's check digit is wrong; please check it."]
        }
        assert _refused(citizen, card_item, {**card_data, "id_number": "4407041956"}) == {
            "id_number": ["An ID number has 18 characters: 17 digits and a final digit or X."]
        }


@pytest.mark.usefixtures("nothing_written")
def test_field_messages_are_in_chinese_for_a_chinese_page(
    citizen: User, card_item: ServiceItem, card_data: dict[str, Any]
) -> None:
    data = {**card_data, "id_number": card_data["id_number"][:17] + "X", "bank": "花旗银行"}
    with translation.override("zh-hans"):
        errors = _refused(citizen, card_item, data)
    assert errors["id_number"] == ["身份证号码校验位错误，请核对。"]
    assert errors["bank"] == ["请从以下选项中选择一项：中国工商银行、中国农业银行、中国银行、中国建设银行、广东农信。"]


@pytest.mark.usefixtures("nothing_written")
def test_every_mistake_is_reported_at_once(enterprise: User, food_item: ServiceItem) -> None:
    data = food_data(enterprise, business_form="网吧", contact_phone="x", premises="")
    errors = _refused(enterprise, food_item, data, uploads={})
    assert {"business_form", "contact_phone", "premises"} <= set(errors)
    assert {f"material_{m.pk}" for m in uploadable(food_item)} <= set(errors)


# --- Files -------------------------------------------------------------------------------------------


def _with_bad_file(item: ServiceItem, bad: SimpleUploadedFile) -> tuple[dict[int, list[Any]], int]:
    uploads = uploads_for(item)
    target = uploadable(item)[-1].pk
    uploads[target] = [bad]
    return uploads, target


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("营业执照.pdf", EXE, "营业执照.pdf is an executable program, not a PDF, JPEG, PNG or OFD document."),
        ("setup.exe", EXE, "setup.exe is an executable program, not a PDF, JPEG, PNG or OFD document."),
        ("page.pdf", b"<!DOCTYPE html><html></html>", "page.pdf is a web page, not a PDF, JPEG, PNG or OFD document."),
        ("photo.pdf", PNG, "photo.pdf contains a PNG document but its name does not end in .png."),
        ("scan.png", PDF, "scan.png contains a PDF document but its name does not end in .pdf."),
        ("scan", PDF, "scan contains a PDF document but its name does not end in .pdf."),
        ("empty.pdf", b"", "empty.pdf is empty."),
        ("notes.pdf", b"just some text", "notes.pdf is a file of another type, not a PDF, JPEG, PNG or OFD document."),
    ],
)
def test_a_file_is_judged_by_its_content(
    enterprise: User, food_item: ServiceItem, name: str, content: bytes, message: str
) -> None:
    uploads, target = _with_bad_file(food_item, SimpleUploadedFile(name, content))
    with translation.override("en"):
        errors = _refused(enterprise, food_item, food_data(enterprise), uploads)
    assert errors == {f"material_{target}": [message]}


@pytest.mark.usefixtures("nothing_written")
def test_an_oversized_file_is_refused(enterprise: User, food_item: ServiceItem, settings: Any) -> None:
    settings.DGOV_UPLOAD_MAX_BYTES = 100
    uploads, target = _with_bad_file(food_item, pdf("big.pdf", PDF + b"0" * 200))
    with translation.override("en"):
        errors = _refused(enterprise, food_item, food_data(enterprise), uploads)
    assert errors == {
        f"material_{target}": [f"big.pdf is {len(PDF) + 200}\xa0bytes; files may be at most 100\xa0bytes."]
    }


@pytest.mark.usefixtures("nothing_written")
def test_a_missing_required_upload_is_named(enterprise: User, food_item: ServiceItem) -> None:
    uploads = uploads_for(food_item)
    missing = uploadable(food_item)[0]
    del uploads[missing.pk]
    with translation.override("en"):
        errors = _refused(enterprise, food_item, food_data(enterprise), uploads)
    assert errors == {f"material_{missing.pk}": [f"Please upload {missing.name}."]}


@pytest.mark.usefixtures("nothing_written")
def test_a_file_for_a_material_the_item_does_not_ask_for(
    enterprise: User, food_item: ServiceItem, card_item: ServiceItem
) -> None:
    uploads = uploads_for(food_item)
    foreign = uploadable(card_item)[0]
    licence = food_item.materials.get(position=2)  # 营业执照 comes from the registry
    for extra in (foreign.pk, licence.pk):
        with translation.override("en"):
            errors = _refused(enterprise, food_item, food_data(enterprise), {**uploads, extra: [pdf()]})
        assert errors == {"__all__": ["A file was sent for a material this item does not ask for."]}


@pytest.mark.usefixtures("nothing_written")
def test_too_many_files_for_one_material(enterprise: User, food_item: ServiceItem) -> None:
    uploads, target = _with_bad_file(food_item, pdf())
    uploads[target] = [pdf(f"p{i}.pdf") for i in range(services.MAX_FILES_PER_MATERIAL + 1)]
    with translation.override("en"):
        errors = _refused(enterprise, food_item, food_data(enterprise), uploads)
    assert errors == {f"material_{target}": ["At most 10 files per material."]}


def test_accepted_files_get_random_names_and_their_real_type(enterprise: User, food_item: ServiceItem) -> None:
    uploads = uploads_for(food_item)
    first, second = uploadable(food_item)[:2]
    uploads[first.pk] = [SimpleUploadedFile("../../etc/passwd.jpg", JPEG, content_type="application/pdf")]
    uploads[second.pk] = [SimpleUploadedFile("平面图.PNG", PNG, content_type="text/html")]
    case = services.case_submit(actor=enterprise, item=food_item, data=food_data(enterprise), uploads=uploads)
    jpeg = case.materials.get(item_material=first)
    png = case.materials.get(item_material=second)
    assert (jpeg.original_name, jpeg.content_type) == ("passwd.jpg", "image/jpeg")
    assert (png.original_name, png.content_type) == ("平面图.PNG", "image/png")
    for m in (jpeg, png):
        stored = Path(m.file.name).name
        assert "passwd" not in stored and "平面图" not in stored
        assert Path(m.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert len(_files()) == len(uploadable(food_item))


@pytest.mark.usefixtures("nothing_written")
def test_a_failure_after_the_files_were_stored_removes_them(enterprise: User, food_item: ServiceItem) -> None:
    engine_down = mock.patch("dgov.cases.services.workflow.process_start", side_effect=RuntimeError("engine down"))
    with engine_down, pytest.raises(RuntimeError):
        services.case_submit(
            actor=enterprise, item=food_item, data=food_data(enterprise), uploads=uploads_for(food_item)
        )


@pytest.mark.usefixtures("nothing_written")
def test_a_bad_draft_is_not_saved(enterprise: User, food_item: ServiceItem) -> None:
    target = uploadable(food_item)[0].pk
    with pytest.raises(ApplicationError) as err:
        services.case_draft_save(
            actor=enterprise,
            item=food_item,
            data={"premises": "路" * 201},
            uploads={target: [SimpleUploadedFile("a.pdf", EXE)]},
        )
    assert set(err.value.field_errors) == {"premises", f"material_{target}"}


def test_a_draft_needs_no_required_fields_but_the_right_types(enterprise: User, food_item: ServiceItem) -> None:
    draft = services.case_draft_save(actor=enterprise, item=food_item, data={"online_sales": "true"})
    assert draft.form_data == {"online_sales": True}
    with pytest.raises(ApplicationError) as err:
        services.case_draft_save(actor=enterprise, item=food_item, data={"online_sales": "perhaps"})
    assert set(err.value.field_errors) == {"online_sales"}
    assert Case.objects.get(pk=draft.pk).form_data == {"online_sales": True}


# --- Who and where -------------------------------------------------------------------------------


@pytest.mark.usefixtures("nothing_written")
def test_the_wrong_kind_of_applicant_is_refused(
    citizen: User, enterprise: User, clerk: User, card_item: ServiceItem, card_data: dict[str, Any]
) -> None:
    for actor in (enterprise, clerk):
        with pytest.raises(ApplicationError) as err:
            services.case_submit(actor=actor, item=card_item, data=card_data, uploads=uploads_for(card_item))
        assert err.value.code == "wrong_subject"


@pytest.mark.usefixtures("nothing_written")
def test_a_channel_the_item_does_not_offer_is_refused(enterprise: User, food_item: ServiceItem) -> None:
    with pytest.raises(ApplicationError) as err:
        services.case_submit(
            actor=enterprise,
            item=food_item,
            data=food_data(enterprise),
            uploads=uploads_for(food_item),
            channel="partner",
            partner_name="江海农商银行",
        )
    assert err.value.code == "channel_closed"
    with pytest.raises(ApplicationError) as err:
        services.case_submit(actor=enterprise, item=food_item, data=food_data(enterprise), channel="fax")
    assert err.value.code == "invalid_channel"


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize("key", ["k" * 65, "bad\nkey"])
def test_a_malformed_idempotency_key_is_refused(enterprise: User, food_item: ServiceItem, key: str) -> None:
    with pytest.raises(ApplicationError) as err:
        services.case_submit(
            actor=enterprise,
            item=food_item,
            data=food_data(enterprise),
            uploads=uploads_for(food_item),
            idempotency_key=key,
        )
    assert err.value.code == "invalid_key"


# --- Through the API --------------------------------------------------------------------------------


def test_the_api_reports_field_errors_and_writes_nothing(enterprise: User, food_item: ServiceItem, login: Any) -> None:
    import json

    client = login(enterprise)  # signing in is recorded: count after it
    before = _counts()
    target = uploadable(food_item)[0].pk
    body: dict[str, Any] = {
        "payload": json.dumps({"item_code": food_item.code, "data": food_data(enterprise, business_form="网吧")}),
        **{f"material_{m.pk}": pdf() for m in uploadable(food_item)},
    }
    body[f"material_{target}"] = SimpleUploadedFile("virus.pdf", EXE)
    response = client.post("/api/v1/cases", body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    out = response.json()
    assert out["code"] == "invalid_application"
    fields = {e["field"] for e in out["errors"]}
    assert fields == {"business_form", f"material_{target}"}
    for bad in (
        {"payload": "{not json"},
        {"payload": json.dumps({"data": {}})},
        {"payload": json.dumps({"item_code": food_item.code, "data": {}}), "file": pdf()},
    ):
        response = client.post("/api/v1/cases", bad)
        assert (response.status_code, response.json()["code"]) == (400, "invalid_body"), bad
    response = client.post("/api/v1/cases", b"\xff\xfe", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_body")
    assert _counts() == before
