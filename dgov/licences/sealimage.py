"""The e-seal image and the font that licence PDFs and seal images are drawn with.

The image follows the layout of a round official seal (GA 241.1, 国务院关于国家行政机关和企业事业单位
社会团体印章管理的规定): a red ring, a five-pointed star in the middle, the body's name along the
upper arc, and the seal's purpose (e.g. 电子证照专用章) straight under the star. It is a picture
for people; what binds a licence is the SM2 signature, not these pixels.
"""

from __future__ import annotations

import io
import math
import threading
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# Noto Sans SC Regular with TrueType outlines, vendored by scripts/vendor.sh (see fonts/README.md).
FONT_PATH: Final = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular.ttf"
PDF_FONT_NAME: Final = "NotoSansSC"
SEAL_RED: Final = (215, 0, 15)

NAME_MIN_CHARS: Final = 2
NAME_MAX_CHARS: Final = 20
SEAL_NAME_MAX_CHARS: Final = 12
SIZE_MIN: Final = 64
SIZE_MAX: Final = 4096

# Drawn this many times larger, then reduced: Pillow draws rings and polygons without
# anti-aliasing, and the reduction smooths every edge the same way.
_SUPERSAMPLE: Final = 4
# Proportions of the outer radius, after the common 42 mm seal: a 1.2 mm ring, a star of
# about a third of the radius, name characters about a quarter of it.
_RING: Final = 0.055
_STAR: Final = 0.29
_NAME_SIZE: Final = 0.25
_NAME_GAP: Final = 0.035
_NAME_MAX_SPAN: Final = math.radians(250)
_SEAL_NAME_SIZE: Final = 0.16
_SEAL_NAME_Y: Final = 0.55
# Seal lettering is condensed (narrow 仿宋/宋体 cuts); the sans glyphs are squeezed to match.
_CONDENSE: Final = 0.82
# Seal strokes are heavier than a regular text weight: each glyph gets an outline this wide.
_EMBOLDEN: Final = 0.018
# Ideographs are centred on the em box, which Noto Sans SC puts 0.38 em above the baseline
# (OS/2 typo ascender 880, descender -120).
_EM_CENTRE: Final = 0.38

_register_lock = threading.Lock()


def register_pdf_font() -> str:
    """Register the vendored TTF with ReportLab once per process; return the font's name."""
    if PDF_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        with _register_lock:
            if PDF_FONT_NAME not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(PDF_FONT_NAME, str(FONT_PATH)))
    return PDF_FONT_NAME


def seal_png(department_name: str, seal_name: str = "", *, size: int = 480) -> bytes:
    """Draw the red round seal of `department_name` as a size × size RGBA PNG.

    The same arguments always give the same bytes (no randomness, no timestamp chunk).
    """
    name = department_name.strip()
    purpose = seal_name.strip()
    if not NAME_MIN_CHARS <= len(name) <= NAME_MAX_CHARS:
        raise ValueError(f"department_name must have {NAME_MIN_CHARS} to {NAME_MAX_CHARS} characters")
    if len(purpose) > SEAL_NAME_MAX_CHARS:
        raise ValueError(f"seal_name must have at most {SEAL_NAME_MAX_CHARS} characters")
    if not SIZE_MIN <= size <= SIZE_MAX:
        raise ValueError(f"size must be between {SIZE_MIN} and {SIZE_MAX} pixels")

    side = size * _SUPERSAMPLE
    # Coverage mask: the seal has one colour, so everything is drawn as 0-255 ink.
    mask = Image.new("L", (side, side), 0)
    centre = side / 2
    outer = centre * 0.985  # room for the smoothed edge
    _draw_ring(mask, centre, outer)
    _draw_star(mask, centre, centre, outer * _STAR)
    _draw_arc_text(mask, name, centre, outer)
    if purpose:
        _draw_straight_text(mask, purpose, centre, outer)

    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    seal = Image.new("RGBA", (size, size), (*SEAL_RED, 0))
    seal.putalpha(alpha)
    out = io.BytesIO()
    seal.save(out, format="PNG")
    return out.getvalue()


def _font(px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), max(1, round(px)))


