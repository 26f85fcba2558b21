"""The licence PDF and the e-seal image: pure rendering, no database.

The PDFs are read back without a PDF library: with page compression off (the module setting the
renderer reads), the content streams are plain text, and the ToUnicode maps ReportLab writes for
each font subset turn the shown byte strings back into characters, as a PDF reader does when
text is copied or searched.
"""

from __future__ import annotations

import dataclasses
import io
import re
import struct

import pytest
import segno
from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth

from dgov.licences import rendering
from dgov.licences.rendering import NO_LINE_END, NO_LINE_START, LicencePrint, break_lines, qr_matrix, render_pdf
from dgov.licences.sealimage import FONT_PATH, PDF_FONT_NAME, register_pdf_font, seal_png

DEPARTMENT = "江海区市场监督管理局"
# 鑫, 旸 and 淼 are rare enough to be missing from many subsets: they must still be embedded.
HOLDER = "江海区鑫旸淼餐饮管理有限公司"
LONG_ITEMS = (
    "热食类食品制售；冷食类食品制售（不含生食）；糕点类食品制售（不含裱花蛋糕）；自制饮品制售（普通类饮品）；"
    "预包装食品（含冷藏冷冻食品）销售；散装食品（不含冷藏冷冻食品）销售。"
)
LABELS = {
    "identifier": "许可证编号",
    "issuer": "发证机关",
    "issued_on": "发证日期",
    "validity": "有效期",
    "verify_hint": "扫描二维码或访问下列网址核验本证照。",
}


@pytest.fixture(scope="module")
def seal() -> bytes:
    return seal_png(DEPARTMENT, "电子证照专用章", size=240)


