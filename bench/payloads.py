"""What the case benchmarks submit: the items, a valid PDF of a given size and a drawn signature
(no Django needed)."""

from __future__ import annotations

import base64
import io

FOOD_ITEM = "440704000XK0010200001"  # 食品经营许可: two PDFs to upload, for individuals and enterprises
JSON_ITEM = "440704000GG0020200000"  # 城乡居民养老保险参保登记: every required material is government data
PARTNER_ITEM = "440704000GG0020100000"  # 社会保障卡申领: the demo item open to the partner channel (one photo)
# 就业创业证申领: an instant-approval item (秒批, decision table jiuye_zheng; nothing to upload) whose
# approval issues an e-licence. PLAIN_ITEM is the same item without rules (standard_case, no table),
# made by the bench setup under the next handling code, so the two differ only by the rules: it
# keeps the item's credit check (应查必查 is the item's, checked at every submission of a marked
# item, with or without rules). PLAIN_UNCHECKED_ITEM also drops the credit check (the twin of the
# first measurements), so what the check itself costs is seen too.
INSTANT_ITEM = "440704000GG0020300000"
PLAIN_ITEM = "440704000GG0020300001"
PLAIN_UNCHECKED_ITEM = "440704000GG0020300002"
PDF_BYTES = 20_000


def make_pdf(title: str, size: int = PDF_BYTES) -> bytes:
    """A valid one-page PDF (catalog, pages, page, content stream, font, xref) of about `size` bytes."""
    lines: list[str] = []
    y = 800
    n = 0
    while sum(len(x) for x in lines) < size - 900:
        n += 1
        lines.append(f"BT /F1 9 Tf 40 {y} Td ({title} - line {n:04d} - sample material for the benchmark) Tj ET\n")
        y = 800 if y < 60 else y - 11
    stream = "".join(lines).encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>\nstream\n" % len(stream) + stream + b"endstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def signature_data_url() -> str:
    """A drawn signature as the application page's signature pad sends it (a PNG data URL): items
    exempt from handwritten signatures (免手写签名) ask one of an online applicant. The same for
    every endpoint that sends it, so it costs the compared submissions alike."""
    from PIL import Image, ImageDraw

    image = Image.new("LA", (360, 120), (0, 0))
    ImageDraw.Draw(image).line(
        [(20, 80), (70, 30), (120, 90), (170, 35), (220, 85), (270, 40), (330, 75)], fill=(0, 255), width=4
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
