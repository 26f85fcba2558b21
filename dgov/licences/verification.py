"""Verifying a licence: from the register, or from what its QR code carries (offline-capable).

The QR code holds ``<base URL>/licences/verify/?c=<payload>``; the payload is
``JHL1.<base64url of the canonical JSON>.<base64url of the DER signature>`` (no padding). An offline
verifier drops everything up to ``c=``, decodes both parts, takes the key named by the document's
``kid`` from the published key list and checks the SM2 signature (docs/licences.md). Online, the
same text is checked the same way and then against the register for the licence's status.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from dgov.licences import signing
from dgov.licences.canonical import canonical_bytes, licence_document
from dgov.licences.identifier import ROOT, IdentifierError, identifier_parse
from dgov.licences.models import Licence, Seal, SealKey

PREFIX = "JHL1"
MAX_INPUT = 8192

VALID = "valid"
EXPIRED = "expired"
SUSPENDED = "suspended"
REVOKED = "revoked"
CANCELLED = "cancelled"
SIGNATURE_INVALID = "signature_invalid"
UNKNOWN = "unknown"
MALFORMED = "malformed"


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    licence: Licence | None = None
    document: dict[str, Any] = field(default_factory=dict)
    key_id: str = ""
    issuer_name: str = ""

    @property
    def ok(self) -> bool:
        return self.state == VALID


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def qr_payload(licence: Licence) -> str:
    """What the QR code carries after ``c=``: the signed document and its signature."""
    body = canonical_bytes(licence_document(licence))
    return f"{PREFIX}.{_b64u(body)}.{_b64u(bytes.fromhex(licence.signature))}"


def qr_content(licence: Licence) -> str:
    """The full QR text: a link to the online check that carries the offline-verifiable payload."""
    return f"{settings.DGOV_BASE_URL}/licences/verify/?c={qr_payload(licence)}"


def _status_verdict(licence: Licence, document: dict[str, Any]) -> Verdict:
    key = licence.seal_key
    seal = key.seal

    def verdict(state: str, reason: str) -> Verdict:
        return Verdict(state, reason, licence, document, key.key_id, licence.issuer.name)

    if seal.status == Seal.Status.REVOKED and seal.status_changed_at and licence.issued_at >= seal.status_changed_at:
        return verdict(SIGNATURE_INVALID, _("It was signed after the seal was revoked."))
    if key.retired_at and licence.issued_at > key.retired_at:
        return verdict(SIGNATURE_INVALID, _("It was signed with a key after the key was retired."))
    state = licence.effective_status
    reasons = {
        VALID: _("The signature is valid and the licence is in force."),
        EXPIRED: _("The signature is valid but the licence expired on %(date)s.")
        % {"date": licence.valid_until.isoformat() if licence.valid_until else ""},
        SUSPENDED: _("The licence is suspended: %(reason)s") % {"reason": licence.status_reason},
        REVOKED: _("The licence was revoked: %(reason)s") % {"reason": licence.status_reason},
        CANCELLED: _("The licence was cancelled: %(reason)s") % {"reason": licence.status_reason},
    }
    return verdict(state, reasons[state])


def verify_licence(licence: Licence) -> Verdict:
    """Check a stored licence: its columns, rebuilt into the signed document, against its signature."""
    document = licence_document(licence)
    key = licence.seal_key
    if not _key_belongs_to_issuer(key, document):
        return Verdict(SIGNATURE_INVALID, _("The signing key is not the issuing department's."), licence, document)
    if not signing.verify(key.public_key, canonical_bytes(document), licence.signature):
        return Verdict(
            SIGNATURE_INVALID,
            _("The signature does not match the licence's content: it was altered."),
            licence,
            document,
            key.key_id,
            licence.issuer.name,
        )
    return _status_verdict(licence, document)


def _key_belongs_to_issuer(key: SealKey, document: dict[str, Any]) -> bool:
    issuer = document.get("issuer") or {}
    return bool(key.seal.department.credit_code) and key.seal.department.credit_code == issuer.get("credit_code")


def _extract(text: str) -> str:
    """The payload or identifier inside pasted text: a verify link, a bare payload or an identifier."""
    if "c=" in text and ("://" in text or text.startswith(("/", "?"))):
        try:
            values = parse_qs(urlsplit(text).query).get("c") or []
        except ValueError:  # e.g. an unbalanced [ in the host part
            return ""
        return values[0].strip() if values else ""
    return text


def _der_signature_shaped(signature: bytes) -> bool:
    """Whether signature is DER SEQUENCE { INTEGER r, INTEGER s } with r, s of at most 33 bytes, as
    an SM2 signature is: a cut or damaged QR code is reported as such, not as an altered licence."""
    if not 8 <= len(signature) <= 72 or signature[0] != 0x30 or signature[1] != len(signature) - 2:
        return False
    at = 2
    for _integer in range(2):
        if at + 2 > len(signature) or signature[at] != 0x02 or not 1 <= signature[at + 1] <= 33:
            return False
        at += 2 + signature[at + 1]
    return at == len(signature)


def verify_text(text: str) -> Verdict:
    """Whatever a person scanned or pasted: a QR link, a payload or a licence identifier."""
    text = (text or "").strip()
    if not text:
        return Verdict(MALFORMED, _("Paste the content of the QR code or a licence identifier."))
    if len(text) > MAX_INPUT:
        return Verdict(MALFORMED, _("This is far longer than any licence QR code; it is not one."))
    text = _extract(text)
    if text.startswith(PREFIX + "."):
        return verify_payload(text)
    if text.startswith(ROOT + "."):
        try:
            identifier_parse(text)
        except IdentifierError:
            return Verdict(MALFORMED, _("This licence identifier is mistyped: its check character does not match."))
        licence = (
            Licence.objects.select_related("type", "issuer", "seal_key__seal__department")
            .defer("seal_key__seal__image_png")
            .filter(identifier=text.upper())
            .first()
        )
        if licence is None:
            return Verdict(UNKNOWN, _("No licence with this identifier was issued on this platform."))
        return verify_licence(licence)
    return Verdict(MALFORMED, _("This is neither a licence QR code nor a licence identifier."))


def verify_payload(payload: str) -> Verdict:
    """Check a QR payload's signature with the published key, then the licence's status in the register."""
    parts = payload.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return Verdict(MALFORMED, _("The QR content is incomplete or damaged."))
    try:
        body = _unb64u(parts[1])
        signature = _unb64u(parts[2])
        document = json.loads(body.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return Verdict(MALFORMED, _("The QR content is incomplete or damaged."))
    if not _der_signature_shaped(signature):
        return Verdict(MALFORMED, _("The QR content is incomplete or damaged."))
    kid = document.get("kid") if isinstance(document, dict) else None
    # A key id is short printable ASCII; anything else (a NUL byte upsets PostgreSQL) is not looked up.
    if (
        not isinstance(document, dict)
        or canonical_bytes(document) != body
        or not isinstance(kid, str)
        or not (0 < len(kid) <= 32 and kid.isascii() and kid.isprintable())
    ):
        return Verdict(MALFORMED, _("The QR content is not a signed licence document."))
    key = (
        SealKey.objects.select_related("seal__department")
        .defer("seal__image_png")
        .filter(key_id=document["kid"])
        .first()
    )
    if key is None:
        return Verdict(UNKNOWN, _("It names a signing key this platform never published."), document=document)
    issuer_name = key.seal.department.name
    if not _key_belongs_to_issuer(key, document):
        return Verdict(
            SIGNATURE_INVALID,
            _("The signing key is not the issuing department's."),
            document=document,
            key_id=key.key_id,
            issuer_name=issuer_name,
        )
    if not signing.verify(key.public_key, body, signature.hex()):
        return Verdict(
            SIGNATURE_INVALID,
            _("The signature does not match the content: it was altered."),
            document=document,
            key_id=key.key_id,
            issuer_name=issuer_name,
        )
    licence = (
        Licence.objects.select_related("type", "issuer", "seal_key__seal__department")
        .defer("seal_key__seal__image_png")
        .filter(identifier=str(document.get("id", "")))
        .first()
    )
    if licence is None:
        return Verdict(
            UNKNOWN,
            _("The signature is valid, but the register has no such licence."),
            document=document,
            key_id=key.key_id,
            issuer_name=issuer_name,
        )
    if canonical_bytes(licence_document(licence)) != body:
        return Verdict(
            SIGNATURE_INVALID,
            _("The signature is valid, but the register's licence differs from this one."),
            licence,
            document,
            key.key_id,
            issuer_name,
        )
    # The payload's signature was just checked over these very bytes; the register's copy needs a
    # second check only when its stored signature is not the one the QR code carries.
    stored = (
        _status_verdict(licence, document)
        if licence.signature.lower() == signature.hex() and licence.seal_key_id == key.pk
        else verify_licence(licence)
    )
    return Verdict(stored.state, stored.reason, licence, document, key.key_id, issuer_name)
