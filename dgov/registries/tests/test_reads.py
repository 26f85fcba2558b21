"""registry_read: one row and one audit event per read, only the fields asked for, clear refusals
that write nothing, and the revision that tells a caller the record changed after it was read."""

from __future__ import annotations

from typing import Any

import pytest

from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError
from dgov.registries import services
from dgov.registries.models import PersonRecord, RegistryRead
from dgov.registries.selectors import FIELD_GROUPS, person_facts

CASE = "44070420261127000123"


def _counts() -> tuple[int, int]:
    return RegistryRead.objects.count(), AuditEvent.objects.filter(action="registry.read").count()


def test_a_read_returns_only_the_fields_asked_for_and_logs_one_row(
    citizen_record: PersonRecord, citizen: Any, clerk: Any
) -> None:
    before = _counts()
    got = services.registry_read(
        subject_kind="person",
        key=citizen.id_number,
        fields=["person.household_address", "age"],
        purpose=f"case {CASE} prefill",
        case_number=CASE,
        actor=clerk,
    )
    assert got == {
        "household_address": citizen_record.household_address,
        "age": person_facts(citizen.id_number)["age"],  # type: ignore[index]
        "revision": 1,
    }
    assert _counts() == (before[0] + 1, before[1] + 1)
    row = RegistryRead.objects.order_by("-pk").first()
    assert row is not None
    assert (row.subject_kind, row.person_id, row.enterprise_id) == ("person", citizen_record.pk, None)
    assert row.fields == ["person.household_address", "person.age"]
    assert (row.purpose, row.case_number, row.revision) == (f"case {CASE} prefill", CASE, 1)
    assert (row.actor, row.department) == (clerk, clerk.department)
    event = AuditEvent.objects.filter(action="registry.read").order_by("-seq").first()
    assert event is not None and event.target_id == str(citizen_record.pk)


def test_every_read_is_its_own_row(citizen_record: PersonRecord, citizen: Any) -> None:
    for _ in range(3):
        services.registry_read(subject_kind="person", key=citizen.id_number, fields=["name"], purpose="prefill")
    rows = RegistryRead.objects.filter(person=citizen_record, purpose="prefill")
    assert rows.count() == 3
    assert all(r.actor_id is None and r.department_id is None for r in rows)  # the platform itself


def test_a_group_reads_its_fields(citizen_record: PersonRecord, citizen: Any) -> None:
    got = services.registry_read(
        subject_kind="person", key=citizen.id_number, fields=["person.household"], purpose="免提交户口簿"
    )
    assert got is not None
    assert set(got) == {*FIELD_GROUPS["person.household"], "revision"}
    assert RegistryRead.objects.filter(person=citizen_record).latest("pk").fields == ["person.household"]


def test_an_enterprise_read(enterprise_record: Any, enterprise: Any, approver: Any) -> None:
    got = services.registry_read(
        subject_kind="enterprise",
        key=enterprise.enterprise_credit_code,
        fields=["enterprise.legal_representative", "status"],
        purpose="食品经营许可 prefill",
        case_number=CASE,
        actor=approver,
    )
    assert got == {"legal_representative": "李敏", "status": "active", "revision": 1}
    row = RegistryRead.objects.filter(enterprise=enterprise_record).latest("pk")
    assert (row.subject_kind, row.person_id, row.department.code) == ("enterprise", None, "scjg")


@pytest.mark.parametrize(
    ("fields", "purpose", "code"),
    [
        (["household_address", "favourite_colour"], "prefill", "unknown_field"),
        (["enterprise.legal_representative"], "prefill", "unknown_field"),  # another kind's field
        (["revision"], "prefill", "unknown_field"),
        ([], "prefill", "no_fields"),
        ("household_address", "prefill", "no_fields"),  # a string is not a list of fields
        (["name"], "   ", "no_purpose"),
        (["name"], "x" * 201, "too_long"),
    ],
)
def test_a_refused_read_writes_nothing(citizen_record: Any, citizen: Any, fields: Any, purpose: str, code: str) -> None:
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        services.registry_read(subject_kind="person", key=citizen.id_number, fields=fields, purpose=purpose)
    assert exc.value.code == code
    assert _counts() == before


def test_the_unknown_field_is_named(citizen_record: Any, citizen: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.registry_read(
            subject_kind="person", key=citizen.id_number, fields=["name", "favourite_colour"], purpose="prefill"
        )
    assert "favourite_colour" in exc.value.message
    assert "name" not in exc.value.message.split(":")[-1]
    assert exc.value.field_errors["fields"]


def test_an_unknown_subject_kind_is_refused(records: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.registry_read(subject_kind="vehicle", key="x", fields=["name"], purpose="prefill")
    assert exc.value.code == "unknown_subject_kind"


def test_no_record_reads_as_none_and_writes_nothing(records: Any) -> None:
    before = _counts()
    assert services.registry_read(subject_kind="person", key="11010119900307001X", fields=["name"], purpose="p") is None
    assert services.registry_read(subject_kind="enterprise", key="bogus", fields=["name"], purpose="p") is None
    assert _counts() == before


def test_a_change_after_the_read_shows_in_the_revision(citizen_record: PersonRecord, citizen: Any) -> None:
    """The prefill-then-changed case: the form was filled at revision 1; the record moved on."""
    read = services.registry_read(
        subject_kind="person", key=citizen.id_number, fields=["household_address"], purpose="prefill"
    )
    assert read is not None
    services.person_record_update(
        actor=None, record=citizen_record, changes={"household_address": "江门市江海区外海街道新地址1号（示例）"}
    )
    now = person_facts(citizen.id_number)
    assert now is not None and now["revision"] == read["revision"] + 1
    assert now["household_address"] != read["household_address"]
    again = services.registry_read(
        subject_kind="person", key=citizen.id_number, fields=["household_address"], purpose="prefill"
    )
    assert again is not None and again["revision"] == 2
    revisions = RegistryRead.objects.filter(person=citizen_record, purpose="prefill").values_list("revision", flat=True)
    assert list(revisions) == [2, 1]
