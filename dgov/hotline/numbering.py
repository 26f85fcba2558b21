"""Ticket numbers (工单编号) and follow-up codes.

Format: ``RX`` + the hotline's 12-digit region code + ``YYYYMMDD`` + a 6-digit day sequence, 28
characters, e.g. ``RX44070400000020261127000042``: the 42nd ticket registered by Jianghai's
hotline on 27 November 2026 (Beijing time). The letters keep a ticket number from ever being
taken for a case number (26 digits) or an ID number (18 characters). The sequence comes from
dgov.core.sequences (one row per region and day, one UPDATE … RETURNING per ticket).

The follow-up code is 6 random digits given to the caller with the number; number + code show
a ticket's progress without signing in.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings

from dgov.core.sequences import SEQUENCE_DIGITS, daily_sequence_next, region_code_12
from dgov.core.workdays import local_date
from dgov.hotline.models import TicketNumberSequence

PREFIX = "RX"
NUMBER_LENGTH = len(PREFIX) + 12 + 8 + SEQUENCE_DIGITS
LOOKUP_CODE_DIGITS = 6


def hotline_region_code() -> str:
    """The region whose hotline this platform runs (DGOV_HOTLINE_REGION, default the district)."""
    return str(getattr(settings, "DGOV_HOTLINE_REGION", "440704"))


def ticket_number_next(*, at: datetime) -> str:
    """The next ticket number on at's Beijing date; call inside the registering transaction."""
    region = region_code_12(hotline_region_code())
    day = local_date(at)
    last = daily_sequence_next(TicketNumberSequence, region, day, what="tickets")
    return f"{PREFIX}{region}{day:%Y%m%d}{last:0{SEQUENCE_DIGITS}d}"


def ticket_number_valid(number: str) -> bool:
    """Whether number has the documented shape (refuses junk before a database look-up)."""
    return len(number) == NUMBER_LENGTH and number.startswith(PREFIX) and number[len(PREFIX) :].isdigit()


def lookup_code_new() -> str:
    return f"{secrets.randbelow(10**LOOKUP_CODE_DIGITS):0{LOOKUP_CODE_DIGITS}d}"
