"""The notice pages: the list, opening a notice, the mark-as-read buttons, and another person's notices."""

from __future__ import annotations

import pytest

from dgov.notices.models import Notice
from dgov.notices.services import notice_send
from dgov.notices.views import PAGE_SIZE


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _send(recipient, subject, url=""):
    return notice_send(recipient=recipient, subject=subject, body=f"{subject}的正文", url=url)


def test_signing_in_is_required(client, jianghai):
    response = client.get("/notices/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_list_shows_ones_own_notices_newest_first_unread_highlighted(english, citizen, approver):
    old = _send(citizen, "较早的通知")
    _send(citizen, "最新的通知")
    _send(approver, "别人的通知")
    old.read_at = old.created_at
    old.save(update_fields=["read_at"])
    english.force_login(citizen)
    response = english.get("/notices/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("最新的通知") < page.index("较早的通知")
    assert "别人的通知" not in page
    assert page.count('class="card notice-unread"') == 1
    assert page.count(">Unread</span>") == 1
    assert "2 notices, 1 unread." in page
    assert "Mark all as read" in page


def test_the_list_is_paged(english, citizen):
    for i in range(PAGE_SIZE + 1):
        _send(citizen, f"通知{i:02d}")
    english.force_login(citizen)
    first = english.get("/notices/").content.decode()
    second = english.get("/notices/?page=2").content.decode()
    assert f"通知{PAGE_SIZE:02d}" in first and "通知00" not in first
    assert "通知00" in second and "Page 2 of 2" in second


def test_opening_a_notice_marks_it_read_and_follows_its_local_link(english, citizen):
    notice = _send(citizen, "受理通知", url="/services/")
    english.force_login(citizen)
    response = english.get(f"/notices/{notice.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/services/")
    notice.refresh_from_db()
    assert notice.is_read


def test_a_notice_without_a_local_link_is_shown_not_followed(english, citizen):
    plain = _send(citizen, "系统通知")
    # Written around the service (which refuses it): the page still never redirects off-site.
    foreign = Notice.objects.create(recipient=citizen, subject="钓鱼", url="//evil.example/login")
    english.force_login(citizen)
    for notice in (plain, foreign):
        response = english.get(f"/notices/{notice.pk}/")
        assert response.status_code == 200
        assert notice.subject in response.content.decode()
    assert Notice.objects.filter(recipient=citizen, read_at__isnull=True).count() == 0


def test_mark_as_read_buttons(english, citizen):
    one, two, three = _send(citizen, "一"), _send(citizen, "二"), _send(citizen, "三")
    english.force_login(citizen)
    assert english.get(f"/notices/{one.pk}/read/").status_code == 405  # a change needs a POST
    response = english.post(f"/notices/{one.pk}/read/", {"page": "1"})
    assert (response.status_code, response["Location"]) == (302, "/notices/?page=1")
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.is_read and not two.is_read

    response = english.post("/notices/read-all/", follow=True)
    assert "2 notices marked as read." in response.content.decode()
    assert not Notice.objects.filter(recipient=citizen, read_at__isnull=True).exists()
    assert "Mark all as read" not in english.get("/notices/").content.decode()
    three.refresh_from_db()
    assert three.is_read


def test_another_persons_notice_is_not_found(english, citizen, approver):
    theirs = _send(approver, "审批提醒", url="/services/")
    english.force_login(citizen)
    assert english.get(f"/notices/{theirs.pk}/").status_code == 404
    assert english.post(f"/notices/{theirs.pk}/read/").status_code == 404
    english.post("/notices/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
