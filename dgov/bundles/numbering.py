"""Bundle numbers (一件事编号): ``YJS`` + 12-digit region code + Beijing date + 6-digit sequence.

Example: ``YJS44070400000020261127000007`` is the 7th bundle application of the district on 27
November 2026. Bundles have their own sequence so that the case numbers of the district stay
gap-free (dgov.cases.numbering); the row is incremented by one conditional UPDATE inside the
submitting transaction, so concurrent submissions take turns for the increment only and a
rolled-back submission gives its number back.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F

from dgov.bundles.models import BundleNumberSequence
from dgov.cases.numbering import region_code_12
from dgov.core.workdays import local_date

PREFIX = "YJS"
SEQUENCE_DIGITS = 6


def bundle_number_next(*, region_code: str, at: datetime) -> str:
    """The next bundle number for region_code on at's Beijing date; call inside a transaction."""
    region = region_code_12(region_code)
    day = local_date(at)
    rows = BundleNumberSequence.objects.filter(region_code=region, day=day)
    # The UPDATE takes the row lock until commit: the read after it sees this transaction's value.
    if not rows.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                BundleNumberSequence.objects.create(region_code=region, day=day, last=1)
        except IntegrityError:
            # Another submission created the day's row first: take the next number after it.
            rows.update(last=F("last") + 1)
    last = rows.values_list("last", flat=True).get()
    if last >= 10**SEQUENCE_DIGITS:
        raise OverflowError("more than 999999 bundle applications in one region on one day")
    return f"{PREFIX}{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"
