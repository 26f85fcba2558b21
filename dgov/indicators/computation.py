"""Computing an indicator for a period and a scope, and judging a value against the plan.

**Periods.** Days are Beijing days. A snapshot of day D counts up to the end of D: a *state*
indicator (what the catalogue offers, which departments hold a seal) at that moment as stored
now; a *year* indicator (ratings, licence uses, active users) from 1 January of D's year.

**Scopes.** ``""`` is the district; ``dept:<code>`` one department; ``sub:<region code>`` a 街道,
meaning the departments located in it (its subdistrict office and any department based there).
Only indicators whose provider counts by department have department and 街道 values.

**Status.** ``met`` when the value reaches the 2025 target; ``on_track`` when it reaches the value
expected by now on the straight line from the 2020 baseline (end of 2020) to the mid-term target
(end of 2023) and on to the 2025 target (end of 2025), the target itself after 2025; ``at_risk``
otherwise. An indicator with no baseline starts its line at the mid-term target. Every target in
the plan is a floor (higher is better). No value, no status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dgov.accounts.models import Department, Region
from dgov.core.measures import Measure, Period, Provider, providers
from dgov.core.workdays import CALENDAR_TZ
from dgov.indicators.models import Indicator, ReportedValue

DISTRICT = ""
DEPARTMENT_PREFIX = "dept:"
SUBDISTRICT_PREFIX = "sub:"


def day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=CALENDAR_TZ)


def period_for(indicator: Indicator, day: date) -> Period:
    until = day_end(day)
    if indicator.span == Indicator.Span.YEAR:
        return Period(since=datetime(day.year, 1, 1, tzinfo=CALENDAR_TZ), until=until)
    # A state ignores ``since``; the day's start keeps the period's first day the day itself.
    return Period(since=until - timedelta(days=1), until=until)


def live_period(indicator: Indicator, now: datetime | None = None) -> Period:
    """Up to this moment: the year so far for a year indicator, the present state otherwise."""
    now = now or timezone.now()
    if indicator.span == Indicator.Span.YEAR:
        local = now.astimezone(CALENDAR_TZ)
        return Period(since=datetime(local.year, 1, 1, tzinfo=CALENDAR_TZ), until=now)
    return Period(since=now, until=now)


def today() -> date:
    return timezone.now().astimezone(CALENDAR_TZ).date()


# --- Scopes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    key: str
    label: str
    departments: tuple[int, ...] | None  # None: the whole district

    @property
    def is_district(self) -> bool:
        return self.departments is None


def district_scope() -> Scope:
    return Scope(DISTRICT, str(_("Whole district")), None)


def department_scope(department: Department) -> Scope:
    return Scope(f"{DEPARTMENT_PREFIX}{department.code}", department.label, (department.pk,))


def subdistrict_scope(region: Region) -> Scope:
    ids = Department.objects.filter(region__path__startswith=region.path).values_list("pk", flat=True)
    return Scope(f"{SUBDISTRICT_PREFIX}{region.code}", region.name, tuple(sorted(ids)))


def scope_from_key(key: str) -> Scope | None:
    """The scope a key names, or None when it names nothing that exists."""
    if key == DISTRICT:
        return district_scope()
    if key.startswith(DEPARTMENT_PREFIX):
        department = Department.objects.filter(code=key[len(DEPARTMENT_PREFIX) :]).first()
        return department_scope(department) if department else None
    if key.startswith(SUBDISTRICT_PREFIX):
        region = Region.objects.filter(code=key[len(SUBDISTRICT_PREFIX) :], level=Region.Level.SUBDISTRICT).first()
        return subdistrict_scope(region) if region else None
    return None


def all_scopes() -> list[Scope]:
    """The district, each department, each 街道: what the daily snapshot covers."""
    scopes = [district_scope()]
    scopes += [department_scope(d) for d in Department.objects.select_related("region").order_by("code")]
    scopes += [subdistrict_scope(r) for r in Region.objects.filter(level=Region.Level.SUBDISTRICT).order_by("code")]
    return scopes


# --- Computing --------------------------------------------------------------------------------


def provider_of(indicator: Indicator) -> Provider | None:
    """The registered provider of a computed indicator; None for a reported one (or one whose
    owning module is not installed: its values are then reported too)."""
    if indicator.method != Indicator.Method.COMPUTED:
        return None
    return providers().get(indicator.key)


def is_computed(indicator: Indicator) -> bool:
    return provider_of(indicator) is not None


def allows(indicator: Indicator, scope: Scope) -> bool:
    """Whether the indicator has a value for this scope (department and 街道 slices need a
    provider that counts by department)."""
    if scope.is_district:
        return True
    provider = provider_of(indicator)
    return provider is not None and provider.by_department


@dataclass
class Result:
    indicator: Indicator
    source: str  # Snapshot.Source value
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    period: Period
    reported: ReportedValue | None = None
    measure: Measure | None = None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def latest_reported(indicator: Indicator, day: date) -> ReportedValue | None:
    return (
        ReportedValue.objects.filter(indicator=indicator, as_of__lte=day)
        .order_by("-as_of", "-entered_at", "-pk")
        .select_related("entered_by")
        .first()
    )


def compute(indicator: Indicator, period: Period, scope: Scope) -> Result:
    """The indicator's value for the period and scope: from its provider, or the latest reported
    value as of the period's last day (district only), or nothing."""
    from dgov.indicators.models import Snapshot

    provider = provider_of(indicator)
    if provider is not None:
        measure = provider.function(period, scope.departments)
        return Result(
            indicator=indicator,
            source=Snapshot.Source.COMPUTED,
            numerator=_decimal(measure.numerator),
            denominator=_decimal(measure.denominator),
            value=_decimal(measure.value),
            period=period,
            measure=measure,
        )
    reported = latest_reported(indicator, last_day(period)) if scope.is_district else None
    if reported is None:
        return Result(indicator, Snapshot.Source.MISSING, None, None, None, period)
    return Result(
        indicator=indicator,
        source=Snapshot.Source.REPORTED,
        numerator=reported.numerator,
        denominator=reported.denominator,
        value=reported.value,
        period=period,
        reported=reported,
    )


