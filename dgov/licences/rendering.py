"""The printable face of an e-licence: an A4 PDF drawn with ReportLab.

The renderer knows nothing about models or translations: the caller builds a `LicencePrint` with
every text already in the reader's language (masked where the law asks) and gets PDF bytes back.
Every text is set in the vendored Noto Sans SC, which ReportLab subsets and embeds, so the PDF
reads the same on a machine without Chinese fonts.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final, Literal

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer, Table, TableStyle

from dgov.licences.sealimage import register_pdf_font

PLATFORM_NAME: Final = "江海数字政府平台"
# Read at each render; the tests turn compression off to read the content streams.
PAGE_COMPRESSION = 1

LABEL_KEYS: Final = frozenset({"identifier", "issuer", "issued_on", "validity", "verify_hint"})
# ISO/IEC 18004 asks for a quiet zone of four modules around the symbol.
QR_QUIET_ZONE: Final = 4
QR_ERROR: Final = "M"

_INK: Final = colors.HexColor("#1a1a1a")
_MUTED: Final = colors.HexColor("#555555")
_FRAME_RED: Final = colors.HexColor("#9b1c1c")
_STATUS_RED: Final = colors.HexColor("#d7000f")
_LABEL_FILL: Final = colors.HexColor("#f5f1e8")
_GRID: Final = colors.HexColor("#8c8c8c")

_PAGE_W, _PAGE_H = A4
_BORDER_INSET: Final = 10 * mm
_MARGIN_X: Final = 20 * mm
_MARGIN_TOP: Final = 26 * mm
_MARGIN_BOTTOM: Final = 17 * mm
_SEAL_DIAMETER: Final = 40 * mm  # the usual size of a round official seal
# A printed QR code scans reliably with modules of about 0.35 mm: small payloads get a 34 mm
# square, large ones (up to about 1.5 kB, version 32) grow up to 60 mm.
_QR_MODULE: Final = 0.35 * mm
_QR_SIDE_MIN: Final = 34 * mm
_QR_SIDE_MAX: Final = 60 * mm

# Line-breaking rules for Chinese (GB/T 15834 标点符号用法): closing punctuation never starts a
# line, opening punctuation never ends one.
NO_LINE_START: Final = frozenset("，。、；：？！…‥·）〕］｝〉》」』】〗〙’”％‰℃,.;:?!)]}%")
NO_LINE_END: Final = frozenset("（〔［｛〈《「『【〖〘‘“([{")
# Breakable units: a run of Latin letters, digits and the marks that join them (kept whole when
# it fits on a line), one space, or any other single character (an ideograph, a punctuation mark).
_UNIT = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff@#&*+\-_=/\\|~^'\".:,;!?%()\[\]{}<>]+|\s|.")
# The em box of Noto Sans SC is centred 0.38 em above the baseline (ascender 880, descender -120).
_EM_CENTRE: Final = 0.38


@dataclass(frozen=True, kw_only=True)
class LicencePrint:
    """What one printed licence shows, every text already in the reader's language."""

    title: str
    identifier: str
    holder_label: str
    holder_name: str
    holder_id_label: str
    holder_id: str
    fields: list[tuple[str, str]]
    issuer_name: str
    issued_on: str
    validity: str
    status_note: str
    seal_png: bytes
    qr_payload: str
    verify_url: str
    labels: dict[str, str]
    language: str = "zh-hans"
    # The licence type's printed note (e.g. where to report changes), under the face fields.
    note: str = ""

    def __post_init__(self) -> None:
        missing = LABEL_KEYS - self.labels.keys()
        if missing:
            raise ValueError(f"labels missing: {', '.join(sorted(missing))}")


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR symbol of `payload` (error correction M, smallest version that holds it), without
    the quiet zone; True is a dark module."""
    if payload.isascii():
        qr = segno.make(payload, error=QR_ERROR, boost_error=False, micro=False)
    else:
        # UTF-8 in byte mode, as Chinese readers expect. Left to itself segno can take UTF-8 bytes
        # that happen to look like Shift JIS pairs (证照, for one) for kanji mode, and scanners
        # would then read other characters.
        qr = segno.make(payload, error=QR_ERROR, boost_error=False, micro=False, mode="byte", encoding="utf-8")
    return [[bool(module) for module in row] for row in qr.matrix]


def render_pdf(print_: LicencePrint) -> bytes:
    """The licence as an A4 portrait PDF; the same `print_` always gives the same bytes."""
    font = register_pdf_font()
    styles = _Styles(font, print_.language)
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=f"{print_.title} {print_.identifier}",
        author=PLATFORM_NAME,
        subject=print_.title,
        creator=PLATFORM_NAME,
        producer=PLATFORM_NAME,
        keywords=[],
        lang=_bcp47(print_.language),
        displayDocTitle=1,
        # Fixed dates and document ID: two renders of the same licence are byte-identical.
        invariant=1,
        pageCompression=PAGE_COMPRESSION,
        initialFontName=font,
    )
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, leftPadding=0, rightPadding=0, topPadding=0)
    page = _Page(print_, font)
    doc.addPageTemplates([PageTemplate(id="licence", frames=[frame], onPage=page.before, onPageEnd=page.after)])
    doc.build(_story(print_, styles))
    return out.getvalue()


def break_lines(text: str, *, font: str, size: float, width: float) -> list[str]:
    """`text` cut into lines no wider than `width`, after the Chinese rules: between any two
    ideographs, never before closing or after opening punctuation, Latin words kept whole when
    they fit on a line. Newlines in `text` are kept. A column only a few characters wide may
    still get a line of one punctuation mark: a rule is broken rather than the width."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_break_paragraph(paragraph, font, size, width))
    return lines


