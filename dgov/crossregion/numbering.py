"""Receipt numbers of handovers (异地代收回执号), unique under concurrency.

Format: ``YD`` + the receiving region's 12-digit code + Beijing date + 6-digit daily sequence, e.g.
``YD44070400000020261127000003``: the third handover received in Jianghai on 27 November 2026.
The ``YD`` (异地) prefix keeps receipts apart from the region's own case numbers. The sequence is
one row per region and day incremented by a single UPDATE … RETURNING in the receiving
transaction (dgov.cases.numbering.daily_sequence_next, as for case numbers).
"""

from __future__ import annotations

from datetime import datetime

from dgov.core.sequences import SEQUENCE_DIGITS, daily_sequence_next, region_code_12
from dgov.core.workdays import local_date
from dgov.crossregion.models import ReceiptSequence

PREFIX = "YD"


def receipt_number_next(*, region_code: str, at: datetime) -> str:
    """The next receipt number for region_code on at's Beijing date; call inside a transaction."""
    region = region_code_12(region_code)
    day = local_date(at)
    last = daily_sequence_next(ReceiptSequence, region, day, what="handovers")
    return f"{PREFIX}{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"


def receipt_number_valid(number: str) -> bool:
    """Whether number has the documented shape (refuses junk before a database look-up)."""
    return len(number) == 28 and number.startswith(PREFIX) and number[2:].isdigit()