def last_day(period: Period) -> date:
    """The last Beijing day the period touches."""
    local = period.until.astimezone(CALENDAR_TZ)
    return local.date() - timedelta(days=1) if local.time() == time.min else local.date()


def records_of(measure: Measure, *, universe: bool = False) -> QuerySet[Any]:
    """The records behind a measure's numerator (or, with ``universe``, its denominator's, when it
    has records of its own)."""
    if universe and measure.universe is not None:
        return measure.universe
    return measure.records


def drill_down(indicator: Indicator, period: Period, scope: Scope, *, universe: bool = False) -> QuerySet[Any]:
    """The records behind the numerator (or, with ``universe``, the denominator) of a computed indicator."""
    provider = provider_of(indicator)
    if provider is None:
        raise LookupError(indicator.key)
    return records_of(provider.function(period, scope.departments), universe=universe)


def drill_period(indicator: Indicator, day: date | None) -> Period:
    """The period a drill-down lists: a year indicator as of a past day (the snapshot's, so the
    count equals the snapshot's numerator); otherwise, and for a state, up to now."""
    if day is not None and indicator.span == Indicator.Span.YEAR and day <= today():
        return period_for(indicator, day)
    return live_period(indicator)


# --- Judging against the plan -----------------------------------------------------------------

MET, ON_TRACK, AT_RISK = "met", "on_track", "at_risk"
STATUS_LABELS = {MET: _("Met"), ON_TRACK: _("On track"), AT_RISK: _("At risk")}
_MILESTONES = (date(2020, 12, 31), date(2023, 12, 31), date(2025, 12, 31))


def expected_by(indicator: Indicator, day: date) -> Decimal | None:
    """The value the plan's line expects on ``day`` (see the module's docstring)."""
    midterm, target = indicator.midterm, indicator.target
    if target is None:
        return None
    baseline = indicator.baseline if indicator.baseline is not None else midterm
    points = [(d, v) for d, v in zip(_MILESTONES, (baseline, midterm, target), strict=True) if v is not None]
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in pairwise(points):
        if day <= d1:
            share = Decimal((day - d0).days) / Decimal((d1 - d0).days)
            return v0 + (v1 - v0) * share
    return points[-1][1]


def status_of(indicator: Indicator, value: Decimal | None, day: date) -> str | None:
    if value is None or indicator.target is None:
        return None
    if value >= indicator.target:
        return MET
    expected = expected_by(indicator, day)
    if expected is not None and value >= expected:
        return ON_TRACK
    return AT_RISK


def midterm_met(indicator: Indicator, value: Decimal | None) -> bool | None:
    if value is None or indicator.midterm is None:
        return None
    return value >= indicator.midterm


def figure_text(value: Any) -> str:
    """A figure as people write it: ``Decimal("85.0000")`` → ``85``, ``0.0123`` stays, None → ``—``."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except ArithmeticError:
            return str(value)
    return format(value.normalize(), "f")
