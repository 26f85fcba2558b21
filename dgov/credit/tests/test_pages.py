"""The /credit/ pages: who gets in, masked keys, the list's filters, listing and withdrawing, the
look-up. Pages are in Chinese by default; the tests assert on data, not on English words."""

from __future__ import annotations

from typing import Any

from django.test import Client

from dgov.accounts.models import Department, User
from dgov.audit.models import AuditEvent
from dgov.credit import services
from dgov.credit.models import CreditCheck, CreditEntry
from dgov.credit.tests.conftest import ENTERPRISE_CODE, OTHER_CODE, PERSON_ID, make_entry, wrong_check_digit


def test_sign_in_and_the_view_permission_are_needed(black_entry: CreditEntry, citizen: User, login: Any) -> None:
    anonymous = Client().get("/credit/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client = login(citizen)
    for path in ("/credit/", f"/credit/{black_entry.pk}/", "/credit/new/", "/credit/import/", "/credit/check/"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/credit/{black_entry.pk}/withdraw/", {"reason": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=citizen).count() == 6
    black_entry.refresh_from_db()
    assert black_entry.status == "active"


def test_readers_see_the_list_with_masked_keys(fgj_admin: User, fgj: Department, approver: User, login: Any) -> None:
    person = make_entry(fgj_admin, fgj, subject_kind="person", subject_key=PERSON_ID, subject_name="刘某某")
    company = make_entry(fgj_admin, fgj)
    client = login(approver)
    response = client.get("/credit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert f'data-entry="{person.pk}"' in html and f'data-entry="{company.pk}"' in html
    assert PERSON_ID not in html and ENTERPRISE_CODE not in html
    assert person.key_masked in html and company.key_masked in html
    # No keeping for a reader.
    assert 'href="/credit/new/"' not in html
    assert client.get("/credit/new/").status_code == 403

    html = client.get("/credit/", {"q": PERSON_ID}).content.decode()
    assert f'data-entry="{person.pk}"' in html and f'data-entry="{company.pk}"' not in html
    html = client.get("/credit/", {"list_kind": "black", "subject_kind": "enterprise"}).content.decode()
    assert f'data-entry="{company.pk}"' in html and f'data-entry="{person.pk}"' not in html

    html = client.get(f"/credit/{person.pk}/").content.decode()
    assert PERSON_ID not in html and f'data-key="{person.key_masked}"' in html
    assert 'data-step="withdraw"' not in html
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()


def test_the_listing_department_s_administrator_sees_the_key_and_the_read_is_recorded(
    fgj_admin: User, fgj: Department, scjg_admin: User, login: Any
) -> None:
    person = make_entry(fgj_admin, fgj, subject_kind="person", subject_key=PERSON_ID, subject_name="刘某某")
    html = login(fgj_admin).get(f"/credit/{person.pk}/").content.decode()
    assert f'data-key="{PERSON_ID}"' in html and 'data-step="withdraw"' in html
    read = AuditEvent.objects.get(action="personal_data.read", target_id=str(person.pk))
    assert read.actor == fgj_admin and PERSON_ID not in str(read.summary)
    # Another department's administrator reads it masked, without the withdrawal form.
    html = login(scjg_admin).get(f"/credit/{person.pk}/").content.decode()
    assert PERSON_ID not in html and 'data-step="withdraw"' not in html


def test_listing_by_hand(fgj_admin: User, fgj: Department, login: Any) -> None:
    client = login(fgj_admin)
    assert client.get("/credit/new/").status_code == 200
    form = {
        "department": fgj.pk,
        "list_kind": "black",
        "subject_kind": "enterprise",
        "subject_key": ENTERPRISE_CODE.lower(),
        "subject_name": "江海测试失信商贸有限公司",
        "measures": ["manual_review", "restrict_subsidy"],
        "document_number": "（2025）粤0704执3号",
        "reason": "拒不履行",
        "valid_from": "2025-01-01",
        "valid_until": "",
    }
    # Bad input: the wrong check character, a reward on the black list, an end before the start.
    bad = {
        **form,
        "subject_key": wrong_check_digit(ENTERPRISE_CODE),
        "measures": ["manual_review", "fast_track"],
        "valid_until": "2024-01-01",
    }
    response = client.post("/credit/new/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("subject_key", "measures", "valid_until"):
        assert f'id="id_{field}_error"' in html, field
    assert not CreditEntry.objects.exists()

    response = client.post("/credit/new/", form)
    entry = CreditEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/credit/{entry.pk}/"
    assert (entry.credit_code, entry.measures, entry.created_by) == (
        ENTERPRISE_CODE,
        ["manual_review", "restrict_subsidy"],
        fgj_admin,
    )
    # The same again is a conflict, shown on the form.
    assert client.post("/credit/new/", form).status_code == 409
    assert CreditEntry.objects.count() == 1


def test_an_administrator_of_another_department_cannot_withdraw(
    black_entry: CreditEntry, scjg_admin: User, approver: User, login: Any
) -> None:
    assert login(scjg_admin).post(f"/credit/{black_entry.pk}/withdraw/", {"reason": "越权"}).status_code == 403
    assert login(approver).post(f"/credit/{black_entry.pk}/withdraw/", {"reason": "越权"}).status_code == 403
    black_entry.refresh_from_db()
    assert black_entry.status == "active"


def test_withdrawing_keeps_the_entry_and_its_history(
    black_entry: CreditEntry, fgj_admin: User, clerk: User, login: Any
) -> None:
    found = services.credit_check(
        subject_kind="enterprise", key=ENTERPRISE_CODE, item_code="ITEM1", case_number="N1", actor=clerk
    )
    client = login(fgj_admin)
    assert client.get(f"/credit/{black_entry.pk}/withdraw/").status_code == 405
    response = client.post(f"/credit/{black_entry.pk}/withdraw/", {"reason": " "})
    assert response.status_code == 400
    black_entry.refresh_from_db()
    assert black_entry.status == "active"

    response = client.post(f"/credit/{black_entry.pk}/withdraw/", {"reason": "已完成信用修复"})
    assert response.status_code == 302
    black_entry.refresh_from_db()
    assert (black_entry.status, black_entry.withdrawn_by) == ("withdrawn", fgj_admin)
    html = client.get(f"/credit/{black_entry.pk}/").content.decode()
    assert 'data-status="withdrawn"' in html and 'data-flag="withdrawn"' in html and "已完成信用修复" in html
    assert f'data-check="{found.check_id}"' in html and 'data-result="black"' in html
    assert 'data-step="withdraw"' not in html
    # A second withdrawal is a conflict.
    assert client.post(f"/credit/{black_entry.pk}/withdraw/", {"reason": "再次"}).status_code in (400, 409)

    html = client.get("/credit/", {"state": "withdrawn"}).content.decode()
    assert f'data-entry="{black_entry.pk}"' in html and 'data-state="withdrawn"' in html


def test_the_look_up_records_a_check(black_entry: CreditEntry, clerk: User, login: Any) -> None:
    client = login(clerk)
    assert client.get("/credit/check/").status_code == 200
    response = client.post(
        "/credit/check/", {"subject_kind": "enterprise", "subject_key": ENTERPRISE_CODE, "case_number": "N2"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    check = CreditCheck.objects.get(case_number="N2")
    assert (check.purpose, check.actor, check.result) == ("manual", clerk, "black")
    assert f'data-check="{check.pk}"' in html and f'data-found="{black_entry.pk}"' in html

    response = client.post("/credit/check/", {"subject_kind": "enterprise", "subject_key": OTHER_CODE})
    assert 'data-result="clear"' in response.content.decode()
    response = client.post(
        "/credit/check/", {"subject_kind": "enterprise", "subject_key": wrong_check_digit(OTHER_CODE)}
    )
    assert response.status_code == 400 and 'id="id_subject_key_error"' in response.content.decode()
    assert CreditCheck.objects.count() == 2
