"""The outbox sweep: every due handover and status report, one attempt each."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from dgov.crossregion.models import Handover, StatusReport
from dgov.crossregion.services.handover_delivery import handover_deliver
from dgov.crossregion.services.status import status_report_deliver
from dgov.crossregion.transport import Transport, get_transport

BATCH = 200


def send_pending(*, transport: Transport | None = None, limit: int = BATCH) -> dict[str, int]:
    """One attempt for each due message (oldest first, at most ``limit`` of each kind); a row
    another sender holds is skipped. Returns how many were attempted and how each ended."""
    transport = transport or get_transport()
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    counts = {"handovers": 0, "registered": 0, "failed": 0, "statuses": 0, "delivered": 0}
    handovers = Handover.objects.filter(due, state__in=Handover.SENDABLE_STATES).order_by("pk")
    for pk in handovers.values_list("pk", flat=True)[:limit]:
        handover = handover_deliver(handover_id=pk, transport=transport)
        if handover is None:
            continue
        counts["handovers"] += 1
        if handover.state in (Handover.State.ACCEPTED_REMOTE, Handover.State.CONCLUDED):
            counts["registered"] += 1
        elif handover.state == Handover.State.FAILED:
            counts["failed"] += 1
    reports = StatusReport.objects.filter(due, state=StatusReport.State.PENDING).order_by("pk")
    for pk in reports.values_list("pk", flat=True)[:limit]:
        report = status_report_deliver(report_id=pk, transport=transport)
        if report is None:
            continue
        counts["statuses"] += 1
        if report.state == StatusReport.State.DELIVERED:
            counts["delivered"] += 1
        elif report.state == StatusReport.State.FAILED:
            counts["failed"] += 1
    return counts
