"""Case numbers (办件编号): region code + date + sequence, unique under concurrency.

Format: 26 digits, ``RRRRRRRRRRRR YYYYMMDD NNNNNN`` without spaces:

- ``R`` the owning department's region code as a 12-digit statistical area code (GB/T 2260 code
  padded with zeros, so the district 440704 is 440704000000 and 外海街道 440704004000);
- ``YYYYMMDD`` the submission date in Beijing time;
- ``N`` the day's sequence for that region, from 000001.

Example: ``44070400000020261127000042`` is the 42nd case of a district department on 27 November
2026. The sequence is one row per region and day, incremented with a single UPDATE … RETURNING inside the
submitting transaction: the row lock makes concurrent submissions take turns for the increment
only, and a rolled-back submission gives its number back.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, connection, models, transaction

from dgov.cases.models import CaseNumberSequence
from dgov.core.workdays import local_date

SEQUENCE_DIGITS = 6


def region_code_12(code: str) -> str:
    """A GB/T 2260 code (6, 9 or 12 digits) as the 12-digit statistical code."""
    if not code.isdigit() or len(code) > 12:
        raise ValueError(f"not a region code: {code!r}")
    return code.ljust(12, "0")


def case_number_next(*, region_code: str, at: datetime) -> str:
    """The next case number for region_code on at's Beijing date; call inside a transaction."""
    region = region_code_12(region_code)
    day = local_date(at)
    last = daily_sequence_next(CaseNumberSequence, region, day, what="cases")
    return f"{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"


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


def case_number_valid(number: str) -> bool:
    """Whether number has the documented shape (used to refuse junk before a database look-up)."""
    return len(number) == 26 and number.isdigit()
