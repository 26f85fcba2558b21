"""The daily activity record behind indicators 9–11: one ActiveDay per person and Beijing day,
noted by ActiveDayMiddleware for signed-in people (staff once past the second factor)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dgov.accounts import services
from dgov.accounts.models import ActiveDay, Department, Role, User


def days(user: User) -> list[tuple[date, str]]:
    return sorted(ActiveDay.objects.filter(user=user).values_list("day", "kind"))


def test_one_row_per_person_and_beijing_day(citizen, client, time_machine):
    # 23:50 on 15 June in Beijing (15:50 UTC).
    time_machine.move_to("2025-06-15T23:50:00+08:00", tick=False)
    client.force_login(citizen)
    assert client.get("/accounts/centre/").status_code == 200
    assert days(citizen) == [(date(2025, 6, 15), "citizen")]
    client.get("/accounts/centre/")
    assert days(citizen) == [(date(2025, 6, 15), "citizen")]
    # Another session of the same person on the same day: still one row.
    other = Client()
    other.force_login(citizen)
    other.get("/accounts/centre/")
    assert ActiveDay.objects.filter(user=citizen).count() == 1
    # Twenty minutes later it is 16 June in Beijing, though still 15 June (16:10) in UTC: a new day.
    time_machine.move_to("2025-06-16T00:10:00+08:00", tick=False)
    client.get("/accounts/centre/")
    assert days(citizen) == [(date(2025, 6, 15), "citizen"), (date(2025, 6, 16), "citizen")]


def test_the_request_that_signs_in_counts(citizen, client, settings, time_machine):
    time_machine.move_to("2025-06-15T09:00:00+08:00", tick=False)
    response = client.post("/accounts/login/", {"username": "citizen", "password": settings.DGOV_DEMO_PASSWORD})
    assert response.status_code == 302
    assert days(citizen) == [(date(2025, 6, 15), "citizen")]


def test_anonymous_requests_record_nothing(jianghai, client):
    for path in ("/", "/accounts/login/", "/api/v1/accounts/regions"):
        client.get(path)
    assert not ActiveDay.objects.exists()


def test_staff_count_only_past_the_second_factor(approver, client, settings, time_machine):
    time_machine.move_to("2025-06-15T09:00:00+08:00", tick=False)
    settings.DGOV_DEMO_WAIVES_MFA = False
    client.force_login(approver)
    # A password alone: the pages free of the second factor run, the others redirect to it.
    assert client.get("/accounts/mfa/").status_code == 200
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert client.get("/accounts/workbench/").status_code == 302
    assert days(approver) == []
    # Past the second factor (a confirmed device verified in this session): counted.
    device = TOTPDevice.objects.create(user=approver, name="authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    assert client.get("/accounts/workbench/").status_code == 200
    assert days(approver) == [(date(2025, 6, 15), "staff")]


def test_the_demo_waiver_counts_demo_staff_only(approver, client, settings, time_machine):
    time_machine.move_to("2025-06-15T09:00:00+08:00", tick=False)
    settings.DGOV_DEMO_WAIVES_MFA = True
    client.force_login(approver)  # a demo account: waived
    assert client.get("/accounts/workbench/").status_code == 200
    assert days(approver) == [(date(2025, 6, 15), "staff")]
    scjg = Department.objects.get(code="scjg")
    real = services.user_create(
        actor=None, username="zhang", password="Zhang-pass-2025!", kind="staff", department=scjg
    )
    services.role_grant(actor=None, user=real, role=Role.APPROVER, department=scjg)
    other = Client()
    other.force_login(real)  # not a demo account: the waiver does not apply
    assert other.get("/accounts/mfa/").status_code == 200
    assert other.get("/accounts/workbench/").status_code == 302
    assert days(real) == []


def test_active_day_record_notes_the_beijing_day_once(citizen):
    late = datetime(2025, 6, 15, 16, 30, tzinfo=UTC)  # 00:30 on 16 June in Beijing
    assert services.active_day_record(user=citizen, at=late) is True
    assert services.active_day_record(user=citizen, at=late) is False
    assert days(citizen) == [(date(2025, 6, 16), "citizen")]


def test_the_side_is_the_persons_kind(jianghai, client, time_machine):
    time_machine.move_to("2025-06-15T09:00:00+08:00", tick=False)
    user = User.objects.get(username="enterprise")
    client.force_login(user)
    client.get("/accounts/centre/")
    assert days(user) == [(date(2025, 6, 15), "enterprise")]