def licence(seal: bytes, **changes: object) -> LicencePrint:
    base = LicencePrint(
        title="食品经营许可证",
        identifier="JY24407040012345",
        holder_label="经营者名称",
        holder_name=HOLDER,
        holder_id_label="统一社会信用代码",
        holder_id="91440704MA5XXXXXX2",
        fields=[
            ("经营场所", "广东省江门市江海区五邑路 96 号江海天地广场负一层 B1-023 号商铺"),
            ("经营项目", LONG_ITEMS),
        ],
        issuer_name=DEPARTMENT,
        issued_on="2026年11月27日",
        validity="2026年11月27日 至 2031年11月26日",
        status_note="",
        seal_png=seal,
        qr_payload="https://zw.jianghai.gov.cn/licences/verify/?c=JY24407040012345.MEUCIQDx8uJ2",
        verify_url="https://zw.jianghai.gov.cn/licences/verify/",
        labels=LABELS,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def plain_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Render without page compression so the tests can read the content streams."""
    monkeypatch.setattr(rendering, "PAGE_COMPRESSION", 0)


# ---- reading the PDF back -------------------------------------------------------------------

_LITERAL_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(literal: bytes) -> bytes:
    """The bytes of a PDF literal string body (between the parentheses)."""

    def one(match: re.Match[bytes]) -> bytes:
        escaped = match.group(1)
        if escaped[:1].isdigit():
            return bytes([int(escaped, 8) & 0xFF])
        return _LITERAL_ESCAPES.get(escaped, escaped)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.DOTALL)


def _object(pdf: bytes, number: int) -> bytes:
    match = re.search(rb"\n%d 0 obj\n(.*?)\nendobj" % number, pdf, re.DOTALL)
    assert match, f"object {number} not found"
    return match.group(1)


def _to_unicode_maps(pdf: bytes) -> dict[bytes, dict[int, str]]:
    """Font resource name (F1+0, ...) -> its ToUnicode map, code -> character."""
    maps: dict[bytes, dict[int, str]] = {}
    for font in re.finditer(rb"<<\n(/BaseFont [^>]*?/Type /Font[^>]*?)>>", pdf, re.DOTALL):
        body = font.group(1)
        name = re.search(rb"/Name /(\S+)", body)
        cmap_ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if not (name and cmap_ref):
            continue
        cmap = _object(pdf, int(cmap_ref.group(1)))
        pairs = re.findall(rb"<([0-9A-F]{2})> <([0-9A-F]{4,8})>", cmap)
        maps[name.group(1)] = {int(code, 16): bytes.fromhex(uni.decode()).decode("utf-16-be") for code, uni in pairs}
    return maps


def pdf_text(pdf: bytes) -> str:
    """Every string the pages show, decoded through the fonts' ToUnicode maps, in drawing order."""
    maps = _to_unicode_maps(pdf)
    assert maps, "no font with a ToUnicode map"
    shown: list[str] = []
    current: dict[int, str] = {}
    for match in re.finditer(rb"/(F\d+\+\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", pdf, re.DOTALL):
        if match.group(1):
            current = maps[match.group(1)]
        else:
            shown.append("".join(current[byte] for byte in _unescape(match.group(2))))
    return "".join(shown)


def info(pdf: bytes) -> dict[str, str]:
    """The document information dictionary, strings decoded."""
    trailer_info = re.search(rb"/Info (\d+) 0 R", pdf)
    assert trailer_info
    body = _object(pdf, int(trailer_info.group(1)))
    values: dict[str, str] = {}
    for key, literal in re.findall(rb"/(\w+) \(((?:\\.|[^\\)])*)\)", body, re.DOTALL):
        raw = _unescape(literal)
        values[key.decode()] = raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")
    return values


def drawn_qr(pdf: bytes) -> list[list[bool]]:
    """The QR symbol as drawn: the filled path with the most rectangles, one per run of dark
    modules, turned back into a matrix."""
    number = r"(-?[\d.]+)"
    paths = re.findall(rb"((?:-?[\d.]+ -?[\d.]+ -?[\d.]+ -?[\d.]+ re\s+)+)f\*?", pdf)
    assert paths
    rects = [
        tuple(float(v) for v in rect)
        for rect in re.findall(rf"{number} {number} {number} {number} re".encode(), max(paths, key=len))
    ]
    module = rects[0][3]
    assert all(abs(h - module) < 1e-3 for *_, h in rects), "QR runs must all be one module high"
    left = min(x for x, *_ in rects)
    top = max(y for _, y, *_ in rects)
    rows = round((top - min(y for _, y, *_ in rects)) / module) + 1
    matrix = [[False] * rows for _ in range(rows)]
    for x, y, width, _ in rects:
        row, start = round((top - y) / module), round((x - left) / module)
        for column in range(start, start + round(width / module)):
            matrix[row][column] = True
    return matrix


def segno_matrix(payload: str, *, mode: str | None = None, encoding: str | None = None) -> list[list[bool]]:
    symbol = segno.make(payload, error="m", boost_error=False, micro=False, mode=mode, encoding=encoding)
    return [[bool(m) for m in row] for row in symbol.matrix]


# ---- the PDF ------------------------------------------------------------------------------------


def test_pdf_is_one_a4_page_with_the_font_embedded(seal: bytes) -> None:
    pdf = render_pdf(licence(seal))

    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/MediaBox \[ 0 0 595\.2756 841\.8898 \]", pdf)
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 1
    # A subset of the TTF travels in the file: tagged name (six capitals +) and the glyph data.
    assert b"/FontFile2" in pdf
    base_fonts = re.findall(rb"/BaseFont /(\S+)", pdf)
    assert base_fonts
    assert all(re.fullmatch(rb"[A-Z]{6}\+NotoSansSC-Regular", name) for name in base_fonts), base_fonts


def test_text_can_be_extracted_rare_characters_included(seal: bytes, plain_pdf: None) -> None:
    text = pdf_text(render_pdf(licence(seal)))

    assert "许可证编号：JY24407040012345" in text
    assert HOLDER in text
    assert "鑫旸淼" in text
    assert "食品经营许可证" in text
    assert "发证机关：江海区市场监督管理局" in text
    assert "91440704MA5XXXXXX2" in text
    # A long value is wrapped, not lost: all of it is on the page, in order.
    assert LONG_ITEMS in text


def test_document_information_names_only_the_platform(seal: bytes, plain_pdf: None) -> None:
    pdf = render_pdf(licence(seal))
    values = info(pdf)

    assert values["Title"] == "食品经营许可证 JY24407040012345"
    assert values["Author"] == values["Creator"] == values["Producer"] == rendering.PLATFORM_NAME
    assert not any("reportlab" in value.lower() for value in values.values())
    assert b"/Lang (zh-Hans)" in pdf


def test_same_licence_same_bytes(seal: bytes) -> None:
    first = render_pdf(licence(seal))

    assert render_pdf(licence(seal)) == first
    assert render_pdf(licence(seal, identifier="JY24407040012346")) != first


def test_a_revoked_licence_carries_a_red_banner(seal: bytes, plain_pdf: None) -> None:
    valid = render_pdf(licence(seal))
    revoked = render_pdf(licence(seal, status_note="已撤销"))

    assert "已撤销" not in pdf_text(valid)
    # Twice: the band at the top and the see-through words across the page.
    assert pdf_text(revoked).count("已撤销") == 2
    assert b"/ca .2" in revoked
    assert b"/ca .2" not in valid


def test_the_seal_image_is_stamped_with_its_transparency(seal: bytes, plain_pdf: None) -> None:
    pdf = render_pdf(licence(seal))

    assert re.search(rb"/Subtype /Image", pdf)
    assert b"/SMask" in pdf
    assert b"/BM /Multiply" in pdf


def test_a_missing_label_is_refused(seal: bytes) -> None:
    labels = {key: value for key, value in LABELS.items() if key != "verify_hint"}
    with pytest.raises(ValueError, match="verify_hint"):
        licence(seal, labels=labels)


def test_a_value_longer_than_a_page_continues_on_the_next(seal: bytes, plain_pdf: None) -> None:
    scope = "一般项目：" + "技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；" * 60

    pdf = render_pdf(licence(seal, fields=[("经营范围", scope)]))

    assert len(re.findall(rb"/Type /Page\b", pdf)) >= 2
    text = pdf_text(pdf)
    # Continuation pages name the licence at their foot.
    assert "食品经营许可证  JY24407040012345  (2)" in text
    assert scope in re.sub(r"食品经营许可证  JY24407040012345  \(\d+\)", "", text)


def test_an_english_licence(seal: bytes, plain_pdf: None) -> None:
    pdf = render_pdf(
        licence(
            seal,
            title="Food Business Licence",
            holder_label="Holder",
            fields=[("Premises", "No. 96 Wuyi Road, Jianghai District, Jiangmen, Guangdong")],
            language="en",
            labels={**LABELS, "identifier": "Licence identifier"},
        )
    )

    assert b"/Lang (en)" in pdf
    assert "Licence identifier: JY24407040012345" in pdf_text(pdf)


# ---- the QR code --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "version"),
    [
        # Short enough for level Q in version 1: the level stays M all the same.
        ("JY2440704001234", 1),
        ("https://zw.jianghai.gov.cn/licences/verify/?c=JY24407040012345", 4),
        # A signed document in the code: about 1.5 kB still fits, in a larger version.
        ("JH1." + "A1b2C3d4E5f6" * 125, 32),
    ],
)
def test_qr_matrix_is_segnos_symbol_at_level_m(payload: str, version: int) -> None:
    matrix = qr_matrix(payload)

    symbol = segno.make(payload, error="m", boost_error=False, micro=False)
    assert symbol.error == "M"
    assert symbol.version == version
    assert len(matrix) == 17 + 4 * version
    assert matrix == segno_matrix(payload)


