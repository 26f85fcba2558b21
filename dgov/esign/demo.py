"""Demo data of the esign app: the e-seals of the demo enterprises, and a drawn signature for the
demo applications (the person's name written on the signature pad)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from dgov.accounts.models import User
from dgov.esign.services import SignatureInput, demo_seals


def load_demo() -> int:
    """Make the e-seal of every demo enterprise account registered in the legal-person registry."""
    users = list(User.objects.filter(kind=User.Kind.ENTERPRISE, is_demo=True).exclude(enterprise_credit_code=""))
    return demo_seals(users=users)


def drawn_signature(name: str) -> SignatureInput:
    """The name written in dark strokes on a 480 × 160 pad, as a drawn signature."""
    from dgov.licences.sealimage import FONT_PATH

    img = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(FONT_PATH), 72)
    draw.text((24, 36), name or "申请人", font=font, fill=(17, 17, 17, 255))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return SignatureInput(kind="drawn", drawing=out.getvalue())
