"""免提交 from the registries: a registry-sourced material is read at submission and kept with the
case (encrypted, with its digest and the record's revision); the read is logged for the person;
a missing record is kept as not found for the department to check."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from dgov.accounts.models import User
from dgov.cases import services
from dgov.cases.models import Case, CaseRegistryMaterial, Channel
from dgov.cases.tests.test_instant import ALLOWANCE, ELDER_ID, UNKNOWN_ID, item, person, uploads
from dgov.core import crypto
from dgov.esign.demo import drawn_signature
from dgov.registries.models import PersonRecord, RegistryRead

pytestmark = pytest.mark.django_db


def submit(applicant: User, *, channel: str = Channel.ONLINE, actor: User | None = None) -> Case:
    it = item("高龄津贴申领")
    data = {**services.prefill_for(applicant, it.form_schema), "address": "江海区（示例）", **ALLOWANCE}
    if channel == Channel.WINDOW:
        return services.case_submit(
            actor=actor or applicant, item=it, data=data, uploads={}, channel=channel, applicant=applicant
        )
    return services.case_submit(
        actor=applicant, item=it, data=data, uploads=uploads(it), signature=drawn_signature(applicant.real_name)
    )


def test_the_household_register_is_read_and_kept_with_the_case_instead_of_an_upload(jianghai: None) -> None:
    elder = person("elder2", ELDER_ID, "梁桂英")
    case = submit(elder)
    (kept,) = case.registry_materials.all()
    assert kept.item_material.name == "居民户口簿" and kept.path == "person.household" and kept.found
    facts = kept.facts
    assert facts["id_number"] == ELDER_ID and facts["registered_in_district"] is True
    assert kept.sm3 == crypto.sm3_hex(kept.facts_json.encode())
    assert kept.revision == PersonRecord.objects.get(name__startswith="梁桂英").revision
    # Stored encrypted; the read is logged for her with its purpose and the case number.
    with connection.cursor() as cursor:
        cursor.execute("SELECT facts_json FROM cases_caseregistrymaterial WHERE id = %s", [kept.pk])
        (raw,) = cursor.fetchone()
    assert ELDER_ID not in raw
    (read,) = [r for r in RegistryRead.objects.filter(case_number=case.number) if "person.household" in r.fields]
    assert "居民户口簿" in read.purpose
    # The submission's audit record names it.
    from dgov.audit.models import AuditEvent

    event = AuditEvent.objects.filter(action="case.submit", target_id=str(case.pk)).get()
    assert event.summary["registry_materials"] == {"person": ["person.household"]}


def test_the_registry_changing_later_does_not_change_what_the_case_kept(jianghai: None) -> None:
    from dgov.registries.services import person_record_update

    elder = person("elder3", ELDER_ID, "梁桂英")
    case = submit(elder)
    before = case.registry_materials.get().facts_json
    record = PersonRecord.objects.get(name__startswith="梁桂英")
    person_record_update(actor=None, record=record, changes={"household_address": "江海区礼乐街道新址（示例）"})
    assert CaseRegistryMaterial.objects.get(case=case).facts_json == before
    later = submit(elder, channel=Channel.WINDOW, actor=User.objects.get(username="clerk"))
    assert "新址" in json.dumps(later.registry_materials.get().facts, ensure_ascii=False)


def test_a_person_the_registry_lacks_is_kept_as_not_found_and_the_page_says_so(jianghai: None, login) -> None:
    stranger = person("stranger", UNKNOWN_ID, "赵无名")
    case = submit(stranger)
    kept = case.registry_materials.get()
    assert not kept.found and kept.facts == {} and kept.sm3 == ""
    page = login(stranger).get(f"/cases/mine/{case.pk}/").content.decode()
    assert 'data-registry-material="person.household"' in page and "badge-bad" in page


def test_the_case_pages_show_the_registry_data_with_the_id_number_masked(jianghai: None, login) -> None:
    elder = person("elder4", ELDER_ID, "梁桂英")
    case = submit(elder)
    page = login(elder).get(f"/cases/mine/{case.pk}/").content.decode()
    section = page.split('data-registry-material="person.household"', 1)[1].split("</li>", 1)[0]
    assert "梁桂英" in section and ELDER_ID not in section and f"{ELDER_ID[:6]}********{ELDER_ID[-4:]}" in section
