"""Handing a handover over and recording the answer (the receiving side's outbox).

Sending claims the row by a conditional UPDATE (two senders never post it at once), posts outside
any transaction and records the answer under a row lock:

- 2xx: the handling region registered its case; its number comes back (``accepted_remote``);
- a refusal (4xx, e.g. a form error there): ``failed`` with the reason, for the clerk;
- no answer: retried with backoff under the **same message id**, so a handover the peer did
  process (only the answer was lost) is answered with the same case, never a second one;
  after ``MAX_ATTEMPTS`` it is ``failed`` as undeliverable.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.audit import record
from dgov.crossregion.models import Handover, HandoverEvent, MessageKind
from dgov.crossregion.services.delivery import LEASE, MAX_ATTEMPTS, Outcome, backoff, post_message
from dgov.crossregion.services.outbound import history_add, notify_applicant, notify_clerk
from dgov.crossregion.transport import Transport, get_transport


def handover_body(handover: Handover) -> dict[str, Any]:
    """The body of the handover message: the same on every attempt."""
    materials = []
    for f in handover.files.all().order_by("position", "id"):
        with f.file.open("rb") as handle:
            content = handle.read()
        materials.append(
            {
                "position": f.position,
                "name": f.material_name,
                "file_name": f.original_name,
                "content_type": f.content_type,
                "sm3": f.sm3,
                "content": base64.b64encode(content).decode("ascii"),
            }
        )
    return {
        "item_code": handover.item_code,
        "receipt_number": handover.receipt_number,
        "received_at": handover.created_at.isoformat(),
        "receiving_department": handover.department.name,
        "applicant": {
            "kind": "citizen",
            "name": handover.applicant_name,
            "id_number": handover.applicant_id_number,
            "phone": handover.applicant_phone,
        },
        "form": handover.form_data,
        "materials": materials,
    }


def _claim(handover_id: int) -> Handover | None:
    """Take the handover for one attempt, unless it is not due or another sender has it."""
    now = timezone.now()
    claimed = (
        Handover.objects.filter(pk=handover_id, state__in=Handover.SENDABLE_STATES)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(state=Handover.State.SENT, attempts=F("attempts") + 1, next_attempt_at=now + LEASE, updated_at=now)
    )
    if not claimed:
        return None
    return Handover.objects.select_related("peer__region", "receiving_region", "department").get(pk=handover_id)


def handover_deliver(*, handover_id: int, transport: Transport | None = None) -> Handover | None:
    """One delivery attempt of a due handover, its answer recorded; None when it was not due."""
    handover = _claim(handover_id)
    if handover is None:
        return None
    transport = transport or get_transport()
    try:
        body = handover_body(handover)
    except OSError as exc:
        # A scan missing from storage will not come back by retrying: the clerk takes it in again.
        return _record(handover.pk, handover.message_id, Outcome.REFUSED, {}, _("A scanned file is missing: %s") % exc)
    delivery = post_message(
        transport=transport,
        peer=handover.peer,
        message_id=handover.message_id,
        kind=MessageKind.HANDOVER,
        sender=handover.receiving_region.code,
        body=body,
    )
    outcome = delivery.outcome
    reason = delivery.reason if outcome == Outcome.REFUSED else delivery.error
    if outcome == Outcome.DONE and not delivery.answer.get("case_number"):
        # Not an answer this protocol gives: ask again (the peer answers a repeat the same way).
        outcome, reason = Outcome.RETRY, f"HTTP {delivery.status}: an answer without a case number"
    return _record(handover.pk, handover.message_id, outcome, delivery.answer, reason)


def _record(pk: int, message_id: uuid.UUID, outcome: Outcome, answer: dict[str, Any], reason: str) -> Handover:
    with transaction.atomic():
        handover = Handover.objects.select_for_update().select_related("peer__region").get(pk=pk)
        if handover.message_id != message_id:
            return handover  # sent again under a new id meanwhile: that attempt decides
        now = timezone.now()
        handover.updated_at = now
        detail: dict[str, Any] = {"receipt": handover.receipt_number, "attempt": handover.attempts}
        if outcome == Outcome.DONE:
            mark_registered(
                handover,
                case_number=str(answer.get("case_number") or ""),
                lookup_code=str(answer.get("lookup_code") or ""),
                case_status=str(answer.get("case_status") or ""),
            )
            detail["case_number"] = handover.remote_case_number
            action = "crossregion.handover_registered"
        elif outcome == Outcome.REFUSED:
            if handover.state in (Handover.State.ACCEPTED_REMOTE, Handover.State.CONCLUDED):
                return handover  # a status message already proved the case exists there
            handover.state = Handover.State.FAILED
            handover.failure = Handover.Failure.REFUSED
            handover.failure_reason = reason[:4000]
            handover.next_attempt_at = None
            handover.last_error = reason[:2000]
            history_add(handover, HandoverEvent.Kind.REFUSED, note=reason[:4000])
            notify_clerk(
                handover,
                _("Handover %(number)s refused") % {"number": handover.receipt_number},
                _("%(region)s did not take the application: %(reason)s")
                % {"region": handover.peer.region.name, "reason": reason},
            )
            detail["reason"] = reason[:500]
            action = "crossregion.handover_refused"
        else:
            if handover.state != Handover.State.SENT:
                return handover  # registered meanwhile (a status message came first)
            handover.last_error = reason[:2000]
            if handover.attempts >= MAX_ATTEMPTS:
                handover.state = Handover.State.FAILED
                handover.failure = Handover.Failure.UNDELIVERABLE
                handover.failure_reason = reason[:4000]
                handover.next_attempt_at = None
                history_add(handover, HandoverEvent.Kind.GAVE_UP, note=reason[:4000])
                notify_clerk(
                    handover,
                    _("Handover %(number)s could not be delivered") % {"number": handover.receipt_number},
                    _("%(region)s's platform did not answer after %(n)d attempts: %(reason)s")
                    % {"region": handover.peer.region.name, "n": handover.attempts, "reason": reason},
                )
                action = "crossregion.handover_undeliverable"
            else:
                handover.next_attempt_at = now + backoff(handover.attempts)
                if handover.attempts == 1:
                    history_add(handover, HandoverEvent.Kind.ATTEMPT_FAILED, note=reason[:4000])
                action = "crossregion.handover_attempt_failed"
            detail["error"] = reason[:500]
        handover.save()
        record(actor=None, action=action, target=handover, detail=detail)
    return handover


def mark_registered(handover: Handover, *, case_number: str, lookup_code: str = "", case_status: str = "") -> None:
    """The handling region has its case (its answer, or a status message that came first): keep
    its number and stop sending. The caller holds the row lock and saves."""
    first = not handover.remote_case_number
    handover.remote_case_number = (case_number or handover.remote_case_number)[:40]
    if lookup_code and not handover.remote_lookup_code:
        handover.remote_lookup_code = lookup_code[:10]
    if case_status and not handover.remote_status:
        handover.remote_status = case_status[:16]
    if handover.state in (Handover.State.QUEUED, Handover.State.SENT, Handover.State.FAILED):
        handover.state = Handover.State.ACCEPTED_REMOTE
    handover.failure = Handover.Failure.NONE
    handover.failure_reason = ""
    handover.next_attempt_at = None
    handover.last_error = ""
    handover.delivered_at = handover.delivered_at or timezone.now()
    if first and handover.remote_case_number:
        history_add(handover, HandoverEvent.Kind.REGISTERED, note=handover.remote_case_number)
        notify_applicant(
            handover,
            _("Application %(number)s handed over") % {"number": handover.receipt_number},
            _("%(region)s registered your application for %(item)s as case %(case)s.")
            % {"region": handover.peer.region.name, "item": handover.item_name, "case": handover.remote_case_number},
        )
