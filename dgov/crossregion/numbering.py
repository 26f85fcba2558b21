"""Receipt numbers of handovers (异地代收回执号), unique under concurrency.

Format: ``YD`` + the receiving region's 12-digit code + Beijing date + 6-digit daily sequence, e.g.
``YD44070400000020261127000003``: the third handover received in Jianghai on 27 November 2026.
The ``YD`` (异地) prefix keeps receipts apart from the region's own case numbers. The sequence is
one row per region and day incremented by a single UPDATE … RETURNING in the receiving
transaction, as dgov.cases.numbering does for case numbers.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, connection, transaction

from dgov.cases.numbering import region_code_12
from dgov.core.workdays import local_date
from dgov.crossregion.models import ReceiptSequence

PREFIX = "YD"
SEQUENCE_DIGITS = 6


def receipt_number_next(*, region_code: str, at: datetime) -> str:
    """The next receipt number for region_code on at's Beijing date; call inside a transaction."""
    region = region_code_12(region_code)
    day = local_date(at)
    last = _increment(region, day)
    if last is None:
        try:
            with transaction.atomic():
                ReceiptSequence.objects.create(region_code=region, day=day, last=1)
            last = 1
        except IntegrityError:
            # Another handover created the day's row first: take the next number after it.
            last = _increment(region, day)
    if last is None:  # pragma: no cover - the row exists by now
        raise RuntimeError("receipt number sequence row vanished")
    if last >= 10**SEQUENCE_DIGITS:
        raise OverflowError("more than 999999 handovers in one region on one day")
    return f"{PREFIX}{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"


def _increment(region: str, day: date) -> int | None:
    table = ReceiptSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE region_code = %s AND day = %s RETURNING last",  # noqa: S608
            [region, day],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def receipt_number_valid(number: str) -> bool:
    """Whether number has the documented shape (refuses junk before a database look-up)."""
    return len(number) == 28 and number.startswith(PREFIX) and number[2:].isdigit()
