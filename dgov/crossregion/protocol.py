"""The exchange protocol between platforms (JSON over HTTPS), shared by both sides.

A message is ``POST {peer API base}/crossregion/messages`` with the JSON envelope::

    {"id": "<uuid>", "kind": "handover" | "status", "from": "<region code>", "to": "<region code>",
     "sent_at": "<ISO 8601>", "body": {...}}

and the headers ``X-DGOV-Region`` (the sender's region code) and ``X-DGOV-Signature`` (base64 of
the DER SM2 signature, SM3 with the default signer id, over the exact request body bytes).
``X-DGOV-Key-Id`` names the signing key for the logs; the receiver verifies with the public key it
holds for the sender's region. See docs/crossregion.md.

The message id identifies the message for good: a retry sends the same id and the same body (only
``sent_at`` and the signature are new), and the receiver answers a repeat with the answer it gave
the first time. The *digest* that tells "the same message" from "the same id reused" is SM3 over
the canonical JSON of kind, from, to and body.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from dgov.core import crypto

MESSAGES_PATH = "crossregion/messages"
KEY_PATH = "crossregion/key"
ITEMS_PATH = "catalog/items"

HEADER_SIGNATURE = "X-DGOV-Signature"
HEADER_REGION = "X-DGOV-Region"
HEADER_KEY_ID = "X-DGOV-Key-Id"

KINDS = ("handover", "status")
# A deliberate limit: a handover carries its scans inline (base64), at most ten files of
# DGOV_UPLOAD_MAX_BYTES per material in practice; anything larger is refused unread.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# Retries are re-signed with a fresh sent_at; a message older than this (or this far in the
# future) is refused, so a captured request cannot be played back days later under a new id.
MAX_CLOCK_SKEW = timedelta(hours=24)


class ProtocolError(Exception):
    """A message refused before anything is written: the HTTP status and the error body."""

    def __init__(self, status: int, code: str, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    kind: str
    sender: str
    recipient: str
    sent_at: datetime
    body: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "kind": self.kind,
            "from": self.sender,
            "to": self.recipient,
            "sent_at": self.sent_at.isoformat(),
            "body": self.body,
        }

    @property
    def digest(self) -> str:
        return message_digest(kind=self.kind, sender=self.sender, recipient=self.recipient, body=self.body)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def message_digest(*, kind: str, sender: str, recipient: str, body: dict[str, Any]) -> str:
    """SM3 of the canonical JSON of what makes a message the same message."""
    return crypto.sm3_hex(canonical_json({"kind": kind, "from": sender, "to": recipient, "body": body}))


def envelope_new(*, message_id: uuid.UUID, kind: str, sender: str, recipient: str, body: dict[str, Any]) -> Envelope:
    return Envelope(id=message_id, kind=kind, sender=sender, recipient=recipient, sent_at=timezone.now(), body=body)


def encode(envelope: Envelope) -> bytes:
    """The request body: compact UTF-8 JSON. The signature covers exactly these bytes."""
    return json.dumps(envelope.as_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes) -> Envelope:
    """The envelope of a request body; ProtocolError 400 when it is not one."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, "malformed", "The message is not UTF-8 JSON.") from None
    if not isinstance(doc, dict):
        raise ProtocolError(400, "malformed", "The message is not a JSON object.")
    errors: list[dict[str, str]] = []
    try:
        message_id = uuid.UUID(str(doc.get("id", "")))
    except ValueError:
        message_id = uuid.UUID(int=0)
        errors.append({"field": "id", "message": "A UUID."})
    kind = doc.get("kind")
    if kind not in KINDS:
        errors.append({"field": "kind", "message": "One of: " + ", ".join(KINDS) + "."})
    sender, recipient = doc.get("from"), doc.get("to")
    for name, value in (("from", sender), ("to", recipient)):
        if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
            errors.append({"field": name, "message": "A region code."})
    sent_at = None
    try:
        sent_at = datetime.fromisoformat(str(doc.get("sent_at", "")))
        if timezone.is_naive(sent_at):
            raise ValueError
    except ValueError:
        errors.append({"field": "sent_at", "message": "An ISO 8601 time with its offset."})
    body = doc.get("body")
    if not isinstance(body, dict):
        errors.append({"field": "body", "message": "A JSON object."})
    if errors or sent_at is None or not isinstance(body, dict):
        raise ProtocolError(400, "malformed", "The message envelope is not valid.", errors)
    if abs(timezone.now() - sent_at) > MAX_CLOCK_SKEW:
        raise ProtocolError(400, "stale_message", "The message was sent too long ago; send it again.")
    return Envelope(
        id=message_id, kind=str(kind), sender=str(sender), recipient=str(recipient), sent_at=sent_at, body=body
    )
