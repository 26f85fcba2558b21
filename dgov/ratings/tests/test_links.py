"""The one-time SMS link: it rates its case once without signing in, then never again; an expired,
spent or made-up link is refused; only its digest is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases.models import Case
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Delivery, Notice
from dgov.ratings import services
from dgov.ratings.models import Rating, RatingLink, Rectification
from dgov.ratings.rules import RatingInput, link_digest

FORM = {"level": "1", "dimension_efficiency": "1", "tags": ["many_visits", "long_wait"], "comment": "跑了三次"}


@pytest.fixture
def anonymous() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[1]


def test_the_link_rates_once_without_signing_in(ended_case: Callable[..., Case], anonymous: Client) -> None:
    case = ended_case()
    path = services.rating_link_for_case(case)
    assert path.startswith("/ratings/r/") and len(_token(path)) >= 32
    link = RatingLink.objects.get(digest=link_digest(_token(path)))
    assert _token(path) not in link.digest and len(link.digest) == 64  # only the keyed digest is kept
    assert link.expires_at == link.created_at + timedelta(days=30)

    page = anonymous.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-page="rating-form"' in html and 'data-channel="sms"' in html
    assert case.applicant.real_name not in html  # nothing personal on a page anyone with the link opens

    done = anonymous.post(path, FORM)
    assert done.status_code == 200 and 'data-page="rating-thanks"' in done.content.decode()
    rating = Rating.objects.get()
    assert (rating.channel, rating.rater, rating.level, rating.real_name) == ("sms", case.applicant, 1, True)
    assert Rectification.objects.filter(rating=rating).exists()
    assert RatingLink.objects.get(digest=link_digest(_token(path))).used_at is not None
    assert AuditEvent.objects.get(action="rating.create").actor == case.applicant

    again = anonymous.get(path)
    assert again.status_code == 409 and 'data-page="rating-refused"' in again.content.decode()
    assert anonymous.post(path, {**FORM, "level": "5", "tags": ["fast"]}).status_code == 409
    assert Rating.objects.count() == 1


def test_the_service_refuses_a_spent_link(ended_case: Callable[..., Case]) -> None:
    case = ended_case()
    token = _token(services.rating_link_for_case(case))
    services.rating_submit_by_link(token=token, data=RatingInput(level=5))
    with pytest.raises(ConflictError) as err:
        services.rating_submit_by_link(token=token, data=RatingInput(level=4))
    assert err.value.code == "link_used"


def test_an_expired_link_is_refused(ended_case: Callable[..., Case], anonymous: Client, time_machine: Any) -> None:
    time_machine.move_to("2026-03-02 10:00:00+08:00", tick=False)
    case = ended_case()
    path = services.rating_link_for_case(case)
    time_machine.move_to("2026-04-01 10:00:00+08:00", tick=False)
    response = anonymous.get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert anonymous.post(path, FORM).status_code == 410
    with pytest.raises(ApplicationError) as err:
        services.rating_submit_by_link(token=_token(path), data=RatingInput(level=5))
    assert err.value.code == "link_expired"
    assert not Rating.objects.exists()
    assert not RatingLink.objects.filter(used_at__isnull=False).exists()


def test_a_made_up_link_is_not_found(jianghai: None, anonymous: Client) -> None:
    assert anonymous.get("/ratings/r/not-a-real-token-000000000000000000/").status_code == 404
    assert anonymous.get("/ratings/r/" + "x" * 80 + "/").status_code == 404


def test_bad_input_through_the_link_keeps_the_link(ended_case: Callable[..., Case], anonymous: Client) -> None:
    path = services.rating_link_for_case(ended_case())
    response = anonymous.post(path, {**FORM, "comment": "长" * 10240})
    assert response.status_code == 400 and 'data-error="comment"' in response.content.decode()
    assert not RatingLink.objects.filter(used_at__isnull=False).exists() and not Rating.objects.exists()
    assert anonymous.post(path, FORM).status_code == 200


def test_a_link_for_a_case_already_rated_on_the_site_is_refused(
    ended_case: Callable[..., Case], anonymous: Client
) -> None:
    case = ended_case()
    path = services.rating_link_for_case(case)
    services.rating_submit(actor=case.applicant, case=case, data=RatingInput(level=5))
    assert anonymous.get(path).status_code == 409
    assert Rating.objects.count() == 1


def test_the_window_sends_the_link_by_sms(
    ended_case: Callable[..., Case], clerk: User, enterprise: User, login: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = ended_case()
    client = login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ratings/pad/cases/{case.pk}/invite/")
    assert response.status_code == 302
    notice = Notice.objects.filter(recipient=enterprise, url__startswith="/ratings/r/").latest("pk")
    assert "rate" in notice.subject.lower() or "评价" in notice.subject
    sms = Delivery.objects.get(notice=notice, channel="sms")
    assert sms.status == "sent" and sms.address == "138****0002"
    assert Client().get(notice.url).status_code == 200
    assert AuditEvent.objects.filter(action="rating.link_create", actor=clerk).exists()


def test_the_notice_that_a_case_ended_carries_a_rating_link_by_sms(
    ended_case: Callable[..., Case], anonymous: Client, settings: Any
) -> None:
    from dgov.notices.backends import MemoryBackend

    settings.DGOV_NOTICE_BACKEND = "dgov.notices.backends.MemoryBackend"
    MemoryBackend.outbox.clear()
    for how in ("refused", "concluded"):
        case = ended_case(how)
        notice = Notice.objects.filter(recipient=case.applicant).order_by("-pk").first()
        assert notice is not None and case.number in notice.subject
        assert notice.url.startswith("/ratings/r/"), notice.url
        link = RatingLink.objects.get(rated_id=case.pk)
        assert link.used_at is None and link.rater == case.applicant
        # The SMS copy carries the link; following it rates the case once.
        assert anonymous.get(notice.url).status_code == 200
        anonymous.post(notice.url, FORM)
        assert Rating.objects.filter(rated_id=case.pk).count() == 1
    from dgov.notices.services import notice_deliver

    delivery = notice_deliver(notice_id=notice.pk, channel="sms")
    assert delivery is not None and delivery.status == "sent"
    assert notice.url in MemoryBackend.outbox[-1].text
    MemoryBackend.outbox.clear()


def test_a_withdrawn_case_gets_no_link_and_a_rated_case_no_second_one(
    ended_case: Callable[..., Case], enterprise: User
) -> None:
    withdrawn = ended_case("withdrawn")
    assert not RatingLink.objects.filter(rated_id=withdrawn.pk).exists()
