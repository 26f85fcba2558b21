"""A signature drawn on the screen: checked by its content, then re-encoded.

The page's signature pad sends a PNG (as a ``data:image/png;base64,`` URL). It is accepted only
if it is a PNG that decodes, of a plausible size, with enough ink to be a signature and not so much
that it is a filled rectangle; it is then re-encoded (greyscale with alpha, no metadata), and the
re-encoded bytes are what is stored and digested.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image

from dgov.core.errors import ApplicationError

MAX_BYTES = 300 * 1024
MIN_SIZE = (120, 40)
MAX_SIZE = (3000, 1500)
MIN_INK_PIXELS = 150
MIN_INK_SHARE = 0.002
MAX_INK_SHARE = 0.6
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, code="bad_drawing", field_errors={"signature": [message]})


def decode_data_url(text: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,…`` URL (or of bare base64)."""
    value = (text or "").strip()
    if value.startswith("data:"):
        if not value.startswith(DATA_URL_PREFIX):
            raise _refuse(_("The drawn signature must be a PNG picture."))
        value = value[len(DATA_URL_PREFIX) :]
    if len(value) > MAX_BYTES * 4 // 3 + 8:
        raise _refuse(_("The drawn signature is too large."))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(_("The drawn signature could not be read; please sign again.")) from None


def checked_png(data: bytes) -> bytes:
    """The signature re-encoded as a greyscale PNG with alpha, or ApplicationError saying why not."""
    if len(data) > MAX_BYTES:
        raise _refuse(_("The drawn signature is too large."))
    if not data.startswith(PNG_MAGIC):
        raise _refuse(_("The drawn signature must be a PNG picture."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                if img.format != "PNG":
                    raise _refuse(_("The drawn signature must be a PNG picture."))
                width, height = img.size
                if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
                    raise _refuse(_("The drawn signature has an unexpected size; please sign again."))
                rgba = img.convert("RGBA")
    except ApplicationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _refuse(_("The drawn signature could not be read; please sign again.")) from None
    # Ink: a visible pixel (alpha) that is dark on a white page.
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(white, rgba).convert("L")
    histogram = grey.histogram()
    ink = sum(histogram[:160])
    share = ink / (width * height)
    if ink < MIN_INK_PIXELS or share < MIN_INK_SHARE:
        raise _refuse(_("The signature is empty; please sign in the box."))
    if share > MAX_INK_SHARE:
        raise _refuse(_("This does not look like a signature; please clear the box and sign again."))
    # Stored as dark strokes on transparency: luminance becomes alpha.
    out_img = Image.new("LA", rgba.size, 0)
    out_img.putalpha(grey.point(lambda v: 255 - v))
    out = io.BytesIO()
    out_img.save(out, format="PNG", optimize=True)
    return out.getvalue()
