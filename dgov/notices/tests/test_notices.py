"""Sending notices (in-site now, SMS/email after commit), reading them, and who may see which."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.test import RequestFactory

from dgov.accounts.models import User
from dgov.core.errors import ApplicationError
from dgov.notices.backends import ConsoleBackend, get_backend
from dgov.notices.context_processors import unread_notices
from dgov.notices.models import Delivery, Notice
from dgov.notices.selectors import notice_get_for_user, notice_list_for_user, notice_unread_count
from dgov.notices.services import notice_mark_all_read, notice_mark_read, notice_send

APPROVER_PHONE = "13800000004"


def _send(recipient: User, subject: str = "受理通知", **kwargs) -> Notice:
    return notice_send(recipient=recipient, subject=subject, body="您的申请已受理。", **kwargs)


# --- Sending --------------------------------------------------------------------------------------


def test_send_writes_the_notice_for_the_recipient(approver, outbox):
    notice = _send(approver, url="/cases/1/", kind=Notice.Kind.CASE_UPDATE)
    notice.refresh_from_db()
    assert (notice.recipient, notice.subject, notice.body, notice.url, notice.kind) == (
        approver,
        "受理通知",
        "您的申请已受理。",
        "/cases/1/",
        "case_update",
    )
    assert notice.read_at is None
    # In-site only: nothing goes through the gateway.
    assert outbox == []
    assert not Delivery.objects.exists()


def test_sms_goes_out_only_when_the_transaction_commits(approver, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = _send(approver, url="/cases/1/", channels=("site", "sms"))
    assert Notice.objects.filter(pk=notice.pk).exists()
    assert outbox == []
    assert not Delivery.objects.exists()
    assert len(callbacks) == 1

    callbacks[0]()
    assert [(m.channel, m.address) for m in outbox] == [("sms", APPROVER_PHONE)]
    assert outbox[0].text == "受理通知 http://127.0.0.1:8000/cases/1/"
    delivery = Delivery.objects.get(notice=notice)
    assert (delivery.channel, delivery.status, delivery.address, delivery.error) == ("sms", "sent", "138****0004", "")


def test_a_rolled_back_transaction_sends_nothing(approver, outbox, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _send(approver, channels=("site", "sms"))
        raise RuntimeError("the caller's step failed")
    assert callbacks == []
    assert outbox == []
    assert not Notice.objects.exists()


def test_a_gateway_failure_is_recorded_and_the_caller_carries_on(
    approver, settings, django_capture_on_commit_callbacks
):
    settings.DGOV_NOTICE_BACKEND = "dgov.notices.tests.conftest.BrokenGateway"
    approver.email = "liang.zhiqiang@scjg.jianghai.gov.cn"
    approver.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notice = _send(approver, channels=("site", "sms", "email"))
    deliveries = {d.channel: d for d in Delivery.objects.filter(notice=notice)}
    assert {c: d.status for c, d in deliveries.items()} == {"sms": "failed", "email": "failed"}
    assert deliveries["sms"].error == "ConnectionError: gateway refused 138****0004"
    assert deliveries["email"].error == "ConnectionError: gateway refused l***@scjg.jianghai.gov.cn"
    assert deliveries["email"].address == "l***@scjg.jianghai.gov.cn"
    # The full number and address are stored nowhere in the delivery records.
    for d in deliveries.values():
        assert APPROVER_PHONE not in f"{d.address} {d.error}"
        assert "liang.zhiqiang" not in f"{d.address} {d.error}"


def test_no_number_or_address_is_a_failed_delivery(outsider, outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = _send(outsider, channels=("sms", "email"))
    assert outbox == []
    assert sorted(Delivery.objects.filter(notice=notice).values_list("channel", "status", "address", "error")) == [
        ("email", "failed", "", "No email address on file."),
        ("sms", "failed", "", "No mobile number on file."),
    ]


def test_email_goes_to_the_address_with_a_full_link(approver, outbox, django_capture_on_commit_callbacks):
    approver.email = "zq@example.gov.cn"
    approver.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notice = _send(approver, url="/cases/7/", channels=("email",))
    assert [(m.channel, m.address, m.subject, m.text) for m in outbox] == [
        ("email", "zq@example.gov.cn", "受理通知", "您的申请已受理。\n\nhttp://127.0.0.1:8000/cases/7/")
    ]
    assert Delivery.objects.get(notice=notice).address == "z***@example.gov.cn"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"url": "https://evil.example/"}, "invalid_url"),
        ({"url": "//evil.example/"}, "invalid_url"),
        ({"url": "cases/1/"}, "invalid_url"),
        ({"channels": ("site", "wechat")}, "invalid_channel"),
        ({"kind": "gossip"}, "invalid_kind"),
        ({"subject": "  "}, "subject_required"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(approver, kwargs, code):
    with pytest.raises(ApplicationError) as exc:
        _send(approver, **kwargs)
    assert exc.value.code == code
    assert not Notice.objects.exists()


def test_the_console_backend_is_the_default_and_masks_the_number(settings, caplog):
    del settings.DGOV_NOTICE_BACKEND
    backend = get_backend()
    assert isinstance(backend, ConsoleBackend)
    with caplog.at_level(logging.INFO, logger="dgov.notices"):
        backend.send_sms(phone=APPROVER_PHONE, text="受理通知")
        backend.send_email(address="zq@example.gov.cn", subject="受理通知", text="正文")
    assert "SMS to 138****0004: 受理通知" in caplog.text
    assert "Email to z***@example.gov.cn: 受理通知" in caplog.text
    assert APPROVER_PHONE not in caplog.text and "zq@" not in caplog.text


# --- Reading --------------------------------------------------------------------------------------


def test_unread_count_and_marking_as_read(approver, citizen):
    first, second = _send(approver, "一"), _send(approver, "二")
    _send(citizen, "别人的")
    assert notice_unread_count(user=approver) == 2

    notice_mark_read(actor=approver, notice=first)
    first.refresh_from_db()
    read_at = first.read_at
    assert read_at is not None
    notice_mark_read(actor=approver, notice=first)  # again: keeps the first time
    first.refresh_from_db()
    assert first.read_at == read_at
    assert notice_unread_count(user=approver) == 1

    assert notice_mark_all_read(actor=approver) == 1
    second.refresh_from_db()
    assert second.is_read
    assert notice_unread_count(user=approver) == 0
    assert notice_unread_count(user=citizen) == 1  # mark-all touches only one's own


def test_nobody_reads_or_marks_another_persons_notice(approver, citizen):
    theirs = _send(citizen, "别人的")
    with pytest.raises(Http404):
        notice_get_for_user(user=approver, pk=theirs.pk)
    with pytest.raises(PermissionDenied):
        notice_mark_read(actor=approver, notice=theirs)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert list(notice_list_for_user(user=approver)) == []
    assert notice_get_for_user(user=citizen, pk=theirs.pk) == theirs


def test_the_context_processor_counts_with_one_query_and_only_when_used(
    approver, django_assert_num_queries, django_assert_max_num_queries
):
    _send(approver)
    request = RequestFactory().get("/")
    request.user = approver
    with django_assert_num_queries(0):
        context = unread_notices(request)
    with django_assert_num_queries(1):
        assert int(str(context["unread_notices"])) == 1
        assert context["unread_notices"]

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_max_num_queries(0):
        assert unread_notices(request) == {}
