"""Due times of human tasks, counted in Chinese working days (statutory holidays and make-up days)."""

from __future__ import annotations

from datetime import datetime

from dgov.core.workdays import add_working_days


def task_due_at(*, start: datetime, days: int | None) -> datetime | None:
    """When a task that became ready at ``start`` with a limit of ``days`` working days is due (None: no limit)."""
    if days is None:
        return None
    return add_working_days(start, days)
