"""How an audit row's digest is made and checked.

digest = HMAC-SM3(audit key, canonical JSON of the row's content and the previous digest). The
key is derived from DGOV_MASTER_KEY, so someone who can write to the database but does not hold
the master key cannot forge a consistent chain after editing a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dgov.core import crypto

GENESIS = "0" * 64


def canonical(row: dict[str, Any]) -> bytes:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def content_of(event: Any) -> dict[str, Any]:
    """The fields covered by the digest, read from an AuditEvent."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "source_ip": event.source_ip,
        "summary": event.summary,
        "prev_digest": event.prev_digest,
    }


def digest_of(content: dict[str, Any]) -> str:
    return crypto.hmac_sm3_hex(crypto.purpose_key("audit-chain"), canonical(content))


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def find_first_break(events: Any) -> Break | None:
    """Walk events in seq order; the first row whose content, link or order is wrong, or None."""
    expected_prev = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return Break(
                event.seq,
                _("sequence gap or reorder: expected #%(expected)s, found #%(found)s")
                % {"expected": expected_seq, "found": event.seq},
            )
        if event.prev_digest != expected_prev:
            return Break(event.seq, _("link to the previous row is broken (a row was removed or reordered)"))
        if not crypto.constant_time_equal(digest_of(content_of(event)), event.digest):
            return Break(event.seq, _("content does not match its digest (the row was edited)"))
        expected_prev = event.digest
        expected_seq += 1
    return None
