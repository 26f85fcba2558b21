"""Reads of the esign app: an enterprise's seals, a case's signatures and whether they still verify."""

from __future__ import annotations

import base64
from typing import Any

from django.db.models import QuerySet

from dgov.accounts.models import User
from dgov.core import crypto
from dgov.esign.document import digest
from dgov.esign.drawing import DATA_URL_PREFIX
from dgov.esign.models import ApplicationSignature, EnterpriseSeal


def seals_of_enterprise(*, user: Any) -> QuerySet[EnterpriseSeal]:
    """The seals (in use and revoked) of the signed-in enterprise account; none for anyone else."""
    if not getattr(user, "is_authenticated", False) or user.kind != User.Kind.ENTERPRISE:
        return EnterpriseSeal.objects.none()
    if not user.enterprise_credit_code:
        return EnterpriseSeal.objects.none()
    return EnterpriseSeal.objects.filter(credit_code=user.enterprise_credit_code).order_by("-made_at")


def signatures_of_case(*, case: Any) -> QuerySet[ApplicationSignature]:
    """A case's signatures. The caller has already read the case through a selector that checked
    the reader may see it (the applicant, or staff with access to its department)."""
    return ApplicationSignature.objects.filter(case=case).select_related("seal", "code").order_by("signed_at", "kind")


def signature_state(signature: ApplicationSignature) -> str:
    """ "valid" when the stored document still has its digest (and, for a seal, the SM2 signature
    verifies with the seal's public key and the drawing has its digest), else "broken"."""
    document = signature.document.encode()
    if digest(document) != signature.digest:
        return "broken"
    if signature.kind == ApplicationSignature.Kind.E_SEAL:
        seal = signature.seal
        if seal is None or not crypto.sm2_verify(seal.public_key, document, signature.signature):
            return "broken"
    if (
        signature.kind == ApplicationSignature.Kind.DRAWN
        and crypto.sm3_hex(drawing_png(signature)) != signature.drawing_sm3
    ):
        return "broken"
    return "valid"


def drawing_png(signature: ApplicationSignature) -> bytes:
    return base64.b64decode(signature.drawing) if signature.drawing else b""


def signature_rows(*, case: Any) -> list[dict[str, Any]]:
    """What a case page shows of each signature."""
    return [{"signature": s, "state": signature_state(s)} for s in signatures_of_case(case=case)]


def subject_name(subject: str) -> str:
    """The name of the published item or bundle a code is asked for ("" when there is none)."""
    from dgov.bundles.models import Bundle
    from dgov.catalog.models import ServiceItem

    item = ServiceItem.objects.filter(code=subject, status=ServiceItem.Status.PUBLISHED).only("name").first()
    if item is not None:
        return item.name
    bundle = Bundle.objects.filter(code=subject, status=Bundle.Status.PUBLISHED).only("name").first()
    return bundle.name if bundle is not None else ""


def signing_context(
    *, subject: str, applicant: Any, needs_seal: bool, needs_signature: bool, post: Any = None, errors: Any = None
) -> dict[str, Any] | None:
    """What an application page shows to sign with (None for staff): an enterprise's seal in use,
    or a person's choice between drawing and a code, with what was posted kept on a re-render."""
    from dgov.esign.services import seal_in_use

    if not getattr(applicant, "is_authenticated", False) or applicant.kind == User.Kind.STAFF:
        return None
    post = post or {}
    base = {"subject": subject, "errors": (errors or {}).get("signature", [])}
    if applicant.kind == User.Kind.ENTERPRISE:
        return {
            **base,
            "kind": "enterprise",
            "required": needs_seal,
            "seal": seal_in_use(applicant.enterprise_credit_code),
        }
    return {
        **base,
        "kind": "person",
        "required": needs_signature,
        "phone": applicant.phone_masked if applicant.phone else "",
        "method": str(post.get("signature_method", "")),
        "drawing": _kept_drawing(post),
    }


def _kept_drawing(post: Any) -> str:
    """The drawing posted with a form sent back for mistakes, so the pad shows it again."""
    drawn = str(post.get("signature_drawing", ""))
    return drawn if drawn.startswith(DATA_URL_PREFIX) else ""


def window_pad_context(*, post: Any = None, errors: Any = None) -> dict[str, Any]:
    """The window's signing section: the applicant may sign on the tablet (no code: not their device)."""
    return {
        "subject": "",
        "errors": (errors or {}).get("signature", []),
        "kind": "person",
        "window": True,
        "required": False,
        "phone": "",
        "method": "drawn",
        "drawing": _kept_drawing(post or {}),
    }
