"""Bundle numbers (一件事编号): ``YJS`` + 12-digit region code + Beijing date + 6-digit sequence.

Example: ``YJS44070400000020261127000007`` is the 7th bundle application of the district on 27
November 2026. Bundles have their own sequence so that the case numbers of the district stay
gap-free (dgov.cases.numbering); the row is incremented by one conditional UPDATE inside the
submitting transaction, so concurrent submissions take turns for the increment only and a
rolled-back submission gives its number back.
"""

from __future__ import annotations

from datetime import datetime

from dgov.bundles.models import BundleNumberSequence
from dgov.core.sequences import SEQUENCE_DIGITS, daily_sequence_next, region_code_12
from dgov.core.workdays import local_date

PREFIX = "YJS"


def bundle_number_next(*, region_code: str, at: datetime) -> str:
    """The next bundle number for region_code on at's Beijing date; call inside a transaction."""
    region = region_code_12(region_code)
    day = local_date(at)
    last = daily_sequence_next(BundleNumberSequence, region, day, what="bundle applications")
    return f"{PREFIX}{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"
