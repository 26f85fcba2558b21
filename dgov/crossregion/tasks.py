"""Celery tasks of cross-region handling: they take ids and call a service."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="dgov.crossregion.deliver", ignore_result=True)
def deliver(kind: str, pk: int) -> None:
    """One delivery attempt of a handover ("handover") or a status report ("status")."""
    from dgov.crossregion.services import handover_deliver, status_report_deliver

    if kind == "handover":
        handover_deliver(handover_id=pk)
    elif kind == "status":
        status_report_deliver(report_id=pk)
    else:
        logger.warning("Unknown cross-region message kind %r", kind)


@shared_task(name="dgov.crossregion.send_pending", ignore_result=True)
def send_pending() -> None:
    """Every due message of both outboxes (retries): run it every few minutes."""
    from dgov.crossregion.services import send_pending as sweep

    counts = sweep()
    if counts["handovers"] or counts["statuses"]:
        logger.info("Cross-region messages sent: %s", counts)
