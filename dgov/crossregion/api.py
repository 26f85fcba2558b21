"""The exchange endpoints other regions' platforms call (no user authentication: messages are
signed with SM2 and checked against the sender region's registered key)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router
from ninja.errors import HttpError

from dgov.core.crypto import SM2_ALGORITHM, SM2_DEFAULT_SIGNER_ID
from dgov.crossregion import selectors, services
from dgov.crossregion.protocol import HEADER_REGION, HEADER_SIGNATURE, MAX_MESSAGE_BYTES, ProtocolError
from dgov.crossregion.schemas import ExchangeKeyRead

router = Router(tags=["crossregion"])


@router.get("/key", response=ExchangeKeyRead, auth=None, summary="This platform's exchange public key")
def key(request: HttpRequest) -> dict[str, Any]:
    """The SM2 public key this platform signs its cross-region messages with, to register it as a peer."""
    current = selectors.exchange_key_current()
    if current is None:
        raise HttpError(404, "No exchange key yet: run manage.py crossregion_keys.")
    regions = selectors.own_regions()
    first = regions[0] if regions else None
    return {
        "region": first.code if first else selectors.own_region_codes()[0],
        "region_name": first.name if first else "",
        "regions": selectors.own_region_codes(),
        "key_id": current.key_id,
        "public_key": current.public_key,
        "algorithm": SM2_ALGORITHM,
        "signer_id": SM2_DEFAULT_SIGNER_ID.decode("ascii"),
        "created_at": current.created_at,
    }


@router.post("/messages", auth=None, summary="Receive a signed cross-region message (handover or status)")
def messages(request: HttpRequest) -> HttpResponse:
    """Body: the JSON envelope; headers X-DGOV-Region and X-DGOV-Signature (see docs/crossregion.md).
    201 a new case, 200 a status applied or any repeat (the first answer), 422 refused (stored),
    401/403 unknown sender or bad signature, 409 the id reused with other content."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_MESSAGE_BYTES:
        return _error(ProtocolError(413, "too_large", "The message is larger than this platform accepts."))
    # Read from the stream: DATA_UPLOAD_MAX_MEMORY_SIZE (request.body) is smaller than a handover
    # with its scans may be; MAX_MESSAGE_BYTES bounds it instead.
    raw = request.read(MAX_MESSAGE_BYTES + 1)
    if len(raw) > MAX_MESSAGE_BYTES:
        return _error(ProtocolError(413, "too_large", "The message is larger than this platform accepts."))
    try:
        status, answer = services.message_receive(
            raw=raw,
            region_code=request.headers.get(HEADER_REGION, ""),
            signature=request.headers.get(HEADER_SIGNATURE, ""),
        )
    except ProtocolError as exc:
        return _error(exc)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


def _error(exc: ProtocolError) -> HttpResponse:
    return JsonResponse(exc.body(), status=exc.status, json_dumps_params={"ensure_ascii": False})
