"""Due times of human tasks, counted in Chinese working days (statutory holidays and make-up days),
and the deadline flags shown beside them.

Flags (:func:`deadline_state`), for a due time ``due`` at a moment ``now``:

- ``overdue``: ``now`` is past ``due``;
- ``due_soon``: not overdue, and due by the end of the next working day after today (Beijing time),
  i.e. ``due <= due_soon_cutoff(now)``. A task due today is due soon; so is one due next Monday
  when today is Friday, or one due on the first working day after a holiday during the holiday;
- ``on_time``: due later than that;
- ``none``: no due time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.utils import timezone

from dgov.core.workdays import WorkdayCalendar, add_working_days


class DeadlineState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"
    NONE = "none"


def task_due_at(*, start: datetime, days: int | None) -> datetime | None:
    """When a task that became ready at ``start`` with a limit of ``days`` working days is due (None: no limit)."""
    if days is None:
        return None
    return add_working_days(start, days)


def due_soon_cutoff(now: datetime, *, calendar: WorkdayCalendar | None = None) -> datetime:
    """The end (23:59:59.999999 Beijing time) of the first working day after now's date: anything due
    by then is due soon."""
    return add_working_days(now, 1, calendar=calendar)


def deadline_state(
    due_at: datetime | None, *, now: datetime | None = None, calendar: WorkdayCalendar | None = None
) -> DeadlineState:
    """The flag of a due time at ``now`` (default: the current time): see the module docstring.

    Pass one ``calendar`` (dgov.core.workdays.calendar_load) when flagging many tasks at once."""
    if due_at is None:
        return DeadlineState.NONE
    now = now or timezone.now()
    if now > due_at:
        return DeadlineState.OVERDUE
    if due_at <= due_soon_cutoff(now, calendar=calendar):
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TIME
