"""Writing XLSX exports safely: text that comes from data stays text, sheet titles stay legal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

# Excel refuses these characters in a sheet title and titles longer than 31 characters.
_SHEET_FORBIDDEN: Final = str.maketrans({c: " " for c in "[]:*?/\\"})
SHEET_TITLE_MAX: Final = 31


def sheet_title(title: str) -> str:
    return title.translate(_SHEET_FORBIDDEN).strip()[:SHEET_TITLE_MAX]


def cell(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def append_row(sheet: Any, values: list[Any]) -> None:
    """One row; text is always stored as text, never run as a formula (names come from data)."""
    sheet.append([cell(v) for v in values])
    for c in sheet[sheet.max_row]:
        if isinstance(c.value, str) and c.data_type == "f":
            c.data_type = "s"
