"""The catalogue as an XLSX workbook: sheets 事项, 材料 and 填写说明."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from django.utils.translation import gettext as _

from dgov.catalog.content import ItemContent, MaterialContent
from dgov.catalog.exchange.common import (
    FALSE_WORDS,
    HELP_SHEET,
    ITEM_COLUMNS,
    ITEM_DEFAULTS,
    ITEMS_SHEET,
    MATERIAL_COLUMNS,
    MATERIAL_DEFAULTS,
    MATERIALS_SHEET,
    MAX_ITEMS,
    MAX_MATERIALS,
    SAME_DAY_WORDS,
    TRUE_WORDS,
    Column,
    Names,
    ParsedCatalogue,
    ParsedItem,
    RowError,
    Where,
)
from dgov.core.errors import ApplicationError

_LIST_SPLIT = re.compile(r"[、，,；;\s]+")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# --- Reading cells ------------------------------------------------------------------------------


class _Bad(Exception):
    """A cell whose value cannot be read as its column's type."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _int(value: Any, *, days: bool = False) -> int:
    if isinstance(value, bool):
        raise _Bad(_("A whole number is expected here."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if days and text in SAME_DAY_WORDS:
        return 0
    if days:
        text = re.sub(r"(个)?工作日$", "", text)
    if re.fullmatch(r"\d{1,6}", text):
        return int(text)
    raise _Bad(_("A whole number is expected here."))


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise _Bad(_("Write 是 or 否 here."))


def _choice(value: Any, labels: dict[str, str]) -> str:
    text = _text(value)
    by_label = {v: k for k, v in labels.items()}
    return by_label.get(text, text)  # an unknown value is kept for the rules to report


def _split(value: Any) -> list[str]:
    return [part for part in _LIST_SPLIT.split(_text(value)) if part]


def _json(value: Any) -> Any:
    text = _text(value)
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _Bad(_("This is not valid JSON: %(error)s") % {"error": exc}) from exc


def _cell(column: Column, value: Any, names: Names) -> Any:
    if column.kind == "int":
        return _int(value) if _text(value) else ITEM_DEFAULTS.get(column.field, MATERIAL_DEFAULTS.get(column.field))
    if column.kind == "days":
        return _int(value, days=True)
    if column.kind == "bool":
        return _bool(value)
    if column.kind == "choice":
        assert column.labels is not None
        if not _text(value):
            return ITEM_DEFAULTS.get(column.field, MATERIAL_DEFAULTS.get(column.field, ""))
        return _choice(value, column.labels)
    if column.kind == "multi":
        assert column.labels is not None
        return tuple(_choice(v, column.labels) for v in _split(value))
    if column.kind == "department":
        return names.departments.get(_text(value), _text(value))
    if column.kind == "life_events":
        return tuple(names.life_events.get(v, v) for v in _split(value))
    if column.kind == "json":
        return _json(value)
    return _text(value)


def _placeholder(column: Column) -> Any:
    """A value of the right type for a cell that could not be read (its error is already reported)."""
    return {"int": 0, "days": 0, "bool": False, "json": {}, "multi": ()}.get(column.kind, "")


# --- XLSX ---------------------------------------------------------------------------------------


def _sheet_rows(workbook: Any, title: str, limit: int) -> Iterable[tuple[int, tuple[Any, ...]]]:
    sheet = workbook[title]
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > limit + 1:
            raise ApplicationError(
                _("The sheet %(sheet)s has more than %(n)d rows.") % {"sheet": title, "n": limit}, code="too_many_rows"
            )
        yield number, row


def _header_map(
    header: tuple[Any, ...], columns: tuple[Column, ...], sheet: str, errors: list[RowError]
) -> dict[int, Column]:
    # A read-only column (a value the platform computes) is not read: its cells are ignored like
    # those of any column this platform does not know.
    by_header = {c.header: c for c in columns if not c.read_only}
    found: dict[int, Column] = {}
    for index, value in enumerate(header):
        column = by_header.get(_text(value))
        if column is not None:
            if column in found.values():
                errors.append(RowError(sheet, 1, column.header, _("This column appears twice.")))
            found[index] = column
    for column in by_header.values():
        if column.required and column not in found.values():
            errors.append(RowError(sheet, 1, column.header, _("The column is missing.")))
    return found


def _read_rows(
    workbook: Any, sheet: str, columns: tuple[Column, ...], limit: int, names: Names, errors: list[RowError]
) -> list[tuple[int, dict[str, Any], set[str]]]:
    """(row number, values by field, fields that could not be read) for each non-empty row."""
    rows = _sheet_rows(workbook, sheet, limit)
    first = next(iter(rows), None)
    if first is None:
        errors.append(RowError(sheet, 1, "", _("The sheet is empty: the first row holds the column headers.")))
        return []
    mapping = _header_map(first[1], columns, sheet, errors)
    if any(e.sheet == sheet and e.row == 1 for e in errors):
        return []
    out = []
    for number, row in rows:
        if all(_text(v) == "" for v in row):
            continue
        values: dict[str, Any] = {}
        bad: set[str] = set()
        for index, column in mapping.items():
            raw = row[index] if index < len(row) else None
            try:
                values[column.field] = _cell(column, raw, names)
            except _Bad as exc:
                errors.append(RowError(sheet, number, column.header, str(exc)))
                values[column.field] = _placeholder(column)
                bad.add(column.field)
        out.append((number, values, bad))
    return out


def read_xlsx(file: IO[bytes], names: Names) -> ParsedCatalogue:
    """Read an XLSX catalogue (sheets 事项 and 材料); problems go to ``errors``, nothing is written."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ApplicationError(_("This is not an XLSX workbook."), code="not_xlsx") from exc
    parsed = ParsedCatalogue(format="xlsx")
    try:
        for title in (ITEMS_SHEET, MATERIALS_SHEET):
            if title not in workbook.sheetnames:
                parsed.errors.append(
                    RowError(title, 0, "", _("The workbook has no sheet named %(sheet)s.") % {"sheet": title})
                )
        if parsed.errors:
            return parsed
        item_rows = _read_rows(workbook, ITEMS_SHEET, ITEM_COLUMNS, MAX_ITEMS, names, parsed.errors)
        material_rows = _read_rows(workbook, MATERIALS_SHEET, MATERIAL_COLUMNS, MAX_MATERIALS, names, parsed.errors)
    finally:
        workbook.close()

    item_columns = {c.field: c.header for c in ITEM_COLUMNS}
    material_columns = {c.field: c.header for c in MATERIAL_COLUMNS}
    first_row_of: dict[str, int] = {}
    for number, values, _bad in item_rows:
        first_row_of.setdefault(values.get("code", ""), number)
    materials_of: dict[str, list[tuple[int, int, dict[str, Any], set[str]]]] = {}
    for number, values, bad in material_rows:
        code = values.pop("item_code", "")
        position = values.pop("position", None)
        if code not in first_row_of:
            parsed.errors.append(
                RowError(
                    MATERIALS_SHEET,
                    number,
                    "事项编码",
                    _("No item on the sheet 事项 has the code %(code)s.") % {"code": code},
                )
            )
            continue
        materials_of.setdefault(code, []).append((position if position else 10**6, number, values, bad))

    for number, values, bad in item_rows:
        code = values.get("code", "")
        mats = sorted(materials_of.get(code, []), key=lambda m: (m[0], m[1])) if first_row_of[code] == number else []
        reported = set(bad)
        for n, (_pos, _row, _values, mbad) in enumerate(mats, start=1):
            reported |= {f"materials.{n}.{f}" for f in mbad}
        content = ItemContent(
            **{**ITEM_DEFAULTS, **values},
            materials=tuple(MaterialContent(**{**MATERIAL_DEFAULTS, **m[2]}) for m in mats),
        )
        parsed.items.append(
            ParsedItem(
                content=content,
                at=Where(ITEMS_SHEET, number),
                columns=item_columns,
                material_at=[Where(MATERIALS_SHEET, m[1]) for m in mats],
                material_columns=material_columns,
                reported=reported,
            )
        )
    return parsed


def _write_value(column: Column, value: Any, names: Names) -> Any:
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        assert column.labels is not None
        return column.labels.get(value, value)
    if column.kind == "multi":
        assert column.labels is not None
        return "、".join(column.labels.get(v, v) for v in value)
    if column.kind == "department":
        return names.department_names.get(value, value)
    if column.kind == "life_events":
        return "、".join(names.life_event_names.get(v, v) for v in value)
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False) if value else ""
    if isinstance(value, str):
        return _ILLEGAL.sub("", value)
    return value


def _append(sheet: Any, values: list[Any]) -> None:
    sheet.append(values)
    # Text that starts with "=" stays text: a cell never becomes a formula (spreadsheet injection).
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def write_xlsx(contents: Iterable[ItemContent], names: Names) -> bytes:
    """The XLSX catalogue: sheets 事项, 材料 and 填写说明."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    items = workbook.active
    items.title = ITEMS_SHEET
    materials = workbook.create_sheet(MATERIALS_SHEET)
    guide = workbook.create_sheet(HELP_SHEET)
    for sheet, columns in ((items, ITEM_COLUMNS), (materials, MATERIAL_COLUMNS)):
        sheet.append([c.header for c in columns])
        for n, column in enumerate(columns, start=1):
            header = sheet.cell(row=1, column=n)
            header.font = Font(bold=True, italic=column.read_only)
            if column.read_only:
                header.fill = PatternFill("solid", fgColor="E7E6E6")
            sheet.column_dimensions[get_column_letter(n)].width = 28 if column.kind == "text" else 14
        sheet.freeze_panes = "B2"
    for content in contents:
        _append(items, [_write_value(c, getattr(content, c.field), names) for c in ITEM_COLUMNS])
        for n, material in enumerate(content.materials, start=1):
            row = {"item_code": content.code, "position": n, **material.as_dict()}
            _append(materials, [_write_value(c, row[c.field], names) for c in MATERIAL_COLUMNS])
    guide.append(["工作表", "列名", "必填", "可选值", "说明"])
    for title, columns in ((ITEMS_SHEET, ITEM_COLUMNS), (MATERIALS_SHEET, MATERIAL_COLUMNS)):
        for column in columns:
            allowed = "、".join(column.labels.values()) if column.labels else {"bool": "是、否"}.get(column.kind, "")
            guide.append([title, column.header, "是" if column.required else "", allowed, column.note])
    for n in range(1, 6):
        guide.cell(row=1, column=n).font = Font(bold=True)
        guide.column_dimensions[get_column_letter(n)].width = (12, 16, 6, 40, 60)[n - 1]
    for row in guide.iter_rows(min_row=2):
        row[4].alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
