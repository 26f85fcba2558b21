"""免填写: forms prefilled from the account and the registries, marked, logged, and checked
against a registry that changed after prefill."""

from __future__ import annotations

import re

import pytest

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.cases.tests.conftest import pdf, signature_post
from dgov.cases.tests.test_instant import ELDER_ID, person
from dgov.catalog.models import ServiceItem
from dgov.registries.models import PersonRecord, RegistryRead
from dgov.registries.services import person_record_update


@pytest.fixture
def elder(jianghai: None) -> User:
    return person("elder", ELDER_ID, "梁桂英")


def form_page(client, item: ServiceItem) -> str:
    response = client.get(f"/cases/apply/{item.code}/")
    assert response.status_code == 200
    return response.content.decode()


def allowance() -> ServiceItem:
    return ServiceItem.objects.get(name="高龄津贴申领", status="published")


def test_known_data_is_prefilled_marked_by_source_and_the_read_logged(elder, login):
    html = form_page(login(elder), allowance())
    assert 'value="1938-06-18"' in html  # date of birth from 人口库
    record = PersonRecord.objects.get(reads__isnull=False, name__startswith="梁桂英")
    assert record.residence_address in html
    assert html.count('class="help prefilled"') >= 4  # name, ID number, phone (account); birth date, address
    (read,) = RegistryRead.objects.filter(person=record)
    assert sorted(read.fields) == ["person.birth_date", "person.residence_address"]
    assert read.case_number == ""


def test_an_enterprise_form_takes_the_legal_representative_from_the_legal_person_registry(jianghai, login):
    enterprise = User.objects.get(username="enterprise")
    item = ServiceItem.objects.get(name="企业投资项目备案", status="published")
    html = form_page(login(enterprise), item)
    assert re.search(r'name="legal_representative" value="李敏', html)


def test_a_registry_change_after_prefill_is_caught_at_submission_and_nothing_is_written(elder, login):
    client = login(elder)
    item = allowance()
    html = form_page(client, item)
    stamp = re.search(r'name="prefill_stamp" value="([^"]+)"', html).group(1)
    record = PersonRecord.objects.get(reads__isnull=False, name__startswith="梁桂英")
    old_address = record.residence_address
    person_record_update(actor=None, record=record, changes={"residence_address": "江海区礼乐街道新址 9 号（示例）"})
    values = {
        "applicant_name": elder.real_name,
        "id_number": ELDER_ID,
        "phone": elder.phone,
        "address": old_address,  # kept as prefilled
        "birth_date": "1938-06-18",
        "bank_account": "6222000000000000",
        "prefill_stamp": stamp,
        **signature_post(elder, item),
    }
    files = {
        f"material_{m.pk}": pdf()
        for m in item.materials.all()
        if m.source == m.Source.APPLICANT and m.requirement == m.Requirement.REQUIRED and not m.name.startswith("《")
    }
    response = client.post(f"/cases/apply/{item.code}/", {**values, **files})
    assert response.status_code == 400
    assert "江海区礼乐街道新址 9 号（示例）" in response.content.decode()
    assert not Case.objects.filter(applicant=elder).exclude(status="draft").exists()
    # With the new value confirmed, the same form goes through.
    files = {k: pdf() for k in files}
    values["address"] = "江海区礼乐街道新址 9 号（示例）"
    response = client.post(f"/cases/apply/{item.code}/", {**values, **files})
    assert response.status_code == 302


def test_a_tampered_stamp_is_refused(elder, login):
    client = login(elder)
    item = allowance()
    response = client.post(f"/cases/apply/{item.code}/", {"prefill_stamp": "forged:stamp", "address": "x"})
    assert response.status_code == 400
    assert not Case.objects.filter(applicant=elder).exists()
