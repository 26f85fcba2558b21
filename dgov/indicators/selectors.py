"""Reads of the indicators, each deciding who may see what.

- Leaders and data officers (``Perm.INDICATORS_VIEW`` unscoped or scoped to the district) see
  every indicator and every scope.
- A role scoped to a 街道 sees that 街道's slice and its departments' slices; a role scoped to a
  department (a department administrator) sees that department's slice only. Slices exist only for
  indicators whose provider counts by department; the others are district facts and are not shown
  to them. A scope outside a person's reach is a 404.
- The dashboard reads snapshots only (one query for the latest day, one for the trends), so it is
  as fast with a million cases as with ten.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, Max, QuerySet
from django.http import Http404

from dgov.accounts.models import Department, Region, RoleAssignment
from dgov.accounts.permissions import RULES, Perm
from dgov.catalog.models import Kiosk
from dgov.indicators import computation
from dgov.indicators.computation import Scope
from dgov.indicators.models import Indicator, ReportedValue, Snapshot

TREND_DAYS = 90


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


@dataclass(frozen=True)
class Reach:
    """The scopes a person may see: ``everything``, or these scope keys."""

    everything: bool
    keys: frozenset[str] = frozenset()

    def covers(self, key: str) -> bool:
        return self.everything or key in self.keys

    @property
    def default(self) -> str:
        if self.everything:
            return computation.DISTRICT
        return sorted(self.keys)[0]


def reach_for(user: Any, perm: Perm = Perm.INDICATORS_VIEW) -> Reach | None:
    """What ``user`` may see of the indicators; None when nothing."""
    if not _active(user):
        return None
    keys: set[str] = set()
    assignments = RoleAssignment.objects.filter(user=user, role__in=RULES[perm]).select_related("department", "region")
    found = False
    for a in assignments:
        found = True
        region = a.region
        if a.department is None and (region is None or region.parent_id is None):
            return Reach(everything=True)
        if a.department is not None:
            keys.add(f"{computation.DEPARTMENT_PREFIX}{a.department.code}")
            continue
        assert region is not None
        subdistricts = Region.objects.filter(level=Region.Level.SUBDISTRICT, path__startswith=region.path)
        if region.level == Region.Level.COMMUNITY and region.parent is not None:
            subdistricts = Region.objects.filter(pk=region.parent.pk)
        for sub in subdistricts:
            keys.add(f"{computation.SUBDISTRICT_PREFIX}{sub.code}")
        for code in Department.objects.filter(region__path__startswith=region.path).values_list("code", flat=True):
            keys.add(f"{computation.DEPARTMENT_PREFIX}{code}")
    if not found:
        return None
    return Reach(everything=False, keys=frozenset(keys))


def reach_for_token(token: Any) -> Reach:
    """What another government system's read token sees: its department's slice, or the district."""
    if token.department_id is None:
        return Reach(everything=True)
    return Reach(everything=False, keys=frozenset({f"{computation.DEPARTMENT_PREFIX}{token.department.code}"}))


def scope_get_for_user(*, user: Any, key: str | None) -> tuple[Scope, Reach]:
    """The scope named by ``key`` (the person's default when empty), or 404 when it does not
    exist or lies outside the person's reach."""
    reach = reach_for(user)
    if reach is None:
        raise Http404
    return scope_in_reach(reach, key), reach


def scope_in_reach(reach: Reach, key: str | None) -> Scope:
    """The scope ``key`` names (the reach's default when None); 404 when it does not exist or
    lies outside the reach."""
    key = reach.default if key is None else key
    if not reach.covers(key):
        raise Http404
    scope = computation.scope_from_key(key)
    if scope is None:
        raise Http404
    return scope


def scope_choices(reach: Reach) -> list[Scope]:
    """The scopes a person can pick on the dashboard: the district first, then 街道, then departments."""
    if reach.everything:
        scopes = computation.all_scopes()
    else:
        scopes = [s for key in sorted(reach.keys) if (s := computation.scope_from_key(key)) is not None]
    order = {computation.DISTRICT: 0, computation.SUBDISTRICT_PREFIX: 1, computation.DEPARTMENT_PREFIX: 2}

    def rank(s: Scope) -> tuple[int, str]:
        prefix = s.key.split(":", 1)[0] + ":" if ":" in s.key else ""
        return order.get(prefix, 3), s.key

    return sorted(scopes, key=rank)


def indicators_for_scope(scope: Scope) -> list[Indicator]:
    """The indicators that have values for the scope (every one for the district)."""
    return [i for i in Indicator.objects.order_by("number") if computation.allows(i, scope)]


def indicator_get_for_user(*, user: Any, key: str, scope_key: str | None) -> tuple[Indicator, Scope, Reach]:
    scope, reach = scope_get_for_user(user=user, key=scope_key)
    indicator = Indicator.objects.filter(key=key).first()
    if indicator is None or not computation.allows(indicator, scope):
        raise Http404
    return indicator, scope, reach


# --- The dashboard ----------------------------------------------------------------------------


@dataclass
class Row:
    indicator: Indicator
    snapshot: Snapshot | None
    status: str | None
    midterm_met: bool | None
    trend: list[tuple[date, Decimal | None]] = field(default_factory=list)
    link: str = ""  # where the value leads: its records when computed, its page otherwise
    universe_link: str = ""  # where the denominator leads: the records it counts

    @property
    def value(self) -> Decimal | None:
        return self.snapshot.value if self.snapshot is not None else None

    @property
    def source(self) -> str:
        return self.snapshot.source if self.snapshot is not None else Snapshot.Source.MISSING

    @property
    def status_label(self) -> str:
        return str(computation.STATUS_LABELS[self.status]) if self.status else ""


@dataclass
class Board:
    scope: Scope
    day: date | None
    groups: list[tuple[str, list[Row]]]
    computed_at: Any = None

    @property
    def rows(self) -> list[Row]:
        return [r for _, rows in self.groups for r in rows]


def latest_day(scope_key: str) -> date | None:
    return Snapshot.objects.filter(scope=scope_key).aggregate(day=Max("day"))["day"]


def dashboard(scope: Scope, *, trend_days: int = TREND_DAYS) -> Board:
    """The indicators of the scope from the latest snapshot day, grouped as in 表1, each with its
    status and its trend over the last ``trend_days`` days of snapshots."""
    indicators = indicators_for_scope(scope)
    day = latest_day(scope.key)
    latest: dict[int, Snapshot] = {}
    trends: dict[int, list[tuple[date, Decimal | None]]] = defaultdict(list)
    computed_at = None
    if day is not None:
        # The trend as bare tuples (21 × 90 rows): model instances here cost the page its p95
        # through the garbage collector (docs/performance.md).
        since = day - timedelta(days=trend_days - 1)
        rows = Snapshot.objects.filter(scope=scope.key, day__gte=since, day__lte=day).order_by("day")
        for indicator_id, d, value in rows.values_list("indicator_id", "day", "value"):
            trends[indicator_id].append((d, value))
        for s in Snapshot.objects.filter(scope=scope.key, day=day).select_related("reported"):
            latest[s.indicator_id] = s
            computed_at = s.computed_at
    groups: dict[str, list[Row]] = {}
    for indicator in indicators:
        snap = latest.get(indicator.pk)
        value = snap.value if snap is not None else None
        groups.setdefault(indicator.category, []).append(
            Row(
                indicator=indicator,
                snapshot=snap,
                status=computation.status_of(indicator, value, day) if day else None,
                midterm_met=computation.midterm_met(indicator, value),
                trend=trends.get(indicator.pk, []),
            )
        )
    return Board(scope=scope, day=day, groups=list(groups.items()), computed_at=computed_at)


# --- One indicator ----------------------------------------------------------------------------


def history(indicator: Indicator, scope: Scope) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(indicator=indicator, scope=scope.key).order_by("day")


def period_views(indicator: Indicator, scope: Scope) -> dict[str, list[Snapshot]]:
    """Monthly and yearly views: the last snapshot of each month and of each year (a state at
    the period's end; for year indicators, the year to that day)."""
    monthly: dict[tuple[int, int], Snapshot] = {}
    yearly: dict[int, Snapshot] = {}
    for s in history(indicator, scope):
        monthly[(s.day.year, s.day.month)] = s
        yearly[s.day.year] = s
    return {
        "monthly": [monthly[k] for k in sorted(monthly, reverse=True)],
        "yearly": [yearly[k] for k in sorted(yearly, reverse=True)],
    }


def reported_values(indicator: Indicator) -> QuerySet[ReportedValue]:
    return (
        ReportedValue.objects.filter(indicator=indicator)
        .select_related("entered_by")
        .order_by("-as_of", "-entered_at", "-pk")
    )


def reported_value_get_for_user(*, user: Any, pk: int) -> ReportedValue:
    """A reported value (for its evidence file): readers of the district's indicators only."""
    reach = reach_for(user)
    if reach is None or not reach.everything:
        raise Http404
    try:
        return ReportedValue.objects.select_related("indicator").get(pk=pk)
    except ReportedValue.DoesNotExist:
        raise Http404 from None


def can_report(user: Any) -> bool:
    reach = reach_for(user, Perm.INDICATORS_REPORT)
    return reach is not None and reach.everything


def kiosks() -> QuerySet[Kiosk]:
    """The kiosk register: those in service first, then the newest installed, with where each stands."""
    return Kiosk.objects.select_related("region__parent").order_by(
        F("retired_on").asc(nulls_first=True), "-installed_on", "code"
    )
