"""The indicators under /api/v1/indicators: what the dashboard, an indicator's page and its
drill-down show, as JSON.

- ``GET /indicators?scope=`` — the latest snapshot of every indicator of the scope (Table 1).
- ``GET /indicators/{key}?scope=`` — one indicator: definition, latest value, daily history,
  monthly and yearly values.
- ``GET /indicators/{key}/records?scope=&set=counted|all&day=&page=`` — the records behind a
  computed indicator's numerator (or its denominator), computed now, 50 a page.

Callers: staff signed in with the browser session, scoped like the pages (leaders and data
officers everything, a department administrator their department); or another government system
with a token holding the ``read`` scope (a token of a department reads that department's slice,
one of no department the district's). Anything else is 403; a scope or indicator outside reach 404.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from dgov.accounts.models import ApiToken
from dgov.indicators import computation, exports, selectors
from dgov.indicators.computation import Scope
from dgov.indicators.models import Indicator, Snapshot

router = Router(tags=["indicators"])
PAGE_SIZE = 50


class IndicatorRead(Schema):
    number: int
    key: str
    category: str
    name: str
    name_zh: str
    name_en: str
    unit: str
    provincial: bool
    span: str
    method: str
    baseline: Decimal | None
    midterm: Decimal | None
    target: Decimal | None
    formula: str
    computation: str
    day: date | None
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    source: str
    status: str | None


class ScopeRead(Schema):
    key: str
    label: str


class BoardRead(Schema):
    scope: ScopeRead
    day: date | None
    computed_at: datetime | None
    indicators: list[IndicatorRead]


class PointRead(Schema):
    day: date
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    source: str


class IndicatorDetailRead(Schema):
    scope: ScopeRead
    indicator: IndicatorRead
    expected_now: Decimal | None
    history: list[PointRead]
    monthly: list[PointRead]
    yearly: list[PointRead]


class RecordsPage(Schema):
    scope: ScopeRead
    key: str
    set: str
    period_start: date
    period_end: date
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    count: int
    page: int
    pages: int
    columns: list[str]
    items: list[dict[str, Any]]


class ScopeQuery(Schema):
    scope: str | None = None


class RecordsQuery(Schema):
    scope: str | None = None
    set: str = "counted"
    day: date | None = None
    page: int = 1


def _reach(request: HttpRequest) -> selectors.Reach:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        if "read" not in (auth.scopes or []):
            raise PermissionDenied
        return selectors.reach_for_token(auth)
    reach = selectors.reach_for(auth)
    if reach is None:
        raise PermissionDenied
    return reach


def _scope(request: HttpRequest, key: str | None) -> Scope:
    return selectors.scope_in_reach(_reach(request), key)


def _indicator(key: str, scope: Scope) -> Indicator:
    indicator = Indicator.objects.filter(key=key).first()
    if indicator is None or not computation.allows(indicator, scope):
        raise Http404
    return indicator


def _read(indicator: Indicator, snap: Snapshot | None, status: str | None) -> dict[str, Any]:
    return {
        "number": indicator.number,
        "key": indicator.key,
        "category": indicator.category,
        "name": indicator.name,
        "name_zh": indicator.name_zh,
        "name_en": indicator.name_en,
        "unit": indicator.unit_label,
        "provincial": indicator.provincial,
        "span": indicator.span,
        "method": "computed" if computation.is_computed(indicator) else "reported",
        "baseline": indicator.baseline,
        "midterm": indicator.midterm,
        "target": indicator.target,
        "formula": indicator.formula,
        "computation": indicator.computation,
        "day": snap.day if snap else None,
        "value": snap.value if snap else None,
        "numerator": snap.numerator if snap else None,
        "denominator": snap.denominator if snap else None,
        "source": snap.source if snap else Snapshot.Source.MISSING,
        "status": status,
    }


def _point(s: Snapshot) -> dict[str, Any]:
    return {"day": s.day, "value": s.value, "numerator": s.numerator, "denominator": s.denominator, "source": s.source}


@router.get("", response=BoardRead, summary="The plan's indicators (latest snapshot)")
def board(request: HttpRequest, query: Query[ScopeQuery]) -> dict[str, Any]:
    scope = _scope(request, query.scope)
    b = selectors.dashboard(scope, trend_days=1)
    return {
        "scope": {"key": scope.key, "label": scope.label},
        "day": b.day,
        "computed_at": b.computed_at,
        "indicators": [_read(r.indicator, r.snapshot, r.status) for r in b.rows],
    }


@router.get("/{key}", response=IndicatorDetailRead, summary="One indicator with its history")
def detail(request: HttpRequest, key: str, query: Query[ScopeQuery]) -> dict[str, Any]:
    scope = _scope(request, query.scope)
    indicator = _indicator(key, scope)
    history = list(selectors.history(indicator, scope))
    latest = history[-1] if history else None
    views = selectors.period_views(indicator, scope)
    day = latest.day if latest else computation.today()
    return {
        "scope": {"key": scope.key, "label": scope.label},
        "indicator": _read(indicator, latest, computation.status_of(indicator, latest.value, day) if latest else None),
        "expected_now": computation.expected_by(indicator, day),
        "history": [_point(s) for s in history],
        "monthly": [_point(s) for s in views["monthly"]],
        "yearly": [_point(s) for s in views["yearly"]],
    }


def _json_cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


@router.get("/{key}/records", response=RecordsPage, summary="The records behind an indicator")
def records(request: HttpRequest, key: str, query: Query[RecordsQuery]) -> dict[str, Any]:
    scope = _scope(request, query.scope)
    indicator = _indicator(key, scope)
    provider = computation.provider_of(indicator)
    if provider is None:
        raise Http404
    which = query.set if query.set in ("counted", "all") else "counted"
    period = computation.drill_period(indicator, query.day)
    result = computation.compute(indicator, period, scope)
    assert result.measure is not None  # a provider computed it
    paginator = Paginator(computation.records_of(result.measure, universe=which == "all"), PAGE_SIZE)
    try:
        page = paginator.page(query.page)
    except EmptyPage:
        raise Http404 from None
    columns = [c.path for c in provider.columns]
    return {
        "scope": {"key": scope.key, "label": scope.label},
        "key": indicator.key,
        "set": which,
        "period_start": period.since.astimezone(computation.CALENDAR_TZ).date(),
        "period_end": computation.last_day(period),
        "numerator": result.numerator,
        "denominator": result.denominator,
        "value": result.value,
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "columns": columns,
        "items": [{p: _json_cell(exports.read_path(r, p)) for p in columns} for r in page.object_list],
    }
