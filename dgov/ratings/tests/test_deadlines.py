"""The rectification deadline in working days on the State Council's holiday schedule, and the
overdue flag on the department's list with time frozen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured

from dgov.accounts.models import User
from dgov.cases.models import Case
from dgov.ratings import rules, selectors, services
from dgov.ratings.models import Rectification
from dgov.ratings.tests.conftest import BAD, call_back, report, resolve

SH = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SH)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=SH)


def nth_workday_after(start: date, n: int) -> date:
    """The nth working day after start by chinesecalendar alone (an independent count)."""
    d = start
    while n:
        d += timedelta(days=1)
        n -= chinese_calendar.is_workday(d)
    return d


@pytest.mark.parametrize(
    ("rated", "due"),
    [
        # Friday before the 2026 Spring Festival: Saturday 14th (make-up workday), then the holiday
        # 15–23 February, then Tuesday 24th to Friday 27th.
        (date(2026, 2, 13), date(2026, 2, 27)),
        # During the holiday: the first five working days after it (Saturday 28th is a make-up day).
        (date(2026, 2, 18), date(2026, 2, 28)),
        # National Day 2025: from Tuesday 30 September, 9–10 October, Saturday 11th (make-up), 13–14 October.
        (date(2025, 9, 30), date(2025, 10, 14)),
        # An ordinary week: Monday to the next Monday.
        (date(2026, 3, 9), date(2026, 3, 16)),
    ],
)
def test_the_deadline_counts_working_days_across_holidays(
    ended_case: Callable[..., Case], time_machine: Any, rated: date, due: date
) -> None:
    assert nth_workday_after(rated, 5) == due  # the expectation agrees with chinesecalendar
    time_machine.move_to(at(rated, 16, 45), tick=False)
    case = ended_case()
    rating = services.rating_submit(actor=case.applicant, case=case, data=BAD)
    rect = Rectification.objects.get(rating=rating)
    assert rect.due_at == end_of(due)


def test_the_number_of_working_days_is_a_setting(
    ended_case: Callable[..., Case], time_machine: Any, settings: Any
) -> None:
    settings.DGOV_RECTIFICATION_WORKING_DAYS = 3
    time_machine.move_to(at(date(2026, 2, 13)), tick=False)
    case = ended_case()
    rect = Rectification.objects.get(rating=services.rating_submit(actor=case.applicant, case=case, data=BAD))
    assert rect.due_at == end_of(date(2026, 2, 25))
    settings.DGOV_RECTIFICATION_WORKING_DAYS = 0
    with pytest.raises(ImproperlyConfigured):
        rules.rectification_working_days()


def test_overdue_is_flagged_on_the_list_with_words_and_icon(
    ended_case: Callable[..., Case], approver: User, login: Any, time_machine: Any
) -> None:
    time_machine.move_to(at(date(2026, 3, 9)), tick=False)  # Monday: due Monday 16 March, 23:59
    case = ended_case()
    rect = Rectification.objects.get(rating=services.rating_submit(actor=case.applicant, case=case, data=BAD))

    def page(path: str) -> str:
        client = login(approver)  # signed in afresh: a week of idleness signs staff out
        client.cookies["django_language"] = "en"
        response = client.get(path)
        assert response.status_code == 200
        return str(response.content.decode())

    time_machine.move_to(at(date(2026, 3, 16), 23, 59), tick=False)
    assert not rect.is_overdue()
    assert not selectors.rectification_list_for_user(user=approver, overdue=True).exists()
    html = page("/ratings/work/")
    assert f'data-rectification="{rect.pk}"' in html and 'data-overdue="1"' not in html

    time_machine.move_to(at(date(2026, 3, 17), 0, 1), tick=False)
    assert rect.is_overdue()
    assert list(selectors.rectification_list_for_user(user=approver, overdue=True)) == [rect]
    html = page("/ratings/work/?overdue=1")
    assert 'data-overdue="1"' in html and 'class="row-overdue"' in html
    assert 'data-flag="overdue"' in html and "overdue" in html  # the words, not only the colour
    detail = page(f"/ratings/work/{rect.pk}/")
    assert 'data-flag="overdue"' in detail

    # Reported back: the deadline is met (late), and the flag goes.
    rect = report(resolve(call_back(rect, approver), approver), approver)
    assert not rect.is_overdue()
    assert not selectors.rectification_list_for_user(user=approver, overdue=True).exists()
