"""API endpoints of e-licences for holders and the public: the published keys, the check of a QR
code or identifier, and the caller's wallet (证照夹).

Who may call what:

- Anyone: ``GET /keys`` and ``POST /verify`` (no authentication, no CSRF token).
- A signed-in person (browser session): ``GET /wallet…``, their own licences and, for an
  enterprise account, the enterprise's. A system token is refused with 403: a token stands for a
  department system, not for a holder.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Router, Schema

from dgov.accounts.requests import api_session_user
from dgov.licences import selectors
from dgov.licences.models import Licence
from dgov.licences.printing import licence_pdf, pdf_filename, status_label
from dgov.licences.verification import MALFORMED, MAX_INPUT, SIGNATURE_INVALID, verify_text
from dgov.licences.views import keys_document

router = Router(tags=["licences"])


class KeyRead(Schema):
    key_id: str = Field(description="Named by the signed document's `kid`.")
    algorithm: str
    curve: str
    signer_id: str
    public_key: str = Field(description="Uncompressed SM2 point 04‖x‖y, 130 hexadecimal digits.")
    seal_code: str
    seal_name: str
    seal_status: str = Field(description="active, suspended or revoked")
    department: str
    credit_code: str
    valid_from: str = Field(description="ISO 8601, as in /licences/keys.json")
    valid_until: str
    created_at: str
    retired_at: str | None
    current: bool = Field(description="The key the seal signs with now; a retired key still verifies.")


class KeysRead(Schema):
    algorithm: str
    signer_id: str
    canonical_form: str
    keys: list[KeyRead]


class VerifyBody(Schema):
    text: str = Field(
        description=(
            f"What the QR code holds (the link, or the text after `c=`) or a licence identifier. "
            f"At most {MAX_INPUT} characters: longer text is answered with state `malformed`, not an error."
        )
    )


class VerifyRead(Schema):
    state: str = Field(
        description="valid, expired, suspended, revoked, cancelled, signature_invalid, unknown or malformed"
    )
    reason: str = Field(description="The verdict in words, in the language of the request (Accept-Language).")
    identifier: str = Field(description="The licence identifier, when the signature checked out; else empty.")
    issuer: str = Field(description="The issuing department, when the signing key is known; else empty.")
    document: dict[str, Any] = Field(
        description="The signed document (canonical JSON, docs: /licences/keys/), only when its signature "
        "checked out; else empty."
    )


class LicenceRead(Schema):
    identifier: str
    type_code: str = Field(description="The platform's code of the licence type, e.g. food_business_licence.")
    type_national_code: str = Field(description="The 21-character type code of GB/T 36904.")
    type_name: str
    issuer: str
    holder_name: str
    holder_id: str = Field(description="As printed and signed: masked for persons.")
    version: int
    status: str = Field(description="valid, expired, suspended, revoked or cancelled")
    status_label: str
    status_reason: str
    valid_from: date
    valid_until: date | None = Field(description="null: long-term (长期).")
    issued_at: datetime
    face: dict[str, str]


def _licence_read(licence: Licence) -> dict[str, Any]:
    state = licence.effective_status
    return {
        "identifier": licence.identifier,
        "type_code": licence.type.code,
        "type_national_code": licence.type.type_code,
        "type_name": licence.type.name,
        "issuer": licence.issuer.name,
        "holder_name": licence.holder_name,
        "holder_id": licence.holder_id_shown,
        "version": licence.version,
        "status": state,
        "status_label": status_label(state),
        "status_reason": licence.status_reason,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "issued_at": licence.issued_at,
        "face": {str(k): str(v) for k, v in (licence.face or {}).items()},
    }


def _wallet_licence(request: HttpRequest, identifier: str) -> Licence:
    licence = (
        selectors.licence_list_for_holder(user=api_session_user(request))
        .select_related("seal_key__seal")
        .filter(identifier=identifier.strip().upper()[:128])
        .first()
    )
    if licence is None:
        raise Http404
    return licence


@router.get("/keys", response=KeysRead, auth=None, summary="Published seal keys (for offline verification)")
def keys(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Every seal key, current and retired, as /licences/keys.json serves it."""
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return keys_document()


@router.post("/verify", response=VerifyRead, auth=None, summary="Check a licence QR code or identifier")
def verify(request: HttpRequest, payload: VerifyBody) -> dict[str, Any]:
    """Always 200 for any text: the answer is in ``state``; input that is too long, damaged or not
    a licence code is ``malformed``. Like the page /licences/verify/, but for machines."""
    verdict = verify_text(payload.text)
    checked = bool(verdict.document) and verdict.state not in (SIGNATURE_INVALID, MALFORMED)
    return {
        "state": verdict.state,
        "reason": verdict.reason,
        "identifier": str(verdict.document.get("id") or "") if checked else "",
        "issuer": verdict.issuer_name,
        "document": verdict.document if checked else {},
    }


@router.get("/wallet", response=list[LicenceRead], summary="My licences (证照夹)")
def wallet(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's licences and, for an enterprise account, the enterprise's; newest first."""
    return [_licence_read(lic) for lic in selectors.licence_list_for_holder(user=api_session_user(request))]


@router.get("/wallet/{identifier}", response=LicenceRead, summary="One of my licences")
def wallet_licence(request: HttpRequest, identifier: str) -> dict[str, Any]:
    return _licence_read(_wallet_licence(request, identifier))


@router.get(
    "/wallet/{identifier}/pdf",
    response={200: None},
    summary="One of my licences as PDF",
    openapi_extra={"responses": {200: {"description": "The licence as printed", "content": {"application/pdf": {}}}}},
)
def wallet_licence_pdf(request: HttpRequest, identifier: str) -> HttpResponse:
    licence = _wallet_licence(request, identifier)
    language = "en" if (get_language() or "").startswith("en") else "zh-hans"
    response = HttpResponse(licence_pdf(licence, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(licence)}"'
    response["Cache-Control"] = "private, no-store"
    return response
