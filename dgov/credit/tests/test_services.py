"""Listing, withdrawing and checking through the services: what is found, what is refused, what
is written (and what is not), and who may act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from dgov.accounts.models import Department, User
from dgov.accounts.services import id_number_digest
from dgov.audit.models import AuditEvent
from dgov.core.errors import ApplicationError, ConflictError
from dgov.credit import selectors, services
from dgov.credit.models import CreditCheck, CreditEntry, subject_key_digest
from dgov.credit.tests.conftest import (
    ENTERPRISE_CODE,
    OTHER_CODE,
    PERSON_ID,
    make_entry,
    today,
    wrong_check_digit,
)


def _check(key: str = ENTERPRISE_CODE, kind: str = "enterprise", **kwargs: object) -> services.CheckResult:
    return services.credit_check(subject_kind=kind, key=key, item_code="11440704MB2C12345X", **kwargs)  # type: ignore[arg-type]


def _credit_audits() -> int:
    return AuditEvent.objects.filter(action__startswith="credit.").count()


# --- Found, or not ------------------------------------------------------------------------------------


def test_a_black_entry_in_force_is_found(black_entry: CreditEntry) -> None:
    assert list(selectors.entries_in_force("enterprise", ENTERPRISE_CODE)) == [black_entry]
    # Lower case and spaces around are the same key.
    assert list(selectors.entries_in_force("enterprise", f" {ENTERPRISE_CODE.lower()} ")) == [black_entry]
    assert not selectors.entries_in_force("enterprise", OTHER_CODE).exists()
    assert not selectors.entries_in_force("person", ENTERPRISE_CODE).exists()

    result = _check(case_number="440704202503090000001")
    assert result.result == "black" and not result.is_clear
    assert [m.id for m in result.black] == [black_entry.pk] and result.red == ()
    assert result.measures == frozenset({"manual_review", "restrict_licensing"})
    assert result.requires_manual_review
    assert "江海区人民法院" in result.reason and "（2025）粤0704执1号" in result.reason
    check = CreditCheck.objects.get(pk=result.check_id)
    assert (check.result, check.purpose, check.case_number, check.actor_label) == (
        "black",
        "process",
        "440704202503090000001",
        "system",
    )
    assert list(check.matched_entries.all()) == [black_entry]


def test_expired_pending_and_withdrawn_entries_are_not_in_force(fgj_admin: User, fgj: Department) -> None:
    day = today()
    expired = make_entry(
        fgj_admin, fgj, valid_from=day - dt.timedelta(days=400), valid_until=day - dt.timedelta(days=1)
    )
    pending = make_entry(fgj_admin, fgj, document_number="未来决定", valid_from=day + dt.timedelta(days=1))
    withdrawn = make_entry(fgj_admin, fgj, document_number="已移出决定", valid_until=None)
    services.credit_entry_withdraw(actor=fgj_admin, entry=withdrawn, reason="信用修复")

    assert not selectors.entries_in_force("enterprise", ENTERPRISE_CODE).exists()
    assert _check().result == "clear"
    # The last day of validity and the first are in force.
    assert list(selectors.entries_in_force("enterprise", ENTERPRISE_CODE, on=day - dt.timedelta(days=1))) == [expired]
    assert list(selectors.entries_in_force("enterprise", ENTERPRISE_CODE, on=day + dt.timedelta(days=1))) == [pending]
    states = {e.pk: e.state for e in CreditEntry.objects.all()}
    assert states == {expired.pk: "expired", pending.pk: "pending", withdrawn.pk: "withdrawn"}


def test_red_and_black_together_make_both(black_entry: CreditEntry, fgj_admin: User, fgj: Department) -> None:
    red = make_entry(fgj_admin, fgj, list_kind="red", measures=["tolerate_missing", "fast_track"], valid_until=None)
    result = _check()
    assert result.result == "both"
    assert [m.id for m in result.black] == [black_entry.pk] and [m.id for m in result.red] == [red.pk]
    assert result.measures == {"manual_review", "restrict_licensing", "tolerate_missing", "fast_track"}


def test_a_person_is_found_by_the_digest_accounts_use(fgj_admin: User, fgj: Department) -> None:
    entry = make_entry(fgj_admin, fgj, subject_kind="person", subject_key=PERSON_ID, subject_name="刘某某")
    assert entry.key_digest == id_number_digest(PERSON_ID) == subject_key_digest("person", PERSON_ID)
    assert entry.key_masked == PERSON_ID[:6] + "********" + PERSON_ID[-4:]
    # Encrypted at rest: the column holds no clear ID number.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM credit_creditentry WHERE id = %s", [entry.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("sm4gcm1:") and PERSON_ID not in stored
    assert CreditEntry.objects.get(pk=entry.pk).subject_key == PERSON_ID
    # No full ID number in the audit trail.
    assert not any(PERSON_ID in str(e.summary) for e in AuditEvent.objects.all())
    assert _check(PERSON_ID, "person").result == "black"


# --- Checks are always kept, as they were -----------------------------------------------------------


def test_a_clear_check_is_recorded_too(jianghai: None) -> None:
    before = CreditCheck.objects.count()
    result = _check(OTHER_CODE)
    assert result.result == "clear" and result.measures == frozenset() and not result.requires_manual_review
    assert CreditCheck.objects.count() == before + 1
    check = CreditCheck.objects.get(pk=result.check_id)
    assert check.snapshot == [] and check.key_masked == OTHER_CODE[:6] + "********" + OTHER_CODE[-4:]
    assert AuditEvent.objects.filter(action="credit.check", target_id=str(check.pk)).exists()


def test_the_snapshot_does_not_change_when_the_entry_is_withdrawn_later(
    black_entry: CreditEntry, fgj_admin: User, clerk: User
) -> None:
    first = _check(actor=clerk, case_number="C1")
    check = CreditCheck.objects.get(pk=first.check_id)
    snapshot = list(check.snapshot)
    assert snapshot[0]["id"] == black_entry.pk and snapshot[0]["measures"] == ["manual_review", "restrict_licensing"]
    assert check.actor == clerk and check.actor_label == "clerk"

    services.credit_entry_withdraw(actor=fgj_admin, entry=black_entry, reason="已完成信用修复")

    check.refresh_from_db()
    assert check.snapshot == snapshot and check.result == "black"
    rebuilt = services.check_result_of(check)
    assert (rebuilt.result, [m.id for m in rebuilt.black], rebuilt.measures) == (
        "black",
        [black_entry.pk],
        first.measures,
    )
    assert list(selectors.checks_of_case("C1")) == [check]
    # A new check no longer finds it.
    assert _check(case_number="C1").result == "clear"
    assert [c.result for c in selectors.checks_of_case("C1")] == ["black", "clear"]


def test_a_malformed_key_is_refused_and_nothing_is_recorded(jianghai: None) -> None:
    before = (CreditCheck.objects.count(), _credit_audits())
    for kind, key, field in (
        ("enterprise", wrong_check_digit(ENTERPRISE_CODE), "key"),
        ("person", wrong_check_digit(PERSON_ID), "key"),
        ("person", "", "key"),
        ("company", ENTERPRISE_CODE, "kind"),
    ):
        with pytest.raises(ApplicationError) as exc:
            _check(key, kind)
        assert exc.value.code == "invalid_check" and field in exc.value.field_errors
    assert (CreditCheck.objects.count(), _credit_audits()) == before


# --- Bad input writes nothing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject_kind": "person", "subject_key": wrong_check_digit(PERSON_ID)}, "subject_key"),
        ({"subject_key": wrong_check_digit(ENTERPRISE_CODE)}, "subject_key"),
        ({"subject_key": "91440704ABCDEFGHIO"}, "subject_key"),
        ({"measures": ["manual_review", "fast_track"]}, "measures"),  # a reward on the black list
        ({"list_kind": "red", "measures": ["restrict_subsidy"]}, "measures"),  # a punishment on the red list
        ({"measures": []}, "measures"),
        ({"measures": ["ban_everything"]}, "measures"),
        ({"valid_until": dt.date(2024, 12, 31), "valid_from": dt.date(2025, 1, 1)}, "valid_until"),
        ({"valid_from": None}, "valid_from"),
        ({"list_kind": "grey"}, "list_kind"),
        ({"subject_kind": "robot"}, "subject_kind"),
        ({"subject_name": "  "}, "subject_name"),
        ({"document_number": ""}, "document_number"),
        ({"reason": "x" * 2001}, "reason"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(
    fgj_admin: User, fgj: Department, overrides: dict[str, object], field: str
) -> None:
    before = _credit_audits()
    with pytest.raises(ApplicationError) as exc:
        make_entry(fgj_admin, fgj, **overrides)
    assert exc.value.code == "invalid_entry" and field in exc.value.field_errors
    assert not CreditEntry.objects.exists() and _credit_audits() == before


def test_a_second_active_listing_under_the_same_decision_is_a_conflict(
    black_entry: CreditEntry, fgj_admin: User, fgj: Department
) -> None:
    with pytest.raises(ConflictError) as exc:
        make_entry(fgj_admin, fgj)
    assert exc.value.code == "already_listed" and exc.value.status == 409
    # Another decision, or the same one after a withdrawal, lists again.
    make_entry(fgj_admin, fgj, document_number="（2025）粤0704执2号")
    services.credit_entry_withdraw(actor=fgj_admin, entry=black_entry, reason="移出")
    make_entry(fgj_admin, fgj)
    assert CreditEntry.objects.count() == 3


def test_the_authority_defaults_to_the_listing_department(fgj_admin: User, fgj: Department) -> None:
    entry = make_entry(fgj_admin, fgj, authority="")
    assert entry.authority == fgj.name
    record = AuditEvent.objects.get(action="credit.entry_create", target_id=str(entry.pk))
    assert record.actor == fgj_admin and record.summary["department"] == "fgj"


# --- Withdrawal ---------------------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_and_happens_once(black_entry: CreditEntry, fgj_admin: User) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.credit_entry_withdraw(actor=fgj_admin, entry=black_entry, reason="  ")
    assert "reason" in exc.value.field_errors
    black_entry.refresh_from_db()
    assert black_entry.status == "active"

    done = services.credit_entry_withdraw(actor=fgj_admin, entry=black_entry, reason="信用修复完成")
    assert (done.status, done.withdrawn_by, done.withdrawn_reason) == ("withdrawn", fgj_admin, "信用修复完成")
    assert done.withdrawn_at is not None
    with pytest.raises(ConflictError) as again:
        services.credit_entry_withdraw(actor=fgj_admin, entry=black_entry, reason="再次移出")
    assert again.value.code == "already_withdrawn"
    assert AuditEvent.objects.filter(action="credit.entry_withdraw", target_id=str(black_entry.pk)).count() == 1
    # Never deleted.
    assert CreditEntry.objects.filter(pk=black_entry.pk).exists()


# --- Who may act -------------------------------------------------------------------------------------


def test_only_the_listing_department_s_administrators_keep_its_entries(
    black_entry: CreditEntry, scjg_admin: User, approver: User, fgj: Department, scjg: Department
) -> None:
    with pytest.raises(PermissionDenied):
        services.credit_entry_withdraw(actor=scjg_admin, entry=black_entry, reason="不是我部门的")
    with pytest.raises(PermissionDenied):
        make_entry(scjg_admin, fgj, document_number="越权")
    with pytest.raises(PermissionDenied):
        make_entry(approver, scjg, document_number="无权")
    black_entry.refresh_from_db()
    assert black_entry.status == "active" and CreditEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="access.denied", actor=scjg_admin).count() == 2

    own = make_entry(scjg_admin, scjg, document_number="江海市监1号")
    assert list(selectors.entries_for_manager(scjg_admin)) == [own]
    assert selectors.can_manage(scjg_admin, own) and not selectors.can_manage(scjg_admin, black_entry)
    assert list(selectors.departments_for_manager(scjg_admin)) == [scjg]
    # Reading is district-wide.
    assert set(selectors.entry_list_for_user(user=approver)) == {black_entry, own}
    assert not selectors.entry_list_for_user(user=User.objects.get(username="citizen")).exists()


def test_the_list_filters_and_its_query_count(
    black_entry: CreditEntry, fgj_admin: User, fgj: Department, approver: User, django_assert_num_queries: object
) -> None:
    person = make_entry(fgj_admin, fgj, subject_kind="person", subject_key=PERSON_ID, subject_name="刘某某")
    red = make_entry(fgj_admin, fgj, list_kind="red", measures=["fewer_checks"], subject_key=OTHER_CODE)
    services.credit_entry_withdraw(actor=fgj_admin, entry=red, reason="到期前移出")

    def ids(**kwargs: str) -> set[int]:
        return {e.pk for e in selectors.entry_list_for_user(user=approver, **kwargs)}

    assert ids(list_kind="black") == {black_entry.pk, person.pk}
    assert ids(subject_kind="person") == {person.pk}
    assert ids(state="withdrawn") == {red.pk}
    assert ids(state="in_force") == {black_entry.pk, person.pk}
    assert ids(q=PERSON_ID.lower()) == {person.pk}
    assert ids(q=OTHER_CODE) == {red.pk}
    assert ids(q="商贸") == {black_entry.pk, red.pk}
    assert ids(q=PERSON_ID[:10]) == set()  # keys are found whole, never by part

    with django_assert_num_queries(1):  # type: ignore[operator]  # roles are cached on the user
        rows = [(e.department.code, e.key_masked) for e in selectors.entry_list_for_user(user=approver)]
    assert len(rows) == 3
