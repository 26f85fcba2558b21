"""Receiving a message from a peer: check who sent it, answer each message id once.

Checks before anything is written: the sender's region names an active peer (else 403), the
signature over the exact body verifies with that peer's key (else 401), the envelope is valid,
comes from that region and is addressed to one of this platform's regions (else 400). Then, in
one transaction, the ``InboundMessage`` row is inserted first — a second copy of the message
waits on its unique (peer, id) index and then finds the first one's answer — the message is
processed and its answer stored with it:

- the same id and the same content again: the stored answer, unchanged (nothing new written);
- the same id with other content: 409 ``message_id_reused``, nothing written;
- a refusal (unknown item, form errors …) is an answer too (422, stored): nothing else is
  written, the case's own checks roll back inside a savepoint.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from dgov.accounts.models import Region, User
from dgov.audit import record
from dgov.core import crypto
from dgov.core.errors import ApplicationError
from dgov.core.validation import normalise_id_number, normalise_phone
from dgov.crossregion import signing
from dgov.crossregion.models import Handover, InboundMessage, MessageKind, Peer
from dgov.crossregion.protocol import Envelope, ProtocolError, decode
from dgov.crossregion.schemas import HandoverBody, StatusBody
from dgov.crossregion.selectors import own_region_codes, peer_for_region

logger = logging.getLogger("dgov.crossregion")

REFUSED = 422
# The partner named on a handed-over case: "<receiving region>异地代收". Stored data, like a
# partner's name, not interface text.
PARTNER_SUFFIX = "异地代收"


class Refusal(Exception):
    """The message is understood and refused for good; the answer is stored."""

    def __init__(self, code: str, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors or []


def message_receive(*, raw: bytes, region_code: str, signature: str) -> tuple[int, dict[str, Any]]:
    """Verify and process one message; (HTTP status, answer). Raises ProtocolError for a message
    refused before anything is written (unknown peer, bad signature, malformed, id reused)."""
    region_code = (region_code or "").strip()
    if not region_code or not signature:
        raise ProtocolError(401, "signature_required", "Send X-DGOV-Region and X-DGOV-Signature.")
    peer = peer_for_region(region_code)
    if peer is None:
        logger.warning("Cross-region message from unknown region %s refused", region_code[:12])
        raise ProtocolError(403, "unknown_peer", "This platform does not exchange messages with that region.")
    if not signing.verify(peer.public_key, raw, signature):
        logger.warning("Cross-region message from %s: bad signature", peer.region.code)
        raise ProtocolError(401, "bad_signature", "The signature does not verify with the key held for your region.")
    envelope = decode(raw)
    if envelope.sender != peer.region.code:
        raise ProtocolError(400, "region_mismatch", "The message's 'from' is not the region in X-DGOV-Region.")
    if envelope.recipient not in own_region_codes():
        raise ProtocolError(400, "wrong_region", "This platform does not handle the region in 'to'.")
    digest = envelope.digest

    earlier = InboundMessage.objects.filter(peer=peer, message_id=envelope.id).first()
    if earlier is not None:
        return _replay(earlier, digest)
    with transaction.atomic():
        message = InboundMessage(
            peer=peer,
            message_id=envelope.id,
            kind=envelope.kind,
            digest=digest,
            received_at=timezone.now(),
            status_code=0,
        )
        message.response = {}
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            message = None  # type: ignore[assignment]
        if message is not None:
            status, answer = _process(message, peer, envelope)
            message.status_code = status
            message.response = answer
            message.save(update_fields=["status_code", "response_json", "case", "handover"])
            record(
                actor=None,
                action="crossregion.message_receive",
                target=message,
                detail={
                    "peer": peer.region.code,
                    "kind": envelope.kind,
                    "id": str(envelope.id),
                    "status": status,
                    "outcome": answer.get("outcome", ""),
                    **({"case_number": answer["case_number"]} if answer.get("case_number") else {}),
                },
            )
            return status, answer
    # A copy of this message committed first, while this one waited on the index.
    earlier = InboundMessage.objects.get(peer=peer, message_id=envelope.id)
    return _replay(earlier, digest)


def _replay(earlier: InboundMessage, digest: str) -> tuple[int, dict[str, Any]]:
    if not crypto.constant_time_equal(earlier.digest, digest):
        raise ProtocolError(
            409, "message_id_reused", "This message id was already used for a message with other content."
        )
    return earlier.status_code, earlier.response


def _process(message: InboundMessage, peer: Peer, envelope: Envelope) -> tuple[int, dict[str, Any]]:
    try:
        if envelope.kind == MessageKind.HANDOVER:
            case = _receive_handover(peer, envelope)
            message.case = case
            return 201, {
                "id": str(envelope.id),
                "outcome": "registered",
                "case_number": case.number,
                "case_status": case.status,
                "lookup_code": case.lookup_code,
                "department": case.department.name,
                "due_at": case.due_at.isoformat() if case.due_at else None,
            }
        handover, applied = _receive_status(peer, envelope)
        message.handover = handover
        return 200, {"id": str(envelope.id), "outcome": "applied" if applied else "stale"}
    except Refusal as exc:
        return REFUSED, {
            "id": str(envelope.id),
            "outcome": "refused",
            "code": exc.code,
            "message": exc.message,
            "errors": exc.errors,
        }


def _field_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in err.get("loc", [])), "message": str(err.get("msg", "invalid"))}
        for err in exc.errors()
    ]


# --- A handover: the case is made here ----------------------------------------------------------


def _receive_handover(peer: Peer, envelope: Envelope) -> Any:
    from dgov.cases.models import Channel
    from dgov.cases.services import case_submit
    from dgov.catalog.models import ServiceItem

    try:
        body = HandoverBody.model_validate(envelope.body)
    except ValidationError as exc:
        raise Refusal("invalid_body", _("The handover is not complete."), _field_errors(exc)) from None
    handling = Region.objects.filter(code=envelope.recipient).first()
    item = (
        ServiceItem.objects.filter(code=body.item_code, status=ServiceItem.Status.PUBLISHED)
        .select_related("department__region")
        .first()
    )
    if item is None or handling is None or not handling.contains(item.department.region):
        raise Refusal(
            "item_not_found",
            _("Region %(region)s offers no item %(code)s.") % {"region": envelope.recipient, "code": body.item_code},
            [{"field": "item_code", "message": _("No published item with this code here.")}],
        )
    by_position = {m.position: m for m in item.materials.all()}
    errors: list[dict[str, str]] = []
    uploads: dict[int, list[SimpleUploadedFile]] = {}
    for n, f in enumerate(body.materials):
        material = by_position.get(f.position)
        field = f"materials.{n}"
        if material is None:
            errors.append({"field": field, "message": _("This item has no material at that position.")})
            continue
        try:
            content = base64.b64decode(f.content, validate=True)
        except (binascii.Error, ValueError):
            errors.append({"field": field, "message": _("The file is not valid base64.")})
            continue
        if crypto.sm3_hex(content) != f.sm3:
            errors.append({"field": field, "message": _("The file does not match its SM3 digest.")})
            continue
        uploads.setdefault(material.pk, []).append(SimpleUploadedFile(f.file_name, content, f.content_type))
    id_number = phone = ""
    try:
        id_number = normalise_id_number(body.applicant.id_number)
    except ValueError as exc:
        errors.append({"field": "applicant.id_number", "message": str(exc)})
    try:
        phone = normalise_phone(body.applicant.phone)
    except ValueError as exc:
        errors.append({"field": "applicant.phone", "message": str(exc)})
    if errors:
        raise Refusal("invalid_handover", _("The handover has mistakes."), errors)
    positions = {m.pk: m.position for m in by_position.values()}
    try:
        with transaction.atomic():
            applicant = _applicant(body.applicant.name, id_number, phone)
            case = case_submit(
                actor=applicant,
                item=item,
                data=body.form,
                uploads=uploads,
                idempotency_key=str(envelope.id),
                channel=Channel.PARTNER,
                partner_name=f"{peer.region.name}{PARTNER_SUFFIX}",
                received_in=peer.region,
            )
    except ApplicationError as exc:
        raise Refusal(exc.code, exc.message, _case_errors(exc.field_errors, positions)) from None
    return case


def _case_errors(field_errors: dict[str, list[str]], positions: dict[int, int]) -> list[dict[str, str]]:
    """The case's field errors in the protocol's terms: ``form.<field>`` and ``material_<position>``
    (materials are named by their position in the guide; ids are local)."""
    out = []
    for field, messages in field_errors.items():
        if field.startswith("material_") and field[9:].isdigit():
            name = f"material_{positions.get(int(field[9:]), 0)}"
        elif field in ("__all__", ""):
            name = ""
        else:
            name = f"form.{field}"
        out += [{"field": name, "message": m} for m in messages]
    return out


def _applicant(name: str, id_number: str, phone: str) -> User:
    """The applicant's account on this platform: found by ID number, or registered without a
    password (as the window registers someone at the counter); they set one when they first sign
    in through real-name verification."""
    from dgov.accounts.services import user_create
    from dgov.cases.selectors import applicant_find

    found = applicant_find(id_number=id_number)
    if found is not None:
        return found
    user = user_create(
        actor=None,
        username=f"x{secrets.token_hex(6)}",
        password=secrets.token_urlsafe(24) + "Aa1!",
        kind=User.Kind.CITIZEN,
        real_name=name.strip(),
        id_number=id_number,
        phone=phone,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    record(actor=None, action="crossregion.applicant_register", target=user, detail={"kind": user.kind})
    return user


# --- A status: the handover here moves on -------------------------------------------------------


def _receive_status(peer: Peer, envelope: Envelope) -> tuple[Handover, bool]:
    from dgov.crossregion.services.status import status_apply

    try:
        body = StatusBody.model_validate(envelope.body)
    except ValidationError as exc:
        raise Refusal("invalid_body", _("The status message is not complete."), _field_errors(exc)) from None
    handover = (
        Handover.objects.select_for_update()
        .select_related("peer__region", "applicant", "receiving_region")
        .filter(peer=peer, message_id=body.handover_id, receiving_region__code=envelope.recipient)
        .first()
    )
    if handover is None:
        raise Refusal(
            "unknown_handover",
            _("No handover with this id was sent to your region from here."),
            [{"field": "handover_id", "message": _("Unknown.")}],
        )
    applied = status_apply(handover, body)
    return handover, applied
