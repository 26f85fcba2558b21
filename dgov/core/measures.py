"""What each app contributes to the plan's indicators: measures over its own data.

The app that owns the data owns the formula. Each app that feeds an indicator keeps a
``measures.py`` module whose functions are registered here under the indicator's key (the keys of
``dgov/indicators/data/indicators.csv``); the indicators app discovers those modules at start-up
and calls them. No app imports the indicators app: this module is the whole contract.

A measure receives a :class:`Period` (``[since, until)`` in aware datetimes) and the departments
to count (``None`` for the whole district) and returns a :class:`Measure`: numerator, denominator,
value in the indicator's unit, and two lazy querysets for drill-down: the records counted in the
numerator and, where there is one, the records of the denominator. The count of ``records`` is the
numerator whenever the numerator counts records.

Indicators that describe a state (what the catalogue offers, which departments have an e-seal)
ignore ``since`` and count the state at the period's end (``Period.last_moment``: ``until`` is
exclusive, so a day's snapshot reads the state at the day's last instant, not the next day's
first) as it is now stored; indicators over activity (ratings, licence uses, active users) count
what happened in the period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @property
    def last_moment(self) -> datetime:
        """The period's last instant (``until`` is exclusive): when a state indicator reads the state."""
        return self.until - timedelta(microseconds=1)


@dataclass(frozen=True)
class Column:
    """One column of a drill-down list: a header and a dotted path read from each record."""

    header: Any  # a lazy translation
    path: str


@dataclass
class Measure:
    numerator: int | Decimal
    denominator: int | Decimal | None
    value: Decimal | None
    records: QuerySet[Any]
    universe: QuerySet[Any] | None = None


MeasureFunction = Callable[[Period, Sequence[int] | None], Measure]


@dataclass(frozen=True)
class Provider:
    key: str
    app: str
    function: MeasureFunction
    columns: tuple[Column, ...]
    # Whether the measure can be restricted to some departments (and so to a 街道's departments).
    by_department: bool = False
    # A name for the record kind shown in drill-down headings ("service items", "ratings").
    records_label: Any = ""
    link: Callable[[Any], str] | None = None
    # Whether the denominator counts records one can list (items, ratings), or something else
    # (the days of a period).
    denominator_records: bool = True


_REGISTRY: dict[str, Provider] = {}


def register(
    key: str,
    *,
    columns: Sequence[Column],
    records_label: Any,
    by_department: bool = False,
    link: Callable[[Any], str] | None = None,
    denominator_records: bool = True,
) -> Callable[[MeasureFunction], MeasureFunction]:
    """Decorator: ``fn`` computes indicator ``key``. One provider per key; a second is a bug."""

    def decorator(fn: MeasureFunction) -> MeasureFunction:
        existing = _REGISTRY.get(key)
        if existing is not None and existing.function is not fn:
            qualified = f"{existing.function.__module__}.{existing.function.__qualname__}"
            if qualified != f"{fn.__module__}.{fn.__qualname__}":
                raise RuntimeError(f"indicator {key!r} already has a provider: {qualified}")
        _REGISTRY[key] = Provider(
            key=key,
            app=fn.__module__.rsplit(".", 1)[0],
            function=fn,
            columns=tuple(columns),
            by_department=by_department,
            records_label=records_label,
            link=link,
            denominator_records=denominator_records,
        )
        return fn

    return decorator


def providers() -> dict[str, Provider]:
    return dict(_REGISTRY)


# --- Values in the plan's units ---------------------------------------------------------------

PERCENT_PLACES = Decimal("0.01")


def _half_up(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def ratio_value(numerator: int | Decimal, denominator: int | Decimal, *, scale: int = 100) -> Decimal | None:
    """``scale × numerator ÷ denominator`` rounded half up to two decimals; None without a denominator."""
    if not denominator:
        return None
    return _half_up(Decimal(scale) * Decimal(numerator) / Decimal(denominator), PERCENT_PLACES)


def ten_thousands(value: int | Decimal, *, per: int | Decimal = 1) -> Decimal | None:
    """A count in 万 (ten thousands), four decimals: the plan states user and terminal counts in 万."""
    if not per:
        return None
    return _half_up(Decimal(value) / Decimal(per) / Decimal(10000), Decimal("0.0001"))


def share_of(
    universe: QuerySet[Any],
    flag: Q,
    *,
    value: Callable[[int, int], Decimal | None] = ratio_value,
) -> Measure:
    """The measure of "the rows of ``universe`` with ``flag``": numerator and denominator counted in
    one pass, the value by ``value`` (a percentage unless told), and the two querysets to drill into."""
    totals = universe.order_by().aggregate(numerator=Count("pk", filter=flag), denominator=Count("pk"))
    numerator, denominator = int(totals["numerator"]), int(totals["denominator"])
    return Measure(
        numerator=numerator,
        denominator=denominator,
        value=value(numerator, denominator),
        records=universe.filter(flag),
        universe=universe,
    )
