"""Licence identifiers (电子证照标识) as the national platform uses them (GB/T 36904).

Format::

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

- ``1.2.156.3005.2`` the root: the e-licence arc of China's OID tree;
- ``type code`` 21 characters: the 18-character unified social credit code (GB 32100) of the
  department that defines the licence type, then a 3-digit type number it assigns;
- ``issuer code`` the 18-character credit code of the issuing department;
- ``serial`` the licence's serial number, unique per type and issuer; here the issuing year and an
  8-digit sequence (``202600000042``); a new version of a licence keeps its serial;
- ``version`` 3 digits from 001, raised by each change or renewal;
- ``check`` one character by ISO/IEC 7064 MOD 37,36 (hybrid system, alphabet 0-9A-Z) over the
  body: every part after the root, dots removed, upper case.

Example: ``1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.002.S``.
"""

from __future__ import annotations

import re

ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36

_PART = re.compile(r"^[0-9A-Z]+$")
_IDENTIFIER = re.compile(r"^1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{18})\.([0-9A-Z]{1,40})\.(\d{3})\.([0-9A-Z])$")


class IdentifierError(ValueError):
    """Text that is not a well-formed licence identifier."""


def mod37_36(body: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character of body (characters 0-9 and A-Z)."""
    product = _M
    for char in body.upper():
        value = ALPHABET.find(char)
        if value < 0:
            raise IdentifierError(f"{char!r} is not in 0-9A-Z")
        total = (product + value) % _M or _M
        product = (total * 2) % (_M + 1)
    return ALPHABET[(_M + 1 - product) % _M]


def mod37_36_valid(text: str) -> bool:
    """Whether the last character of text is the check character of the rest."""
    return len(text) >= 2 and mod37_36(text[:-1]) == text[-1].upper()


def licence_identifier(*, type_code: str, issuer_code: str, serial: str, version: int) -> str:
    """The identifier for these parts, with its check character."""
    parts = [type_code.upper(), issuer_code.upper(), serial.upper()]
    if len(parts[0]) != 21 or len(parts[1]) != 18 or not all(_PART.match(p) for p in parts):
        raise IdentifierError("type code is 21 and issuer code 18 characters of 0-9A-Z; serial 0-9A-Z")
    if not 1 <= version <= 999:
        raise IdentifierError("version is 1 to 999")
    body = "".join(parts) + f"{version:03d}"
    return f"{ROOT}.{parts[0]}.{parts[1]}.{parts[2]}.{version:03d}.{mod37_36(body)}"


def identifier_parse(text: str) -> dict[str, str]:
    """The parts of a well-formed identifier; IdentifierError names what is wrong."""
    text = (text or "").strip().upper()
    match = _IDENTIFIER.match(text)
    if not match:
        raise IdentifierError("not in the form 1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>")
    type_code, issuer_code, serial, version, check = match.groups()
    if mod37_36(type_code + issuer_code + serial + version) != check:
        raise IdentifierError("the check character does not match")
    return {"type_code": type_code, "issuer_code": issuer_code, "serial": serial, "version": version, "check": check}
