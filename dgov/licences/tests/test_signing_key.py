"""Which key signs: the current key of the department's usable seal, licence seals first, found in
one query; and issuing for a case reads the case row once, under its lock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dgov.accounts.models import Department, User
from dgov.cases.models import Case
from dgov.licences import services
from dgov.licences.models import Licence, Seal
from dgov.licences.services import LicenceError
from dgov.licences.tests.conftest import current_key, seal_of


def seal_of_kind(department: Department, kind: str) -> Seal:
    return Seal.objects.get(department=department, kind=kind)


def _official_seal(department: Department) -> Seal:
    return services.seal_create(
        actor=None, department=department, name=f"{department.name}公章", kind=Seal.Kind.OFFICIAL
    )


def test_the_licence_seal_signs_before_an_official_one(scjg: Department, django_assert_num_queries: Any) -> None:
    licence_key = current_key(scjg)
    official = _official_seal(scjg)
    with django_assert_num_queries(1):
        assert services.signing_key_for(scjg) == licence_key
    services.seal_set_status(actor=None, seal=seal_of_kind(scjg, Seal.Kind.LICENCE), status="suspended", reason="测试")
    assert services.signing_key_for(scjg).seal == official


def test_a_rotated_seal_signs_with_its_new_key(scjg: Department) -> None:
    seal = seal_of(scjg)
    old = current_key(scjg)
    new = services.seal_key_rotate(actor=None, seal=seal)
    assert new != old
    assert services.signing_key_for(scjg) == new


def test_no_usable_seal_is_refused(scjg: Department) -> None:
    services.seal_set_status(actor=None, seal=seal_of(scjg), status="revoked", reason="测试")
    with pytest.raises(LicenceError) as refused:
        services.signing_key_for(scjg)
    assert refused.value.code == "no_seal"


def test_issuing_for_a_case_uses_the_callers_item_and_applicant(
    approved_food_case: Callable[..., Case], enterprise: User, django_assert_max_num_queries: Any
) -> None:
    case = approved_food_case(enterprise, issue=False)
    case = Case.objects.select_related("item", "department", "applicant").get(pk=case.pk)
    # A savepoint, the case locked and read, is there a licence, the type, the sequence, the key,
    # the insert, the audit record (at most three), the release: nothing read twice.
    with django_assert_max_num_queries(11):
        licence = services.licence_issue_for_case(case=case)
    assert licence.case_id == case.pk and licence.holder_user == enterprise
    # Asked again: the same licence.
    assert services.licence_issue_for_case(case=case) == licence
    assert Licence.objects.filter(case=case).count() == 1
