"""The staff pages of e-seals and e-licences: the seal console of a department administrator, the
department's licences and their status, change and renewal, issuing by hand for an approved case,
the look-up for a case, the indicators, the admin site and the workbench links.

Personas: ``scjg_admin`` administers 区市场监督管理局 (scjg, which issues the food business
licence), ``mzj_admin`` administers 区民政局; ``approver`` is scjg's approver, ``outsider`` an
approver of 民政, ``clerk`` the district's window clerk, ``admin`` the system administrator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dgov.accounts.models import Department, User
from dgov.audit.models import AuditEvent
from dgov.cases.models import Case
from dgov.core.crypto import sm4_decrypt_text
from dgov.licences.models import Licence, LicenceUse, Seal, SealKey
from dgov.licences.tests.conftest import dept_admin, food_case_submit

# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def mzj_admin(licences_demo: dict[str, int]) -> User:
    return dept_admin("mzj_admin", Department.objects.get(code="mzj"))


def _scjg_seal() -> Seal:
    return Seal.objects.get(department__code="scjg")


def _private_material(seal: Seal) -> list[str]:
    """Every private key of the seal: as stored (ciphertext) and decrypted."""
    out = []
    for key in SealKey.objects.filter(seal=seal):
        out.append(key.private_key_enc)
        out.append(sm4_decrypt_text(key.private_key_enc, context=f"licences.sealkey:{key.key_id}", purpose="seal-keys"))
    return out


def _assert_no_secret(html: str, seals: list[Seal]) -> None:
    for seal in seals:
        for secret in _private_material(seal):
            assert secret not in html
            assert secret.upper() not in html


# --- Seal console --------------------------------------------------------------------------------


def test_a_dept_admin_sees_only_their_departments_seals(scjg_admin: User, login: Any) -> None:
    response = login(scjg_admin).get("/licences/work/seals/")
    assert response.status_code == 200
    html = response.content.decode()
    seal = _scjg_seal()
    assert seal.code in html and seal.name in html
    assert seal.keys.get().key_id in html
    for other in Seal.objects.exclude(department__code="scjg"):
        assert other.code not in html
    assert f"/licences/work/seals/{seal.pk}/picture.png" in html
    picture = login(scjg_admin).get(f"/licences/work/seals/{seal.pk}/picture.png")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")


def test_staff_without_seal_rights_are_refused(
    approver: User, clerk: User, licences_demo: dict[str, int], login: Any
) -> None:
    seal = _scjg_seal()
    for user in (approver, clerk):
        client = login(user)
        assert client.get("/licences/work/seals/").status_code == 403
        assert client.get(f"/licences/work/seals/{seal.pk}/").status_code == 403
    assert AuditEvent.objects.filter(action="access.denied", actor=clerk).exists()


def test_another_departments_admin_gets_404(mzj_admin: User, login: Any) -> None:
    seal = _scjg_seal()
    client = login(mzj_admin)
    assert client.get(f"/licences/work/seals/{seal.pk}/").status_code == 404
    assert client.get(f"/licences/work/seals/{seal.pk}/picture.png").status_code == 404
    assert client.post(f"/licences/work/seals/{seal.pk}/rotate/", {"confirm": "on"}).status_code == 404
    response = client.post(f"/licences/work/seals/{seal.pk}/status/", {"status": "suspended", "reason": "测试"})
    assert response.status_code == 404
    seal.refresh_from_db()
    assert seal.status == Seal.Status.ACTIVE and seal.keys.count() == 1


def test_a_dept_admin_makes_a_seal(scjg_admin: User, login: Any) -> None:
    client = login(scjg_admin)
    form = client.get("/licences/work/seals/new/")
    assert form.status_code == 200
    choices = [str(d) for d in form.context["form"].fields["department"].queryset]
    assert choices == [str(Department.objects.get(code="scjg"))]
    response = client.post(
        "/licences/work/seals/new/",
        {
            "department": Department.objects.get(code="scjg").pk,
            "name": "江海区市场监督管理局公章",
            "kind": Seal.Kind.OFFICIAL,
            "valid_from": "2025-01-01",
            "valid_until": "2030-12-31",
        },
    )
    seal = Seal.objects.get(name="江海区市场监督管理局公章")
    assert response.status_code == 302 and response["Location"] == f"/licences/work/seals/{seal.pk}/"
    assert seal.department.code == "scjg" and seal.kind == Seal.Kind.OFFICIAL and seal.made_by == scjg_admin
    assert seal.code.startswith("44070401")
    assert timezone.localtime(seal.valid_from).isoformat() == "2025-01-01T00:00:00+08:00"
    assert timezone.localtime(seal.valid_until).isoformat() == "2031-01-01T00:00:00+08:00"
    assert seal.keys.filter(retired_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="seal.create", target_id=str(seal.pk)).exists()
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert seal.keys.get().public_key in html and "&quot;esID&quot;: &quot;" + seal.code in html
    _assert_no_secret(html, [seal])


def test_making_a_seal_refuses_bad_input(scjg_admin: User, login: Any) -> None:
    client = login(scjg_admin)
    before = Seal.objects.count()
    other = client.post(
        "/licences/work/seals/new/",
        {
            "department": Department.objects.get(code="mzj").pk,
            "name": "别人的章",
            "kind": "05",
            "valid_from": "2025-01-01",
            "valid_until": "2026-01-01",
        },
    )
    assert other.status_code == 400 and other.context["form"].has_error("department")
    backwards = client.post(
        "/licences/work/seals/new/",
        {
            "department": Department.objects.get(code="scjg").pk,
            "name": "倒序有效期",
            "kind": "05",
            "valid_from": "2026-01-01",
            "valid_until": "2025-01-01",
        },
    )
    assert backwards.status_code == 400
    assert backwards.context["form"].has_error("valid_until")
    too_long = client.post(
        "/licences/work/seals/new/",
        {
            "department": Department.objects.get(code="scjg").pk,
            "name": "江门市江海区市场监督管理局公章",
            "kind": "05",
            "valid_from": "2025-01-01",
            "valid_until": "2026-01-01",
        },
    )
    assert too_long.status_code == 400 and too_long.context["form"].has_error("name")
    assert Seal.objects.count() == before


def test_rotating_the_key_keeps_the_old_one_listed(scjg_admin: User, login: Any) -> None:
    client = login(scjg_admin)
    seal = _scjg_seal()
    old = seal.keys.get()
    unconfirmed = client.post(f"/licences/work/seals/{seal.pk}/rotate/", {})
    assert unconfirmed.status_code == 400 and seal.keys.count() == 1
    response = client.post(f"/licences/work/seals/{seal.pk}/rotate/", {"confirm": "on"})
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.retired_at is not None
    new = seal.keys.get(retired_at__isnull=True)
    assert new.key_id != old.key_id
    html = client.get(f"/licences/work/seals/{seal.pk}/").content.decode()
    assert old.key_id in html and new.key_id in html and old.public_key in html and new.public_key in html
    listing = client.get("/licences/work/seals/")
    row = next(r for r in listing.context["rows"] if r["seal"].pk == seal.pk)
    assert row["current_key"] == new and row["retired"] == 1
    _assert_no_secret(html + listing.content.decode(), [seal])


def test_suspending_needs_a_reason_and_reactivating_works(scjg_admin: User, login: Any) -> None:
    client = login(scjg_admin)
    seal = _scjg_seal()
    refused = client.post(f"/licences/work/seals/{seal.pk}/status/", {"status": "suspended", "reason": " "})
    assert refused.status_code == 400
    seal.refresh_from_db()
    assert seal.status == Seal.Status.ACTIVE
    response = client.post(
        f"/licences/work/seals/{seal.pk}/status/", {"status": "suspended", "reason": "印章保管人变更"}
    )
    assert response.status_code == 302
    seal.refresh_from_db()
    assert (seal.status, seal.status_reason) == (Seal.Status.SUSPENDED, "印章保管人变更")
    html = client.get(f"/licences/work/seals/{seal.pk}/").content.decode()
    assert "印章保管人变更" in html and "lic-state-suspended" in html
    again = client.post(f"/licences/work/seals/{seal.pk}/status/", {"status": "suspended", "reason": "再次"})
    assert again.status_code == 409
    back = client.post(f"/licences/work/seals/{seal.pk}/status/", {"status": "active", "reason": ""})
    assert back.status_code == 302
    seal.refresh_from_db()
    assert seal.status == Seal.Status.ACTIVE


def test_revoking_needs_a_reason_and_confirmation_and_is_final(scjg_admin: User, login: Any) -> None:
    client = login(scjg_admin)
    seal = _scjg_seal()
    url = f"/licences/work/seals/{seal.pk}/status/"
    no_reason = client.post(url, {"status": "revoked", "reason": "", "confirm": "on"})
    assert no_reason.status_code == 400
    revoke_form = next(a["form"] for a in no_reason.context["status_actions"] if a["status"] == "revoked")
    assert revoke_form.has_error("reason")
    not_confirmed = client.post(url, {"status": "revoked", "reason": "印章遗失"})
    assert not_confirmed.status_code == 400
    seal.refresh_from_db()
    assert seal.status == Seal.Status.ACTIVE
    assert [a["final"] for a in not_confirmed.context["status_actions"] if a["status"] == "revoked"] == [True]
    assert client.post(url, {"status": "revoked", "reason": "印章遗失", "confirm": "on"}).status_code == 302
    seal.refresh_from_db()
    assert seal.status == Seal.Status.REVOKED
    assert client.post(url, {"status": "active", "reason": "恢复"}).status_code == 409
    assert client.post(f"/licences/work/seals/{seal.pk}/rotate/", {"confirm": "on"}).status_code == 400
    seal.refresh_from_db()
    assert seal.status == Seal.Status.REVOKED and seal.keys.count() == 1


# --- Licences ----------------------------------------------------------------------------------


def test_the_approver_lists_and_filters_their_departments_licences(
    approver: User, demo_food_licence: Licence, login: Any
) -> None:
    client = login(approver)
    response = client.get("/licences/work/licences/")
    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert demo_food_licence in listed
    assert all(lic.issuer.code == "scjg" for lic in listed)
    assert not any(lic.type.code == "resident_id_card" for lic in listed)
    by_name = client.get("/licences/work/licences/", {"q": "星辉"})
    assert demo_food_licence in by_name.context["page"].object_list
    by_id = client.get("/licences/work/licences/", {"q": demo_food_licence.identifier[-12:]})
    assert demo_food_licence in by_id.context["page"].object_list
    none = client.get("/licences/work/licences/", {"status": "revoked"})
    assert demo_food_licence not in none.context["page"].object_list
    typed = client.get("/licences/work/licences/", {"type": "food_business_licence", "status": "valid"})
    assert demo_food_licence in typed.context["page"].object_list


def test_the_lists_make_no_query_per_row(
    scjg_admin: User, approver: User, enterprise: User, demo_food_licence: Licence, login: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dgov.licences import services

    def count(client: Client, url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    issuer, admin = login(approver), login(scjg_admin)
    issuer.get("/licences/work/licences/"), admin.get("/licences/work/seals/")  # the session's first request
    licences_before = count(issuer, "/licences/work/licences/")
    seals_before = count(admin, "/licences/work/seals/")
    for n in range(3):
        values = {**demo_food_licence.face, "premises": f"江海区东海路 {n} 号（示例）"}
        services.licence_issue(
            actor=approver,
            ltype=demo_food_licence.type,
            holder_kind="enterprise",
            holder_name=enterprise.enterprise_name,
            holder_id=enterprise.enterprise_credit_code,
            face=values,
        )
        services.seal_create(
            actor=scjg_admin, department=Department.objects.get(code="scjg"), name=f"江海区市场监督管理局{n}号章"
        )
    assert count(issuer, "/licences/work/licences/") == licences_before
    assert count(admin, "/licences/work/seals/") == seals_before


def test_the_licence_page_shows_face_holder_verdict_and_history(
    approver: User, demo_food_licence: Licence, login: Any
) -> None:
    response = login(approver).get(f"/licences/work/licences/{demo_food_licence.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert demo_food_licence.identifier in html and demo_food_licence.holder_id_shown in html
    assert "江海区东海路 28 号首层（示例）" in html and "热食类食品制售" in html
    assert response.context["verdict"].state == "valid"
    assert [v.pk for v in response.context["versions"]] == [demo_food_licence.pk]


def test_someone_of_another_department_cannot_see_or_act(
    outsider: User, clerk: User, demo_food_licence: Licence, login: Any
) -> None:
    client = login(outsider)
    assert client.get(f"/licences/work/licences/{demo_food_licence.pk}/").status_code == 404
    assert (
        client.post(
            f"/licences/work/licences/{demo_food_licence.pk}/status/", {"status": "revoked", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.post(f"/licences/work/licences/{demo_food_licence.pk}/renew/", {"confirm": "on"}).status_code == 404
    assert demo_food_licence not in client.get("/licences/work/licences/").context["page"].object_list
    assert login(clerk).get(f"/licences/work/licences/{demo_food_licence.pk}/").status_code == 403
    demo_food_licence.refresh_from_db()
    assert demo_food_licence.status == Licence.Status.VALID


def test_suspend_reinstate_and_cancel_a_licence(approver: User, demo_food_licence: Licence, login: Any) -> None:
    client = login(approver)
    url = f"/licences/work/licences/{demo_food_licence.pk}/status/"
    assert client.post(url, {"status": "suspended", "reason": ""}).status_code == 400
    assert client.post(url, {"status": "suspended", "reason": "责令停业整顿"}).status_code == 302
    demo_food_licence.refresh_from_db()
    assert (demo_food_licence.status, demo_food_licence.status_reason) == ("suspended", "责令停业整顿")
    page = client.get(f"/licences/work/licences/{demo_food_licence.pk}/")
    assert page.context["verdict"].state == "suspended"
    assert client.post(url, {"status": "valid", "reason": "整改完成"}).status_code == 302
    demo_food_licence.refresh_from_db()
    assert demo_food_licence.status == "valid"
    assert client.post(url, {"status": "cancelled", "reason": "申请人申请注销"}).status_code == 302
    demo_food_licence.refresh_from_db()
    assert demo_food_licence.status == "cancelled"
    final = client.post(url, {"status": "valid", "reason": "恢复"})
    assert final.status_code == 409
    page = client.get(f"/licences/work/licences/{demo_food_licence.pk}/")
    assert page.context["status_actions"] == [] and not page.context["in_force"]
    assert AuditEvent.objects.filter(action="licence.status", target_id=str(demo_food_licence.pk)).count() == 3


def test_revoking_a_licence(approver: User, demo_food_licence: Licence, login: Any) -> None:
    client = login(approver)
    response = client.post(
        f"/licences/work/licences/{demo_food_licence.pk}/status/", {"status": "revoked", "reason": "以欺骗手段取得许可"}
    )
    assert response.status_code == 302
    demo_food_licence.refresh_from_db()
    assert demo_food_licence.status == "revoked"
    assert client.get(f"/licences/work/licences/{demo_food_licence.pk}/").context["verdict"].state == "revoked"


def test_a_change_makes_version_002_and_cancels_001(approver: User, demo_food_licence: Licence, login: Any) -> None:
    client = login(approver)
    form = client.get(f"/licences/work/licences/{demo_food_licence.pk}/change/")
    assert form.status_code == 200
    assert form.context["form"].initial["premises"] == "江海区东海路 28 号首层（示例）"
    assert 'name="face-premises"' in form.content.decode()
    values = {f"face-{k}": v for k, v in demo_food_licence.face.items()}
    refused = client.post(f"/licences/work/licences/{demo_food_licence.pk}/change/", {**values, "face-premises": ""})
    assert refused.status_code == 400 and refused.context["form"].has_error("premises")
    response = client.post(
        f"/licences/work/licences/{demo_food_licence.pk}/change/",
        {**values, "face-premises": "江海区东海路 30 号首层（示例）"},
    )
    assert response.status_code == 302
    new = Licence.objects.get(previous=demo_food_licence)
    assert response["Location"] == f"/licences/work/licences/{new.pk}/"
    demo_food_licence.refresh_from_db()
    assert demo_food_licence.status == Licence.Status.CANCELLED
    assert new.version == 2 and new.serial == demo_food_licence.serial and new.identifier.split(".")[-2] == "002"
    assert new.face["premises"] == "江海区东海路 30 号首层（示例）" and new.valid_from == demo_food_licence.valid_from
    page = client.get(response["Location"])
    assert [v.version for v in page.context["versions"]] == [2, 1]
    assert page.context["verdict"].state == "valid"
    assert demo_food_licence.identifier in page.content.decode()
    assert client.get(f"/licences/work/licences/{demo_food_licence.pk}/change/").status_code == 302


def test_renewal_starts_a_new_validity(approver: User, demo_food_licence: Licence, login: Any) -> None:
    client = login(approver)
    assert client.post(f"/licences/work/licences/{demo_food_licence.pk}/renew/", {}).status_code == 400
    # Issued a year ago: the renewed period starts today, after the old one's start.
    year = timedelta(days=365)
    assert demo_food_licence.valid_until is not None
    Licence.objects.filter(pk=demo_food_licence.pk).update(
        valid_from=demo_food_licence.valid_from - year, valid_until=demo_food_licence.valid_until - year
    )
    demo_food_licence.refresh_from_db()
    response = client.post(f"/licences/work/licences/{demo_food_licence.pk}/renew/", {"confirm": "on"})
    assert response.status_code == 302
    new = Licence.objects.get(previous=demo_food_licence)
    assert new.version == 2 and new.valid_from > demo_food_licence.valid_from
    assert new.valid_until is not None and demo_food_licence.valid_until is not None
    assert new.valid_until > demo_food_licence.valid_until


# --- Issuing for an approved case --------------------------------------------------------------


def test_issuing_the_licence_of_an_approved_case_by_hand_works_once(
    enterprise: User, approver: User, approved_food_case: Callable[..., Case], login: Any
) -> None:
    # issue=False: the automatic issue after commit does not run, so the case has no licence yet.
    case = approved_food_case(enterprise, issue=False)
    assert not Licence.objects.filter(case=case).exists()
    client = login(approver)
    page = client.get(f"/cases/work/cases/{case.pk}/")
    assert page.status_code == 200 and page.context["licence_due"] and page.context["can_issue_licence"]
    assert f'action="/licences/work/cases/{case.pk}/issue/"' in page.content.decode()
    form = client.get(f"/licences/work/cases/{case.pk}/issue/")
    assert form.status_code == 200
    assert form.context["form"].initial["premises"] == case.form_data["premises"]
    assert form.context["form"].initial["case_number"] == case.number
    values = {"with_face": "1", **{f"face-{k}": v for k, v in form.context["form"].initial.items()}}
    first = client.post(f"/licences/work/cases/{case.pk}/issue/", values)
    licence = Licence.objects.get(case=case)
    assert first.status_code == 302 and first["Location"] == f"/licences/work/licences/{licence.pk}/"
    assert licence.issued_by == approver and licence.holder_user == enterprise
    second = client.post(f"/licences/work/cases/{case.pk}/issue/", values)
    assert second.status_code == 302 and second["Location"] == f"/licences/work/licences/{licence.pk}/"
    assert Licence.objects.filter(case=case).count() == 1
    assert case.events.filter(kind="licence_issued").count() == 1
    page = client.get(f"/cases/work/cases/{case.pk}/")
    html = page.content.decode()
    assert licence.identifier in html and f"/licences/work/licences/{licence.pk}/" in html
    assert f'action="/licences/work/cases/{case.pk}/issue/"' not in html


def test_the_button_issues_with_the_case_values_and_the_form_with_the_staffs(
    enterprise: User, approver: User, approved_food_case: Callable[..., Case], login: Any
) -> None:
    client = login(approver)
    case = approved_food_case(enterprise, issue=False)
    button = client.post(f"/licences/work/cases/{case.pk}/issue/", {})
    licence = Licence.objects.get(case=case)
    assert button.status_code == 302 and licence.face["premises"] == case.form_data["premises"]
    assert licence.face["case_number"] == case.number

    other = approved_food_case(enterprise, issue=False)
    values = {
        f"face-{k}": v for k, v in client.get(f"/licences/work/cases/{other.pk}/issue/").context["form"].initial.items()
    }
    missing = client.post(f"/licences/work/cases/{other.pk}/issue/", {**values, "with_face": "1", "face-premises": ""})
    assert missing.status_code == 400 and missing.context["form"].has_error("premises")
    assert not Licence.objects.filter(case=other).exists()
    completed = client.post(
        f"/licences/work/cases/{other.pk}/issue/",
        {**values, "with_face": "1", "face-premises": "江海区五邑路3号（示例）"},
    )
    assert completed.status_code == 302
    assert Licence.objects.get(case=other).face["premises"] == "江海区五邑路3号（示例）"


def test_who_may_not_issue_for_a_case(
    enterprise: User,
    clerk: User,
    outsider: User,
    approved_food_case: Callable[..., Case],
    login: Any,
) -> None:
    case = approved_food_case(enterprise, issue=False)
    page = login(clerk).get(f"/cases/work/cases/{case.pk}/")
    assert page.status_code == 200 and not page.context["can_issue_licence"]
    assert "/issue/" not in page.content.decode()
    assert login(clerk).post(f"/licences/work/cases/{case.pk}/issue/", {}).status_code == 403
    assert login(outsider).post(f"/licences/work/cases/{case.pk}/issue/", {}).status_code == 404
    assert not Licence.objects.filter(case=case).exists()


def test_an_open_case_gets_no_licence(enterprise: User, approver: User, login: Any) -> None:
    case = food_case_submit(enterprise)
    client = login(approver)
    assert "licence_due" in client.get(f"/cases/work/cases/{case.pk}/").context
    assert not client.get(f"/cases/work/cases/{case.pk}/").context["licence_due"]
    response = client.get(f"/licences/work/cases/{case.pk}/issue/")
    assert response.status_code == 302 and response["Location"] == f"/cases/work/cases/{case.pk}/"
    assert not Licence.objects.filter(case=case).exists()


# --- Look-up for a case ------------------------------------------------------------------------


def test_a_lookup_needs_a_case_the_user_can_see_and_is_recorded(
    enterprise: User, clerk: User, outsider: User, demo_food_licence: Licence, login: Any
) -> None:
    case = food_case_submit(enterprise)
    client = login(clerk)
    assert client.get("/licences/work/lookup/").status_code == 200
    without = client.post("/licences/work/lookup/", {"identifier": demo_food_licence.identifier, "reason": "核验"})
    assert without.status_code == 400 and without.context["form"].has_error("case_number")
    assert without.context["licence"] is None
    unknown_case = client.post(
        "/licences/work/lookup/",
        {"identifier": demo_food_licence.identifier, "case_number": "440704000000209901010001"},
    )
    assert unknown_case.status_code == 400 and unknown_case.context["form"].has_error("case_number")
    unknown = client.post("/licences/work/lookup/", {"identifier": "1.2.156.3005.2.NOPE", "case_number": case.number})
    assert unknown.status_code == 400 and unknown.context["form"].has_error("identifier")
    not_theirs = login(outsider).post(
        "/licences/work/lookup/", {"identifier": demo_food_licence.identifier, "case_number": case.number}
    )
    assert not_theirs.status_code == 400 and not_theirs.context["licence"] is None
    assert not LicenceUse.objects.filter(licence=demo_food_licence).exists()

    response = client.post(
        "/licences/work/lookup/",
        {"identifier": demo_food_licence.identifier.lower(), "case_number": case.number, "reason": "核验经营许可"},
    )
    assert response.status_code == 200
    assert response.context["licence"] == demo_food_licence and response.context["verdict"].state == "valid"
    assert "江海区东海路 28 号首层（示例）" in response.content.decode()
    use = LicenceUse.objects.get(licence=demo_food_licence)
    assert (use.kind, use.case, use.used_by, use.reason) == (LicenceUse.Kind.LOOKUP, case, clerk, "核验经营许可")
    assert AuditEvent.objects.filter(action="licence.lookup", target_id=str(demo_food_licence.pk)).exists()


def test_lookups_show_on_the_licence_page(
    enterprise: User, clerk: User, approver: User, demo_food_licence: Licence, login: Any
) -> None:
    case = food_case_submit(enterprise)
    login(clerk).post(
        "/licences/work/lookup/",
        {"identifier": demo_food_licence.identifier, "case_number": case.number, "reason": "核验"},
    )
    page = login(approver).get(f"/licences/work/licences/{demo_food_licence.pk}/")
    assert [u.case for u in page.context["uses"]] == [case]
    assert case.number in page.content.decode()


# --- Indicators --------------------------------------------------------------------------------


def test_indicators_for_leaders_and_issuers(
    approver: User, citizen: User, licences_demo: dict[str, int], login: Any
) -> None:
    leader = User.objects.get(username="leader")
    for user in (leader, approver):
        response = login(user).get("/licences/work/indicators/")
        assert response.status_code == 200
        rows = {r["number"]: r for r in response.context["rows"]}
        # Targets and status are the indicators dashboard's; this page counts.
        assert "target_2025" not in rows[19] and 'href="/indicators/"' in response.content.decode()
        assert rows[20]["denominator"] == Department.objects.count() and rows[20]["numerator"] > 0
        items = list(response.context["items"])
        assert items and all(any(m.source == "licence" for m in i.materials.all()) for i in items)
    assert login(citizen).get("/licences/work/indicators/").status_code == 403


# --- Workbench ---------------------------------------------------------------------------------


def test_workbench_links_follow_the_permissions(scjg_admin: User, approver: User, clerk: User, login: Any) -> None:
    admin_html = login(scjg_admin).get("/accounts/workbench/").content.decode()
    assert 'href="/licences/work/seals/"' in admin_html and 'href="/licences/work/licences/"' in admin_html
    approver_html = login(approver).get("/accounts/workbench/").content.decode()
    assert 'href="/licences/work/seals/"' not in approver_html and 'href="/licences/work/licences/"' in approver_html
    clerk_html = login(clerk).get("/accounts/workbench/").content.decode()
    assert 'href="/licences/work/seals/"' not in clerk_html and 'href="/licences/work/licences/"' not in clerk_html
    assert 'href="/licences/work/lookup/"' in clerk_html


# --- Admin site --------------------------------------------------------------------------------


def test_the_system_administrator_browses_seals_keys_and_licences_without_secrets(
    sysadmin: User, scjg_admin: User, citizen: User, demo_food_licence: Licence, login: Any
) -> None:
    seal = _scjg_seal()
    login(scjg_admin).post(f"/licences/work/seals/{seal.pk}/rotate/", {"confirm": "on"})
    key = seal.keys.filter(retired_at__isnull=True).get()
    id_card = Licence.objects.get(type__code="resident_id_card", holder_user=citizen)
    client = login(sysadmin)
    pages = [
        "/admin/licences/seal/",
        f"/admin/licences/seal/{seal.pk}/change/",
        "/admin/licences/sealkey/",
        f"/admin/licences/sealkey/{key.pk}/change/",
        f"/admin/licences/sealkey/?q={key.key_id}",
        "/admin/licences/licencetype/",
        "/admin/licences/licence/",
        f"/admin/licences/licence/{demo_food_licence.pk}/change/",
        f"/admin/licences/licence/{id_card.pk}/change/",
        "/admin/licences/licenceuse/",
    ]
    html = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html += response.content.decode()
    assert key.key_id in html and key.public_key in html and id_card.holder_id_shown in html
    _assert_no_secret(html, list(Seal.objects.all()))
    assert citizen.id_number and citizen.id_number not in html
    assert "private_key" not in html
    assert client.get(f"/admin/licences/sealkey/{key.pk}/delete/").status_code == 403
    assert client.get("/admin/licences/seal/add/").status_code == 403
