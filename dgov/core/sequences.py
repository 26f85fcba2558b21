"""Per-region, per-day sequence numbers (case, bundle, receipt and ticket numbers).

Each kind of number keeps its own table (fields region_code, day, last; unique on region_code and
day), so they never wait on each other's row. The next number is one UPDATE … RETURNING inside the
caller's transaction: the row lock makes concurrent writers take turns for the increment only, and
a rolled-back transaction gives its number back.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, connection, models, transaction

SEQUENCE_DIGITS = 6


def region_code_12(code: str) -> str:
    """A GB/T 2260 code (6, 9 or 12 digits) as the 12-digit statistical code."""
    if not code.isdigit() or len(code) > 12:
        raise ValueError(f"not a region code: {code!r}")
    return code.ljust(12, "0")


def daily_sequence_next(model: type[models.Model], region: str, day: date, *, what: str) -> int:
    """The next number of a per-region, per-day sequence kept in ``model`` (fields region_code, day,
    last; unique on region_code and day); call inside a transaction. Case numbers, bundle numbers
    and cross-region receipts each keep their own table, so they never wait on each other's row."""
    last = _increment(model, region, day)
    if last is None:
        try:
            with transaction.atomic():
                model._default_manager.create(region_code=region, day=day, last=1)
            last = 1
        except IntegrityError:
            # Another transaction created the day's row first: take the next number after it.
            last = _increment(model, region, day)
    if last is None:  # pragma: no cover - the row exists by now
        raise RuntimeError(f"the {what} sequence row vanished")
    if last >= 10**SEQUENCE_DIGITS:
        raise OverflowError(f"more than 999999 {what} in one region on one day")
    return last


def _increment(model: type[models.Model], region: str, day: date) -> int | None:
    """UPDATE … RETURNING in one statement (PostgreSQL, and SQLite since 3.35): the new last number,
    or None when the day has no row yet."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE region_code = %s AND day = %s RETURNING last",  # noqa: S608
            [region, day],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None