def test_qr_matrix_puts_chinese_in_utf8_byte_mode() -> None:
    payload = "证照JY24407040012345"

    assert qr_matrix(payload) == segno_matrix(payload, mode="byte", encoding="utf-8")


def test_the_drawn_qr_code_is_the_payloads_symbol(
    seal: bytes, plain_pdf: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = "https://zw.jianghai.gov.cn/licences/verify/?c=" + "JY24407040012345.MEUCIQDx8uJ2" * 20
    asked: list[str] = []

    def spy(text: str) -> list[list[bool]]:
        asked.append(text)
        return qr_matrix(text)

    monkeypatch.setattr(rendering, "qr_matrix", spy)
    pdf = render_pdf(licence(seal, qr_payload=payload))

    assert asked == [payload]
    drawn = drawn_qr(pdf)
    expected = segno_matrix(payload)
    assert len(drawn) == len(expected)
    assert drawn == expected
    assert sum(map(sum, drawn)) == sum(map(sum, expected))


# ---- line breaking ------------------------------------------------------------------------------


def test_lines_follow_the_chinese_punctuation_rules() -> None:
    font = register_pdf_font()
    text = LONG_ITEMS + "“引号”与（括号），《书名》。（甲）（乙）！"
    broken_somewhere_bad = 0

    # From about five characters wide: a narrower column cannot keep every rule.
    for width in range(60, 260, 3):
        lines = break_lines(text, font=font, size=11, width=width)

        assert "".join(lines) == text
        for line in lines:
            assert stringWidth(line, font, 11) <= width
            assert line[0] not in NO_LINE_START, (width, line)
            assert line[-1] not in NO_LINE_END, (width, line)
        # Cutting after every `width` points instead would have broken a rule at many widths.
        naive = _cut_anywhere(text, font, 11, width)
        broken_somewhere_bad += any(line[0] in NO_LINE_START or line[-1] in NO_LINE_END for line in naive)
    assert broken_somewhere_bad > 10


def _cut_anywhere(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for char in text:
        if line and stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line]


def test_latin_words_stay_whole_and_overlong_ones_are_cut() -> None:
    font = register_pdf_font()
    text = "Room B1-023, Jianghai Tiandi Plaza https://zw.jianghai.gov.cn/licences/verify/JY24407040012345"

    lines = break_lines(text, font=font, size=10, width=110)

    assert "Room B1-023," in lines[0]
    assert all(stringWidth(line, font, 10) <= 110 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert len([line for line in lines if "://" in line or "verify" in line]) >= 2


# ---- the font -----------------------------------------------------------------------------------


def test_the_vendored_font_is_truetype_and_registered_once() -> None:
    assert FONT_PATH.read_bytes()[:4] == b"\x00\x01\x00\x00"

    assert register_pdf_font() == PDF_FONT_NAME
    font = pdfmetrics.getFont(PDF_FONT_NAME)
    assert register_pdf_font() == PDF_FONT_NAME
    assert pdfmetrics.getFont(PDF_FONT_NAME) is font


# ---- the seal -----------------------------------------------------------------------------------


def _png_chunks(png: bytes) -> list[bytes]:
    chunks, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        chunks.append(png[at + 4 : at + 8])
        at += 12 + length
    return chunks


def _rgba(image: Image.Image, point: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(point)
    assert isinstance(pixel, tuple)
    return pixel


@pytest.mark.parametrize("size", [160, 480])
def test_seal_is_a_red_round_stamp_on_transparency(size: int) -> None:
    png = seal_png(DEPARTMENT, "电子证照专用章", size=size)

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.size == (size, size)
    last = size - 1
    for corner in [(0, 0), (last, 0), (0, last), (last, last), (size // 7, size // 7)]:
        assert _rgba(image, corner)[3] == 0, corner
    # The star fills the centre; the ring crosses the middle of each side.
    ring = round(size / 2 * (1 - 0.985 * (1 - 0.055 / 2)))
    for point in [(size // 2, size // 2), (size // 2, ring), (ring, size // 2), (last - ring, size // 2)]:
        red, green, blue, alpha = _rgba(image, point)
        assert alpha > 200 and red > 180 and green < 60 and blue < 60, (point, _rgba(image, point))
    opaque = sum(image.getchannel("A").histogram()[129:])
    assert 0.08 < opaque / size**2 < 0.4


def test_seal_is_deterministic_and_carries_no_metadata() -> None:
    first = seal_png(DEPARTMENT, "电子证照专用章")

    assert seal_png(DEPARTMENT, "电子证照专用章") == first
    assert seal_png("江海区民政局", "电子证照专用章") != first
    assert seal_png(DEPARTMENT) != first
    assert set(_png_chunks(first)) <= {b"IHDR", b"IDAT", b"IEND"}


@pytest.mark.parametrize("name", ["局", "江" * 21, "   "])
def test_seal_refuses_names_it_cannot_lay_out(name: str) -> None:
    with pytest.raises(ValueError, match="department_name"):
        seal_png(name)


def test_seal_takes_long_names() -> None:
    image = Image.open(io.BytesIO(seal_png("江海区住房和城乡建设局江海区住房和城乡建", "行政审批专用章", size=300)))

    assert image.size == (300, 300)


def test_the_licence_type_s_printed_note_is_on_the_page(seal: bytes, plain_pdf: None) -> None:
    note = "经营场所、经营项目等事项发生变化的，应当依法申请变更。"
    assert note not in pdf_text(render_pdf(licence(seal)))
    assert note in pdf_text(render_pdf(licence(seal, note=note)))