def _draw_ring(mask: Image.Image, centre: float, outer: float) -> None:
    draw = ImageDraw.Draw(mask)
    inner = outer * (1 - _RING)
    draw.ellipse((centre - outer, centre - outer, centre + outer, centre + outer), fill=255)
    draw.ellipse((centre - inner, centre - inner, centre + inner, centre + inner), fill=0)


def _draw_star(mask: Image.Image, cx: float, cy: float, radius: float) -> None:
    # A regular pentagram: inner vertices at radius · sin 18° / sin 126° (≈ 0.382).
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for k in range(10):
        r = radius if k % 2 == 0 else inner
        angle = math.radians(36 * k)
        points.append((cx + r * math.sin(angle), cy - r * math.cos(angle)))
    ImageDraw.Draw(mask).polygon(points, fill=255)


def _glyph_tile(char: str, font: ImageFont.FreeTypeFont, em: float) -> Image.Image:
    """One condensed character, centred on its em box in a square tile."""
    tile_side = math.ceil(em * 1.5)
    tile = Image.new("L", (tile_side, tile_side), 0)
    ImageDraw.Draw(tile).text(
        (tile_side / 2, tile_side / 2 + em * _EM_CENTRE),
        char,
        font=font,
        fill=255,
        anchor="ms",
        stroke_width=round(em * _EMBOLDEN),
        stroke_fill=255,
    )
    narrow = tile.resize((max(1, round(tile_side * _CONDENSE)), tile_side), Image.Resampling.LANCZOS)
    square = Image.new("L", (tile_side, tile_side), 0)
    square.paste(narrow, ((tile_side - narrow.width) // 2, 0))
    return square


def _paste_centred(mask: Image.Image, tile: Image.Image, x: float, y: float) -> None:
    mask.paste(255, (round(x - tile.width / 2), round(y - tile.height / 2)), tile)


def _arc_layout(count: int, outer: float) -> tuple[float, float, float]:
    """Character size, radius of the characters' centres and angular step for `count` characters.

    Short names are spread wide, long ones packed up to the widest arc; only when the characters
    would touch are they made smaller.
    """
    inner = outer * (1 - _RING)
    em = outer * _NAME_SIZE
    radius = step = 0.0
    for _ in range(6):  # converges in two or three rounds: radius depends on em
        radius = inner - outer * _NAME_GAP - em / 2
        width = em * _CONDENSE
        if count == 1:
            return em, radius, 0.0
        loose = width * (1.9 if count <= 4 else 1.6 if count <= 7 else 1.3) / radius
        step = min(loose, _NAME_MAX_SPAN / (count - 1))
        fit = step * radius / 1.08  # widest condensed glyph that leaves a small gap
        if width <= fit + 1e-9:
            break
        em = fit / _CONDENSE
    return em, radius, step


def _draw_arc_text(mask: Image.Image, text: str, centre: float, outer: float) -> None:
    em, radius, step = _arc_layout(len(text), outer)
    font = _font(em)
    first = -step * (len(text) - 1) / 2
    for i, char in enumerate(text):
        angle = first + i * step  # clockwise from the top
        tile = _glyph_tile(char, font, em)
        # The character's top faces outwards: turned clockwise by its angle.
        turned = tile.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC, expand=True)
        _paste_centred(mask, turned, centre + radius * math.sin(angle), centre - radius * math.cos(angle))


def _draw_straight_text(mask: Image.Image, text: str, centre: float, outer: float) -> None:
    inner = outer * (1 - _RING)
    em = outer * _SEAL_NAME_SIZE
    y = centre + outer * _SEAL_NAME_Y
    # The line must stay inside the ring at its lower edge, with a margin.
    half_chord = math.sqrt(max(inner**2 - (y - centre + em / 2) ** 2, 0.0)) * 0.85
    advance = em * _CONDENSE
    if advance * len(text) > 2 * half_chord:
        advance = 2 * half_chord / len(text)
        em = min(em, advance / _CONDENSE)
    font = _font(em)
    x = centre - advance * (len(text) - 1) / 2
    for i, char in enumerate(text):
        _paste_centred(mask, _glyph_tile(char, font, em), x + i * advance, y)
