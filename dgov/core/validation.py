"""Checks of Chinese identifiers used across apps."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_number_check_char(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    """A resident ID number (GB 11643-1999), upper-cased; ValueError when malformed."""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValueError(_("An ID number has 18 characters: 17 digits and a final digit or X."))
    if id_number_check_char(value[:17]) != value[17]:
        raise ValueError(_("The ID number's check digit is wrong; please check it."))
    return value


def normalise_phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", value.strip())
    if value.startswith("+86"):
        value = value[3:]
    if not re.fullmatch(r"1[3-9]\d{9}", value):
        raise ValueError(_("A mobile number has 11 digits and starts with 13–19."))
    return value


def credit_code_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """A unified social credit code (GB 32100-2015); ValueError when malformed."""
    value = value.strip().upper()
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        raise ValueError(_("A unified social credit code has 18 digits or capital letters (no I, O, S, V, Z)."))
    if credit_code_check_char(value[:17]) != value[17]:
        raise ValueError(_("The credit code's check character is wrong; please check it."))
    return value
