"""Issuing: automatically when a 食品经营许可 case is approved, by hand by the owning department's
approver, once per case; changes and renewals as new versions; validity; refusals that write nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dgov.accounts.models import Department, User
from dgov.audit.models import AuditEvent
from dgov.cases.models import Case, CaseEvent
from dgov.cases.selectors import case_timeline
from dgov.cases.services import case_issue_licence
from dgov.core.crypto import search_digest
from dgov.core.errors import ConflictError
from dgov.core.workdays import local_date
from dgov.licences import services
from dgov.licences.identifier import identifier_parse
from dgov.licences.models import Licence, LicenceSequence, LicenceType, Seal
from dgov.licences.selectors import licence_list_for_holder
from dgov.licences.services import LicenceError
from dgov.licences.tests.conftest import FOOD_FACE, FOOD_FORM, issue_food, seal_of
from dgov.licences.verification import VALID, verify_licence
from dgov.notices.models import Notice


def _licence_notices(user: User, ltype: LicenceType) -> int:
    return Notice.objects.filter(recipient=user, body__contains=ltype.name).count()


def _rows() -> dict[str, int]:
    return {
        "licences": Licence.objects.count(),
        "sequences": LicenceSequence.objects.count(),
        "sequence_total": sum(LicenceSequence.objects.values_list("last", flat=True)),
        "audit": AuditEvent.objects.count(),
        "case_events": CaseEvent.objects.count(),
    }


# --- automatically on approval ---------------------------------------------------------------


def test_approving_a_food_case_issues_the_licence_into_the_wallet(
    approved_food_case: Callable[..., Case], enterprise: User, food_type: LicenceType, food_item: Any
) -> None:
    before = licence_list_for_holder(user=enterprise).count()
    case = approved_food_case(enterprise)
    assert case.status == Case.Status.CONCLUDED and case.result == Case.Result.APPROVED

    licence = Licence.objects.get(case=case)
    assert licence.type == food_type and licence.issuer == food_type.issuer
    assert licence.holder_user == enterprise and licence.holder_kind == LicenceType.Holder.ENTERPRISE
    assert licence.holder_name == enterprise.enterprise_name
    assert licence.holder_id_shown == enterprise.enterprise_credit_code == licence.holder_id
    assert licence.holder_id_digest == search_digest(
        enterprise.enterprise_credit_code.upper(), context="licence.holder"
    )
    assert licence.issued_by is None  # the platform, not a person
    today = local_date(timezone.now())
    assert licence.face == {
        "premises": FOOD_FORM["premises"],
        "business_form": FOOD_FORM["business_form"],
        "business_items": FOOD_FORM["business_items"],
        "safety_manager": FOOD_FORM["safety_manager"],
        "legal_representative": FOOD_FORM["legal_representative"],
        "matter": food_item.name,
        "case_number": case.number,
        "issue_date": f"{today.year}年{today.month}月{today.day}日",
    }
    assert licence_list_for_holder(user=enterprise).count() == before + 1
    assert verify_licence(licence).state == VALID

    issued = case.events.get(kind=CaseEvent.Kind.LICENCE_ISSUED)
    assert issued.public and issued.note == licence.identifier
    assert issued in case_timeline(case=case, staff=False)
    assert not case.events.filter(kind=CaseEvent.Kind.LICENCE_PENDING).exists()
    assert _licence_notices(enterprise, food_type) == 1
    audit = AuditEvent.objects.get(action="licence.issue", target_id=str(licence.pk))
    assert audit.summary["identifier"] == licence.identifier and audit.summary["case"] == case.number


def test_a_sole_trader_gets_a_licence_with_the_id_number_masked(
    approved_food_case: Callable[..., Case], citizen: User
) -> None:
    case = approved_food_case(
        citizen, org_name="陈记小吃店", credit_code="914407040UH1R2MPKA", contact_phone="13800000001"
    )
    licence = Licence.objects.get(case=case)
    assert licence.holder_kind == LicenceType.Holder.PERSON and licence.holder_name == citizen.real_name
    assert licence.holder_id == citizen.id_number
    assert licence.holder_id_shown != citizen.id_number and "*" in licence.holder_id_shown
    assert (
        licence.holder_id_shown[:6] == citizen.id_number[:6] and licence.holder_id_shown[-4:] == citizen.id_number[-4:]
    )
    assert licence in licence_list_for_holder(user=citizen)


def test_issuing_twice_for_one_case_returns_the_same_licence(
    approved_food_case: Callable[..., Case], enterprise: User, food_type: LicenceType, approver: User
) -> None:
    case = approved_food_case(enterprise)
    first = Licence.objects.get(case=case)
    rows = _rows()
    again = case_issue_licence(case_id=case.pk)
    by_hand = case_issue_licence(case_id=case.pk, actor=approver)
    assert again.pk == by_hand.pk == first.pk and again.identifier == first.identifier
    assert _rows() == rows
    assert case.events.filter(kind=CaseEvent.Kind.LICENCE_ISSUED).count() == 1
    assert _licence_notices(enterprise, food_type) == 1


def test_an_open_or_refused_case_gets_no_licence(
    approved_food_case: Callable[..., Case], enterprise: User, approver: User
) -> None:
    from dgov.licences.tests.conftest import food_case_submit

    open_case = food_case_submit(enterprise)
    with pytest.raises(LicenceError) as refused:
        case_issue_licence(case_id=open_case.pk, actor=approver)
    assert refused.value.code == "case_not_approved"
    assert not Licence.objects.filter(case=open_case).exists()


# --- no usable seal --------------------------------------------------------------------------


def _suspend(seal: Seal) -> None:
    services.seal_set_status(actor=None, seal=seal, status=Seal.Status.SUSPENDED, reason="印章介质损坏，待重新制作")


def _revoke(seal: Seal) -> None:
    services.seal_set_status(actor=None, seal=seal, status=Seal.Status.REVOKED, reason="部门撤并")


def _expire(seal: Seal) -> None:
    Seal.objects.filter(pk=seal.pk).update(valid_until=timezone.now() - timedelta(minutes=1))


@pytest.mark.parametrize("disable", [_suspend, _revoke, _expire], ids=["suspended", "revoked", "expired"])
def test_without_a_usable_seal_the_case_is_concluded_and_staff_see_why(
    approved_food_case: Callable[..., Case],
    enterprise: User,
    scjg: Department,
    food_type: LicenceType,
    disable: Callable[[Seal], None],
) -> None:
    disable(seal_of(scjg))
    case = approved_food_case(enterprise)  # the after-commit task runs and is refused; approval stands

    assert case.status == Case.Status.CONCLUDED and case.result == Case.Result.APPROVED
    assert not Licence.objects.filter(case=case).exists()
    pending = case.events.get(kind=CaseEvent.Kind.LICENCE_PENDING)
    assert not pending.public and scjg.name in pending.note
    assert pending not in case_timeline(case=case, staff=False)
    assert pending in case_timeline(case=case, staff=True)
    assert not case.events.filter(kind=CaseEvent.Kind.LICENCE_ISSUED).exists()
    assert _licence_notices(enterprise, food_type) == 0


def test_once_a_seal_is_back_staff_issue_by_hand(
    approved_food_case: Callable[..., Case], enterprise: User, scjg: Department, approver: User
) -> None:
    seal = seal_of(scjg)
    _suspend(seal)
    case = approved_food_case(enterprise)
    services.seal_set_status(actor=None, seal=seal, status=Seal.Status.ACTIVE, reason="")
    licence = case_issue_licence(case_id=case.pk, actor=approver)
    assert licence.case_id == case.pk and licence.issued_by == approver
    issued = case.events.get(kind=CaseEvent.Kind.LICENCE_ISSUED)
    assert issued.actor == approver and issued.public


def test_a_refusal_by_hand_is_raised_and_not_noted(
    approved_food_case: Callable[..., Case], enterprise: User, scjg: Department, approver: User
) -> None:
    case = approved_food_case(enterprise, issue=False)
    _suspend(seal_of(scjg))
    with pytest.raises(LicenceError) as refused:
        case_issue_licence(case_id=case.pk, actor=approver)
    assert refused.value.code == "no_seal"
    assert not case.events.filter(kind__in=[CaseEvent.Kind.LICENCE_PENDING, CaseEvent.Kind.LICENCE_ISSUED]).exists()


# --- permissions -----------------------------------------------------------------------------


def test_an_approver_of_another_department_may_not_issue(
    approved_food_case: Callable[..., Case], enterprise: User, outsider: User, food_type: LicenceType
) -> None:
    case = approved_food_case(enterprise, issue=False)
    rows = _rows()
    with pytest.raises(PermissionDenied):
        case_issue_licence(case_id=case.pk, actor=outsider)
    with pytest.raises(PermissionDenied):
        issue_food(food_type, enterprise, actor=outsider)
    assert _rows() == rows
    assert not Licence.objects.filter(case=case).exists()


def test_citizens_and_clerks_may_not_issue_change_or_revoke(
    food_licence: Licence, food_type: LicenceType, enterprise: User, clerk: User, outsider: User
) -> None:
    for actor in (enterprise, clerk, outsider):
        with pytest.raises(PermissionDenied):
            issue_food(food_type, enterprise, actor=actor)
        with pytest.raises(PermissionDenied):
            services.licence_replace(actor=actor, licence=food_licence, face={"premises": "别处"})
        with pytest.raises(PermissionDenied):
            services.licence_set_status(actor=actor, licence=food_licence, status=Licence.Status.REVOKED, reason="无权")
    food_licence.refresh_from_db()
    assert food_licence.status == Licence.Status.VALID and not hasattr(food_licence, "next")


def test_the_owning_departments_approver_issues_by_hand(
    food_type: LicenceType, enterprise: User, approver: User
) -> None:
    licence = issue_food(food_type, enterprise, actor=approver)
    assert licence.issued_by == approver and licence.case is None
    assert AuditEvent.objects.filter(action="licence.issue", actor=approver, target_id=str(licence.pk)).exists()


# --- change and renewal ----------------------------------------------------------------------


def test_a_change_is_a_new_version_of_the_same_serial(food_licence: Licence, approver: User) -> None:
    new = services.licence_replace(
        actor=approver, licence=food_licence, face={"premises": "江海区东海路 30 号（示例）"}
    )
    old = Licence.objects.get(pk=food_licence.pk)
    assert new.version == 2 and new.serial == old.serial and new.previous == old
    assert old.status == Licence.Status.CANCELLED and "002" in old.status_reason
    assert new.face["premises"] == "江海区东海路 30 号（示例）"
    assert {k: v for k, v in new.face.items() if k != "premises"} == {
        k: v for k, v in old.face.items() if k != "premises"
    }
    assert (new.valid_from, new.valid_until) == (old.valid_from, old.valid_until)
    assert identifier_parse(new.identifier)["version"] == "002"
    assert verify_licence(new).state == VALID and verify_licence(old).state == "cancelled"
    assert AuditEvent.objects.filter(action="licence.change", target_id=str(new.pk)).exists()

    third = services.licence_replace(actor=approver, licence=new, face={"safety_manager": "陈思"})
    assert third.version == 3 and third.serial == old.serial and third.previous == new
    with pytest.raises(ConflictError):
        services.licence_replace(actor=approver, licence=old, face={"premises": "别处"})


def test_a_renewal_starts_a_new_validity_period(
    food_licence: Licence, approver: User, food_type: LicenceType, time_machine: Any
) -> None:
    assert food_type.validity_years == 5
    time_machine.move_to(timezone.now() + timedelta(days=3 * 365), tick=False)
    today = local_date(timezone.now())
    new = services.licence_replace(actor=approver, licence=food_licence, renew=True)
    assert new.version == 2 and new.serial == food_licence.serial and new.previous_id == food_licence.pk
    assert new.valid_from == today
    assert new.valid_until == today.replace(year=today.year + 5) - timedelta(days=1)
    assert new.face == food_licence.face
    assert Licence.objects.get(pk=food_licence.pk).status == Licence.Status.CANCELLED
    assert AuditEvent.objects.filter(action="licence.renew", target_id=str(new.pk)).exists()


def test_a_replacement_with_bad_face_values_changes_nothing(food_licence: Licence, approver: User) -> None:
    rows = _rows()
    with pytest.raises(LicenceError) as refused:
        services.licence_replace(actor=approver, licence=food_licence, face={"premises": "长" * 201})
    assert "face.premises" in refused.value.field_errors
    assert _rows() == rows
    assert Licence.objects.get(pk=food_licence.pk).status == Licence.Status.VALID


# --- validity --------------------------------------------------------------------------------


def test_validity_is_the_types_years_less_one_day(food_licence: Licence, food_type: LicenceType) -> None:
    start = food_licence.valid_from
    assert start == local_date(timezone.now())
    assert food_licence.valid_until == start.replace(year=start.year + food_type.validity_years) - timedelta(days=1)


def test_zero_years_is_long_term(food_type: LicenceType, enterprise: User, time_machine: Any) -> None:
    LicenceType.objects.filter(pk=food_type.pk).update(validity_years=0)
    food_type.refresh_from_db()
    licence = issue_food(food_type, enterprise)
    assert licence.valid_until is None
    time_machine.move_to(timezone.now() + timedelta(days=365 * 30), tick=False)
    assert not licence.is_expired() and licence.effective_status == "valid"
    assert LicenceType.objects.get(code="business_licence").validity_years == 0


# --- what the face must be -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"business_items": ""}, "face.business_items"),
        ({"business_items": "   "}, "face.business_items"),
        ({"premises": None}, "face.premises"),
        ({"issue_date": ""}, "face.issue_date"),
        ({"premises": "长" * 201}, "face.premises"),
        ({"business_form": "长" * 51}, "face.business_form"),
        ({"business_items": "项" * 501}, "face.business_items"),
        ({"colour": "红"}, "face"),
        ({"premises": "", "colour": "红"}, "face"),
    ],
)
def test_face_errors_name_the_field_and_write_nothing(
    food_type: LicenceType, enterprise: User, changes: dict[str, Any], field: str
) -> None:
    rows = _rows()
    with pytest.raises(LicenceError) as refused:
        issue_food(food_type, enterprise, **changes)
    assert refused.value.code == "invalid_licence"
    assert refused.value.field_errors.get(field)
    assert _rows() == rows


@pytest.mark.parametrize(
    ("holder", "field"),
    [
        ({"holder_name": ""}, "holder_name"),
        ({"holder_name": "名" * 101}, "holder_name"),
        ({"holder_id": ""}, "holder_id"),
        ({"holder_id": "91440704MA4W0000"}, "holder_id"),
        ({"holder_id": "91440704-A4W00001"}, "holder_id"),
        ({"holder_kind": "company"}, "holder_kind"),
    ],
)
def test_holder_errors_name_the_field_and_write_nothing(
    food_type: LicenceType, enterprise: User, holder: dict[str, str], field: str
) -> None:
    rows = _rows()
    values = {
        "holder_kind": LicenceType.Holder.ENTERPRISE,
        "holder_name": enterprise.enterprise_name,
        "holder_id": enterprise.enterprise_credit_code,
        **holder,
    }
    with pytest.raises(LicenceError) as refused:
        services.licence_issue(actor=None, ltype=food_type, face=dict(FOOD_FACE), **values)  # type: ignore[arg-type]
    assert field in refused.value.field_errors
    assert _rows() == rows


def test_a_case_whose_form_lacks_a_required_face_value_is_pending(
    approved_food_case: Callable[..., Case], enterprise: User, food_type: LicenceType
) -> None:
    # The form may leave 联系人 out; a licence type that prints it as a required field cannot be issued.
    face_schema = dict(food_type.face_schema)
    face_schema["properties"] = {
        **face_schema["properties"],
        "contact": {"type": "string", "title": "联系人", "maxLength": 50, "x-source": "form.contact_name"},
    }
    face_schema["required"] = [*face_schema["required"], "contact"]
    LicenceType.objects.filter(pk=food_type.pk).update(face_schema=face_schema)
    case = approved_food_case(enterprise, contact_name="")
    assert case.result == Case.Result.APPROVED and not Licence.objects.filter(case=case).exists()
    assert case.events.filter(kind=CaseEvent.Kind.LICENCE_PENDING, public=False).exists()


def test_an_approver_of_another_department_does_not_get_an_issued_licence_back(
    approved_food_case: Callable[..., Case], enterprise: User, outsider: User
) -> None:
    case = approved_food_case(enterprise)
    assert Licence.objects.filter(case=case).exists()
    with pytest.raises(PermissionDenied):
        case_issue_licence(case_id=case.pk, actor=outsider)


def test_a_period_from_29_february_ends_on_28_february(food_type: LicenceType) -> None:
    """民法典 第二百零二条: with no corresponding day in the last year, the month's end is the last day."""
    from datetime import date

    from dgov.licences.services import _validity

    assert food_type.validity_years == 5
    assert _validity(food_type, date(2028, 2, 29)) == date(2033, 2, 28)
    assert _validity(food_type, date(2026, 11, 27)) == date(2031, 11, 26)
    assert _validity(food_type, date(2027, 3, 1)) == date(2032, 2, 29)
