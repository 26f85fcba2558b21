"""Indicators 9–11, daily active users of the citizen, enterprise and staff sides (plan 附件1:
数据统计), from the platform's own login records (``ActiveDay``: one row per person and Beijing day
on which they signed in or used the platform signed in).

value = person-days of that side in the period ÷ days in the period, in 万 (ten thousands), as the
plan states it: the period's average of distinct users per day. The numerator's records are the
person-days. The plan names the provincial apps (粤省事, 粤商通, 粤政易); the platform counts its own
citizen, enterprise and staff sides. See docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import ActiveDay, User
from dgov.core.measures import Column, Measure, Period, register, ten_thousands
from dgov.core.workdays import CALENDAR_TZ

COLUMNS = (Column(_("Day"), "day"), Column(_("Person"), "person_masked"), Column(_("Side"), "get_kind_display"))


def days_in(period: Period) -> tuple[int, object, object]:
    """Beijing days the period touches: a period ending mid-day counts that day (so far)."""
    first = period.since.astimezone(CALENDAR_TZ).date()
    end_local = period.until.astimezone(CALENDAR_TZ)
    last = end_local.date() if end_local.time() != end_local.time().min else end_local.date() - timedelta(days=1)
    return max((last - first).days + 1, 0), first, last


def daily_active(kind: str, period: Period, departments: Sequence[int] | None) -> Measure:
    days, first, last = days_in(period)
    records = ActiveDay.objects.filter(kind=kind, day__gte=first, day__lte=last)
    if departments is not None:
        records = records.filter(user__department_id__in=departments)
    records = records.select_related("user").order_by("-day", "user_id")
    numerator = records.count()
    return Measure(numerator=numerator, denominator=days, value=ten_thousands(numerator, per=days), records=records)


def _side(key: str, kind: str, by_department: bool = False) -> None:
    def measure(period: Period, departments: Sequence[int] | None) -> Measure:
        return daily_active(kind, period, departments)

    measure.__name__ = measure.__qualname__ = key
    register(
        key, columns=COLUMNS, records_label=_("person-days"), by_department=by_department, denominator_records=False
    )(measure)


_side("citizen_app_dau", User.Kind.CITIZEN)
_side("enterprise_app_dau", User.Kind.ENTERPRISE)
# Staff belong to departments, so the staff side can be counted for some departments.
_side("staff_app_dau", User.Kind.STAFF, by_department=True)
