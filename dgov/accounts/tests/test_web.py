"""Sign-in, lockout, second factor, idle logout and the permission matrix, through HTTP."""

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dgov.accounts import services
from dgov.accounts.models import Department, Role, User
from dgov.audit.models import AuditEvent

PASSWORD = "jianghai-demo-2025"


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_and_logout_are_audited(citizen, client):
    response = login(client, "citizen")
    assert response.status_code == 302
    assert client.get("/accounts/home/").url == "/accounts/centre/"
    client.post("/accounts/logout/")
    actions = list(AuditEvent.objects.filter(actor_label="citizen").values_list("action", flat=True))
    assert actions[-2:] == ["auth.login", "auth.logout"]


def test_wrong_password_gets_one_answer_whether_or_not_the_account_exists(citizen, client):
    existing = login(client, "citizen", "wrong-password")
    missing = login(client, "nobody-here", "wrong-password")
    assert existing.status_code == missing.status_code == 200
    assert existing.context["form"].errors == missing.context["form"].errors
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.login_failed", actor_label="nobody-here").exists()


@pytest.mark.parametrize("username", ["citizen", "no-such-account"])
def test_five_failures_lock_for_fifteen_minutes(jianghai, client, username, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    for _ in range(5):
        login(client, username, "wrong-password")
    locked = login(client, username, PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    time_machine.move_to("2026-03-02 09:16:00+08:00", tick=False)
    if username == "citizen":
        assert login(client, username, PASSWORD).status_code == 302


def test_lockout_page_is_the_same_for_real_and_unknown_accounts(jianghai, client):
    pages = []
    for username in ["citizen", "no-such-account"]:
        for _ in range(5):
            login(client, username, "wrong-password")
        response = login(client, username, "wrong-password")
        assert response.status_code == 429
        html = response.content.decode()
        pages.append(html[html.index("<main") : html.index("</main>")])
    assert pages[0] == pages[1]


@pytest.fixture
def real_staff(jianghai):
    """A member of staff who is not a demo account: no MFA waiver."""
    dept = Department.objects.get(code="scjg")
    user = services.user_create(
        actor=None, username="zhang", password="Zhang-pass-2025!", kind="staff", department=dept
    )
    services.role_grant(actor=None, user=user, role=Role.APPROVER, department=dept)
    return user


def test_staff_must_enrol_and_pass_totp(real_staff, client):
    assert login(client, "zhang", "Zhang-pass-2025!").status_code == 302
    response = client.get("/accounts/workbench/")
    assert response.status_code == 302 and response.url.startswith("/accounts/mfa/")
    enrol = client.get(response.url)
    assert enrol.status_code == 200 and b"data:image/svg+xml;base64," in enrol.content
    device = TOTPDevice.objects.get(user=real_staff, confirmed=False)
    bad = client.post("/accounts/mfa/", {"token": "000000" if totp(device.bin_key) != 0 else "111111"})
    assert bad.status_code == 200 and bad.context["form"].errors
    good = client.post("/accounts/mfa/?next=/accounts/workbench/", {"token": f"{totp(device.bin_key):06d}"})
    assert good.status_code == 302 and good.url == "/accounts/workbench/"
    assert client.get("/accounts/workbench/").status_code == 200
    # Next sign-in asks for a code from the now-confirmed device.
    client.post("/accounts/logout/")
    login(client, "zhang", "Zhang-pass-2025!")
    verify = client.get("/accounts/mfa/")
    assert verify.templates[0].name == "accounts/mfa_verify.html"
    assert AuditEvent.objects.filter(action="mfa.enrol", target_id=str(real_staff.pk)).exists()


def test_demo_staff_are_waived_only_in_demo_mode(approver, client, settings):
    login(client, "approver")
    page = client.get("/accounts/workbench/")
    assert page.status_code == 200 and page.context["mfa_waived"]
    settings.DGOV_DEMO_WAIVES_MFA = False
    assert client.get("/accounts/workbench/").status_code == 302


def test_staff_idle_for_fifteen_minutes_are_signed_out(approver, client, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    login(client, "approver")
    assert client.get("/accounts/workbench/").status_code == 200
    time_machine.move_to("2026-03-02 09:14:00+08:00", tick=False)
    assert client.get("/accounts/workbench/").status_code == 200
    time_machine.move_to("2026-03-02 09:29:30+08:00", tick=False)
    response = client.get("/accounts/workbench/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.logout_idle").exists()


def test_citizens_have_thirty_minutes(citizen, client, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    login(client, "citizen")
    client.get("/accounts/centre/")
    time_machine.move_to("2026-03-02 09:25:00+08:00", tick=False)
    assert client.get("/accounts/centre/").status_code == 200
    time_machine.move_to("2026-03-02 09:56:00+08:00", tick=False)
    assert client.get("/accounts/centre/").status_code == 302


def test_tampered_session_cookie_is_treated_as_signed_out(citizen, client, settings):
    login(client, "citizen")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    cookie.set(cookie.key, cookie.value[:-3] + "xyz", cookie.value[:-3] + "xyz")
    response = client.get("/accounts/centre/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_too_long_username_is_a_form_error(jianghai, client):
    response = client.post("/accounts/login/", {"username": "x" * 500, "password": "whatever"})
    assert response.status_code == 200 and "username" in response.context["form"].errors


# --- Permission matrix ----------------------------------------------------------------------------

PAGES = {
    "/accounts/centre/": {
        "citizen",
        "enterprise",
        "clerk",
        "approver",
        "operator",
        "dispatcher",
        "handler",
        "gridworker",
        "leader",
        "admin",
        "security",
        "auditor",
    },
    "/accounts/workbench/": {"clerk", "approver", "operator", "dispatcher", "handler", "gridworker", "leader"},
    "/accounts/security/": {"security"},
    "/accounts/audit/": {"auditor"},
    "/accounts/api-tokens/": {"admin"},
    "/admin/": {"admin"},
}
# Every demo account: all of them reach their personal centre.
ALL = sorted(PAGES["/accounts/centre/"])


@pytest.mark.parametrize("username", ALL)
def test_permission_matrix(jianghai, client, username):
    login(client, username)
    for path, allowed in PAGES.items():
        response = client.get(path)
        if username in allowed:
            assert response.status_code == 200, (username, path, response.status_code)
        elif path == "/admin/":
            assert response.status_code == 302 and "/admin/login/" in response.url, (username, path)
        else:
            assert response.status_code in (403, 404), (username, path, response.status_code)


@pytest.mark.parametrize("username", ALL)
def test_api_permission_matrix(jianghai, client, username):
    """Every signed-in role may ask who it is; nobody sees another person's data through it."""
    assert client.get("/api/v1/accounts/me").status_code == 401
    login(client, username)
    body = client.get("/api/v1/accounts/me").json()
    assert body["username"] == username
    for public in ("/api/v1/accounts/regions", "/api/v1/accounts/departments"):
        assert client.get(public).status_code == 200


def test_anonymous_is_sent_to_login(jianghai, client):
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and "login" in response.url


def test_denied_access_is_audited(citizen, client):
    login(client, "citizen")
    client.get("/accounts/audit/")
    event = AuditEvent.objects.filter(action="access.denied").latest("seq")
    assert event.actor_label == "citizen" and event.summary["path"] == "/accounts/audit/"


def test_home_sends_each_role_to_its_page(jianghai, client):
    expected = {
        "citizen": "/accounts/centre/",
        "clerk": "/accounts/workbench/",
        "admin": "/admin/",
        "security": "/accounts/security/",
        "auditor": "/accounts/audit/",
    }
    for username, url in expected.items():
        client.logout()
        login(client, username)
        assert client.get("/accounts/home/").url == url


# --- Personal centre ------------------------------------------------------------------------------


def test_personal_centre_masks_and_records_full_reads(citizen, client):
    login(client, "citizen")
    page = client.get("/accounts/centre/").content.decode()
    assert citizen.id_number_masked in page and citizen.id_number not in page
    revealed = client.post("/accounts/centre/reveal/").content.decode()
    assert citizen.id_number in revealed and citizen.phone in revealed
    assert AuditEvent.objects.filter(action="personal_data.read", target_id=str(citizen.pk)).count() == 1
    assert "personal_data.read" not in page  # the list shows people, not codes
    assert b"citizen" in client.get("/accounts/centre/").content


def test_reveal_requires_post(citizen, client):
    login(client, "citizen")
    assert client.get("/accounts/centre/reveal/").status_code == 405


# --- Consoles ----------------------------------------------------------------------------------------


def test_security_admin_grants_revokes_and_separation_holds(secadmin, client):
    login(client, "security")
    auditor = User.objects.get(username="auditor")
    response = client.post(f"/accounts/security/users/{auditor.pk}/", {"role": Role.SYSTEM_ADMIN})
    assert response.status_code == 200 and response.context["form"].errors
    assert not auditor.role_assignments.filter(role=Role.SYSTEM_ADMIN).exists()
    clerk = User.objects.get(username="clerk")
    dept = Department.objects.get(code="zsj")
    response = client.post(f"/accounts/security/users/{clerk.pk}/", {"role": Role.DATA_OFFICER, "department": dept.pk})
    assert response.status_code == 302
    assignment = clerk.role_assignments.get(role=Role.DATA_OFFICER)
    client.post(f"/accounts/security/users/{clerk.pk}/roles/{assignment.pk}/revoke/")
    assert not clerk.role_assignments.filter(role=Role.DATA_OFFICER).exists()


def test_security_admin_unlocks_an_account(secadmin, client):
    anon = Client()
    for _ in range(5):
        login(anon, "citizen", "wrong")
    assert login(anon, "citizen").status_code == 429
    login(client, "security")
    citizen = User.objects.get(username="citizen")
    # Citizens are not staff: the console refuses to manage them.
    assert client.post(f"/accounts/security/users/{citizen.pk}/reset/", {"what": "unlock"}).status_code == 404
    clerk = User.objects.get(username="clerk")
    for _ in range(5):
        login(anon, "clerk", "wrong")
    assert login(anon, "clerk").status_code == 429
    client.post(f"/accounts/security/users/{clerk.pk}/reset/", {"what": "unlock"})
    assert login(anon, "clerk").status_code == 302


def test_audit_admin_verifies_the_chain(auditor, client):
    login(client, "auditor")
    response = client.get("/accounts/audit/?verify=1")
    assert response.status_code == 200 and response.context["report"].broken is None
    assert AuditEvent.objects.filter(action="audit.verify").exists()


def test_elder_mode_is_remembered(citizen, client):
    response = client.post("/elder-mode/", {"enabled": "1", "next": "/"})
    assert response.cookies["dgov_elder"].value == "1"
    assert b'class="elder"' in client.get("/").content
    login(client, "citizen")
    client.post("/elder-mode/", {"enabled": "1", "next": "https://evil.example/"})
    citizen.refresh_from_db()
    assert citizen.elder_mode


def test_language_choice_is_remembered(jianghai, client):
    assert b'lang="zh-Hans"' in client.get("/").content
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert b'lang="en"' in client.get("/").content


def test_admin_changes_are_audited(sysadmin, client):
    login(client, "admin")
    dept = Department.objects.get(code="jyj")
    response = client.post(
        f"/admin/accounts/department/{dept.pk}/change/",
        {
            "code": dept.code,
            "name": dept.name,
            "name_en": "Education Bureau",
            "kind": dept.kind,
            "credit_code": dept.credit_code,
            "region": dept.region_id,
            "is_demo": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.filter(action="admin.change").latest("seq")
    assert event.actor_label == "admin" and event.target_id == str(dept.pk) and "name_en" in event.summary["fields"]


def test_admin_never_shows_personal_data_in_full(sysadmin, citizen, client):
    login(client, "admin")
    page = client.get(f"/admin/accounts/user/{citizen.pk}/change/").content.decode()
    assert citizen.id_number not in page and citizen.id_number_masked in page


def test_demo_mode_answers_only_loopback(jianghai, client):
    assert client.get("/", REMOTE_ADDR="10.1.2.3").status_code == 403
    assert client.get("/", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_healthz(jianghai, client):
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "database": "ok", "cache": "ok"}


def test_session_idle_clock_is_not_rewritten_on_every_request(citizen, client):
    login(client, "citizen")
    client.get("/accounts/centre/")
    first = client.session["dgov_last_seen"]
    client.get("/accounts/centre/")
    assert client.session["dgov_last_seen"] == first
    assert abs(first - time.time()) < 60


def test_english_pages_show_english_department_names(jianghai, client):
    assert "江海区市场监督管理局" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "District Administration for Market Regulation" in page and "江海区市场监督管理局" not in page


def test_administrators_are_not_offered_a_workbench(auditor, client):
    login(client, "auditor")
    assert client.get("/").context["home_is_workbench"] is False
    client.logout()
    login(client, "clerk")
    assert client.get("/").context["home_is_workbench"] is True
