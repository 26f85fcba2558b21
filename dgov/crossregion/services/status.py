"""Progress of a handed-over case, both ways.

The handling side: when a case that came in as a handover moves on (``case_event_committed``,
sent after the case's transaction commits), a ``StatusReport`` is queued for the receiving
region — accepted, corrections requested (with the reason), corrected, concluded (with the
result: approved, rejected, refused, withdrawn) and e-licence issued (with its identifier) —
numbered 1, 2, 3 … per handover, and sent like a handover (same id on every retry).

The receiving side (:func:`status_apply`): the handover's history gets a line for every status
message (each message id once: dgov.crossregion.services.inbound); the handling region's status
moves only forward (a message numbered lower than one already applied does not move it back),
while the facts that end a case — concluded with its result, the licence identifier — are kept
whenever they arrive. The applicant is told by a notice (site and SMS).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dgov.audit import record
from dgov.core.commit import after_commit
from dgov.crossregion.models import Handover, HandoverEvent, InboundMessage, MessageKind, StatusReport
from dgov.crossregion.schemas import StatusBody
from dgov.crossregion.selectors import own_region_containing
from dgov.crossregion.services.delivery import LEASE, MAX_ATTEMPTS, Outcome, backoff, post_message
from dgov.crossregion.transport import Transport, get_transport

Event = StatusReport.Event

# CaseEvent kind -> the status the receiving region is told.
EVENT_OF_CASE_EVENT: dict[str, str] = {
    "accepted": Event.ACCEPTED,
    "correction_requested": Event.CORRECTION_REQUESTED,
    "corrected": Event.CORRECTED,
    "refused": Event.CONCLUDED,
    "concluded": Event.CONCLUDED,
    "withdrawn": Event.CONCLUDED,
    "licence_issued": Event.LICENCE_ISSUED,
}
# For a concluded case, the timeline line that carries the decision's reason or opinion.
DECISION_KINDS = ("approved", "rejected", "refused", "withdrawn")


# --- The handling side: queueing and sending ----------------------------------------------------


def _queue_delivery(report_id: int) -> None:
    from dgov.crossregion.tasks import deliver

    deliver.delay("status", report_id)


def status_report_for_case_event(*, case_id: int, kind: str) -> StatusReport | None:
    """Queue the status message a case event owes the region that received the case, if the case
    came in as a handover and the event is one the receiving region is told about."""
    event = EVENT_OF_CASE_EVENT.get(kind)
    if event is None:
        return None
    inbound = (
        InboundMessage.objects.filter(case_id=case_id, kind=MessageKind.HANDOVER, status_code=201)
        .select_related("peer__region", "case__department__region")
        .first()
    )
    if inbound is None or inbound.case is None:
        return None
    case = inbound.case
    with transaction.atomic():
        # Serialises the numbering of this handover's reports.
        InboundMessage.objects.select_for_update().filter(pk=inbound.pk).first()
        seq = (StatusReport.objects.filter(inbound=inbound).aggregate(n=Max("seq"))["n"] or 0) + 1
        report = StatusReport.objects.create(
            peer=inbound.peer,
            inbound=inbound,
            case=case,
            seq=seq,
            event=event,
            body=_status_body(case, inbound, event, kind, seq),
            next_attempt_at=timezone.now(),
        )
        record(
            actor=None,
            action="crossregion.status_queue",
            target=case,
            detail={"number": case.number, "peer": inbound.peer.region.code, "event": event, "seq": seq},
        )
        after_commit(_queue_delivery, report.pk)
    return report


def _status_body(case: Any, inbound: InboundMessage, event: str, kind: str, seq: int) -> dict[str, Any]:
    from dgov.cases.models import Case, CaseEvent

    line = CaseEvent.objects.filter(case=case, kind=kind).order_by("-at", "-id").first()
    note = line.note if line is not None else ""
    result = ""
    licence = ""
    if event == Event.CONCLUDED:
        if case.status == Case.Status.REFUSED:
            result = "refused"
        elif case.status == Case.Status.WITHDRAWN:
            result = "withdrawn"
        else:
            result = case.result
        decision = CaseEvent.objects.filter(case=case, kind__in=DECISION_KINDS).order_by("-at", "-id").first()
        note = decision.note if decision is not None else note
    elif event == Event.LICENCE_ISSUED:
        licence, note = note, ""
    return {
        "handover_id": str(inbound.message_id),
        "case_number": case.number,
        "seq": seq,
        "event": str(event),
        "case_status": case.status,
        "result": result,
        "note": note[:4000],
        "licence": licence[:128],
        "at": (line.at if line is not None else timezone.now()).isoformat(),
    }


def _claim(report_id: int) -> StatusReport | None:
    now = timezone.now()
    claimed = (
        StatusReport.objects.filter(pk=report_id, state=StatusReport.State.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    )
    if not claimed:
        return None
    return StatusReport.objects.select_related("peer__region", "case__department__region").get(pk=report_id)


def status_report_deliver(*, report_id: int, transport: Transport | None = None) -> StatusReport | None:
    """One delivery attempt of a due status report, its answer recorded; None when not due."""
    report = _claim(report_id)
    if report is None:
        return None
    from django.conf import settings

    own = own_region_containing(report.case.department.region)
    delivery = post_message(
        transport=transport or get_transport(),
        peer=report.peer,
        message_id=report.message_id,
        kind=MessageKind.STATUS,
        sender=own.code if own is not None else settings.DGOV_REGION_CODE,
        body=report.body,
    )
    with transaction.atomic():
        locked = StatusReport.objects.select_for_update().get(pk=report.pk)
        if locked.state != StatusReport.State.PENDING:
            return locked
        now = timezone.now()
        detail: dict[str, Any] = {"case": report.body.get("case_number"), "seq": locked.seq, "attempt": locked.attempts}
        if delivery.outcome == Outcome.DONE:
            locked.state = StatusReport.State.DELIVERED
            locked.delivered_at = now
            locked.next_attempt_at = None
            locked.last_error = ""
            action = "crossregion.status_delivered"
        elif delivery.outcome == Outcome.REFUSED or locked.attempts >= MAX_ATTEMPTS:
            locked.state = StatusReport.State.FAILED
            locked.next_attempt_at = None
            locked.last_error = (delivery.reason if delivery.outcome == Outcome.REFUSED else delivery.error)[:2000]
            detail["error"] = locked.last_error[:500]
            action = "crossregion.status_failed"
        else:
            locked.next_attempt_at = now + backoff(locked.attempts)
            locked.last_error = delivery.error[:2000]
            detail["error"] = locked.last_error[:500]
            action = "crossregion.status_attempt_failed"
        locked.save()
        record(actor=None, action=action, target=locked, detail=detail)
    return locked


def status_reports_requeue_failed(*, actor: Any = None) -> int:
    """Send failed status reports again, under their own ids (an operator's decision)."""
    with transaction.atomic():
        ids = list(
            StatusReport.objects.select_for_update()
            .filter(state=StatusReport.State.FAILED)
            .values_list("pk", flat=True)
        )
        StatusReport.objects.filter(pk__in=ids).update(
            state=StatusReport.State.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if ids:
            record(actor=actor, action="crossregion.status_requeue", detail={"reports": ids[:100], "count": len(ids)})
    return len(ids)


# --- The receiving side: applying a status ------------------------------------------------------

HISTORY_KIND = {
    Event.ACCEPTED: HandoverEvent.Kind.ACCEPTED,
    Event.CORRECTION_REQUESTED: HandoverEvent.Kind.CORRECTION_REQUESTED,
    Event.CORRECTED: HandoverEvent.Kind.CORRECTED,
    Event.CONCLUDED: HandoverEvent.Kind.CONCLUDED,
    Event.LICENCE_ISSUED: HandoverEvent.Kind.LICENCE_ISSUED,
}


def status_apply(handover: Handover, body: StatusBody) -> bool:
    """Apply one status message to a handover the caller has locked; False when it changed
    nothing but the history (it came after a later one)."""
    from dgov.crossregion.services.handover_delivery import mark_registered

    now = timezone.now()
    if handover.state != Handover.State.CONCLUDED and (
        handover.state != Handover.State.ACCEPTED_REMOTE or not handover.remote_case_number
    ):
        # A status proves the case exists there, even when the handover's answer was lost.
        mark_registered(handover, case_number=body.case_number, case_status=body.case_status)
    newer = body.seq > handover.status_seq
    changed = newer
    if newer:
        handover.status_seq = body.seq
        handover.remote_status = body.case_status[:16]
    if body.event == Event.CONCLUDED and handover.state != Handover.State.CONCLUDED:
        handover.state = Handover.State.CONCLUDED
        handover.result = body.result
        handover.concluded_at = body.at
        changed = True
    if body.event == Event.LICENCE_ISSUED and body.licence and not handover.licence_identifier:
        handover.licence_identifier = body.licence
        changed = True
    handover.updated_at = now
    handover.save()
    note = body.licence if body.event == Event.LICENCE_ISSUED else body.note
    HandoverEvent.objects.create(handover=handover, kind=HISTORY_KIND[body.event], note=note[:4000], at=now)
    if changed:
        _notify(handover, body)
    record(
        actor=None,
        action="crossregion.status_apply",
        target=handover,
        detail={"receipt": handover.receipt_number, "event": str(body.event), "seq": body.seq, "applied": changed},
    )
    return changed


def _notify(handover: Handover, body: StatusBody) -> None:
    from dgov.notices.services import notice_send

    region = handover.peer.region.name
    values = {
        "number": handover.receipt_number,
        "item": handover.item_name,
        "region": region,
        "case": handover.remote_case_number,
        "note": body.note,
    }
    if body.event == Event.ACCEPTED:
        subject = _("Application %(number)s accepted") % values
        text = _("%(region)s accepted your application for %(item)s (case %(case)s) and is reviewing it.") % values
    elif body.event == Event.CORRECTION_REQUESTED:
        subject = _("Application %(number)s: please correct your materials") % values
        text = (
            _(
                "%(region)s asks for corrected materials for case %(case)s: %(note)s Bring them to the window "
                "where you applied."
            )
            % values
        )
    elif body.event == Event.CORRECTED:
        return
    elif body.event == Event.CONCLUDED:
        subject = _("Application %(number)s concluded") % values
        text = _("%(region)s has decided your application for %(item)s: %(result)s. %(note)s") % {
            **values,
            "result": handover.get_result_display(),
        }
    else:
        subject = _("Application %(number)s: your e-licence is ready") % values
        text = _("%(region)s issued the e-licence %(licence)s for case %(case)s.") % {
            **values,
            "licence": handover.licence_identifier,
        }
    notice_send(
        recipient=handover.applicant,
        subject=subject,
        body=text,
        url=reverse("crossregion:lookup"),
        kind="case_update",
        channels=("site", "sms"),
    )
