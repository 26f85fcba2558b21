"""Facts: stable keys, JSON-ready values, age in whole years, the booleans the rules use; pure reads."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from dgov.audit.models import AuditEvent
from dgov.registries.demo import EXTRA_ENTERPRISES, EXTRA_PERSONS
from dgov.registries.models import RegistryRead
from dgov.registries.selectors import (
    FIELD_GROUPS,
    FIELD_LABELS,
    age_on,
    enterprise_facts,
    field_label,
    person_facts,
)

PERSON_KEYS = {
    "id_number",
    "name",
    "sex",
    "birth_date",
    "age",
    "ethnicity",
    "household_address",
    "household_region",
    "registered_in_district",
    "household_type",
    "household_number",
    "hukou_head",
    "residence_address",
    "marital_status",
    "disability_grade",
    "disability_kind",
    "disabled",
    "phone",
    "medical_insurance_status",
    "insured",
    "social_security_card_status",
    "subsistence_status",
    "in_subsistence",
    "in_extreme_hardship",
    "is_deceased",
    "source",
    "revision",
    "updated_at",
}
ENTERPRISE_KEYS = {
    "credit_code",
    "name",
    "kind",
    "legal_representative",
    "legal_representative_id_number",
    "registered_address",
    "registered_region",
    "registered_in_district",
    "business_scope",
    "registered_capital",
    "established_on",
    "status",
    "in_business",
    "source",
    "revision",
    "updated_at",
}

ELDER, SEVENTIES, ELSEWHERE, GRADE2, TEKUN, DIBAO, UNINSURED, CARD_LOST, CHILD, DECEASED = (
    p.id_number for p in EXTRA_PERSONS
)
REVOKED, HAWKER = (e.credit_code for e in EXTRA_ENTERPRISES)


def test_age_counts_whole_years_and_the_birthday_completes_the_year() -> None:
    born = date(1946, 11, 27)
    assert age_on(born, date(2026, 11, 26)) == 79
    assert age_on(born, date(2026, 11, 27)) == 80
    assert age_on(born, date(2027, 1, 1)) == 80
    leap = date(2004, 2, 29)
    assert age_on(leap, date(2022, 2, 28)) == 17
    assert age_on(leap, date(2022, 3, 1)) == 18
    assert age_on(leap, date(2024, 2, 29)) == 20


def test_person_facts_have_the_documented_keys_and_are_json_ready(records: Any, citizen: Any) -> None:
    facts = person_facts(citizen.id_number, on=date(2026, 11, 27))
    assert facts is not None
    assert set(facts) == PERSON_KEYS
    json.dumps(facts)
    assert facts["id_number"] == citizen.id_number
    assert (facts["name"], facts["sex"], facts["birth_date"], facts["age"]) == ("陈伯文", "male", "1956-03-12", 70)
    assert facts["registered_in_district"] is True
    assert facts["household_region"] == "440704004005"
    assert facts["revision"] == 1


def test_age_is_on_the_date_asked_for(records: Any) -> None:
    assert person_facts(ELDER, on=date(2026, 6, 17))["age"] == 87  # type: ignore[index]
    assert person_facts(ELDER, on=date(2026, 6, 18))["age"] == 88  # type: ignore[index]
    assert person_facts(SEVENTIES, on=date(2026, 11, 27))["age"] == 75  # type: ignore[index]


def test_the_booleans_the_instant_approval_rules_use(records: Any) -> None:
    def facts(id_number: str) -> dict[str, Any]:
        found = person_facts(id_number)
        assert found is not None
        return found

    assert facts(ELSEWHERE)["registered_in_district"] is False and facts(ELSEWHERE)["age"] >= 80
    assert (facts(GRADE2)["disabled"], facts(GRADE2)["disability_grade"], facts(GRADE2)["disability_kind"]) == (
        True,
        2,
        "physical",
    )
    assert facts(DIBAO)["in_subsistence"] is True and facts(DIBAO)["in_extreme_hardship"] is False
    assert facts(TEKUN)["in_extreme_hardship"] is True and facts(TEKUN)["in_subsistence"] is False
    assert facts(UNINSURED)["insured"] is False and facts(UNINSURED)["medical_insurance_status"] == "none"
    assert facts(CARD_LOST)["social_security_card_status"] == "lost"
    assert facts(DECEASED)["is_deceased"] is True
    assert facts(ELDER)["disabled"] is False and facts(ELDER)["insured"] is True


def test_lookups_ignore_case_and_spaces_and_refuse_nonsense(records: Any) -> None:
    assert UNINSURED.endswith("X")
    assert person_facts(f"  {UNINSURED.lower()} ") is not None
    assert person_facts("440704195603120010") is None  # wrong check digit
    assert person_facts("") is None
    assert enterprise_facts("not a code") is None


def test_enterprise_facts(records: Any, enterprise: Any) -> None:
    facts = enterprise_facts(enterprise.enterprise_credit_code)
    assert facts is not None
    assert set(facts) == ENTERPRISE_KEYS
    json.dumps(facts)
    assert facts["legal_representative"] == "李敏"
    assert facts["legal_representative_id_number"] == enterprise.id_number
    assert (facts["kind"], facts["status"], facts["in_business"]) == ("company", "active", True)
    assert facts["registered_capital"] == "500" and facts["established_on"] == "2016-04-18"
    revoked = enterprise_facts(REVOKED)
    assert revoked is not None and (revoked["status"], revoked["in_business"]) == ("revoked", False)
    hawker = enterprise_facts(HAWKER)
    assert hawker is not None and (hawker["kind"], hawker["registered_capital"]) == ("individual_business", None)


def test_facts_are_pure_reads(records: Any, citizen: Any, enterprise: Any) -> None:
    reads, events = RegistryRead.objects.count(), AuditEvent.objects.count()
    person_facts(citizen.id_number)
    enterprise_facts(enterprise.enterprise_credit_code)
    assert (RegistryRead.objects.count(), AuditEvent.objects.count()) == (reads, events)


def test_field_catalogue_covers_the_facts_and_the_catalogue_references() -> None:
    person_paths = {p.split(".", 1)[1] for p in FIELD_LABELS if p.startswith("person.")}
    assert PERSON_KEYS - {"source", "revision", "updated_at"} <= person_paths
    enterprise_paths = {p.split(".", 1)[1] for p in FIELD_LABELS if p.startswith("enterprise.")}
    assert ENTERPRISE_KEYS - {"source", "revision", "updated_at"} <= enterprise_paths
    # What the demo catalogue's materials name as their registry source.
    assert {"person.household", "person.residence_registration"} <= set(FIELD_LABELS)
    for group, keys in FIELD_GROUPS.items():
        kind = group.split(".", 1)[0]
        assert all(f"{kind}.{key}" in FIELD_LABELS for key in keys)
    assert field_label("person.household_address") == str(FIELD_LABELS["person.household_address"])
    assert field_label("person.no_such_field") == "person.no_such_field"
