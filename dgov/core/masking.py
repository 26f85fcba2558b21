"""How personal data is shown: never in full outside the holder's own page and audited reads."""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """440704********1234: region code kept, birth date and sequence hidden."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*, 欧阳** : the family name (first character) only."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else value


def mask_email(address: str) -> str:
    """z***@example.gov.cn: the first character of the mailbox and the domain."""
    local, at, domain = address.partition("@")
    if not at:
        return "*" * len(address)
    return (local[:1] + "***" if local else "***") + "@" + domain
