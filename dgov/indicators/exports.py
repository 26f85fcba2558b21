"""The assessment exports: the plan's 表1 as XLSX and as PDF, and a drill-down list as XLSX.

Both 表1 files carry the day of the snapshot and when it was computed, each indicator's source
(computed or reported), numerator and denominator, status and the plan's formula with the
platform's interpretation (附件1), so an assessor reads the figures and how they were reached.
The PDF is drawn with ReportLab in the vendored Noto Sans SC (subset and embedded), A4 landscape.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dgov.core.measures import Provider
from dgov.core.spreadsheets import append_row, sheet_title
from dgov.indicators.computation import figure_text
from dgov.indicators.models import Snapshot
from dgov.indicators.selectors import Board, Row

SOURCE_LABELS = dict(Snapshot.Source.choices)


def _headers() -> list[str]:
    return [
        _("No."),
        _("Category"),
        _("Indicator"),
        _("Unit"),
        _("2020 baseline"),
        _("2023 mid-term target"),
        _("2025 target"),
        _("Current value"),
        _("Source"),
        _("Numerator"),
        _("Denominator"),
        _("Status"),
        _("Formula in the plan"),
        _("How the platform computes it"),
    ]


def _row_values(row: Row) -> list[Any]:
    i, snap = row.indicator, row.snapshot
    name = ("★" if i.provincial else "") + i.name
    return [
        i.number,
        i.category,
        name,
        i.unit_label,
        i.baseline,
        i.midterm,
        i.target,
        snap.value if snap is not None else None,
        str(SOURCE_LABELS[row.source]),
        snap.numerator if snap is not None else None,
        snap.denominator if snap is not None else None,
        row.status_label,
        i.formula,
        i.computation,
    ]


def _heading_lines(board: Board) -> list[str]:
    lines = [_("Main public indicators of the digital government plan (Table 1)"), board.scope.label]
    if board.day is None:
        lines.append(_("No snapshot has been taken yet."))
    else:
        lines.append(
            _("Values of %(day)s, computed at %(at)s. ★ provincial indicator.")
            % {
                "day": board.day.isoformat(),
                "at": date_format(timezone.localtime(board.computed_at), "Y-m-d H:i") if board.computed_at else "—",
            }
        )
    return lines


def table_xlsx(board: Board) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title(_("Table 1"))
    for line in _heading_lines(board):
        append_row(sheet, [line])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, _headers())
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in board.rows:
        append_row(sheet, _row_values(row))
    for col, width in zip("ABCDEFGHIJKLMN", (6, 16, 36, 10, 12, 12, 12, 14, 10, 14, 14, 10, 48, 60), strict=True):
        sheet.column_dimensions[col].width = width
    for line in sheet.iter_rows(min_row=header_row + 1):
        for cell in line[12:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_pdf(board: Board) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from dgov.licences.sealimage import register_pdf_font

    font = register_pdf_font()
    # Chinese breaks between any two characters (wordWrap "CJK").
    body = ParagraphStyle("body", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=18, spaceAfter=2 * mm)
    note = ParagraphStyle("note", fontName=font, fontSize=9, leading=12)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("Table 1"),
        author="江海数字政府平台",
    )
    lines = _heading_lines(board)
    story: list[Any] = [Paragraph(_escape(lines[0]), title)]
    story += [Paragraph(_escape(line), note) for line in lines[1:]]
    story.append(Spacer(1, 3 * mm))
    headers = _headers()
    data: list[list[Any]] = [[Paragraph(_escape(h), body) for h in headers]]
    for row in board.rows:
        data.append([Paragraph(_escape(text(v)), body) for v in _row_values(row)])
    widths = [8, 20, 38, 12, 14, 14, 14, 16, 14, 16, 16, 14, 42, 40]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8c8c8c")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0ede4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    return out.getvalue()


def text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return figure_text(value)
    return str(value)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def read_path(record: Any, path: str) -> Any:
    """Follow a dotted path on a record; a method at the end is called (``get_kind_display``)."""
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    if callable(value):
        value = value()
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def records_xlsx(*, title: str, heading: Iterable[str], provider: Provider, records: Iterable[Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title(title)
    for line in heading:
        append_row(sheet, [line])
    append_row(sheet, [str(c.header) for c in provider.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for record in records:
        append_row(sheet, [_plain(read_path(record, c.path)) for c in provider.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (int, float, Decimal, str)):
        return value
    return str(value)
