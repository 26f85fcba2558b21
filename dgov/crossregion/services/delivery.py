"""Signing and posting one message, and what an answer means for the outbox row that sent it.

The outboxes (handovers on the receiving side, status reports on the handling side) follow one
rule: a row is *claimed* by a conditional UPDATE (so two senders never post it at the same time),
posted outside any transaction, and the answer is recorded in a new transaction under a row lock.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings

from dgov.crossregion import signing
from dgov.crossregion.models import Peer
from dgov.crossregion.protocol import (
    HEADER_KEY_ID,
    HEADER_REGION,
    HEADER_SIGNATURE,
    MESSAGES_PATH,
    encode,
    envelope_new,
)
from dgov.crossregion.transport import Answer, Transport, TransportError

# Attempts before a message is given up (the clerk or an operator may send it again).
MAX_ATTEMPTS = 12
# A claimed row is left alone this long: a sender that died mid-post is replaced after it.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
# Statuses after which sending again could succeed: the peer's key or our key not yet
# exchanged (401/403), overload, timeouts, server errors.
RETRYABLE_STATUSES = frozenset({401, 403, 408, 425, 429})
RETRYABLE_CODES = frozenset({"stale_message"})


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the 1st, 2nd, 3rd … failed attempt, at most six hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


class Outcome(enum.Enum):
    DONE = "done"  # the peer processed it: 2xx
    REFUSED = "refused"  # the peer answered no for good: a 4xx a resend would not change
    RETRY = "retry"  # no answer, or an answer a later resend may change


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    status: int
    answer: dict[str, Any]
    error: str

    @property
    def reason(self) -> str:
        """The peer's refusal in words: its message and each field error."""
        message = str(self.answer.get("message") or self.error)
        errors = self.answer.get("errors") or []
        lines = [message]
        for e in errors if isinstance(errors, list) else []:
            if isinstance(e, dict):
                field = str(e.get("field") or "")
                lines.append(f"{field}: {e.get('message', '')}" if field else str(e.get("message", "")))
        return "\n".join(line for line in lines if line)


def post_message(
    *,
    transport: Transport,
    peer: Peer,
    message_id: uuid.UUID,
    kind: str,
    sender: str,
    body: dict[str, Any],
) -> Delivery:
    """Sign and post one message; never raises for the peer's failures."""
    from dgov.crossregion.services.peers import exchange_key_ensure

    key = exchange_key_ensure()
    envelope = envelope_new(message_id=message_id, kind=kind, sender=sender, recipient=peer.region.code, body=body)
    raw = encode(envelope)
    headers = {
        HEADER_REGION: sender,
        HEADER_SIGNATURE: signing.sign(key, raw),
        HEADER_KEY_ID: key.key_id,
        # Refusals come back in the receiving clerk's language.
        "Accept-Language": settings.LANGUAGE_CODE,
    }
    try:
        answer: Answer = transport.post(peer.url(MESSAGES_PATH), raw, headers)
    except TransportError as exc:
        return Delivery(Outcome.RETRY, 0, {}, str(exc)[:500] or "no answer")
    doc = answer.json()
    if 200 <= answer.status < 300:
        return Delivery(Outcome.DONE, answer.status, doc, "")
    error = f"HTTP {answer.status} {doc.get('code', '')}: {doc.get('message', '')}".strip()[:500]
    if (
        400 <= answer.status < 500
        and answer.status not in RETRYABLE_STATUSES
        and doc.get("code") not in RETRYABLE_CODES
    ):
        return Delivery(Outcome.REFUSED, answer.status, doc, error)
    return Delivery(Outcome.RETRY, answer.status, doc, error)
