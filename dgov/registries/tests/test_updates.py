"""Changes of registry records: the revision goes up by one per change, the audit trail names the
fields (never the values), nothing changes on a refusal, and a stale revision is a conflict."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError, ConflictError
from dgov.registries import services
from dgov.registries.demo import EXTRA_PERSONS
from dgov.registries.models import EnterpriseRecord, PersonRecord
from dgov.registries.selectors import enterprise_facts, person_facts, person_get


def test_each_change_bumps_the_revision_and_is_audited(
    citizen_record: PersonRecord, citizen: Any, sysadmin: Any
) -> None:
    updated = services.person_record_update(
        actor=sysadmin,
        record=citizen_record,
        changes={"disability_grade": 4, "disability_kind": "hearing", "phone": "138 0000 0099"},
    )
    assert updated.revision == 2
    assert updated.phone == "13800000099"
    event = AuditEvent.objects.filter(action="registry.person.update").latest("seq")
    assert event.actor == sysadmin
    assert event.summary == {"fields": ["disability_grade", "disability_kind", "phone"], "revision": 2}
    assert "13800000099" not in str(event.summary)
    services.person_record_update(actor=sysadmin, record=updated, changes={"marital_status": "widowed"})
    facts = person_facts(citizen.id_number)
    assert facts is not None
    assert (facts["revision"], facts["disabled"], facts["marital_status"]) == (3, True, "widowed")


def test_no_change_is_no_new_revision(citizen_record: PersonRecord) -> None:
    events = AuditEvent.objects.count()
    same = services.person_record_update(
        actor=None, record=citizen_record, changes={"name": citizen_record.name, "birth_date": "1956-03-12"}
    )
    assert same.revision == 1
    assert AuditEvent.objects.count() == events


def test_a_stale_revision_is_a_conflict(citizen_record: PersonRecord) -> None:
    services.person_record_update(actor=None, record=citizen_record, changes={"ethnicity": "壮族"})
    with pytest.raises(ConflictError) as exc:
        services.person_record_update(
            actor=None, record=citizen_record, changes={"ethnicity": "汉族"}, expected_revision=1
        )
    assert exc.value.code == "stale_revision"
    assert PersonRecord.objects.get(pk=citizen_record.pk).ethnicity == "壮族"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": "440704193806181023"}, "id_number"),
        ({"favourite_colour": "red"}, "favourite_colour"),
        ({"disability_grade": 2}, "disability_kind"),  # a grade needs its kind
        ({"disability_kind": "visual"}, "disability_kind"),  # a kind needs a grade
        ({"birth_date": "1956-03-13"}, "birth_date"),  # the ID number says 12 March
        ({"sex": "female"}, "sex"),
        ({"marital_status": "complicated"}, "marital_status"),
        ({"household_region": "Jianghai"}, "household_region"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_a_refused_change_changes_nothing(citizen_record: PersonRecord, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.person_record_update(actor=None, record=citizen_record, changes=changes)
    assert field in exc.value.field_errors
    fresh = PersonRecord.objects.get(pk=citizen_record.pk)
    assert fresh.revision == 1 and fresh.disability_grade == 0


def test_enterprise_change(enterprise_record: EnterpriseRecord, enterprise: Any) -> None:
    new_rep = EXTRA_PERSONS[1].id_number
    updated = services.enterprise_record_update(
        actor=None,
        record=enterprise_record,
        changes={"legal_representative": "黄炳坤", "legal_representative_id_number": new_rep, "status": "cancelled"},
    )
    assert updated.revision == 2
    # 黄炳坤 now represents two enterprises: the demo account's and the revoked 宏达五金.
    same_rep = EnterpriseRecord.objects.filter(legal_representative_id_digest=updated.legal_representative_id_digest)
    assert same_rep.count() == 2 and updated in same_rep
    facts = enterprise_facts(enterprise.enterprise_credit_code)
    assert facts is not None
    assert (facts["legal_representative_id_number"], facts["in_business"], facts["revision"]) == (new_rep, False, 2)
    with pytest.raises(ApplicationError):
        services.enterprise_record_update(actor=None, record=updated, changes={"status": "bankrupt"})


def test_a_record_is_created_once(records: Any) -> None:
    with pytest.raises(ConflictError):
        services.person_record_create(actor=None, id_number=EXTRA_PERSONS[0].id_number, data={"name": "x"})
    with pytest.raises(ApplicationError) as exc:
        services.person_record_create(actor=None, id_number="440704195603120010", data={})
    assert "id_number" in exc.value.field_errors


def test_the_maintenance_command_goes_through_the_service(records: Any, sysadmin: Any) -> None:
    key = EXTRA_PERSONS[6].id_number  # 张晓琳, not insured
    out = StringIO()
    call_command(
        "registry_update",
        "person",
        key,
        "medical_insurance_status=residents",
        "hukou_head=true",
        "--actor=admin",
        stdout=out,
    )
    assert "Revision 2." in out.getvalue()
    record = person_get(key)
    assert record is not None and record.medical_insurance_status == "residents" and record.hukou_head is True
    assert AuditEvent.objects.filter(action="registry.person.update", actor=sysadmin).exists()
    with pytest.raises(CommandError):
        call_command("registry_update", "person", key, "medical_insurance_status=none", "--expect-revision=1")
    with pytest.raises(CommandError):
        call_command("registry_update", "person", "440704195603120010", "name=x")
