"""Item codes, after the idea of GB/T 39554.1-2020 (全国一体化政务服务平台 政务服务事项基本目录及
实施清单 第1部分：编码要求): a *basic code* names what is done, the same wherever it is done; an
*implementation code* adds where and by whom, and is the identity of an item in this catalogue.

Basic code (基本编码), 10 characters::

    XK 00101 000
    |  |     +-- sub-item (子项), 3 digits; 000 when the main item has no sub-items
    |  +-------- main item (主项), 5 digits, numbered within the kind
    +----------- kind, 2 letters: XK 行政许可, QR 行政确认, JF 行政给付, CJ 行政裁决,
                 QT 其他行政权力, GG 公共服务 (see KIND_LETTERS)

Implementation code (实施编码, ``ServiceItem.code``), 21 characters::

    440704000 XK00101000 01
    |         |          +-- handling item (业务办理项), 2 digits: 00 for the sub-item itself,
    |         |              01, 02 … for its cases (新办, 变更, 延续, 注销 …)
    |         +------------- the basic code
    +----------------------- area of the implementing body, 9 digits: the GB/T 2260 county code
                             and the GB/T 10114 township part (000 for a district department,
                             e.g. 001 for 江南街道), from the department's region

So 440704000XK0010100001 reads "in Jianghai District, at district level, licensing main item
00101, no sub-item, handling item 01". One implementing body per basic item and area is the rule
of an implementation list (实施清单), so the code is unique without naming the department.

The standard itself identifies the implementing body by its unified social credit code and fixes
character layouts this module does not copy. Codes that come from the provincial item system are
therefore accepted as they are (``check_code``: capital letters, digits and hyphens, 6–64
characters); only codes in the platform's own layout are checked against their basic code and kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dgov.catalog.models import ServiceItem

Kind = ServiceItem.Kind

KIND_LETTERS: dict[str, str] = {
    Kind.LICENSING: "XK",
    Kind.CONFIRMATION: "QR",
    Kind.PAYMENT: "JF",
    Kind.ADJUDICATION: "CJ",
    Kind.OTHER_POWER: "QT",
    Kind.PUBLIC_SERVICE: "GG",
}
LETTERS_KIND = {v: k for k, v in KIND_LETTERS.items()}

CODE_RE = re.compile(r"^[0-9A-Z][0-9A-Z-]{5,63}$")
BASIC_CODE_RE = re.compile(r"^[0-9A-Z]{4,32}$")
_PLATFORM_BASIC = re.compile(r"^(?P<kind>[A-Z]{2})(?P<main>\d{5})(?P<sub>\d{3})$")
_PLATFORM_CODE = re.compile(r"^(?P<area>\d{9})(?P<basic>[A-Z]{2}\d{8})(?P<handling>\d{2})$")


@dataclass(frozen=True)
class ParsedCode:
    area: str
    basic_code: str
    kind: str | None
    main: int
    sub: int
    handling: int


def basic_code(kind: str, main: int, sub: int = 0) -> str:
    """The platform's basic code for a kind, main item and sub-item number."""
    if kind not in KIND_LETTERS or not 1 <= main <= 99999 or not 0 <= sub <= 999:
        raise ValueError(f"no basic code for kind={kind!r}, main={main}, sub={sub}")
    return f"{KIND_LETTERS[kind]}{main:05d}{sub:03d}"


def area_code(region_code: str) -> str:
    """The 9-digit area of a GB/T 2260 (6-digit) or statistical (9- or 12-digit) region code."""
    if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", region_code):
        raise ValueError(f"not a region code: {region_code!r}")
    return (region_code + "000")[:9]


def implementation_code(region_code: str, basic: str, handling: int = 0) -> str:
    """The platform's implementation code for an area, a basic code and a handling item."""
    if not _PLATFORM_BASIC.fullmatch(basic) or not 0 <= handling <= 99:
        raise ValueError(f"no implementation code for basic={basic!r}, handling={handling}")
    return f"{area_code(region_code)}{basic}{handling:02d}"


def parse(code: str) -> ParsedCode | None:
    """The parts of a code in the platform's layout; None for any other layout."""
    m = _PLATFORM_CODE.fullmatch(code)
    if m is None:
        return None
    b = _PLATFORM_BASIC.fullmatch(m["basic"])
    assert b is not None
    return ParsedCode(
        area=m["area"],
        basic_code=m["basic"],
        kind=LETTERS_KIND.get(b["kind"]),
        main=int(b["main"]),
        sub=int(b["sub"]),
        handling=int(m["handling"]),
    )


def check_code(code: str) -> list[str]:
    if not CODE_RE.fullmatch(code):
        return [_("An item code has 6 to 64 capital letters, digits and hyphens, starting with a letter or digit.")]
    return []


def check_basic_code(code: str) -> list[str]:
    if not BASIC_CODE_RE.fullmatch(code):
        return [_("A basic code has 4 to 32 capital letters and digits.")]
    return []


def check_consistency(*, code: str, basic: str, kind: str) -> dict[str, list[str]]:
    """Errors by field when codes in the platform's layout disagree with each other or the kind."""
    errors: dict[str, list[str]] = {}
    parsed = parse(code)
    if parsed is not None and parsed.basic_code != basic:
        errors["code"] = [
            _("The item code %(code)s does not contain its basic code %(basic)s.") % {"code": code, "basic": basic}
        ]
    m = _PLATFORM_BASIC.fullmatch(basic)
    if m is not None and m["kind"] in LETTERS_KIND and LETTERS_KIND[m["kind"]] != kind:
        errors["basic_code"] = [
            _("The basic code %(basic)s starts with %(letters)s, which is not the code of this kind of item.")
            % {"basic": basic, "letters": m["kind"]}
        ]
    return errors
