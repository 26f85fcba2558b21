"""Promised deadlines in working days on the State Council's holiday schedule: holidays skipped,
make-up working weekends counted, the clock stopped while the applicant corrects."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from dgov.accounts.models import User
from dgov.cases import selectors, services
from dgov.cases.models import Case
from dgov.cases.tests.conftest import open_task, pdf, submit, uploadable
from dgov.catalog.models import ServiceItem

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


def test_the_2026_holiday_schedule_is_what_these_tests_assume() -> None:
    """国务院办公厅 2026 notice: Spring Festival 15–23 February, make-up workdays Saturday 14 and
    Saturday 28 February; National Day 2025: 1–8 October, make-up workdays 28 September and 11 October."""
    assert date(2026, 2, 14).weekday() == 5 and chinese_calendar.is_workday(date(2026, 2, 14))
    assert date(2026, 2, 28).weekday() == 5 and chinese_calendar.is_workday(date(2026, 2, 28))
    assert not any(chinese_calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.is_workday(date(2026, 2, 24))
    assert not any(chinese_calendar.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert chinese_calendar.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        # Friday before the Spring Festival: Saturday 14th (make-up), then Tuesday 24th and Wednesday 25th.
        (date(2026, 2, 13), date(2026, 2, 25)),
        # Thursday 12th: Friday 13th, Saturday 14th (make-up), Tuesday 24th.
        (date(2026, 2, 12), date(2026, 2, 24)),
        # Submitted during the holiday: the first three working days after it.
        (date(2026, 2, 18), date(2026, 2, 26)),
        # Thursday 26th: Friday 27th, Saturday 28th (make-up), Monday 2 March.
        (date(2026, 2, 26), date(2026, 3, 2)),
        # National Day 2025: from Tuesday 30 September, 9 and 10 October and Saturday 11 October (make-up).
        (date(2025, 9, 30), date(2025, 10, 11)),
        # An ordinary week.
        (date(2026, 3, 9), date(2026, 3, 12)),
    ],
)
def test_the_promised_deadline_counts_working_days(
    enterprise: User, food_item: ServiceItem, time_machine: Any, submitted: date, due: date
) -> None:
    assert food_item.promised_days == 3
    assert nth_workday_after(submitted, 3) == due  # the expectation agrees with chinesecalendar
    time_machine.move_to(at(submitted, 16, 45), tick=False)
    case = submit(enterprise, food_item)
    assert case.promised_days == 3
    assert case.due_at == end_of(due)
    assert case.submitted_at == at(submitted, 16, 45)


def test_a_submission_late_in_the_evening_counts_from_its_beijing_date(
    enterprise: User, food_item: ServiceItem, time_machine: Any
) -> None:
    # 23:30 Beijing on Friday 13 February is 15:30 UTC: still the 13th, so still due on the 25th.
    time_machine.move_to(datetime(2026, 2, 13, 15, 30, tzinfo=ZoneInfo("UTC")), tick=False)
    assert submit(enterprise, food_item).due_at == end_of(date(2026, 2, 25))


def _ask_correction(case: Case, clerk: User, item: ServiceItem) -> Case:
    return services.case_task_complete(
        actor=clerk,
        task=open_task(case),
        decision="request_correction",
        opinion="请补正",
        materials=[uploadable(item)[0].pk],
    )


def _hand_in(case: Case, applicant: User, item: ServiceItem) -> Case:
    return services.case_correct(actor=applicant, case=case, uploads={uploadable(item)[0].pk: [pdf("补正.pdf")]})


@pytest.mark.parametrize(
    ("paused", "resumed", "n"),
    [
        (date(2026, 3, 10), date(2026, 3, 13), 3),  # Tuesday to Friday
        (date(2026, 3, 10), date(2026, 3, 16), 4),  # over a weekend: Wed, Thu, Fri, Mon
        (date(2026, 3, 10), date(2026, 3, 10), 0),  # handed in the same day
        (date(2026, 2, 13), date(2026, 2, 25), 3),  # over the Spring Festival: Sat 14th, Tue 24th, Wed 25th
    ],
)
def test_the_clock_stops_while_the_applicant_corrects(
    enterprise: User, clerk: User, food_item: ServiceItem, time_machine: Any, paused: date, resumed: date, n: int
) -> None:
    time_machine.move_to(at(paused, 9), tick=False)
    case = submit(enterprise, food_item)
    due = case.due_at
    assert due is not None
    time_machine.move_to(at(paused, 11), tick=False)
    case = _ask_correction(case, clerk, food_item)
    assert case.paused_at == at(paused, 11)
    assert case.due_at == due
    time_machine.move_to(at(resumed, 15), tick=False)
    case = _hand_in(case, enterprise, food_item)
    assert case.paused_at is None
    # Moved by exactly the working days the clock stood still.
    assert (
        sum(chinese_calendar.is_workday(paused + timedelta(days=i)) for i in range(1, (resumed - paused).days + 1)) == n
    )
    assert case.due_at == end_of(nth_workday_after(due.astimezone(SH).date(), n))
    assert Case.objects.get(pk=case.pk).due_at == case.due_at


def test_two_correction_rounds_add_up(enterprise: User, clerk: User, food_item: ServiceItem, time_machine: Any) -> None:
    time_machine.move_to(at(date(2026, 3, 2)), tick=False)  # Monday: due Thursday 5 March
    case = submit(enterprise, food_item)
    assert case.due_at == end_of(date(2026, 3, 5))
    case = _ask_correction(case, clerk, food_item)
    time_machine.move_to(at(date(2026, 3, 4)), tick=False)  # two working days paused
    case = _hand_in(case, enterprise, food_item)
    assert case.due_at == end_of(date(2026, 3, 9))
    case = _ask_correction(case, clerk, food_item)
    time_machine.move_to(at(date(2026, 3, 5)), tick=False)  # one more
    case = _hand_in(case, enterprise, food_item)
    assert case.due_at == end_of(date(2026, 3, 10))


# --- Deadline states ----------------------------------------------------------------------------------


def test_deadline_states(db: None, time_machine: Any) -> None:
    due = end_of(date(2026, 3, 12))  # Thursday
    for moment, state in [
        (at(date(2026, 3, 9)), "on_time"),  # Monday: three working days ahead
        (at(date(2026, 3, 10), 23, 59), "on_time"),
        (at(date(2026, 3, 11), 0, 1), "due_soon"),  # due by the end of the next working day
        (at(date(2026, 3, 12), 23, 59), "due_soon"),
        (at(date(2026, 3, 13), 0, 0), "overdue"),
    ]:
        time_machine.move_to(moment, tick=False)
        assert selectors.deadline_state(due) == state, moment
        assert selectors.deadline_state(due, paused=True) == "paused"
    assert selectors.deadline_state(None) == "none"


def test_due_soon_looks_past_the_weekend_and_the_holiday(db: None, time_machine: Any) -> None:
    # Friday 13 February 2026: the next working day is Saturday the 14th (make-up), not Monday.
    time_machine.move_to(at(date(2026, 2, 13)), tick=False)
    assert selectors.deadline_state(end_of(date(2026, 2, 14))) == "due_soon"
    assert selectors.deadline_state(end_of(date(2026, 2, 24))) == "on_time"
    # Saturday 14th: the next working day is Tuesday 24th, after the holiday.
    time_machine.move_to(at(date(2026, 2, 14)), tick=False)
    assert selectors.deadline_state(end_of(date(2026, 2, 24))) == "due_soon"


def test_the_staff_list_filters_by_deadline(
    enterprise: User, clerk: User, food_item: ServiceItem, time_machine: Any
) -> None:
    time_machine.move_to(at(date(2026, 3, 2)), tick=False)
    late = submit(enterprise, food_item)  # due Thursday 5 March
    paused = _ask_correction(submit(enterprise, food_item), clerk, food_item)
    time_machine.move_to(at(date(2026, 3, 4)), tick=False)
    soon = submit(enterprise, food_item)  # due Monday 9 March
    time_machine.move_to(at(date(2026, 3, 6)), tick=False)  # Friday: the first is overdue
    overdue = set(selectors.case_list_for_staff(user=clerk, due="overdue").values_list("pk", flat=True))
    due_soon = set(selectors.case_list_for_staff(user=clerk, due="due_soon").values_list("pk", flat=True))
    assert overdue == {late.pk}
    assert due_soon == {soon.pk}
    assert paused.pk not in overdue | due_soon  # the clock of a case in correction stands still
    assert selectors.deadline_state(paused.due_at, paused=paused.is_paused) == "paused"
