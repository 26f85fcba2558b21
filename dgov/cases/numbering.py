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

from datetime import datetime

from dgov.cases.models import CaseNumberSequence
from dgov.core.sequences import SEQUENCE_DIGITS, daily_sequence_next, region_code_12
from dgov.core.workdays import local_date


def case_number_next(*, region_code: str, at: datetime) -> str:
    """The next case number for region_code on at's Beijing date; call inside a transaction."""
    region = region_code_12(region_code)
    day = local_date(at)
    last = daily_sequence_next(CaseNumberSequence, region, day, what="cases")
    return f"{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"


def case_number_valid(number: str) -> bool:
    """Whether number has the documented shape (used to refuse junk before a database look-up)."""
    return len(number) == 26 and number.isdigit()