def _break_paragraph(text: str, font: str, size: float, width: float) -> list[str]:
    def measure(units: list[str]) -> float:
        return stringWidth("".join(units), font, size)

    lines: list[list[str]] = []
    line: list[str] = []
    for unit in _UNIT.findall(text):
        if measure([*line, unit]) <= width:
            line.append(unit)
            continue
        if unit.isspace():  # a space at a break disappears
            lines.append(line)
            line = []
            continue
        if stringWidth(unit, font, size) > width:  # a word longer than a line: cut anywhere
            for char in unit:
                if line and measure([*line, char]) > width:
                    lines.append(line)
                    line = []
                line.append(char)
            continue
        carried: list[str] = []
        # Closing punctuation takes the unit before it along to the next line (and the one
        # before that, for "）。"); opening punctuation left at the end of this line goes too.
        if unit[0] in NO_LINE_START:
            while len(line) > 1:
                carried.insert(0, line.pop())
                if carried[0][0] not in NO_LINE_START:
                    break
        while len(line) > 1 and line[-1][-1] in NO_LINE_END:
            carried.insert(0, line.pop())
        if line:
            lines.append(line)
        line = [*carried, unit]
    lines.append(line)
    return ["".join(units).strip() for units in lines]


def _bcp47(language: str) -> str:
    """Django's language code (zh-hans, en-gb) as a PDF /Lang tag (zh-Hans, en-GB)."""
    parts = language.replace("_", "-").split("-")
    tag = [parts[0].lower()]
    for part in parts[1:]:
        tag.append(part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part.lower())
    return "-".join(tag)


@dataclass(frozen=True)
class _TextStyle:
    font: str
    size: float
    leading: float
    color: colors.Color = _INK
    align: Literal["left", "centre"] = "left"


