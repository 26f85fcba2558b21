"""The pages: rating from the case page, the window's tablet, the rater's outcome and appeal, the
department's rectification work and the exclusion review; who may see what (404 for id guessing
and for another department), and every page in Chinese by default and in English on request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases.models import Case
from dgov.cases.tests.conftest import submit
from dgov.catalog.models import ServiceItem
from dgov.core.masking import mask_name
from dgov.ratings import services
from dgov.ratings.models import Exclusion, Rating, Rectification
from dgov.ratings.tests.conftest import BAD, call_back, report, resolve

FORM = {
    "level": "4",
    "dimension_efficiency": "4",
    "dimension_usability": "5",
    "tags": ["fast", "clear_guide"],
    "comment": "网上办理很方便",
}


def _get(client: Client, path: str, language: str = "en") -> tuple[int, str]:
    client.cookies["django_language"] = language
    response = client.get(path)
    return response.status_code, response.content.decode()


# --- The applicant --------------------------------------------------------------------------------------


def test_the_case_page_offers_the_rating_once_the_case_has_ended(
    enterprise: User, food_item: ServiceItem, ended_case: Callable[..., Case], login: Any
) -> None:
    client = login(enterprise)
    open_case = submit(enterprise, food_item)
    status, html = _get(client, f"/cases/mine/{open_case.pk}/")
    assert status == 200 and 'data-block="case-rating"' not in html
    assert client.get(f"/ratings/cases/{open_case.pk}/").status_code == 403

    case = ended_case()
    status, html = _get(client, f"/cases/mine/{case.pk}/")
    assert 'data-block="case-rating"' in html and f'href="/ratings/cases/{case.pk}/"' in html

    status, html = _get(client, f"/ratings/cases/{case.pk}/")
    assert status == 200 and 'data-page="rating-form"' in html and 'data-channel="site"' in html
    assert 'data-dimension="usability"' in html and 'data-dimension="attitude"' not in html  # online questions
    for face in "😀😊😐😟😞":
        assert face in html
    assert "Very satisfied" in html and "Very dissatisfied" in html  # faces always with their words

    response = client.post(f"/ratings/cases/{case.pk}/", FORM)
    assert response.status_code == 302 and response["Location"] == f"/cases/mine/{case.pk}/"
    rating = Rating.objects.get()
    assert rating.dimensions == {"overall": 4, "efficiency": 4, "usability": 5}
    status, html = _get(client, f"/cases/mine/{case.pk}/")
    assert 'data-block="case-rating"' in html and 'data-level="4"' in html and "网上办理很方便" in html
    assert 'data-action="rate"' not in html
    # Opening the form again shows the submitted rating instead.
    assert client.get(f"/ratings/cases/{case.pk}/")["Location"] == f"/cases/mine/{case.pk}/"
    again = client.post(f"/ratings/cases/{case.pk}/", FORM)
    assert again.status_code == 302 and Rating.objects.count() == 1


def test_the_kiosk_form_records_its_channel(ended_case: Callable[..., Case], login: Any) -> None:
    case = ended_case()
    client = login(case.applicant)
    assert 'data-channel="kiosk"' in _get(client, f"/ratings/kiosk/cases/{case.pk}/")[1]
    client.post(f"/ratings/kiosk/cases/{case.pk}/", FORM)
    assert Rating.objects.get().channel == "kiosk"


def test_someone_else_s_case_is_not_found(ended_case: Callable[..., Case], citizen: User, login: Any) -> None:
    case = ended_case()
    client = login(citizen)
    assert client.get(f"/ratings/cases/{case.pk}/").status_code == 404
    assert client.post(f"/ratings/cases/{case.pk}/", FORM).status_code == 404
    assert client.get(f"/ratings/cases/{case.pk + 1000}/").status_code == 404
    rating = services.rating_submit(actor=case.applicant, case=case, data=BAD)
    assert client.get(f"/ratings/mine/{rating.pk}/").status_code == 404
    assert client.post(f"/ratings/mine/{rating.pk}/appeal/", {"reason": "x"}).status_code == 404
    assert not Rating.objects.exclude(pk=rating.pk).exists()


def test_the_rater_reads_the_outcome_and_appeals_once(
    rect: Rectification, approver: User, enterprise: User, login: Any
) -> None:
    client = login(enterprise)
    path = f"/ratings/mine/{rect.rating_id}/"
    status, html = _get(client, path)
    assert status == 200 and 'data-block="rectification-outcome"' in html and 'data-form="appeal"' not in html
    report(resolve(call_back(rect, approver), approver), approver)
    status, html = _get(client, path)
    assert "已改进一次性告知" in html and 'data-form="appeal"' in html
    assert "电话联系本人" not in html  # the call-back notes are the department's
    case_page = _get(client, f"/cases/mine/{rect.rating.rated_id}/")[1]
    assert "已改进一次性告知" in case_page  # the outcome on the case page too

    assert client.post(f"/ratings/mine/{rect.rating_id}/appeal/", {"reason": ""}).status_code == 400
    response = client.post(f"/ratings/mine/{rect.rating_id}/appeal/", {"reason": "问题没有解决"})
    assert response.status_code == 302
    assert Rectification.objects.get(pk=rect.pk).review_round == 2
    status, html = _get(client, path)
    assert 'data-flag="appealed"' in html and 'data-form="appeal"' not in html
    second = client.post(f"/ratings/mine/{rect.rating_id}/appeal/", {"reason": "再次申诉"})
    assert second.status_code in (400, 409)
    assert Rectification.objects.get(pk=rect.pk).appeal_reason == "问题没有解决"
    assert _get(client, "/ratings/mine/")[0] == 200


# --- The window's tablet ---------------------------------------------------------------------------------


def test_the_clerk_opens_the_tablet_for_a_case(ended_case: Callable[..., Case], clerk: User, login: Any) -> None:
    case = ended_case()
    client = login(clerk)
    assert _get(client, "/ratings/pad/")[0] == 200
    assert client.get("/ratings/pad/", {"number": case.number})["Location"] == f"/ratings/pad/cases/{case.pk}/"
    assert client.get("/ratings/pad/", {"number": "440704202603090000009"}).status_code == 400
    status, html = _get(client, f"/ratings/pad/cases/{case.pk}/")
    assert status == 200 and 'data-channel="window_pad"' in html and 'data-dimension="attitude"' in html
    name = case.applicant_name or case.applicant.real_name
    assert mask_name(name) in html and name not in html  # the applicant's name masked
    response = client.post(
        f"/ratings/pad/cases/{case.pk}/", {"level": "5", "dimension_attitude": "5", "tags": ["friendly"]}
    )
    assert response.status_code == 200 and 'data-page="rating-thanks"' in response.content.decode()
    rating = Rating.objects.get()
    assert (rating.channel, rating.clerk, rating.rater) == ("window_pad", clerk, case.applicant)
    assert client.get(f"/ratings/pad/cases/{case.pk}/").status_code == 409


def test_staff_without_the_window_role_have_no_tablet(
    ended_case: Callable[..., Case], approver: User, citizen: User, login: Any
) -> None:
    case = ended_case()
    assert login(approver).get(f"/ratings/pad/cases/{case.pk}/").status_code == 403
    assert login(citizen).get("/ratings/pad/").status_code == 403


# --- The department ------------------------------------------------------------------------------------


def test_the_department_works_a_rectification_through_the_pages(
    rect: Rectification, approver: User, login: Any
) -> None:
    client = login(approver)
    base = f"/ratings/work/{rect.pk}/"
    status, html = _get(client, "/ratings/work/")
    assert status == 200 and f'data-rectification="{rect.pk}"' in html
    status, html = _get(client, base)
    assert 'data-step="callback"' in html and 'data-flag="callback-needed"' in html
    assert "138****0002" in html and "13800000002" not in html and "李*" in html

    shown = client.post(base + "contact/")
    assert "13800000002" in shown.content.decode()
    assert AuditEvent.objects.filter(action="rectification.contact_read", actor=approver).exists()

    refused = client.post(base + "resolve/", {"resolution": "fixed_now", "note": "已整改"})
    assert refused.status_code == 400 and "must be called back" in refused.content.decode()
    assert client.post(base + "callback/", {"result": "", "verified": "yes"}).status_code == 400
    assert client.post(base + "callback/", {"result": "已电话回访", "verified": "yes"}).status_code == 302
    assert client.post(base + "resolve/", {"resolution": "fixed_now", "note": "已整改"}).status_code == 302
    assert client.post(base + "report/", {"outcome": "已整改完毕，感谢监督。"}).status_code == 302
    assert client.post(base + "close/").status_code == 302
    assert Rectification.objects.get(pk=rect.pk).state == "closed"
    assert client.post(base + "close/").status_code == 409
    assert client.post(base + "unknown/").status_code == 404


def test_leaders_read_but_do_not_act(rect: Rectification, leader: User, login: Any) -> None:
    client = login(leader)
    assert f'data-rectification="{rect.pk}"' in _get(client, "/ratings/work/")[1]
    status, html = _get(client, f"/ratings/work/{rect.pk}/")
    assert status == 200 and 'data-step="callback"' not in html and "contact/" not in html
    assert client.post(f"/ratings/work/{rect.pk}/callback/", {"result": "x", "verified": "yes"}).status_code == 403
    assert client.post(f"/ratings/work/{rect.pk}/contact/").status_code == 403
    assert Rectification.objects.get(pk=rect.pk).state == "open"


def test_another_department_sees_nothing(rect: Rectification, outsider: User, clerk: User, login: Any) -> None:
    client = login(outsider)
    status, html = _get(client, "/ratings/work/")
    assert status == 200 and f'data-rectification="{rect.pk}"' not in html
    assert client.get(f"/ratings/work/{rect.pk}/").status_code == 404
    assert client.post(f"/ratings/work/{rect.pk}/callback/", {"result": "x", "verified": "yes"}).status_code == 404
    assert client.post(f"/ratings/work/{rect.pk}/contact/").status_code == 404
    assert Rectification.objects.get(pk=rect.pk).state == "open"
    # The window clerk works no rectification at all.
    assert login(clerk).get("/ratings/work/").status_code == 403


def test_the_exclusion_review_through_the_pages(
    rect: Rectification, approver: User, scjg_admin: User, login: Any
) -> None:
    proposer = login(approver)
    response = proposer.post(f"/ratings/work/{rect.pk}/exclude/", {"reason": "与办件无关的恶意差评"})
    assert response.status_code == 302
    exclusion = Exclusion.objects.get()
    assert proposer.get("/ratings/work/exclusions/").status_code == 403  # approvers do not review

    reviewer = login(scjg_admin)
    status, html = _get(reviewer, "/ratings/work/exclusions/")
    assert status == 200 and f'data-exclusion="{exclusion.pk}"' in html
    bad = reviewer.post(f"/ratings/work/exclusions/{exclusion.pk}/decide/", {f"e{exclusion.pk}-decision": "reject"})
    assert bad.status_code == 400
    ok = reviewer.post(f"/ratings/work/exclusions/{exclusion.pk}/decide/", {f"e{exclusion.pk}-decision": "approve"})
    assert ok.status_code == 302
    assert Rating.objects.get(pk=rect.rating_id).is_excluded
    status, html = _get(login(approver), f"/ratings/work/{rect.pk}/")
    assert 'data-flag="excluded"' in html  # still visible, marked as not counted


def test_the_proposer_s_own_review_is_refused_on_the_page(rect: Rectification, scjg_admin: User, login: Any) -> None:
    client = login(scjg_admin)
    client.post(f"/ratings/work/{rect.pk}/exclude/", {"reason": "恶意差评"})
    exclusion = Exclusion.objects.get()
    response = client.post(f"/ratings/work/exclusions/{exclusion.pk}/decide/", {f"e{exclusion.pk}-decision": "approve"})
    assert response.status_code == 400
    assert "剔除申请须由申请人以外的人审核" in response.content.decode()
    assert not Rating.objects.get(pk=rect.rating_id).is_excluded


def test_the_list_reads_in_a_fixed_number_of_queries(
    ended_case: Callable[..., Case], approver: User, login: Any, django_assert_max_num_queries: Any
) -> None:
    for _n in range(3):
        case = ended_case()
        services.rating_submit(actor=case.applicant, case=case, data=BAD)
    client = login(approver)
    with django_assert_max_num_queries(12):
        assert client.get("/ratings/work/").status_code == 200


def test_the_workbench_links_to_the_rating_pages(approver: User, scjg_admin: User, clerk: User, login: Any) -> None:
    html = _get(login(approver), "/accounts/workbench/")[1]
    assert "/ratings/work/" in html and "/ratings/work/exclusions/" not in html
    assert "/ratings/work/exclusions/" in _get(login(scjg_admin), "/accounts/workbench/")[1]
    assert "/ratings/pad/" in _get(login(clerk), "/accounts/workbench/")[1]


# --- Languages ---------------------------------------------------------------------------------------------

PAGES = [
    ("enterprise", "/ratings/cases/{case}/", "rating-form"),
    ("enterprise", "/ratings/mine/", "ratings-mine"),
    ("enterprise", "/ratings/mine/{rating}/", "rating-mine-detail"),
    ("approver", "/ratings/work/", "rectification-list"),
    ("approver", "/ratings/work/{rect}/", "rectification-detail"),
    ("scjg_admin", "/ratings/work/exclusions/", "exclusion-review"),
    ("clerk", "/ratings/pad/", "rating-pad-find"),
    ("clerk", "/ratings/pad/cases/{case}/", "rating-form"),
    (None, "/ratings/stats/", "rating-stats"),
    (None, "/ratings/r/{token}/", "rating-form"),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("who", "path", "marker"), PAGES)
def test_pages_speak_the_reader_s_language(
    language: str,
    who: str | None,
    path: str,
    marker: str,
    ended_case: Callable[..., Case],
    rect: Rectification,
    scjg_admin: User,
    login: Any,
) -> None:
    case = ended_case()
    token = services.rating_link_for_case(case).rstrip("/").rsplit("/", 1)[1]
    client = login(User.objects.get(username=who)) if who else Client()
    if language == "en":
        client.cookies["django_language"] = "en"  # Chinese is the default: no choice made
    response = client.get(path.format(case=case.pk, rating=rect.rating_id, rect=rect.pk, token=token))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-page="{marker}"' in html
    if language == "en":
        assert '<html lang="en"' in html
    else:
        assert '<html lang="zh-Hans"' in html
