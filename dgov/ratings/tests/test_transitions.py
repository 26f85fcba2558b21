"""Each step of rating and of the rectification loop, and each illegal one refused with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from dgov.accounts.models import User
from dgov.audit.models import AuditEvent
from dgov.cases.models import Case
from dgov.cases.tests.conftest import submit
from dgov.catalog.models import ServiceItem
from dgov.core.errors import ApplicationError, ConflictError
from dgov.notices.models import Notice
from dgov.ratings import rules, services
from dgov.ratings.models import Exclusion, LedgerEntry, Rating, Rectification, RectificationEvent
from dgov.ratings.rules import RatingInput
from dgov.ratings.tests.conftest import BAD, GOOD, call_back, report, resolve

State = Rectification.State


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _written(rect: Rectification) -> tuple[Any, ...]:
    """What a refused step must leave as it was."""
    row = Rectification.objects.get(pk=rect.pk)
    return (
        row.state,
        row.review_round,
        row.callback_result,
        row.resolution,
        row.outcome,
        row.appealed_at,
        row.due_at,
        RectificationEvent.objects.filter(rectification=rect).count(),
        LedgerEntry.objects.filter(rectification=rect).count(),
        AuditEvent.objects.filter(target_type="ratings.rectification", target_id=str(rect.pk)).count(),
        Notice.objects.count(),
    )


def _actions(target: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Rating ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["refused", "concluded", "withdrawn"])
def test_the_applicant_rates_an_ended_case(ended_case: Callable[..., Case], how: str) -> None:
    case = ended_case(how)
    assert case.is_ended
    rating = services.rating_submit(actor=case.applicant, case=case, data=GOOD)
    assert (rating.level, rating.channel, rating.service_channel) == (5, "site", "online")
    assert rating.dimensions == {"efficiency": 5, "overall": 5}
    assert rating.tags == ["fast", "friendly"] and rating.comment == "办得很快"
    assert rating.rated == case and rating.department == case.department and rating.item == case.item
    assert rating.real_name is True  # the enterprise's account carries its credit code
    assert not Rectification.objects.filter(rating=rating).exists()
    assert _actions(rating) == ["rating.create"]


def test_the_comment_is_encrypted_at_rest(ended_case: Callable[..., Case]) -> None:
    case = ended_case()
    rating = services.rating_submit(actor=case.applicant, case=case, data=GOOD)
    raw = Rating.objects.filter(pk=rating.pk).values_list("comment", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT comment FROM ratings_rating WHERE id = %s", [rating.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("sm4gcm1:") and "办得很快" not in stored
    assert list(raw) == ["办得很快"]


def test_a_bad_rating_opens_a_rectification_and_tells_the_department(
    bad_rating: Rating, approver: User, outsider: User, scjg_admin: User
) -> None:
    rect = Rectification.objects.get(rating=bad_rating)
    assert (rect.state, rect.department.code, rect.review_round) == (State.OPEN, "scjg", 1)
    assert rect.due_at == rules.rectification_due_at(bad_rating.created_at)
    assert list(rect.events.values_list("kind", "public")) == [("opened", True)]
    notices = Notice.objects.filter(url=f"/ratings/work/{rect.pk}/")
    # The approver was granted before the rating; scjg_admin was made after it and got nothing.
    # The department's approver and its administrator (both rectify its bad ratings).
    assert set(notices.values_list("recipient__username", flat=True)) == {"approver", "deptadmin"}
    assert not Notice.objects.filter(recipient=outsider).exists()


def test_one_rating_per_case_and_person(ended_case: Callable[..., Case]) -> None:
    case = ended_case()
    services.rating_submit(actor=case.applicant, case=case, data=GOOD)
    before = (Rating.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ConflictError) as err:
        services.rating_submit(actor=case.applicant, case=case, data=BAD)
    assert err.value.code == "already_rated"
    assert err.value.message == "You have already rated this case: each case is rated once."
    assert (Rating.objects.count(), AuditEvent.objects.count()) == before
    assert not Rectification.objects.exists()


def test_the_database_refuses_a_second_rating_of_the_same_case(ended_case: Callable[..., Case]) -> None:
    case = ended_case()
    rating = services.rating_submit(actor=case.applicant, case=case, data=GOOD)
    rating.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        rating.save()


def test_a_case_that_has_not_ended_is_not_rated(enterprise: User, food_item: ServiceItem) -> None:
    case = submit(enterprise, food_item)
    with pytest.raises(ApplicationError) as err:
        services.rating_submit(actor=enterprise, case=case, data=GOOD)
    assert err.value.code == "case_not_ended"
    assert not Rating.objects.exists()


def test_ratings_close_thirty_days_after_the_end(ended_case: Callable[..., Case], time_machine: Any) -> None:
    time_machine.move_to("2026-03-02 10:00:00+08:00", tick=False)
    case = ended_case()
    time_machine.move_to("2026-04-01 09:59:00+08:00", tick=False)  # 29 days 23:59 later: still open
    assert rules.rating_refusal(case=case, rater=case.applicant) is None
    time_machine.move_to("2026-04-01 10:00:01+08:00", tick=False)
    with pytest.raises(ApplicationError) as err:
        services.rating_submit(actor=case.applicant, case=case, data=GOOD)
    assert err.value.code == "rating_closed"
    assert "2026-03-02" in err.value.message
    assert not Rating.objects.exists()


def test_only_the_applicant_rates(ended_case: Callable[..., Case], citizen: User, clerk: User) -> None:
    case = ended_case()
    for someone in (citizen, clerk):
        with pytest.raises(PermissionDenied):
            services.rating_submit(actor=someone, case=case, data=GOOD)
    assert not Rating.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", target_id=str(case.pk)).count() == 2


def test_staff_never_rate(ended_case: Callable[..., Case], clerk: User) -> None:
    refusal = rules.rating_refusal(case=ended_case(), rater=clerk)
    assert refusal is not None and refusal.code == "staff_cannot_rate"


def test_real_name_means_an_identity_on_the_account(citizen: User, enterprise: User) -> None:
    assert rules.is_real_name(citizen) and rules.is_real_name(enterprise)
    assert not rules.is_real_name(User(username="someone", kind=User.Kind.CITIZEN))


def test_a_kiosk_rating_is_a_site_rating_with_its_own_channel(ended_case: Callable[..., Case]) -> None:
    case = ended_case()
    rating = services.rating_submit(actor=case.applicant, case=case, data=GOOD, channel="kiosk")
    assert rating.channel == "kiosk"
    with pytest.raises(ApplicationError) as err:
        services.rating_submit(actor=case.applicant, case=ended_case(), data=GOOD, channel="window_pad")
    assert err.value.code == "invalid_channel"


def test_the_window_tablet_records_the_clerk_and_the_window(ended_case: Callable[..., Case], clerk: User) -> None:
    case = ended_case()
    data = RatingInput(level=4, dimensions={"attitude": 5, "competence": 4}, tags=["friendly"])
    rating = services.rating_submit_at_window(clerk=clerk, case=case, data=data)
    assert (rating.channel, rating.service_channel, rating.clerk, rating.rater) == (
        "window_pad",
        "window",
        clerk,
        case.applicant,
    )
    assert rating.window_department == clerk.department
    assert _actions(rating) == ["rating.create"]
    assert AuditEvent.objects.get(action="rating.create").actor == clerk


def test_a_clerk_without_the_window_role_cannot_open_the_tablet(
    ended_case: Callable[..., Case], approver: User
) -> None:
    with pytest.raises(PermissionDenied):
        services.rating_submit_at_window(clerk=approver, case=ended_case(), data=GOOD)
    assert not Rating.objects.exists()


# --- Rectification loop -----------------------------------------------------------------------------


def test_the_whole_loop(rect: Rectification, approver: User, enterprise: User) -> None:
    rect = call_back(rect, approver)
    assert (rect.state, rect.callback_verified, rect.called_back_by) == (State.CALLED_BACK, True, approver)
    rect = resolve(rect, approver)
    assert (rect.state, rect.resolution) == (State.RESOLVED, "fixed_now")
    rect = report(rect, approver)
    assert rect.state == State.REPORTED and rect.outcome.startswith("已改进")
    notice = Notice.objects.get(recipient=enterprise, url=f"/ratings/mine/{rect.rating_id}/")
    assert notice.body == rect.outcome and notice.kind == "case_update"
    rect = services.rectification_close(actor=approver, rectification=rect)
    assert rect.state == State.CLOSED and rect.closed_at is not None
    assert _actions(rect) == [
        "rectification.call_back",
        "rectification.resolve",
        "rectification.report_back",
        "rectification.close",
    ]
    kinds = list(rect.events.values_list("kind", "public"))
    assert kinds == [
        ("opened", True),
        ("called_back", False),
        ("resolved", False),
        ("reported", True),
        ("closed", True),
    ]


def test_a_real_name_rating_is_not_resolved_before_the_call_back(rect: Rectification, approver: User) -> None:
    assert rect.rating.real_name
    before = _written(rect)
    with pytest.raises(ApplicationError) as err:
        resolve(rect, approver)
    assert err.value.code == "callback_required"
    assert err.value.message.startswith("A real-name rating must be called back")
    assert _written(rect) == before


def test_a_rating_without_a_real_name_may_be_resolved_at_once(rect: Rectification, approver: User) -> None:
    # Such raters come with ratings the platform cannot tie to an identity (hotline, later).
    Rating.objects.filter(pk=rect.rating_id).update(real_name=False)
    rect = resolve(Rectification.objects.get(pk=rect.pk), approver)
    assert rect.state == State.RESOLVED and rect.called_back_at is None


def test_steps_out_of_order_are_refused(rect: Rectification, approver: User) -> None:
    before = _written(rect)
    with pytest.raises(ConflictError):
        report(rect, approver)
    with pytest.raises(ConflictError):
        services.rectification_close(actor=approver, rectification=rect)
    assert _written(rect) == before
    call_back(rect, approver)
    before = _written(rect)
    with pytest.raises(ConflictError) as err:
        call_back(rect, approver)
    assert err.value.code == "wrong_state"
    assert _written(rect) == before


def test_a_fix_by_deadline_keeps_a_ledger_entry_and_closes_when_it_is_done(rect: Rectification, approver: User) -> None:
    call_back(rect, approver)
    with pytest.raises(ApplicationError) as err:
        resolve(rect, approver, resolution="fixed_by_deadline")
    assert set(err.value.field_errors) == {"ledger_what", "ledger_responsible", "ledger_due"}
    due = date.today() + timedelta(days=10)
    rect = resolve(
        rect,
        approver,
        resolution="fixed_by_deadline",
        ledger_what="更新办事指南中的场所要求",
        ledger_responsible="行政审批科 梁志强",
        ledger_due=due,
    )
    entry = LedgerEntry.objects.get(rectification=rect)
    assert (entry.what, entry.due_date, entry.is_done) == ("更新办事指南中的场所要求", due, False)
    rect = report(rect, approver)
    with pytest.raises(ApplicationError) as err:
        services.rectification_close(actor=approver, rectification=rect)
    assert err.value.code == "ledger_open"
    services.ledger_entry_done(actor=approver, entry=entry, note="指南已更新")
    with pytest.raises(ConflictError):
        services.ledger_entry_done(actor=approver, entry=entry, note="again")
    rect = services.rectification_close(actor=approver, rectification=rect)
    assert rect.state == State.CLOSED
    assert "rectification.ledger_done" in _actions(rect)


def test_a_ledger_date_in_the_past_is_refused(rect: Rectification, approver: User) -> None:
    call_back(rect, approver)
    with pytest.raises(ApplicationError) as err:
        resolve(
            rect,
            approver,
            resolution="fixed_by_deadline",
            ledger_what="x",
            ledger_responsible="y",
            ledger_due=date(2020, 1, 1),
        )
    assert list(err.value.field_errors) == ["ledger_due"]


def test_an_explanation_names_its_grounds(rect: Rectification, approver: User) -> None:
    call_back(rect, approver)
    with pytest.raises(ApplicationError) as err:
        resolve(rect, approver, resolution="explained", note="已向评价人解释法定要求")
    assert list(err.value.field_errors) == ["explanation"]
    rect = resolve(rect, approver, resolution="explained", note="已向评价人解释法定要求", explanation="no_legal_basis")
    assert (rect.resolution, rect.explanation) == ("explained", "no_legal_basis")


def test_empty_steps_get_field_errors(rect: Rectification, approver: User) -> None:
    before = _written(rect)
    with pytest.raises(ApplicationError) as err:
        services.rectification_call_back(actor=approver, rectification=rect, result="  ", verified=None)
    assert set(err.value.field_errors) == {"result", "verified"}
    with pytest.raises(ApplicationError) as err:
        services.rectification_resolve(actor=approver, rectification=rect, resolution="whatever", note="")
    assert set(err.value.field_errors) == {"resolution", "note"}
    assert _written(rect) == before


def test_another_department_and_leaders_cannot_act(
    rect: Rectification, outsider: User, leader: User, clerk: User
) -> None:
    before = _written(rect)
    for someone in (outsider, leader, clerk):
        with pytest.raises(PermissionDenied):
            call_back(rect, someone)
    assert _written(rect)[:-3] == before[:-3]
    assert AuditEvent.objects.filter(action="access.denied", target_type="ratings.rectification").count() == 3


# --- Appeal ---------------------------------------------------------------------------------------------


def _reported(rect: Rectification, approver: User) -> Rectification:
    return report(resolve(call_back(rect, approver), approver), approver)


def test_the_rater_appeals_once_and_the_rectification_opens_again(
    rect: Rectification, approver: User, enterprise: User, time_machine: Any
) -> None:
    rect = _reported(rect, approver)
    time_machine.move_to(timezone.now() + timedelta(days=3))
    rect = services.rectification_appeal(actor=enterprise, rectification=rect, reason="问题并没有解决")
    assert (rect.state, rect.review_round) == (State.OPEN, 2)
    assert rect.appeal_reason == "问题并没有解决" and rect.appealed_at is not None
    assert rect.due_at == rules.rectification_due_at(rect.appealed_at)
    assert (rect.callback_result, rect.resolution, rect.outcome) == ("", "", "")
    assert Notice.objects.filter(recipient=approver, subject__startswith="Appeal").exists()
    # The second review needs its own call-back, then runs to the end again.
    with pytest.raises(ApplicationError):
        resolve(rect, approver)
    rect = _reported(rect, approver)
    before = _written(rect)
    with pytest.raises(ConflictError) as err:
        services.rectification_appeal(actor=enterprise, rectification=rect, reason="还是不满意")
    assert err.value.code == "already_appealed"
    assert _written(rect) == before
    assert "rectification.appeal" in _actions(rect)


def test_an_appeal_waits_for_the_answer(rect: Rectification, enterprise: User) -> None:
    with pytest.raises(ApplicationError) as err:
        services.rectification_appeal(actor=enterprise, rectification=rect, reason="太慢")
    assert err.value.code == "not_appealable"


def test_an_appeal_after_its_window_is_refused_and_the_page_says_so(
    rect: Rectification, approver: User, enterprise: User, time_machine: Any, login: Any, settings: Any
) -> None:
    settings.DGOV_RATING_APPEAL_WORKING_DAYS = 3
    rect = _reported(rect, approver)
    closes = rules.appeal_closes_at(rect.reported_at)
    assert closes > rect.reported_at + timedelta(days=2)  # three working days, weekends not counted
    time_machine.move_to(closes + timedelta(seconds=1))
    before = _written(rect)
    with pytest.raises(ApplicationError) as err:
        services.rectification_appeal(actor=enterprise, rectification=rect, reason="问题并没有解决")
    assert err.value.code == "appeal_closed"
    assert _written(rect) == before
    page = login(enterprise).get(f"/ratings/mine/{rect.rating_id}/").content.decode()
    assert 'data-flag="appeal-closed"' in page and 'data-form="appeal"' not in page
    time_machine.move_to(closes - timedelta(hours=1))
    assert (
        services.rectification_appeal(actor=enterprise, rectification=rect, reason="问题并没有解决").review_round == 2
    )


def test_only_the_rater_appeals(rect: Rectification, approver: User, citizen: User) -> None:
    rect = _reported(rect, approver)
    with pytest.raises(PermissionDenied):
        services.rectification_appeal(actor=citizen, rectification=rect, reason="我也不满意")
    assert Rectification.objects.get(pk=rect.pk).appealed_at is None


# --- Exclusion of malicious ratings -------------------------------------------------------------------


def test_an_exclusion_is_proposed_and_approved_by_two_people(
    bad_rating: Rating, approver: User, scjg_admin: User
) -> None:
    exclusion = services.exclusion_propose(actor=approver, rating=bad_rating, reason="评价内容与办件无关，系恶意差评")
    assert exclusion.state == Exclusion.State.PROPOSED
    assert Notice.objects.filter(recipient=scjg_admin, url="/ratings/work/exclusions/").exists()
    exclusion = services.exclusion_decide(actor=scjg_admin, exclusion=exclusion, approve=True)
    assert (exclusion.state, exclusion.decided_by) == (Exclusion.State.APPROVED, scjg_admin)
    rating = Rating.objects.get(pk=bad_rating.pk)
    assert rating.is_excluded
    assert _actions(rating)[-2:] == ["rating.exclusion_propose", "rating.exclusion_approve"]
    # Still visible: the rating and its rectification are there.
    assert Rectification.objects.filter(rating=rating).exists()


def test_the_proposer_cannot_approve_their_own_exclusion(bad_rating: Rating, scjg_admin: User) -> None:
    exclusion = services.exclusion_propose(actor=scjg_admin, rating=bad_rating, reason="恶意差评")
    with pytest.raises(ApplicationError) as err:
        services.exclusion_decide(actor=scjg_admin, exclusion=exclusion, approve=True)
    assert err.value.code == "reviewer_is_proposer"
    assert Exclusion.objects.get(pk=exclusion.pk).state == Exclusion.State.PROPOSED
    assert not Rating.objects.get(pk=bad_rating.pk).is_excluded


def test_the_database_refuses_a_reviewer_who_proposed(bad_rating: Rating, scjg_admin: User) -> None:
    exclusion = services.exclusion_propose(actor=scjg_admin, rating=bad_rating, reason="恶意差评")
    with pytest.raises(IntegrityError), transaction.atomic():
        Exclusion.objects.filter(pk=exclusion.pk).update(decided_by=scjg_admin, state="approved")


def test_an_approver_cannot_decide_and_a_refusal_needs_a_note(
    bad_rating: Rating, approver: User, scjg_admin: User
) -> None:
    exclusion = services.exclusion_propose(actor=scjg_admin, rating=bad_rating, reason="恶意差评")
    with pytest.raises(PermissionDenied):
        services.exclusion_decide(actor=approver, exclusion=exclusion, approve=True)
    other_admin = User.objects.create(username="admin2", kind="staff", department=scjg_admin.department)
    from dgov.accounts.services import role_grant

    role_grant(actor=None, user=other_admin, role="dept_admin", department=scjg_admin.department)
    with pytest.raises(ApplicationError) as err:
        services.exclusion_decide(actor=other_admin, exclusion=exclusion, approve=False)
    assert list(err.value.field_errors) == ["note"]
    exclusion = services.exclusion_decide(actor=other_admin, exclusion=exclusion, approve=False, note="证据不足")
    assert exclusion.state == Exclusion.State.REJECTED
    assert not Rating.objects.get(pk=bad_rating.pk).is_excluded
    with pytest.raises(ConflictError):
        services.exclusion_decide(actor=other_admin, exclusion=exclusion, approve=True)


def test_only_bad_ratings_of_the_department_are_proposed(
    ended_case: Callable[..., Case], bad_rating: Rating, approver: User, outsider: User
) -> None:
    case = ended_case()
    good = services.rating_submit(actor=case.applicant, case=case, data=GOOD)
    with pytest.raises(ApplicationError) as err:
        services.exclusion_propose(actor=approver, rating=good, reason="x")
    assert err.value.code == "not_bad"
    with pytest.raises(PermissionDenied):
        services.exclusion_propose(actor=outsider, rating=bad_rating, reason="x")
    services.exclusion_propose(actor=approver, rating=bad_rating, reason="恶意差评")
    with pytest.raises(ConflictError) as err:
        services.exclusion_propose(actor=approver, rating=bad_rating, reason="再次提出")
    assert err.value.code == "exclusion_pending"
    assert Exclusion.objects.count() == 1