class _Text(Flowable):
    """Plain text set line by line with `break_lines`. No markup is parsed, so a value can never
    be taken for ReportLab paragraph tags (which can, among other things, load files)."""

    def __init__(self, text: str, style: _TextStyle) -> None:
        super().__init__()
        self.text = unicodedata.normalize("NFC", text)
        self.style = style
        self.lines: list[str] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        style = self.style
        self.lines = break_lines(self.text, font=style.font, size=style.size, width=avail_width)
        self.width = avail_width
        self.height = style.leading * len(self.lines)
        return avail_width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        # Between lines: a value longer than a page (a long business scope) continues on the next.
        # The lines are those of the last wrap: a table passes its column's width here, padding
        # included, while it wraps cells at the width inside the padding.
        if not self.lines:
            self.wrap(avail_width, avail_height)
        fits = int(avail_height // self.style.leading)
        if fits < 1 or fits >= len(self.lines):
            return []
        return [_Text("\n".join(part), self.style) for part in (self.lines[:fits], self.lines[fits:])]

    def draw(self) -> None:
        canv, style = self.canv, self.style
        canv.setFont(style.font, style.size)
        canv.setFillColor(style.color)
        for index, line in enumerate(self.lines):
            baseline = self.height - index * style.leading - style.leading / 2 - style.size * _EM_CENTRE
            if style.align == "centre":
                canv.drawCentredString(self.width / 2, baseline, line)
            else:
                canv.drawString(0, baseline, line)


class _Styles:
    def __init__(self, font: str, language: str) -> None:
        self.font = font
        chinese = language.lower().startswith("zh")
        # After a label: a full-width colon in Chinese, colon and space otherwise.
        self.colon = "：" if chinese else ": "
        self.label_width = (36 if chinese else 44) * mm
        self.label = _TextStyle(font, 10.5, 15)
        self.value = _TextStyle(font, 11, 16)
        self.identifier = _TextStyle(font, 11.5, 16, _MUTED, "centre")
        self.title = _TextStyle(font, 22, 30, align="centre")
        self.hint = _TextStyle(font, 8, 11, _MUTED)
        self.url = _TextStyle(font, 7.5, 10, _MUTED)
        self.issuer = _TextStyle(font, 11.5, 19, align="centre")


def _story(print_: LicencePrint, styles: _Styles) -> list[Flowable]:
    labels = print_.labels
    rows: list[tuple[str, str]] = [
        (print_.holder_label, print_.holder_name),
        (print_.holder_id_label, print_.holder_id),
        *print_.fields,
        (labels["validity"], print_.validity),
    ]
    table = Table(
        # Cells as lists of flowables: only those can be split across pages (splitInRow).
        [[[_Text(label, styles.label)], [_Text(value, styles.value)]] for label, value in rows],
        colWidths=[styles.label_width, None],
        splitInRow=3 * 16,
        style=TableStyle(
            [
                # The cells draw their own text; this only keeps the table from naming Helvetica.
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("BOX", (0, 0), (-1, -1), 1.1, _INK),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, _GRID),
                ("BACKGROUND", (0, 0), (0, -1), _LABEL_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ]
        ),
    )
    return [
        _Title(print_.title, styles),
        Spacer(0, 3 * mm),
        _Text(f"{labels['identifier']}{styles.colon}{print_.identifier}", styles.identifier),
        Spacer(0, 7 * mm),
        table,
        *([Spacer(0, 3 * mm), _Text(print_.note, styles.identifier)] if print_.note else []),
        Spacer(0, 6 * mm),
        _Footer(print_, styles),
    ]


class _Title(Flowable):
    """The licence type, large and spaced out; a long one shrinks, a very long one wraps."""

    _SIZES: Final = (30, 28, 26, 24, 22)

    def __init__(self, text: str, styles: _Styles) -> None:
        super().__init__()
        self.text = text
        self.styles = styles
        self.size = 0.0
        self.spacing = 0.0
        self.fallback: _Text | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        count = len(self.text)
        for size in self._SIZES:
            width = stringWidth(self.text, self.styles.font, size)
            if width > avail_width:
                continue
            # Short Chinese titles are letter-spaced the way printed certificates are.
            spaced = 1 < count <= 10 and all(unicodedata.east_asian_width(char) in "WF" for char in self.text)
            spacing = min(size * 0.35, (avail_width - width) / (count - 1)) if spaced else 0.0
            self.size, self.spacing, self.fallback = size, spacing, None
            self.height = size * 1.3
            return avail_width, self.height
        self.fallback = _Text(self.text, self.styles.title)
        _, self.height = self.fallback.wrap(avail_width, avail_height)
        return avail_width, self.height

    def draw(self) -> None:
        if self.fallback is not None:
            self.fallback.drawOn(self.canv, 0, 0)
            return
        canv = self.canv
        width = stringWidth(self.text, self.styles.font, self.size) + self.spacing * (len(self.text) - 1)
        text = canv.beginText((self.width - width) / 2, self.size * 0.3)
        text.setFont(self.styles.font, self.size)
        text.setCharSpace(self.spacing)
        # Fill and stroke: a heavier weight from the one regular font that is embedded.
        text.setTextRenderMode(2)
        canv.setLineWidth(self.size * 0.025)
        canv.setFillColor(_INK)
        canv.setStrokeColor(_INK)
        text.textOut(self.text)
        canv.drawText(text)


class _Footer(Flowable):
    """QR code and verification hint on the left, issuer and date under the seal on the right.

    It takes all the height left on the page and draws at its bottom, so it sits at the foot of
    the last page whatever the length of the table; if it does not fit it moves to a new page.
    """

    _LEFT_WIDTH: Final = 72 * mm
    _RIGHT_WIDTH: Final = 82 * mm

    def __init__(self, print_: LicencePrint, styles: _Styles) -> None:
        super().__init__()
        self.print_ = print_
        labels = print_.labels
        self.hint = _Text(labels["verify_hint"], styles.hint)
        self.url = _Text(print_.verify_url, styles.url)
        self.issuer = _Text(f"{labels['issuer']}{styles.colon}{print_.issuer_name}", styles.issuer)
        self.issued_on = _Text(f"{labels['issued_on']}{styles.colon}{print_.issued_on}", styles.issuer)
        self.matrix = qr_matrix(print_.qr_payload)
        modules = len(self.matrix) + 2 * QR_QUIET_ZONE
        self.qr_side = min(_QR_SIDE_MAX, max(_QR_SIDE_MIN, modules * _QR_MODULE))
        self.content_height = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        hint = self.hint.wrap(self._LEFT_WIDTH, avail_height)[1]
        url = self.url.wrap(self._LEFT_WIDTH, avail_height)[1]
        issuer = self.issuer.wrap(self._RIGHT_WIDTH, avail_height)[1]
        issued_on = self.issued_on.wrap(self._RIGHT_WIDTH, avail_height)[1]
        left = self.qr_side + 2 + hint + url
        right = max(_SEAL_DIAMETER, 2 * max(issuer, issued_on)) + 4 * mm
        self.content_height = max(left, right)
        self.height = max(self.content_height, avail_height)
        return avail_width, self.height

    def draw(self) -> None:
        canv = self.canv
        # Left, from the bottom up: the address, the hint, the QR code.
        self.url.drawOn(canv, 0, 0)
        self.hint.drawOn(canv, 0, self.url.height)
        module = self.qr_side / (len(self.matrix) + 2 * QR_QUIET_ZONE)
        # The quiet zone lies in the margin, so the symbol lines up with the text under it.
        _draw_qr(canv, self.matrix, -QR_QUIET_ZONE * module, self.url.height + self.hint.height + 2, self.qr_side)

        # Right: issuer over date, the seal centred on the pair, the way a seal is stamped.
        left = self.width - self._RIGHT_WIDTH
        centre_x = left + self._RIGHT_WIDTH / 2
        centre_y = max(self.content_height / 2, _SEAL_DIAMETER / 2 + 2 * mm)
        self.issuer.drawOn(canv, left, centre_y + 1)
        self.issued_on.drawOn(canv, left, centre_y - self.issued_on.height - 1)
        canv.saveState()
        # Multiply: the red lies over the black text like ink and the text stays readable.
        canv.setBlendMode("Multiply")
        canv.drawImage(
            ImageReader(io.BytesIO(self.print_.seal_png)),
            centre_x - _SEAL_DIAMETER / 2,
            centre_y - _SEAL_DIAMETER / 2,
            width=_SEAL_DIAMETER,
            height=_SEAL_DIAMETER,
            mask="auto",
        )
        canv.restoreState()


def _draw_qr(canv: Canvas, matrix: list[list[bool]], x: float, y: float, side: float) -> None:
    """Dark modules as one filled path of horizontal runs (no hairline seams between squares)."""
    size = len(matrix)
    module = side / (size + 2 * QR_QUIET_ZONE)
    top = y + side - QR_QUIET_ZONE * module
    path = canv.beginPath()
    for row_index, row in enumerate(matrix):
        column = 0
        while column < size:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < size and row[column]:
                column += 1
            path.rect(
                x + (QR_QUIET_ZONE + start) * module,
                top - (row_index + 1) * module,
                (column - start) * module,
                module,
            )
    canv.saveState()
    canv.setFillColor(colors.black)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


class _Page:
    """What every page carries around the flowing content: the border and the status banner."""

    def __init__(self, print_: LicencePrint, font: str) -> None:
        self.print_ = print_
        self.font = font

    def before(self, canv: Canvas, doc: Any) -> None:
        canv.saveState()
        canv.setStrokeColor(_FRAME_RED)
        inset, gap = _BORDER_INSET, 2.2 * mm
        canv.setLineWidth(1.6)
        canv.rect(inset, inset, _PAGE_W - 2 * inset, _PAGE_H - 2 * inset)
        canv.setLineWidth(0.5)
        canv.rect(inset + gap, inset + gap, _PAGE_W - 2 * (inset + gap), _PAGE_H - 2 * (inset + gap))
        if doc.page > 1:
            # A continuation page names the licence it belongs to, at its foot (the top may
            # carry the status band).
            canv.setFont(self.font, 7.5)
            canv.setFillColor(_MUTED)
            canv.drawCentredString(
                _PAGE_W / 2, inset + gap + 1.6 * mm, f"{self.print_.title}  {self.print_.identifier}  ({doc.page})"
            )
        canv.restoreState()

    def after(self, canv: Canvas, doc: Any) -> None:
        note = self.print_.status_note.strip()
        if not note:
            return
        canv.saveState()
        # A band at the top of the page, above the title.
        band_height = 9 * mm
        band_y = _PAGE_H - _BORDER_INSET - 3.5 * mm - band_height
        canv.setFillColor(_STATUS_RED)
        canv.rect(_MARGIN_X, band_y, _PAGE_W - 2 * _MARGIN_X, band_height, stroke=0, fill=1)
        canv.setFillColor(colors.white)
        canv.setFont(self.font, 14)
        canv.drawCentredString(_PAGE_W / 2, band_y + band_height / 2 - 14 * _EM_CENTRE, note)
        # The same words across the middle of the page, over the content but see-through, so the
        # face stays legible; the QR code, bottom left, stays clear of them.
        width_at_one = stringWidth(note, self.font, 1)
        size = min(130.0, _PAGE_W * 0.8 / width_at_one)
        canv.translate(_PAGE_W / 2, _PAGE_H / 2)
        canv.rotate(30)
        canv.setFillColor(_STATUS_RED)
        canv.setFillAlpha(0.2)
        canv.setStrokeColor(_STATUS_RED)
        canv.setStrokeAlpha(0.45)
        canv.setLineWidth(1.5)
        text = canv.beginText(-width_at_one * size / 2, -size * _EM_CENTRE)
        text.setFont(self.font, size)
        text.setTextRenderMode(2)
        text.textOut(note)
        canv.drawText(text)
        canv.restoreState()
